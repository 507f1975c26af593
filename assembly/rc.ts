// === Reference counting: incref, decref, deallocation without recursion ===
// An object is freed the moment its count reaches zero. Releasing its references can bring other
// counts to zero, so a long chain would recurse as deep as it is long (CPython bounds this with
// the trashcan). Here every dying container goes on a worklist (linked through its gcNext word,
// free once it is untracked) and one loop drains it: a 10,000,000-long chain frees in constant stack.
// Deaths that run host code (finalizers, weakref callbacks) get a second worklist, below, so that
// host code dropping the next link of a chain does not nest either.
//
// Invariant (checked by verify): for every live object o,
//   refcount(o) = references to o from live containers + references held outside the heap (host
//   handles, VM roots, raw-API owners)   and so   refcount(o) >= 1.

import {
  FLAG_COLLECTING, FLAG_CONTAINER, FLAG_DYING, FLAG_FINALIZED, FLAG_FINALIZER, FLAG_FROZEN, FLAG_HAS_WEAKREFS, FLAG_TRACKED, GC_NEXT, INFO,
  GC_PREV, RC, SET_GC_NEXT, SET_GC_PREV, SET_INFO, SET_RC, TYPE_ID_MASK,
} from "./layout";
import {
  OWED_AT_DEATH, WR_INTERNAL, WR_KIND, WR_NEXT, callbackSerialLimit, deferWeakrefDeath, deferredWeakrefs, detachWeakrefs, hostWeakrefCallbackOf,
  nextSerial, setCallbackSerialLimit, undefer, weakSlot, weakrefFreed,
} from "./weak";
import { mapEntryDied, mapRelease } from "./maphooks";
import { legacyFinalizers } from "./collect/gcstate";
import { decremented } from "./collect/candidates";
import { track, unlinkTracked, untrack, untracked } from "./collect/track";
import { countFrees } from "./counters";
import { freeBlock } from "./alloc/index";
import { HOOK_FINALIZE, fromHost, hostDepth, toHost } from "./entry";
import { eventsOn } from "./events";

// @ts-ignore: decorator
@external("host", "finalize")
declare function finalizeImport(obj: usize): void;
/** Runs obj's finalizer on the host; the host catches and queues every exception (an unwind is detected: entry.ts). */
// @ts-ignore: decorator
@inline export function hostFinalize(obj: usize): void { toHost(HOOK_FINALIZE); finalizeImport(obj); fromHost(); }
import {
  KIND_FIXED, KIND_REFARRAY, KIND_WEAKMAP, KIND_WEAKREF, LIST_CAPACITY, LIST_ITEMS, LIST_LENGTH, STORAGE_SLOTS, T_KIND, T_NREFS, T_REFS, T_SIZE, TYPE, TYPE_WEAKREF,
} from "./types";
import { freeObjectOfType, freeStorage } from "./object";

/** The last step of every death: a weakref leaves its referent's list first; the memory goes back. */
// @ts-ignore: decorator
@inline function freeDead(p: usize, t: usize): void {
  if (T_KIND(t) == KIND_WEAKREF) weakrefFreed(p);
  freeObjectOfType(p, t);
}

/** Calls back each weakref of a chain from detachWeakrefs (an internal one drops its weak-container entry), then releases it. */
export function runWeakrefCallbacks(chain: usize): void {
  while (chain) {
    let next = load<usize>(chain, WR_NEXT);
    store<usize>(chain, 0, WR_NEXT);
    if (load<u32>(chain, WR_KIND) & WR_INTERNAL) mapEntryDied(chain);
    else hostWeakrefCallbackOf(chain);
    decref(chain); // the reference detachWeakrefs took for the callback
    chain = next;
  }
}

/**
 * The referent `obj` is dying (its count is 0): clear every weakref, then call the callbacks of
 * those that are still alive, in list order. Weakrefs made at or after callbackSerialLimit (by
 * the object's finalizer) are cleared without a callback.
 */
function clearWeakrefs(obj: usize): void {
  runWeakrefCallbacks(detachWeakrefs(obj, OWED_AT_DEATH));
}

/** Head of the worklist of dead containers whose references are still to be released (rc 0, via gcNext). */
let pending: usize = 0;
let draining = false;

