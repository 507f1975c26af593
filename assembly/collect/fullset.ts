// === A full collection's set ===
// A full collection examines every tracked, unfrozen container: membership is in each header, so
// a pass may meet members before it walks them (trial.ts copyAndSubtract) or walk the heap
// instead of the list (addressorder.ts: the recycler and hybrid relink their set in address order
// when more than one object in 16 left its place on their lists since the last full collection).

import { FLAG_FROZEN, FLAG_TRACKED } from "../layout";

/** A container of a full collection's set (its info word): tracked and not frozen. */
// @ts-ignore: decorator
@inline export function inFullSet(info: u32): bool { return (info & (FLAG_TRACKED | FLAG_FROZEN)) == FLAG_TRACKED; }
