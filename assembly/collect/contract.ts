// === The collector contract: what every collector module exports, and what the core gives it ===
// One module per collector (generational.ts, recycler.ts, none.ts, or a file from outside the
// repository built with --collector, docs/collectors.md). The generated registry
// (strategies.json -> generated/collectors.ts) is the only code that calls them, one switch on the
// code chosen at init. There is nothing to import from this file: it is the written contract, as
// alloc/contract.ts is for allocators (the build checks the exports exist).
//
//   export const CAPABILITIES: u32      GC_CAP_* bits (generated/capabilities.ts, named in
//                                       strategies.json), 0 for none; the host reads them
//   init(): void                        called once at heap init, after the lists exist
//                                       (generations.ts): says where new containers go, whether
//                                       decrements feed candidates, and what triggers a step
//   collectGeneration(g: u32): i32      gc.collect(g), g in 0..2: the unreachable objects found
//                                       (collected + uncollectable); 0 while `collecting`
//   step(): void                        the automatic collection, run when collectionDue()
//   thawGeneration(): u32               the generation gc.unfreeze() moves frozen objects to
//   check(): void                       its own invariants, for verify (fail(msg, p), read-only)
//
// The hooks the core calls on hot paths are data the collector sets in init(), not calls into it:
// rc.ts and object.ts run them on every allocation and decrement, and a direct call would close an
// import cycle (collector → trial.ts → rc.ts → collector):
//   track / untrack       track.ts links a new container into list setTrackGeneration(g) and
//                         unlinks it at death, counting it in COUNT(0) either way (the allocation
//                         accounting: allocations − deallocations, as CPython's gen-0 count)
//   decrement to non-zero candidates.ts buffers the object as a candidate root when
//                         setCandidatesOn(true) (capability needsDecrementHook): CANDIDATE set,
//                         on generation 0's list, counted in CANDIDATE_COUNT
//   collection due        gcstate.ts compares the u32 at setTrigger(counter, step) with threshold
//                         0 before each container allocation (never, if init sets no trigger)
//   automatic step        ... and then calls that step (a function reference: once per threshold)
//
// What the core guarantees: every live container is tracked on exactly one of the lists of
// generations.ts (0..2 and the permanent one) with TRACKED set and COLLECTING clear between
// collections; a frozen object (FROZEN) is on the permanent list and must never be gathered. A
// collection sets `collecting` (gcstate.ts) first, reports PHASE_START (phases.ts), chooses its set
// as a list of tracked containers, runs trial.ts's deduceUnreachable on it, puts the survivors
// where they belong, and ends with finishCollection, which frees the garbage, counts it, reports
// PHASE_STOP and clears `collecting`. Shared mechanisms to compose over: trial.ts (the pipeline),
// candidates.ts (candidate roots), generations.ts (lists, counts, thresholds), visit.ts (the
// child cursor), phases.ts (step reports).