// ── the death worklist: deaths caused by host code wait instead of nesting ──
// A slow death runs host code (a finalizer, weakref callbacks) and removes weak-container entries,
// and that code can drop the last reference to the next object, whose death runs host code in turn:
// a chain of N such objects nested N host frames deep, and a RangeError mid-chain unwound through
// the core (issue 14). CPython bounds the same recursion with the trashcan (Include/cpython/object.h,
// "Trashcan mechanism"): past a nesting depth a dying object is deposited on delete_later and the
// outermost dealloc destroys it. Here the depth is 1: a slow death that begins while host code runs
// or while another slow death is in progress is deposited on this FIFO list, and the drain loop
// runs it once the current one has returned. Host frames stay at most two deep whatever the chain.
// While deposited, an object is untracked, its refcount word links the list and DYING is set:
// weakrefs to it read as dead (CPython 3.13's _PyWeakref_GET_REF refuses a referent whose count is
// 0 for this very reason, gh-60806), and the census and verify know it is not a live object.
let dyingHead: usize = 0;
let dyingTail: usize = 0;
/** Slow deaths in progress (at most one: those that begin meanwhile are deposited). */
let deathDepth: u32 = 0;
/** The object whose slow death is in progress, or 0 (verify and the census know it is not live). */
export let dyingNow: usize = 0;

/** Does a death with this info word run host code or clear weakrefs? */
// @ts-ignore: decorator
@inline function deathIsSlow(info: u32): bool {
  if (info & FLAG_HAS_WEAKREFS) return true;
  // PEP 442: the finalizer runs once per object; legacy (tp_del, Python 2): at every death
  return (info & FLAG_FINALIZER) != 0 && (legacyFinalizers || (info & FLAG_FINALIZED) == 0);
}

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
    decremented(p); // the collector's decrement hook (candidates.ts): may be a garbage cycle's root now
  }
}

/** Drops one reference from a released slot; an object reaching zero dies, or joins a worklist. */
// @ts-ignore: decorator
@inline function releaseRef(c: usize): void {
  let rc = RC(c);
  if (rc > 1) {
    SET_RC(c, rc - 1);
    decremented(c);
    return;
  }
  if (isDefined(ASC_HEAP_DEBUG)) assert(rc == 1, "released a reference to an object whose refcount is 0");
  let info = INFO(c);
  if (deathIsSlow(info)) {
    if (hostDepth | deathDepth) { deposit(c); return; }
    if (!slowDeath(c)) return; // resurrected by its finalizer
  } else if ((info & TYPE_ID_MASK) == TYPE_WEAKREF && deferWeakrefDeath(c)) {
    return; // its referent's death waits on the worklist: so does its own (weak.ts, "Deferred deaths")
  }
  finishDeath(c);
}

/** The last step of a death: the count is 0; a container's references wait on `pending`. */
// @ts-ignore: decorator
@inline function finishDeath(c: usize): void {
  let info = INFO(c);
  SET_RC(c, 0);
  if (info & FLAG_CONTAINER) {
    if (info & FLAG_TRACKED) untrack(c);
    SET_GC_NEXT(c, pending);
    SET_GC_PREV(c, 0); // references released so far (releaseChildren's cursor)
    pending = c;
  } else {
    freeDead(c, TYPE(info & TYPE_ID_MASK));
  }
}

/** Deposits a slow death (count 1, the last reference) on the death worklist. */
function deposit(c: usize): void {
  // untracked: a collection run by host code meanwhile must not find it (its count word is a link)
  if (INFO(c) & FLAG_TRACKED) untrack(c);
  SET_INFO(c, INFO(c) | FLAG_DYING);
  SET_RC(c, 0);
  if (dyingTail) SET_RC(dyingTail, <u32>c); else dyingHead = c;
  dyingTail = c;
}

/**
 * Runs a finalizer on `c`, whose last reference is going (count 1: "temporarily resurrected").
 * False if the finalizer resurrected it (the count is then left as the finalizer made it, minus 1).
 */
