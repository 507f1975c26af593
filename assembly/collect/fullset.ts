// === A full collection's set, and when walking its list costs a cache miss per object ===
// A full collection examines every tracked, unfrozen container: membership is in each header, so
// a pass may meet members before it walks them (trial.ts copyAndSubtract) or walk the heap
// instead of the list (addressorder.ts: the recycler and hybrid relink their set in address order
// when its list is scattered: mostly steps to nearby memory, or not).

import { FLAG_FROZEN, FLAG_TRACKED } from "../layout";

/** A container of a full collection's set (its info word): tracked and not frozen. */
// @ts-ignore: decorator
@inline export function inFullSet(info: u32): bool { return (info & (FLAG_TRACKED | FLAG_FROZEN)) == FLAG_TRACKED; }

/** A step along a list from prev to p further than a page (a likely cache and TLB miss). */
// @ts-ignore: decorator
@inline export function farStep(prev: usize, p: usize): bool { return (p > prev ? p - prev : prev - p) > 4096; }

/**
 * After n steps, `far` of them far: scattered once more than one step in 16 (and more than 64 in
 * all) was. W7's first tsc graph (269,397 nodes, snapshot order) stepped more than a page at every other object; a list in allocation
 * order (W3a) at about one in 300.
 */
// @ts-ignore: decorator
@inline export function scattered(far: u32, n: u32): bool { return far > (n >> 4) + 64; }
