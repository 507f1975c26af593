// === Weak references: per-object lists, clearing at death, callbacks ===
// After CPython's Objects/weakrefobject.c. A weakrefable type has a weak-list slot (its
// __weakref__); the slot heads a doubly linked list of the weakref objects that point at it.
//
// ╒══════════ Weakref object (TYPE_WEAKREF, 32 bytes) ══════════╕
// │ refcount                                                      │ +0
// │ info (type id 2)                                              │ +4
// │ referent: borrowed; 0 once the referent has died              │ +8   WR_REFERENT
// │ prev in the referent's list                                   │ +12  WR_PREV
// │ next in the referent's list (a pending chain while clearing)  │ +16  WR_NEXT
// │ kind: callback id (bits 8..31); flags P proxy, C callback,    │ +20  WR_KIND
// │   I internal, D deferred (its death waits: see below)         │
// │ serial: creation order, to tell weakrefs made by a tp_del      │ +24  WR_SERIAL
// │   (internal weakrefs: the weak map holding the entry)          │
// │ hash: cached referent hash + 1 (0 = not computed yet)          │ +28  WR_HASH
// │   (internal weakrefs: the entry's slot index)                  │
// └───────────────────────────────────────────────────────────────┘
//
// List order (get_basic_refs / insert_head / insert_after): the shared callback-less ref first,
// then the shared callback-less proxy, then every other weakref newest first, so that callbacks,
// called in list order, run newest first (documented by CPython).
//
// Death of a referent (PyObject_ClearWeakRefs): every weakref is cleared before any callback runs;
// a weakref whose own count is 0 (itself dying) gets no callback; each callback receives its
// weakref; a callback's exception is caught by the host and reported (never unwinds the core).
//
// Deferred deaths (D). CPython frees nested: a container holding [R, W] (W a weakref to R with a
// callback) frees R, whose death calls W back, before W's slot is cleared. Here R's death may wait
// on rc.ts's worklist (DYING: host code or another death is running) while W's last reference
// goes at once: W would leave R's list first and its callback be lost. So W's death waits too:
// D set, its count left at 1, owned by R's pending death. R's death then calls W back with that
// very reference (detachWeakrefs) and releases it after the call; if R's finalizer resurrects R,
// the reference goes right after (rc.ts), as CPython frees W once R's dealloc returned.
//   set: deferWeakrefDeath (rc.ts releaseRef, W's last reference going while its referent is DYING)
//   clear: undefer (detachWeakrefs at R's death; rc.ts releaseDeferredWeakrefs if R survived)
// While R waits, W is dead to the user (the census, the raw API's checks); once R's death runs,
// W is alive again as in CPython (held by the slot not yet cleared): R's finalizer may find it.

import { FLAG_COLLECTING, FLAG_DYING, FLAG_HAS_WEAKREFS, INFO, RC, SET_INFO, SET_RC, TYPE_ID_MASK } from "./layout";
import { HOOK_WEAKREF_CALLBACK, HOOK_WEAKREF_FREED, fromHost, toHost } from "./entry";
import { T_WEAK, TYPE, TYPE_WEAKREF } from "./types";
import { newFixed } from "./object";
// the weakref layout and kind bits: boundary.json
export { WR_REFERENT, WR_PREV, WR_NEXT, WR_KIND, WR_SERIAL, WR_HASH, WR_PROXY, WR_CALLBACK, WR_INTERNAL, WR_ID_SHIFT } from "./generated/boundary";
import { WR_REFERENT, WR_PREV, WR_NEXT, WR_KIND, WR_SERIAL, WR_HASH, WR_PROXY, WR_CALLBACK, WR_INTERNAL, WR_DEFERRED, WR_ID_SHIFT } from "./generated/boundary";
export { WR_DEFERRED };

// @ts-ignore: decorator
@external("host", "weakrefCallback")
declare function hostWeakrefCallback(wr: usize, callbackId: u32): void;
// @ts-ignore: decorator
@external("host", "weakrefFreed")
declare function hostWeakrefFreed(callbackId: u32): void;


let serial: u32 = 0;
/** Weakrefs whose death waits on their referent's (D set): verify counts them. */
export let deferredWeakrefs: u32 = 0;
/** Weakrefs with a serial at or above this get no callback in the current clearing (made by a legacy finalizer). */
export let callbackSerialLimit: u32 = 0xffffffff;

/** Address of an object's weak-list slot (0 if its type is not weakrefable). */
// @ts-ignore: decorator
@inline export function weakSlot(obj: usize): usize {
  let off = T_WEAK(TYPE(INFO(obj) & TYPE_ID_MASK));
  return off ? obj + off : 0;
}

// @ts-ignore: decorator
@inline function KIND(wr: usize): u32 { return load<u32>(wr, WR_KIND); }
// @ts-ignore: decorator
@inline function isBasic(wr: usize): bool { return (KIND(wr) & WR_CALLBACK) == 0; }

/** The last callback-less weakref heading a list (the basic ref and/or basic proxy), or 0. */
function lastBasic(head: usize): usize {
  if (!head || !isBasic(head)) return 0;
  let second = load<usize>(head, WR_NEXT);
  return second && isBasic(second) ? second : head;
}