function finalize(c: usize): bool {
  // Tracked as a young object while the finalizer runs: it may resurrect the object into a cycle,
  // which a collection must then see. Untracked first even if still tracked, as CPython's
  // subtype_dealloc (PyObject_GC_UnTrack, then _PyObject_GC_TRACK into generation 0 before
  // tp_finalize): a resurrected object is young and unfrozen whether its death was direct or
  // waited on the worklist (which untracks), not in its old generation only when direct (soak
  // class B). Untracking also ends a collection's claim on it (COLLECTING, as _PyObject_GC_UNTRACK).
  if (INFO(c) & FLAG_CONTAINER) {
    if (INFO(c) & FLAG_TRACKED) untrack(c);
    track(c);
    SET_INFO(c, (INFO(c) | FLAG_TRACKED) & ~(FLAG_FROZEN | FLAG_COLLECTING));
  }
  let info = INFO(c);
  // FINALIZED first: a finalizer that drops a resurrecting reference must not run again (PEP 442;
  // legacy finalizers, like tp_del, are not marked and run at every death)
  if (!legacyFinalizers) info |= FLAG_FINALIZED;
  SET_INFO(c, info);
  let mark = pending;
  hostFinalize(c);
  // Containers that died inside the finalizer (its frames, its temporaries) release their
  // references now, before the resurrection check: CPython frees them nested, so a frame holding
  // the object is gone when tp_del returns. Left on `pending`, such a frame made the object look
  // resurrected, and a legacy finalizer (run at every death) looped forever (a VM __del__).
  // Only when the object looks resurrected (else they wait for the drain, after this death): released
  // here, inside this death, a slow death among their references waits on the worklist while the
  // next reference is released at once, and a weakref held next to its referent died first, its
  // callback lost (soak --fuzz, tlsf/none seed 14416). Such a weakref's death now waits for its
  // referent's (weak.ts, "Deferred deaths"), which calls it back as CPython does.
  if (RC(c) > 1) releaseDiedSince(mark);
  let rc = RC(c);
  if (rc > 1) { SET_RC(c, rc - 1); return false; }
  return true;
}

/** Clears every weakref to `c` (count 1), calling back those made before serial `limit`. */
function clearWeakrefsAtDeath(c: usize, limit: u32): void {
  // Untracked first, as CPython's subtype_dealloc: a callback may run a collection, which must
  // not find a tracked object whose count is 0 (it would collect it a second time: a double free
  // in release builds, an abort mid-collection that wedged the collector in debug builds).
  if (INFO(c) & FLAG_TRACKED) untrack(c);
  SET_RC(c, 0); // dying while the callbacks run
  let saved = callbackSerialLimit;
  setCallbackSerialLimit(limit);
  clearWeakrefs(c);
  setCallbackSerialLimit(saved);
  SET_RC(c, 1);
}

/**
 * The last reference to `c` is going (its count is still 1). Returns false if a finalizer
 * resurrected it. Order as CPython's subtype_dealloc (Objects/typeobject.c):
 *   PEP 442   finalizer (object whole, tracked), then weakrefs cleared and their callbacks run,
 *             those the finalizer made too; the references it holds are released by the caller
 *   legacy    weakrefs cleared and called back first, then the finalizer (tp_del), at every death;
 *             weakrefs it made are cleared without callbacks
 */
function slowDeath(c: usize): bool {
  deathDepth++;
  let outer = dyingNow;
  dyingNow = c;
  let info = INFO(c);
  let runFinalizer = (info & FLAG_FINALIZER) != 0 && (legacyFinalizers || (info & FLAG_FINALIZED) == 0);
  let survived = false;
  if (legacyFinalizers) {
    if (info & FLAG_HAS_WEAKREFS) clearWeakrefsAtDeath(c, 0xffffffff);
    if (runFinalizer) {
      let limit = nextSerial();
      if (!finalize(c)) survived = true;
      else if (INFO(c) & FLAG_HAS_WEAKREFS) clearWeakrefsAtDeath(c, limit);
    }
  } else {
    if (runFinalizer) survived = !finalize(c);
    // every weakref is called back, those the finalizer made too: subtype_dealloc calls
    // PyObject_ClearWeakRefs after tp_finalize (its clearing without callbacks is for tp_del's)
    if (!survived && (INFO(c) & FLAG_HAS_WEAKREFS)) clearWeakrefsAtDeath(c, 0xffffffff);
  }
  dyingNow = outer;
  deathDepth--;
  return !survived;
}

/** The top of the worklist of dead containers now: a mark for releaseDiedSince. */
export function pendingMark(): usize { return pending; }

/**
 * Releases the references of the containers that died since `mark` (pendingMark()) and were left
 * on the worklist because a drain is in progress further out, and of those that die meanwhile:
 * for a step nested in a death (host code, a collection it ran) that must see its own deaths
 * complete, as CPython's nested deallocs are. They are the top of the stack, above `mark`; nothing
 * below it moves meanwhile (no host code runs here: slow deaths are deposited, as host code or
 * another death is running further out).
 */
