// === Tracking: linking containers into the collector's lists, and the allocation accounting ===
// CPython tracks a container at creation (_PyObject_GC_Link, PyObject_GC_Track) and counts it in
// generation 0 (allocations − deallocations since the last collection, as PyObject_GC_Del). Every
// container allocation and death passes here, so the collector's say is data set at its init (the
// list new containers join), not a call: see contract.ts.

import { FLAG_CANDIDATE, FLAG_TRACKED, GC_NEXT, GC_PREV, INFO, SET_GC_NEXT, SET_GC_PREV, SET_INFO } from "../layout";
import { COUNTS, GEN_HEAD } from "./generations";
import { candidateTaken } from "./candidates";

/** The list new containers join (generation 0's head unless the collector says otherwise). */
let trackHead: usize = GEN_HEAD(0);
export function setTrackGeneration(g: u32): void { trackHead = GEN_HEAD(g); }

/** Links a new (or re-tracked) container at the end of the collector's list and counts it. */
// @ts-ignore: decorator
@inline export function track(p: usize): void {
  let head = trackHead;
  let last = GC_PREV(head);
  SET_GC_NEXT(p, head);
  SET_GC_PREV(p, last);
  SET_GC_NEXT(last, p);
  SET_GC_PREV(head, p);
  store<u32>(COUNTS, load<u32>(COUNTS) + 1);
}

/** Unlinks a tracked container (from whichever list holds it), clears TRACKED, and uncounts it. */
// @ts-ignore: decorator
@inline export function untrack(p: usize): void {
  let next = GC_NEXT(p), prev = GC_PREV(p);
  SET_GC_NEXT(prev, next);
  SET_GC_PREV(next, prev);
  let info = INFO(p);
  if (info & FLAG_CANDIDATE) candidateTaken(); // a candidate that died: it leaves the candidate list here
  SET_INFO(p, info & ~(FLAG_TRACKED | FLAG_CANDIDATE));
  let c = load<u32>(COUNTS);
  if (c) store<u32>(COUNTS, c - 1); // allocations minus deallocations, as PyObject_GC_Del
}
