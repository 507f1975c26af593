// === Generations: the lists of tracked containers, their counts and thresholds ===
// As CPython 3.12's gcmodule.c: three generations plus the permanent one (gc.freeze). Every
// container is tracked at creation and appended to generation 0 through its gcNext/gcPrev links;
// a collection of generation g merges the younger ones into g and moves its survivors to g + 1.
// Counts: gen0 = container allocations - deallocations since the last collection; gen1 = gen0
// collections since the last gen1 collection; gen2 = gen1 collections since the last full one.

import { GC_NEXT, GC_PREV, SET_GC_NEXT, SET_GC_PREV } from "../layout";

// the generation numbers cross the boundary (gcGenerationHead/Length, gcCounts): boundary.json
export { NUM_GENERATIONS, PERMANENT } from "../generated/boundary";
import { NUM_GENERATIONS, PERMANENT } from "../generated/boundary";

/** Four list heads (gen 0, 1, 2, permanent): fake container headers whose gcNext/gcPrev are used. */
export const GENS: usize = memory.data(<i32>(PERMANENT + 1) << 4, 8);
// @ts-ignore: decorator
@inline export function GEN_HEAD(g: u32): usize { return GENS + (<usize>g << 4); }

export const COUNTS: usize = memory.data(<i32>NUM_GENERATIONS << 2, 4);
export const THRESHOLDS: usize = memory.data<u32>([700, 10, 10]);
// @ts-ignore: decorator
@inline export function COUNT(g: u32): u32 { return load<u32>(COUNTS + (<usize>g << 2)); }
// @ts-ignore: decorator
@inline export function SET_COUNT(g: u32, v: u32): void { store<u32>(COUNTS + (<usize>g << 2), v); }
// @ts-ignore: decorator
@inline export function THRESHOLD(g: u32): u32 { return load<u32>(THRESHOLDS + (<usize>g << 2)); }

export function generationsInit(): void {
  for (let g: u32 = 0; g <= PERMANENT; g++) {
    let h = GEN_HEAD(g);
    SET_GC_NEXT(h, h);
    SET_GC_PREV(h, h);
  }
}

export function setThreshold(g: u32, v: u32): void {
  if (g == 2 && thirdThresholdUnused) { unusedThreshold = v; return; } // kept, never reported (CPython 3.14: old[1].threshold)
  store<u32>(THRESHOLDS + (<usize>g << 2), v);
}
/** CPython 3.14's collector reads no third threshold: get_threshold() reports 0 for it, whatever was set. */
export let thirdThresholdUnused = false;
export function setThirdThresholdUnused(): void { thirdThresholdUnused = true; }
export let unusedThreshold: u32 = 0;


// @ts-ignore: decorator
@inline export function listIsEmpty(head: usize): bool { return GC_NEXT(head) == head; }

/** Appends every object of `from` to `to` (O(1)); `from` becomes empty. */
export function listMerge(from: usize, to: usize): void {
  if (listIsEmpty(from)) return;
  let toLast = GC_PREV(to);
  let first = GC_NEXT(from), last = GC_PREV(from);
  SET_GC_NEXT(toLast, first);
  SET_GC_PREV(first, toLast);
  SET_GC_NEXT(last, to);
  SET_GC_PREV(to, last);
  SET_GC_NEXT(from, from);
  SET_GC_PREV(from, from);
}

/** Number of objects on a list. */
export function listLength(head: usize): u32 {
  let n: u32 = 0;
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) n++;
  return n;
}

/** Moves the run first..last (linked, on some list) to the end of list `to`. */
// @ts-ignore: decorator
@inline export function listMoveRun(first: usize, last: usize, to: usize): void {
  let before = GC_PREV(first), after = GC_NEXT(last);
  SET_GC_NEXT(before, after);
  SET_GC_PREV(after, before);
  let tail = GC_PREV(to);
  SET_GC_NEXT(tail, first);
  SET_GC_PREV(first, tail);
  SET_GC_NEXT(last, to);
  SET_GC_PREV(to, last);
}

/** Moves p (on some list) to the end of list `to`. */
export function listMove(p: usize, to: usize): void { listMoveRun(p, p, to); }
