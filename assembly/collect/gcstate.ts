// === What the collectors share with the core: the gc module's switches, the trigger, statistics ===
// CPython keeps these in its GCState. A leaf: object.ts, rc.ts and the collectors read it, and the
// chosen collector (contract.ts) sets the trigger and the automatic step at init.

import { THRESHOLD } from "./generations";

export let gcEnabled = true;
/** A collection is in progress (also during its stop callbacks, as CPython: a nested collect() returns 0). */
export let collecting = false;
export let debugFlags: u32 = 0;
/** Finalizer mode 'legacy' (Python 2): a cycle holding a finalizer is uncollectable. */
export let legacyFinalizers = false;
/**
 * CPython 3.14's weakref order in a collection (gh-135552, gc.c's handle_weakref_callbacks and
 * clear_weakrefs): weakrefs without a callback to the garbage are cleared after the finalizers, not
 * before. Capability lateWeakrefClearing (index.ts sets it at init); 3.12's order clears them all first.
 */
export let lateWeakrefClearing = false;
export function setLateWeakrefClearing(on: bool): void { lateWeakrefClearing = on; }
/** Objects an automatic step may gather before it stops (0 = no limit; the host derives it from gc.setPauseBudget). */
export let stepWorkLimit: u32 = 0;

// debug flags (gc.set_debug) and the statistics record cross the boundary: boundary.json
export { DEBUG_STATS, DEBUG_COLLECTABLE, DEBUG_UNCOLLECTABLE, DEBUG_SAVEALL } from "../generated/boundary";
import { GEN_STATS_WORDS, NUM_GENERATIONS } from "../generated/boundary";

/** Per generation: collections, collected, uncollectable (u32 each). */
export const GEN_STATS: usize = memory.data(<i32>(NUM_GENERATIONS * GEN_STATS_WORDS) << 2, 4);

/** gc.setRoot: the program's global namespace (CPython's sys and builtins dicts), 0 for none; the heap holds a reference. */
export let rootObject: usize = 0;
export function setRootObject(p: usize): void { rootObject = p; }

/** CPython's GEN_HEAD(1), which gc.get_referrers walks after generation 0: 1, or the incremental collector's visited space. */
export let visitedList: u32 = 1;
export function setVisitedList(g: u32): void { visitedList = g; }

export function setGcEnabled(on: bool): void { gcEnabled = on; }
export function setCollecting(on: bool): void { collecting = on; }
export function setDebugFlags(f: u32): void { debugFlags = f; }
export function setLegacyFinalizers(on: bool): void { legacyFinalizers = on; }
export function setStepWorkLimit(n: u32): void { stepWorkLimit = n; }

// ── the automatic trigger ──
// Checked before every container allocation, so it is data, not a call into the collector: the
// collector names the u32 counter compared with threshold 0 (generation 0's count, the candidate
// count...) and the step that runs when it is exceeded. A function reference, because a direct
// import would close a cycle (object.ts → collector → trial deletion → rc.ts → object.ts); the
// step runs once per threshold allocations, so the indirect call costs nothing measurable.

/** A u32 that stays 0: the counter of a collector that never collects automatically. */
const NO_COUNTER: usize = memory.data(4, 4);
/** Address of the counter compared with threshold 0 (NO_COUNTER: never collect automatically). */
export let triggerCounter: usize = NO_COUNTER;
function noStep(): void {}
/** The collector's automatic collection (its contract's step()). */
export let stepHook: () => void = noStep;

function noCollect(g: u32): i32 { return 0; }
/** The chosen collector's collectGeneration (set by the registry at init). */
export let collectHook: (g: u32) => i32 = noCollect;
export function setCollectHook(fn: (g: u32) => i32): void { collectHook = fn; }
/**
 * A collection of generation g by the heap's collector, for AssemblyScript embedders (the host
 * calls the gcCollect export): the number of unreachable objects found (docs/embedding.md).
 */
export function collect(g: u32): i32 { enterCollector(); let n = collectHook(g); leaveCollector(); return n; }

// ── breaches of the collector contract the shared code can see ──
// A collector from outside the repository (docs/collectors.md) that breaks the contract must not
// leave a heap that silently never collects again: what the shared code notices is kept here and
// verify() reports it (verify.ts).

/** Calls into the collector (collectGeneration, step) running now: nested ones come from finalizers. */
let collectorCalls: u32 = 0;
/** The first breach seen (a static string), 0 for none. */
export let contractFault: usize = 0;
/** Records a breach of the collector contract; later ones are ignored. */
export function collectorFault(msg: string): void { if (!contractFault) contractFault = changetype<usize>(msg); }
export function enterCollector(): void { collectorCalls++; }
/** After a call into the collector: the outermost one must end with `collecting` clear (finishCollection clears it). */
export function leaveCollector(): void {
  if (--collectorCalls == 0 && collecting) collectorFault("collector contract: a collection returned with `collecting` still set (it must end with finishCollection), so no collection can run again");
}
/** The automatic step (its collector's step()), counted as a call into the collector. */
export function runStep(): void { enterCollector(); stepHook(); leaveCollector(); }

/** Chooses what the automatic trigger compares and runs (a collector's init()). */
export function setTrigger(counter: usize, step: () => void): void {
  triggerCounter = counter;
  stepHook = step;
}

/** Is an automatic collection due before the next container allocation? */
// @ts-ignore: decorator
@inline export function collectionDue(): bool {
  let t0 = THRESHOLD(0);
  // the count first: it exceeds threshold 0 once per threshold0 allocations, so one branch is all
  // the other allocations pay (threshold 0 disables, as CPython's)
  if (load<u32>(triggerCounter) <= t0) return false;
  return gcEnabled && !collecting && t0 != 0;
}

/** Called before a container is allocated. */
// @ts-ignore: decorator
@inline export function maybeCollect(): void {
  if (collectionDue()) runStep();
}