export function releaseDiedSince(mark: usize): void {
  while (pending != mark) releaseTop();
}

/** Frees an object whose last reference is gone, and everything that only it kept alive. */
export function dealloc(p: usize): void {
  SET_RC(p, 1); // releaseRef expects the last reference still counted
  // A nested call (from host code, or while releasing a container's references) only queues; the
  // outermost call drains, one death at a time: constant stack, whatever the structure.
  if (draining) { releaseRef(p); return; }
  draining = true;
  releaseRef(p);
  while (true) {
    if (dyingHead) {
      // deposited slow deaths first (FIFO: in the order their counts reached 0)
      let c = dyingHead;
      dyingHead = <usize>RC(c);
      if (!dyingHead) dyingTail = 0;
      SET_INFO(c, INFO(c) & ~FLAG_DYING);
      SET_RC(c, 1);
      if (slowDeath(c)) finishDeath(c);
      else if (deferredWeakrefs) releaseDeferredWeakrefs(c);
    } else if (pending) {
      // no host code can run in a fast release unless allocation events are on (a full buffer calls the host)
      if (!eventsOn) releaseFast();
      if (pending) releaseTop();
    } else break;
  }
  draining = false;
}

/**
 * `c`'s finalizer resurrected it: the weakrefs whose deaths waited on its death (weak.ts, "Deferred
 * deaths") die now, without callbacks, as CPython frees them once c's dealloc has returned.
 */
function releaseDeferredWeakrefs(c: usize): void {
  let slot = weakSlot(c);
  if (!slot) return;
  let wr = load<usize>(slot);
  while (wr) {
    // read first: a weakref that dies leaves the list (the next one stays on it)
    let next = load<usize>(wr, WR_NEXT);
    if (undefer(wr)) decref(wr);
    wr = next;
  }
}

/** For verify: objects on the death worklist, and dead containers whose references wait (-1: a loop). */
export function dyingCount(): i32 {
  let n: i32 = 0;
  for (let c = dyingHead; c; c = <usize>RC(c)) if (++n > 1 << 28) return -1;
  for (let q = pending; q; q = GC_NEXT(q)) if (++n > 1 << 28) return -1;
  return n + (dyingNow ? 1 : 0);
}

// ── a dead container's references, released depth first in CPython's order ──
// CPython frees nested: a container's first reference dies whole, its own references with it,
// before the second is released; so finalizers and weakref callbacks run depth first in field
// order (a list's last item first, as list_dealloc). Popping the last container to die first ran
// a grandchild's finalizer before an earlier sibling's subtree died (b.x's before a.x's). Here the
// containers a release kills are turned over on `pending`, the first to die on top; and a
// reference whose death would run host code (or a weakref's) while an earlier one's subtree
// still waits sets the container aside beneath that subtree, gcPrev counting what it released.

/** Would dropping the reference to `c` now begin a death that runs host code (or a weakref's)? */
// @ts-ignore: decorator
@inline function diesSlowly(c: usize): bool {
  if (RC(c) != 1) return false;
  let info = INFO(c);
  return deathIsSlow(info) || (info & TYPE_ID_MASK) == TYPE_WEAKREF;
}

/** Pops the dead container on top of `pending` and releases its references (from its cursor on). */
// @ts-ignore: decorator
@inline function releaseTop(): void {
  let q = pending;
  pending = GC_NEXT(q);
  let t = TYPE(INFO(q) & TYPE_ID_MASK);
  if (releaseChildren(q, t)) freeDead(q, t);
}

/**
 * Releases q's references from its cursor on. False if it stopped before one whose death would
 * run host code while an earlier one's subtree waits: q is then beneath that subtree on `pending`.
 */
// @ts-ignore: decorator
@inline function releaseChildren(q: usize, t: usize): bool {
  let kind = T_KIND(t);
  if (kind == KIND_WEAKMAP) { mapRelease(q); return true; }
  let mark = pending;
  let done = GC_PREV(q);
  if (kind == KIND_REFARRAY) {
    let items = load<usize>(q, LIST_ITEMS);
    if (!items) return true;
    // last item first, as CPython's list_dealloc (which weakref callbacks run can depend on it)
    let n = load<usize>(q, LIST_LENGTH);
    for (let i = n - done; i > 0; i--) {
      let c = load<usize>(items + STORAGE_SLOTS + ((i - 1) << 2));
      if (!c) continue;
      if (pending != mark && diesSlowly(c)) { turnOver(mark, q, n - i); return false; }
      releaseRef(c);
    }
    freeStorage(items, load<usize>(q, LIST_CAPACITY));
  } else {
    let first = q + T_REFS(t);
    let end = first + (<usize>T_NREFS(t) << 2);
    for (let slot = first + (done << 2); slot < end; slot += 4) {
      let c = load<usize>(slot);
      if (!c) continue;
      if (pending != mark && diesSlowly(c)) { turnOver(mark, q, (slot - first) >> 2); return false; }
      releaseRef(c);
    }
  }
  if (pending != mark) turnOver(mark, 0, 0);
  return true;
}

