// === Phase observation: the collector reports where it is (the explorer, and tests of each step) ===
// gcPhase(0, g, ...) starts every collection and gcPhase(1, g, collected, uncollectable,
// candidates) ends it (the gc callbacks). When observation is on, trial.ts also reports each step
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

// @ts-ignore: decorator
@inline export const PHASE_START: i32 = 0;               // a collection of generation g begins
// @ts-ignore: decorator
@inline export const PHASE_STOP: i32 = 1;                // it ended: collected, uncollectable, candidates
// @ts-ignore: decorator
@inline export const PHASE_MERGED: i32 = 2;              // listA: the set (generations 0..g merged)
// @ts-ignore: decorator
@inline export const PHASE_GATHERED: i32 = 3;            // recycler: listA: the candidates' subgraph
// @ts-ignore: decorator
@inline export const PHASE_REFS_COPIED: i32 = 4;         // listA: the set, gc_refs = refcount
// @ts-ignore: decorator
@inline export const PHASE_INTERNAL_SUBTRACTED: i32 = 5; // listA: the set, gc_refs = external references
// @ts-ignore: decorator
@inline export const PHASE_UNREACHABLE_MOVED: i32 = 6;   // listA: reachable, listB: unreachable
// @ts-ignore: decorator
@inline export const PHASE_WEAKREFS_HANDLED: i32 = 7;    // listB: unreachable (weakrefs to it cleared, callbacks run)
// @ts-ignore: decorator
@inline export const PHASE_FINALIZED: i32 = 8;           // listB: unreachable (finalizers run)
// @ts-ignore: decorator
@inline export const PHASE_RESURRECTION_CHECKED: i32 = 9; // listA: older generation (resurrected joined it), listB: still unreachable
// @ts-ignore: decorator
@inline export const PHASE_CLEARED: i32 = 10;            // listA: older generation; the garbage is freed
// @ts-ignore: decorator
@inline export const PHASE_PROMOTED: i32 = 11;           // listA: the generation the survivors are in

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