/** Links wr into obj's weak list right after `after` (0: at the head) and marks obj. */
function linkAfter(obj: usize, slot: usize, wr: usize, after: usize): void {
  let next = after ? load<usize>(after, WR_NEXT) : load<usize>(slot);
  store<usize>(wr, after, WR_PREV);
  store<usize>(wr, next, WR_NEXT);
  if (next) store<usize>(next, wr, WR_PREV);
  if (after) store<usize>(after, wr, WR_NEXT);
  else store<usize>(slot, wr);
  SET_INFO(obj, INFO(obj) | FLAG_HAS_WEAKREFS);
}

/** A weakref (or proxy) to obj; callbackId 0 = none. New reference, or 0 when out of memory. */
export function weakrefNew(obj: usize, proxy: bool, callbackId: u32): usize {
  let slot = weakSlot(obj);
  let head = load<usize>(slot);
  let last = lastBasic(head);
  // the basic ref (first, if not a proxy) and basic proxy are shared: one each per referent
  let basicRef: usize = last && !(KIND(head) & WR_PROXY) ? head : 0; // last != 0: the head is basic
  let basicProxy: usize = last && (KIND(last) & WR_PROXY) ? last : 0;
  if (!callbackId) {
    let shared = proxy ? basicProxy : basicRef;
    if (shared) { SET_RC(shared, RC(shared) + 1); return shared; }
  }
  let wr = newFixed(TYPE_WEAKREF);
  if (!wr) return 0;
  store<usize>(wr, obj, WR_REFERENT);
  store<u32>(wr, (proxy ? WR_PROXY : 0) | (callbackId ? WR_CALLBACK | (callbackId << WR_ID_SHIFT) : 0), WR_KIND);
  store<u32>(wr, serial++, WR_SERIAL);
  // basic ref at the head; basic proxy after the basic ref; the others after both (newest first)
  linkAfter(obj, slot, wr, callbackId ? last : proxy ? basicRef : 0);
  return wr;
}

/** The internal weakref of a weak-container entry: to target, for map's slot i. New reference, or 0. */
export function weakrefNewInternal(target: usize, map: usize, i: usize): usize {
  let wr = newFixed(TYPE_WEAKREF);
  if (!wr) return 0;
  store<usize>(wr, target, WR_REFERENT);
  store<u32>(wr, WR_INTERNAL | WR_CALLBACK, WR_KIND);
  store<usize>(wr, map, WR_SERIAL);
  store<usize>(wr, i, WR_HASH);
  let slot = weakSlot(target);
  linkAfter(target, slot, wr, lastBasic(load<usize>(slot))); // placed like a weakref with a callback
  return wr;
}

/** Unlinks a weakref from its referent's list and clears it (the referent pointer becomes 0). */
function unlink(wr: usize): void {
  let obj = load<usize>(wr, WR_REFERENT);
  if (!obj) return;
  let prev = load<usize>(wr, WR_PREV), next = load<usize>(wr, WR_NEXT);
  if (next) store<usize>(next, prev, WR_PREV);
  if (prev) store<usize>(prev, next, WR_NEXT);
  else {
    store<usize>(weakSlot(obj), next);
    if (!next) SET_INFO(obj, INFO(obj) & ~FLAG_HAS_WEAKREFS);
  }
  store<usize>(wr, 0, WR_REFERENT);
  store<usize>(wr, 0, WR_PREV);
  store<usize>(wr, 0, WR_NEXT);
}

/** A weakref object is being freed: leave its referent's list, let the host drop its callback. */
export function weakrefFreed(wr: usize): void {
  unlink(wr);
  let kind = KIND(wr);
  if ((kind & (WR_CALLBACK | WR_INTERNAL)) == WR_CALLBACK) {
    toHost(HOOK_WEAKREF_FREED);
    hostWeakrefFreed(kind >> WR_ID_SHIFT);
    fromHost();
  }
}

// Which detached weakrefs are owed a callback (or, for a weak-container entry, its removal):
// @ts-ignore: decorator
@inline export const OWED_AT_DEATH: i32 = 0;      // refcount death: live ones, except those a legacy finalizer made
// @ts-ignore: decorator
@inline export const OWED_IN_COLLECTION: i32 = 1; // cycle collection: those not garbage themselves (see handleWeakrefs)
// @ts-ignore: decorator
@inline export const OWED_ENTRIES: i32 = 2;       // late clearing after a collection's finalizers: no callbacks,
                                                  // but weak-container entries are still dropped (see below)
// @ts-ignore: decorator
@inline export const OWED_CALLBACKS: i32 = 3;     // as OWED_IN_COLLECTION, but the callback-less weakrefs stay
                                                  // (CPython 3.14's handle_weakref_callbacks, gh-135552)

/**
 * Clears every weakref to `obj`, which is dying. Returns those owed a callback under `rule`, in
 * list order (newest first), linked through WR_NEXT, each held by a new reference: every weakref
 * is cleared before any callback runs (runWeakrefCallbacks).
 */