/**
 * Reverses the containers above `mark` on `pending` (the first to die goes on top), with `aside`
 * (if not 0) beneath them, its cursor at `done`.
 */
function turnOver(mark: usize, aside: usize, done: usize): void {
  let prev = mark;
  if (aside) {
    SET_GC_NEXT(aside, mark);
    SET_GC_PREV(aside, done);
    prev = aside;
  }
  let p = pending;
  while (p != mark) {
    let next = GC_NEXT(p);
    SET_GC_NEXT(p, prev);
    prev = p;
    p = next;
  }
  pending = prev;
}

// ── the fast release: fixed-layout containers whose references die without host code ──
// The common death (W1's trees): a FIXED container whose dying references have no finalizer to run,
// no weakref and are no weakref. releaseFast releases such containers off the top of `pending` in
// one tight loop, as releaseTop would: the same counts, deaths and frees in the same order. Where
// releaseChildren pushes the references that die and turns them over, it appends each below the
// previous one (the first to die on top), which is the order turnOver makes. At a reference whose
// death is slow it does what releaseChildren does: sets the container aside beneath the deaths
// so far, or, when none died yet, puts it back with its cursor there and leaves it to releaseTop.
// Callers make sure no host code can run (allocation events off), so nothing else moves `pending`.

/** Releases the fixed-layout containers on top of `pending` while their references die fast. */
function releaseFast(): void {
  // `pending` in a local, and the counts of what this loop untracks and frees added once at the
  // end: nothing else reads them meanwhile
  let top = pending;
  let untracks: u32 = 0, frees: u32 = 0;
  let bytes: usize = 0;
  while (top) {
    let q = top;
    let t = TYPE(INFO(q) & TYPE_ID_MASK);
    if (T_KIND(t) != KIND_FIXED) break;
    let mark = GC_NEXT(q);
    top = mark;
    let first = q + T_REFS(t);
    let end = first + (<usize>T_NREFS(t) << 2);
    let tail: usize = 0; // the last reference that died (appended below the ones before it)
    let slot = first + (GC_PREV(q) << 2);
    for (; slot < end; slot += 4) {
      let c = load<usize>(slot);
      if (!c) continue;
      let rc = RC(c);
      if (rc != 1) {
        if (isDefined(ASC_HEAP_DEBUG)) assert(rc > 1, "released a reference to an object whose refcount is 0");
        SET_RC(c, rc - 1);
        decremented(c);
        continue;
      }
      let info = INFO(c);
      // one test for the common death: a container with no weakref and no finalizer
      if ((info & (FLAG_HAS_WEAKREFS | FLAG_FINALIZER | FLAG_CONTAINER)) != FLAG_CONTAINER && diesSlowly(c)) break;
      SET_RC(c, 0);
      if (info & FLAG_CONTAINER) {
        if (info & FLAG_TRACKED) { unlinkTracked(c); untracks++; }
        SET_GC_PREV(c, 0);
        SET_GC_NEXT(c, mark);
        if (tail) SET_GC_NEXT(tail, c); else top = c;
        tail = c;
      } else {
        freeDead(c, TYPE(info & TYPE_ID_MASK));
      }
    }
    if (slot < end) {
      // a slow death: q waits, its cursor at that reference, beneath what died before it (turnOver)
      // or on top, for releaseTop to go on from there
      SET_GC_PREV(q, (slot - first) >> 2);
      SET_GC_NEXT(q, mark);
      if (tail) SET_GC_NEXT(tail, q);
      else { top = q; break; }
    } else {
      // freeObjectOfType's steps for a dead FIXED container (untracked; events are off)
      let size = T_SIZE(t);
      freeBlock(q, size);
      frees++;
      bytes += size;
    }
  }
  pending = top;
  untracked(untracks);
  countFrees(frees, frees, bytes);
}
