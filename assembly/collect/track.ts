// === Tracking: linking containers into the collector's lists, and the allocation accounting ===
// CPython tracks a container at creation (_PyObject_GC_Link, PyObject_GC_Track) and counts it in
// generation 0 (allocations − deallocations since the last collection, as PyObject_GC_Del). Every
// container allocation and death passes here, so the collector's say is data set at its init (the
// list new containers join), not a call: see contract.ts.

import { FLAG_CANDIDATE, FLAG_TRACKED, GC_NEXT, GC_PREV, INFO, SET_GC_NEXT, SET_GC_PREV, SET_INFO } from "../layout";
import { COUNTS, GEN_HEAD } from "./generations";
import { candidateTaken } from "./candidates";

/** Tracked containers (CPython 3.14's heap_size): track adds one, untrack takes one away. */
export let heapSize: u32 = 0;
/** Header bits a newly tracked container gets in place of trackMask's (the incremental collector's not-visited space). */
let trackBits: u32 = 0;
let trackMask: u32 = 0;
export function setTrackBits(mask: u32, bits: u32): void { trackMask = mask; trackBits = bits; }

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
  heapSize++;
  if (trackMask) SET_INFO(p, (INFO(p) & ~trackMask) | trackBits);
}

/** Unlinks a tracked container (from whichever list holds it), clears TRACKED, and uncounts it. */
// @ts-ignore: decorator
@inline export function untrack(p: usize): void {
  unlinkTracked(p);
  untracked(1);
}

/** untrack without the counts: for a caller that untracks several objects and counts them once (untracked). */
// @ts-ignore: decorator
@inline export function unlinkTracked(p: usize): void {
  let next = GC_NEXT(p), prev = GC_PREV(p);
  SET_GC_NEXT(prev, next);
  SET_GC_PREV(next, prev);
  let info = INFO(p);
  if (info & FLAG_CANDIDATE) candidateTaken(); // a candidate that died: it leaves the candidate list here
  SET_INFO(p, info & ~(FLAG_TRACKED | FLAG_CANDIDATE));
}

/** Uncounts `n` untracked objects: n decrements of generation 0's count, each clamped at 0 (as PyObject_GC_Del). */
// @ts-ignore: decorator
@inline export function untracked(n: u32): void {
  let c = load<u32>(COUNTS);
  store<u32>(COUNTS, c > n ? c - n : 0);
  heapSize -= n;
}

/**
 * Untracks, as untrack would one by one, the `n` objects of a whole list that die together (none
 * a candidate; their TRACKED bits are the caller's to clear): the list is left empty.
 */
export function untrackList(head: usize, n: u32): void {
  SET_GC_NEXT(head, head);
  SET_GC_PREV(head, head);
  untracked(n);
}
