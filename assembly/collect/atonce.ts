// === Freeing a collection's garbage at once (capability freesGarbageAtOnce: the hybrid) ===
// CPython's delete_garbage clears the garbage object by object (tp_clear): each clear decrements
// the rest of the garbage, whose counts reach zero one cascade at a time, every death through the
// full refcount-death path (W2: half of a collection). When no object of the garbage has a
// finalizer or a weakref, nothing of it can run host code or be resurrected, so it can go at once:
//
//   inside   garbage that references nothing outside itself (W2's rings) is freed in one walk: no
//            count is touched, nothing dies elsewhere, nothing becomes a candidate
//   outside  otherwise every reference inside the garbage is dropped first (slot cleared, count
//            decremented, no candidate: the garbage is COLLECTING), then each object dies in list
//            order, releasing its references to the objects outside as any death does
//
// The difference a program can see is the order of the deaths this causes outside the garbage
// (their finalizers and weakref callbacks): in list order here, in the order the clearing cascade
// reaches them in CPython. Hence a capability, which CPython's collectors (generational,
// incremental) do not declare. Garbage with finalizers or weakrefs, any weak map or weakref object
// in it, and the debug flags take trial.ts's deleteGarbage: PEP 442's steps stay exact.

import { FLAG_COLLECTING, FLAG_TRACKED, GC_NEXT, INFO, RC, SET_INFO, SET_RC, TYPE_ID_MASK } from "../layout";
import { KIND_FIXED, KIND_REFARRAY, LIST_CAPACITY, LIST_ITEMS, T_KIND, TYPE } from "../types";
import { decref, incref, pendingMark, releaseDiedSince } from "../rc";
import { freeObjectOfType, freeStorage } from "../object";
import { listIsEmpty, listMove } from "./generations";
import { untrackList } from "./track";
import { runFrom, runTo } from "./visit";

/** The collector declares freesGarbageAtOnce (set at init, as candidates.ts's candidatesOn). */
export let freesAtOnce = false;
export function setFreesAtOnce(on: bool): void { freesAtOnce = on; }

/** The garbage holds a kind this file does not free (weak maps, weakrefs). */
// @ts-ignore: decorator
@inline export const OTHER_KIND: i32 = -1;

/**
 * One object of the garbage (COLLECTING set) added to `outside`, the references from the garbage to
 * objects outside it so far, or OTHER_KIND (which sticks). trial.ts's finishCollection calls it in
 * the walk that reads the garbage's header bits: no walk of its own.
 */
// @ts-ignore: decorator
@inline export function addOutside(p: usize, outside: i32): i32 {
  let t = TYPE(INFO(p) & TYPE_ID_MASK);
  let kind = T_KIND(t);
  if (outside < 0 || (kind != KIND_FIXED && kind != KIND_REFARRAY)) return OTHER_KIND;
  for (let s = runFrom(p, t), e = runTo(p, t); s < e; s += 4) {
    let c = load<usize>(s);
    if (c && !(INFO(c) & FLAG_COLLECTING)) outside++;
  }
  return outside;
}

/** Frees garbage that references only itself: one walk, no count touched. */
function freeClosed(garbage: usize, m: u32): void {
  let p = GC_NEXT(garbage);
  while (p != garbage) {
    let next = GC_NEXT(p);
    let info = INFO(p);
    let t = TYPE(info & TYPE_ID_MASK);
    if (T_KIND(t) == KIND_REFARRAY) {
      let items = load<usize>(p, LIST_ITEMS);
      if (items) freeStorage(items, load<usize>(p, LIST_CAPACITY));
    }
    SET_INFO(p, info & ~(FLAG_TRACKED | FLAG_COLLECTING)); // untracked with the whole list, below
    freeObjectOfType(p, t);
    p = next;
  }
  untrackList(garbage, m);
}

/** Drops every reference inside the garbage, each object held once meanwhile (as deleteGarbage's incref). */
function dropInside(garbage: usize): void {
  for (let p = GC_NEXT(garbage); p != garbage; p = GC_NEXT(p)) {
    incref(p);
    let t = TYPE(INFO(p) & TYPE_ID_MASK);
    for (let s = runFrom(p, t), e = runTo(p, t); s < e; s += 4) {
      let c = load<usize>(s);
      if (c && (INFO(c) & FLAG_COLLECTING)) { store<usize>(s, 0); SET_RC(c, RC(c) - 1); }
    }
  }
}

/**
 * Frees the `m` objects of `garbage` at once when they allow it (see above), `outside` what
 * addOutside found for them; survivors (held by host code that reached them meanwhile) join `old`.
 * Returns the objects visited (trial.ts's work count: the pass that drops the references inside),
 * or -1, with nothing changed, when they do not allow it.
 */
export function freeAtOnce(garbage: usize, old: usize, m: u32, outside: i32): i32 {
  if (outside == OTHER_KIND) return -1;
  if (outside == 0) { freeClosed(garbage, m); return 0; }
  dropInside(garbage);
  // each object's count is now 1 (the hold): its death releases its references outside, and what
  // those deaths run may reach this collection's objects only through the gc module's listings
  let mark = pendingMark();
  while (!listIsEmpty(garbage)) {
    let p = GC_NEXT(garbage);
    decref(p);
    releaseDiedSince(mark);
    if (GC_NEXT(garbage) == p) { SET_INFO(p, INFO(p) & ~FLAG_COLLECTING); listMove(p, old); }
  }
  return <i32>m;
}
