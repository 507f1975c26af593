// === Address order: a full collection's set rebuilt by walking the heap ===
// Gathering, the candidate list and trial deletion's moveUnreachable reorder a collector's lists
// (issue 16, W3a: a list left breadth first across a million objects missed the cache on nearly
// every object of every pass). A full collection can instead link its set in address order with
// one sequential pass over the allocator's live blocks (its cursor: address order for every
// built-in allocator): the passes that follow walk memory forwards, and parents allocated before
// their children come before them. Used by the recycler and the hybrid collector, when more than
// one object in 16 left its place since the last full collection: address order is not better
// than allocation order, which trial deletion keeps (a graph of many sizes, allocated depth first,
// steps across the pools of the other sizes in address order: W7 tsc-lib took twice as long).

import { FLAG_CANDIDATE, GC_NEXT, GC_PREV, INFO, SET_GC_NEXT, SET_GC_PREV, SET_INFO } from "../layout";
import { inFullSet } from "./fullset";
import { allocatorCursorNext, allocatorCursorStart } from "../generated/registry";

/**
 * Links every tracked, unfrozen container at the end of list `to`, in address order, with
 * CANDIDATE cleared; returns how many. Every such container is relinked, so the caller empties the
 * lists they were on (listInit) and the candidate count: they are all its lists but the permanent one
 * (verify: every tracked object is on exactly one list, the frozen ones on the permanent list).
 */
export function linkInAddressOrder(to: usize): u32 {
  let n: u32 = 0;
  let last = GC_PREV(to);
  allocatorCursorStart();
  for (let p = allocatorCursorNext(); p; p = allocatorCursorNext()) {
    let info = INFO(p);
    if (!inFullSet(info)) continue;
    if (info & FLAG_CANDIDATE) SET_INFO(p, info & ~FLAG_CANDIDATE);
    SET_GC_NEXT(last, p);
    SET_GC_PREV(p, last);
    last = p;
    n++;
  }
  SET_GC_NEXT(last, to);
  SET_GC_PREV(to, last);
  return n;
}

/**
 * Objects taken out of their place on a collector's lists since its last full collection
 * (candidates, gathered objects, those trial deletion moved back breadth first): all at the end
 * of a list, in the order of a walk. The recycler and hybrid count them as they move them.
 */
let displaced: u32 = 0;
export function displace(n: u32): void { displaced += n; }

/**
 * At a full collection over `heapSize` containers: is relinking in address order due (more than
 * one object in 16 out of place)? Starts the count again.
 */
export function relinkDue(heapSize: u32): bool {
  let due = <u64>displaced * 16 > <u64>heapSize;
  displaced = 0;
  return due;
}

/** A new heap: nothing out of place. */
export function displacedReset(): void { displaced = 0; }