export function detachWeakrefs(obj: usize, rule: i32): usize {
  let slot = weakSlot(obj);
  let chain: usize = 0, last: usize = 0;
  let wr = load<usize>(slot);
  // OWED_CALLBACKS keeps the callback-less ones, which head the list (the basic ref and proxy)
  let kept: usize = rule == OWED_CALLBACKS ? lastBasic(wr) : 0;
  if (kept) wr = load<usize>(kept, WR_NEXT);
  while (wr) {
    let next = load<usize>(wr, WR_NEXT);
    let kind = KIND(wr);
    let owed = false;
    if (rule == OWED_AT_DEATH) {
      // internal weakrefs always drop their entry; others get a callback unless a legacy finalizer made them
      owed = (kind & WR_CALLBACK) != 0 && RC(wr) > 0
        && ((kind & WR_INTERNAL) != 0 || load<u32>(wr, WR_SERIAL) < callbackSerialLimit);
    } else if (kind & WR_INTERNAL) {
      // An entry is dropped unless its container is garbage too. Never cleared without dropping
      // its entry: a finalizer that stored its object in a WeakSet left the entry behind, and
      // has() then answered true for a new object at the freed address (issue 14, item 3).
      owed = (INFO(load<usize>(wr, WR_SERIAL)) & FLAG_COLLECTING) == 0;
    } else if (rule == OWED_IN_COLLECTION || rule == OWED_CALLBACKS) {
      // a callback runs if the weakref is still referenced once the garbage's references are
      // subtracted (the caller's trial decrement)
      owed = (kind & WR_CALLBACK) != 0 && RC(wr) > 0;
    }
    store<usize>(wr, 0, WR_REFERENT);
    store<usize>(wr, 0, WR_PREV);
    store<usize>(wr, 0, WR_NEXT);
    // a deferred weakref is alive until now (CPython: its slot is cleared after this death): called
    // back, with the reference its death left as the callback's (released after the call)
    let deferred = undefer(wr);
    if (deferred) owed = true;
    if (owed) {
      if (!deferred) SET_RC(wr, RC(wr) + 1);
      if (last) store<usize>(last, wr, WR_NEXT); else chain = wr;
      last = wr;
    }
    wr = next;
  }
  if (kept) { store<usize>(kept, 0, WR_NEXT); return chain; }
  store<usize>(slot, 0);
  SET_INFO(obj, INFO(obj) & ~FLAG_HAS_WEAKREFS);
  return chain;
}

/**
 * The last reference to weakref `wr` is going (its count is 1). True if its death must wait for its
 * referent's, waiting on rc.ts's worklist: the count stays 1, owned by that death (D, above).
 */
export function deferWeakrefDeath(wr: usize): bool {
  let kind = KIND(wr);
  // a weak container's entry goes with its container: nothing to call back
  if ((kind & (WR_CALLBACK | WR_INTERNAL)) != WR_CALLBACK) return false;
  if (isDefined(ASC_HEAP_DEBUG)) assert((kind & WR_DEFERRED) == 0, "a deferred weakref released again");
  let obj = load<usize>(wr, WR_REFERENT);
  if (!obj || !(INFO(obj) & FLAG_DYING)) return false;
  store<u32>(wr, kind | WR_DEFERRED, WR_KIND);
  deferredWeakrefs++;
  return true;
}

/** Clears D on a weakref; true if it was set (the caller then owns the reference its death left). */
export function undefer(wr: usize): bool {
  let kind = KIND(wr);
  if (!(kind & WR_DEFERRED)) return false;
  store<u32>(wr, kind & ~WR_DEFERRED, WR_KIND);
  deferredWeakrefs--;
  return true;
}

/** Is `wr` (a weakref) dead to the user: its death waits on its referent's, which waits on the worklist? */
// @ts-ignore: decorator
@inline export function weakrefAwaitsDeath(wr: usize): bool {
  if (!(KIND(wr) & WR_DEFERRED)) return false;
  return (INFO(load<usize>(wr, WR_REFERENT)) & FLAG_DYING) != 0;
}

/** Calls the host back for a weakref with a callback (rc.ts runWeakrefCallbacks). */
// @ts-ignore: decorator
@inline export function hostWeakrefCallbackOf(wr: usize): void {
  toHost(HOOK_WEAKREF_CALLBACK);
  hostWeakrefCallback(wr, KIND(wr) >> WR_ID_SHIFT);
  fromHost();
}

/**
 * The referent of a weakref (borrowed), or 0 once it has died, or while its death waits on rc.ts's
 * worklist (its count is 0: handing it out would resurrect a dying object; CPython 3.13's
 * _PyWeakref_GET_REF, gh-60806).
 */
// @ts-ignore: decorator
@inline export function weakrefReferent(wr: usize): usize {
  let obj = load<usize>(wr, WR_REFERENT);
  return obj && (INFO(obj) & FLAG_DYING) ? 0 : obj;
}

/** Serial the next weakref will get (to bracket a finalizer). */
export function nextSerial(): u32 { return serial; }
export function setCallbackSerialLimit(limit: u32): void { callbackSerialLimit = limit; }
