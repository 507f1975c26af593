// === Address order: a full collection's set rebuilt by walking the heap ===
// Gathering, the candidate list and trial deletion's moveUnreachable reorder a collector's lists
// (issue 16, W3a: a list left breadth first across a million objects missed the cache on nearly
// every object of every pass). A full collection can instead link its set in address order with
// one sequential pass over the allocator's live blocks (its cursor: address order for every
// built-in allocator): the passes that follow walk memory forwards, and parents allocated before
// their children come before them. Used by the recycler and the hybrid collector.

import { FLAG_CANDIDATE, GC_NEXT, GC_PREV, INFO, SET_GC_NEXT, SET_GC_PREV, SET_INFO } from "../layout";
import { farStep, inFullSet, scattered } from "./fullset";
import { countVisits } from "./trial";
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
 * Does a walk along the list mostly step to nearby memory (at most one step in 16 further than a
 * page)? Stops as soon as it cannot be so: one pass over a sequential list, a few objects of a
 * scattered one. (Not "ascending": a breadth-first order across many trees ascends too, one tree
 * after another, a page apart at each step.)
 */
export function mostlySequential(head: usize): bool {
  let prev = head, n: u32 = 0, far: u32 = 0;
  let ok = true;
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) {
    n++;
    if (farStep(prev, p) && scattered(++far, n)) { ok = false; break; }
    prev = p;
  }
  countVisits(n);
  return ok;
}
