// === Phase observation: the collector reports where it is (the explorer, and tests of each step) ===
// gcPhase(PHASE_START, g, ...) starts every collection and gcPhase(PHASE_STOP, g, collected,
// uncollectable, candidates) ends it (the gc callbacks). When observation is on, trial.ts also reports each step
// boundary, where the lists are consistent (doubly linked, no UNREACHABLE marks) and gc_refs can be
// read in each COLLECTING object's gcPrev word. Off: one predicted branch per step.

import { HOOK_GC_PHASE, fromHost, toHost } from "../entry";

// @ts-ignore: decorator
@external("host", "gcPhase")
declare function gcPhaseImport(phase: i32, generation: i32, collected: i32, uncollectable: i32, candidates: i32): void;
// Host calls are counted (entry.ts): deaths the host causes meanwhile join rc.ts's worklist.
// @ts-ignore: decorator
@inline export function hostGcPhase(phase: i32, generation: i32, collected: i32, uncollectable: i32, candidates: i32): void {
  toHost(HOOK_GC_PHASE); gcPhaseImport(phase, generation, collected, uncollectable, candidates); fromHost();
}

// The codes (and what each step's listA/listB hold) cross the boundary: boundary.json's phases.
export {
  PHASE_START, PHASE_STOP, PHASE_MERGED, PHASE_GATHERED, PHASE_REFS_COPIED, PHASE_INTERNAL_SUBTRACTED, PHASE_UNREACHABLE_MOVED,
  PHASE_WEAKREFS_HANDLED, PHASE_FINALIZED, PHASE_RESURRECTION_CHECKED, PHASE_CLEARED, PHASE_PROMOTED,
} from "../generated/boundary";

export let observePhases = false;
export function setObservePhases(on: bool): void { observePhases = on; }

/** The generation being collected, for the reports of the shared steps. */
export let phaseGeneration: u32 = 0;
export function setPhaseGeneration(g: u32): void { phaseGeneration = g; }

/** A step boundary (reported only while observation is on). */
// @ts-ignore: decorator
@inline export function phase(code: i32, g: u32, listA: usize, listB: usize = 0): void {
  if (observePhases) hostGcPhase(code, <i32>g, <i32>listA, <i32>listB, 0);
}
