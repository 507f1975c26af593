// === Reference counting: incref, decref, deallocation without recursion ===
// An object is freed the moment its count reaches zero. Releasing its references can bring other
// counts to zero, so a long chain would recurse as deep as it is long (CPython bounds this with
// the trashcan). Here every dying container goes on a worklist (linked through its gcNext word,
// free once it is untracked) and one loop drains it: a 10,000,000-long chain frees in constant stack.
//
// Invariant (checked by verify): for every live object o,
//   refcount(o) = references to o from live containers + references held outside the heap (host
//   handles, VM roots, raw-API owners)   and so   refcount(o) >= 1.

import {
  FLAG_CONTAINER, FLAG_FINALIZED, FLAG_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_TRACKED, FLAGS_DEATH_SLOW, GC_NEXT, INFO,
  RC, SET_GC_NEXT, SET_INFO, SET_RC, TYPE_ID_MASK,
} from "./layout";
import { callbackSerialLimit, clearWeakrefs, nextSerial, setCallbackSerialLimit } from "./weak";
import { weakMapRelease } from "./weakmap";
import { COLLECTOR_RECYCLER, collectorKind, possibleRoot } from "./collect/generational";

// @ts-ignore: decorator
@external("host", "finalize")
declare function hostFinalize(obj: usize): void;
import {
  KIND_REFARRAY, KIND_WEAKMAP, LIST_CAPACITY, LIST_ITEMS, LIST_LENGTH, STORAGE_SLOTS, T_KIND, T_NREFS, T_REFS, TYPE,
} from "./types";
import { freeObject, freeObjectOfType, freeStorage, untrack } from "./object";

/** Head of the worklist of dead containers whose references are still to be released. */
let pending: usize = 0;
let draining = false;

// @ts-ignore: decorator
@inline export function incref(p: usize): void {
  SET_RC(p, RC(p) + 1);
}

// @ts-ignore: decorator
@inline export function decref(p: usize): void {
  let rc = RC(p);
  if (isDefined(ASC_HEAP_DEBUG)) assert(rc > 0, "decref of an object whose refcount is 0");
  if (rc == 1) dealloc(p);
  else {
    SET_RC(p, rc - 1);
    if (collectorKind == COLLECTOR_RECYCLER) possibleRoot(p); // may be the root of a garbage cycle now
  }
}

/** Drops one reference from a released slot; a container reaching zero joins the worklist. */
// @ts-ignore: decorator
@inline function releaseRef(c: usize): void {
  let rc = RC(c);
  if (rc > 1) {
    SET_RC(c, rc - 1);
    if (collectorKind == COLLECTOR_RECYCLER) possibleRoot(c);
    return;
  }
  if (isDefined(ASC_HEAP_DEBUG)) assert(rc == 1, "released a reference to an object whose refcount is 0");
  let info = INFO(c);
  if (info & FLAGS_DEATH_SLOW) {
    if (!dyingSlowPath(c)) return; // resurrected by its finalizer
    info = INFO(c);
  }
  SET_RC(c, 0);
  if (info & FLAG_CONTAINER) {
    if (info & FLAG_TRACKED) untrack(c);
    SET_GC_NEXT(c, pending);
    pending = c;
  } else {
    freeObject(c);
  }
}

/**
 * The last reference to `c` is going (its count is still 1). Runs the PEP 442 finalizer once, then
 * clears the weakrefs (callbacks included). Returns false if the finalizer resurrected the object.
 * Order as CPython's subtype_dealloc: finalizer (object still whole, still tracked), then weakrefs,
 * then the references it holds (by the caller).
 */
function dyingSlowPath(c: usize): bool {
  let info = INFO(c);
  let limit: u32 = 0xffffffff;
  if ((info & FLAG_FINALIZER) && !(info & FLAG_FINALIZED)) {
    // FINALIZED first: a finalizer that drops a resurrecting reference must not run again
    SET_INFO(c, info | FLAG_FINALIZED);
    limit = nextSerial();
    hostFinalize(c); // the host catches and queues every exception: nothing unwinds through here
    let rc = RC(c);
    if (rc > 1) { SET_RC(c, rc - 1); return false; }
  }
  if (INFO(c) & FLAG_HAS_WEAKREFS) {
    // Untracked first, as CPython's subtype_dealloc: a callback may run a collection, which must
    // not find a tracked object whose count is 0 (it would collect it a second time: a double free
    // in release builds, an abort mid-collection that wedged the collector in debug builds).
    if (INFO(c) & FLAG_TRACKED) untrack(c);
    SET_RC(c, 0); // dying while the callbacks run
    // weakrefs created by the finalizer are cleared without callbacks: they may rely on a
    // state the finalizer has already torn down (subtype_dealloc's comment)
    let saved = callbackSerialLimit;
    setCallbackSerialLimit(limit);
    clearWeakrefs(c);
    setCallbackSerialLimit(saved);
    SET_RC(c, 1);
  }
  return true;
}

/** Frees an object whose last reference is gone, and everything that only it kept alive. */
export function dealloc(p: usize): void {
  SET_RC(p, 1); // releaseRef expects the last reference still counted
  releaseRef(p);
  // A nested call (later: from a finalizer) only queues; the outermost call drains.
  if (draining) return;
  draining = true;
  while (pending) {
    let q = pending;
    pending = GC_NEXT(q);
    let t = TYPE(INFO(q) & TYPE_ID_MASK);
    releaseChildren(q, t);
    freeObjectOfType(q, t);
  }
  draining = false;
}

/** Releases every reference a dead container holds (one generic visitor over the type table). */
// @ts-ignore: decorator
@inline function releaseChildren(q: usize, t: usize): void {
  if (T_KIND(t) == KIND_WEAKMAP) { weakMapRelease(q); return; }
  if (T_KIND(t) == KIND_REFARRAY) {
    let items = load<usize>(q, LIST_ITEMS);
    if (!items) return;
    // last item first, as CPython's list_dealloc (which weakref callbacks run can depend on it)
    for (let i = load<usize>(q, LIST_LENGTH); i > 0; i--) {
      let c = load<usize>(items + STORAGE_SLOTS + ((i - 1) << 2));
      if (c) releaseRef(c);
    }
    freeStorage(items, load<usize>(q, LIST_CAPACITY));
    return;
  }
  let slot = q + T_REFS(t);
  let end = slot + (<usize>T_NREFS(t) << 2);
  for (; slot < end; slot += 4) {
    let c = load<usize>(slot);
    if (c) releaseRef(c);
  }
}
