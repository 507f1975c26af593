// === The generational cycle collector: CPython 3.12's Modules/gcmodule.c ===
// Refcounting frees everything but cycles. Every container is tracked in generation 0 at creation;
// a collection of generation g merges generations 0..g, finds their garbage with trial deletion
// (trial.ts) and moves the survivors to generation g + 1. Automatic collections follow CPython's
// thresholds (700, 10, 10: generations.ts), with the 25 % rule for full collections (issue #4074).
// After each step of a collection:
//   merge            generations 0..g are one list, the set (PHASE_MERGED)
//   deduce .. delete trial.ts (the set's garbage is freed, resurrected objects joined g + 1)
//   promote          survivors are in generation g + 1 (or stay in 2)

import { COUNTS, COUNT, GEN_HEAD, NUM_GENERATIONS, SET_COUNT, THRESHOLD, listLength, listMerge } from "./generations";
import { collecting, setCollecting, setTrigger } from "./gcstate";
import { setTrackGeneration } from "./track";
import { PHASE_MERGED, PHASE_START, hostGcPhase, phase, setPhaseGeneration } from "./phases";
import { UNREACHABLE, deduceUnreachable, finishCollection, reachableCount } from "./trial";
import { GC_CAP_COLLECTS_CYCLES, GC_CAP_GENERATIONS } from "../generated/capabilities";

export const CAPABILITIES: u32 = GC_CAP_COLLECTS_CYCLES | GC_CAP_GENERATIONS;

// Kept where embedders import it from (docs/embedding.md, before the collectors were split): a
// collection by the heap's collector, whichever it is. This collector's own is collectGeneration.
export { collect } from "./gcstate";

/** Objects promoted to generation 2 since the last full collection, and those that survived it. */
let longLivedPending: u32 = 0;
let longLivedTotal: u32 = 0;

export function init(): void {
  setTrackGeneration(0);
  setTrigger(COUNTS, step);
}

/** Collects generation g (0..2). Returns the number of unreachable objects found (collected + uncollectable). */
export function collectGeneration(g: u32): i32 {
  if (collecting) return 0;
  setCollecting(true);
  hostGcPhase(PHASE_START, <i32>g, 0, 0, 0);
  if (g + 1 < NUM_GENERATIONS) SET_COUNT(g + 1, COUNT(g + 1) + 1);
  for (let i: u32 = 0; i <= g; i++) SET_COUNT(i, 0);
  // merge younger generations into g
  for (let i: u32 = 0; i < g; i++) listMerge(GEN_HEAD(i), GEN_HEAD(g));
  let young = GEN_HEAD(g);
  let old = g + 1 < NUM_GENERATIONS ? GEN_HEAD(g + 1) : young;
  setPhaseGeneration(g);
  phase(PHASE_MERGED, g, young);

  // a full collection's set is every tracked, unfrozen container: its copy and subtraction share a walk (trial.ts)
  let wholeSet = young == old;
  let candidates = deduceUnreachable(young, UNREACHABLE, true, wholeSet);
  if (isDefined(ASC_HEAP_DEBUG)) assert(reachableCount == listLength(young), "the deduction's survivor count is the young list's length");
  // survivors move on
  if (young != old) {
    // gc_list_size(young) in CPython: the survivors, counted by the deduction
    if (g == 1) longLivedPending += reachableCount;
    listMerge(young, old);
  } else {
    longLivedPending = 0;
    longLivedTotal = reachableCount;
  }
  return finishCollection(g, old, candidates);
}

/** The automatic trigger: the oldest generation over its threshold, with the 25% rule for gen 2. */
export function step(): void {
  for (let i = <i32>NUM_GENERATIONS - 1; i >= 0; i--) {
    let g = <u32>i;
    if (COUNT(g) > THRESHOLD(g)) {
      // a full collection only when the objects awaiting it are 25% of the long-lived ones (issue #4074)
      if (g == 2 && longLivedPending < longLivedTotal / 4) continue;
      collectGeneration(g);
      break;
    }
  }
}

/** Unfrozen objects (gc.unfreeze) join the oldest generation, as CPython's. */
export function thawGeneration(): u32 { return NUM_GENERATIONS - 1; }

/** Its own invariants: nothing beyond the shared checks (verify.ts lists, candidates.ts candidates). */
export function check(): void {}
