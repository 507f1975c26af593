// === Trial deletion: the pipeline every cycle collector shares (CPython 3.12's Modules/gcmodule.c) ===
// A collector chooses the set to examine (generations 0..g merged, or the subgraph gathered from
// candidate roots) and hands it here as a list of tracked containers; deduceUnreachable finds the
// containers of the set that nothing outside it references, with trial deletion on a copy of the
// counts (the real counts are never changed), and finishCollection frees them by clearing their
// references.
//
// During a collection a tracked object's gcPrev word holds its gc_refs (the list is singly linked
// through gcNext meanwhile), its COLLECTING header bit says it is in the set, and bit 0 of gcNext
// (UNREACHABLE) marks it as tentatively unreachable. What holds after each step:
//   updateRefs       gc_refs = refcount, COLLECTING set, for every object of the set
//   subtractRefs     gc_refs = references from outside the set (>= 0)
//   moveUnreachable  the set keeps exactly what is reachable from outside it (prev links restored,
//                    COLLECTING cleared); `unreachable` holds the rest, doubly linked, COLLECTING set
//   legacy           (mode 'legacy') objects with a finalizer, and all they reach, set aside: uncollectable
//   weakrefs         every weakref to an unreachable object is cleared (with lateWeakrefClearing,
//                    CPython 3.14's order, those without a callback only after the resurrection
//                    check); callbacks run only for weakrefs that are not themselves garbage;
//                    weak-container entries are dropped
//   finalizers       each unreachable object's PEP 442 finalizer has run once (FINALIZED set)
//   resurrection     the unreachable set is deduced again with the real counts; what a finalizer
//                    made reachable moves to the older generation (bpo-38379)
//   delete           each object still unreachable has had its references cleared; refcounting freed it

import {
  FLAG_COLLECTING, FLAG_FINALIZED, FLAG_FINALIZER, FLAG_HAS_WEAKREFS, GC_NEXT, GC_PREV, INFO, RC, TYPE_ID, SET_GC_NEXT, SET_GC_PREV, SET_INFO,
  SET_RC, TYPE_ID_MASK,
} from "../layout";
import { KIND_REFARRAY, KIND_WEAKMAP, T_KIND, T_NREFS, T_REFS, TYPE, TYPE_SPAN, TYPE_WEAKREF } from "../types";
import { decref, hostFinalize, incref, pendingMark, releaseDiedSince, runWeakrefCallbacks } from "../rc";
import { listIsEmpty, listLength, listMerge, listMove } from "./generations";
import { inFullSet } from "./fullset";
import { runEnd, runStart, spanFrom, spanIsRun, spanTo, visitRun, visitStart } from "./visit";
import { OWED_CALLBACKS, OWED_ENTRIES, OWED_IN_COLLECTION, WR_CALLBACK, WR_INTERNAL, WR_KIND, WR_NEXT, detachWeakrefs } from "../weak";
import { weakMapRelease } from "../weakmap";
import { OTHER_KIND, addOutside, freeAtOnce, freesAtOnce } from "./atonce";
import { listSetLength } from "../list";
import { HOOK_GC_GARBAGE, fromHost, toHost } from "../entry";
import { DEBUG_COLLECTABLE, DEBUG_SAVEALL, GEN_STATS, collectorFault, debugFlags, lateWeakrefClearing, legacyFinalizers, setCollecting } from "./gcstate";
import {
  PHASE_CLEARED, PHASE_FINALIZED, PHASE_INTERNAL_SUBTRACTED, PHASE_PROMOTED, PHASE_REFS_COPIED, PHASE_RESURRECTION_CHECKED, PHASE_STOP,
  PHASE_UNREACHABLE_MOVED, PHASE_WEAKREFS_HANDLED, hostGcPhase, observePhases, phase, phaseGeneration,
} from "./phases";

// @ts-ignore: decorator
@external("host", "gcGarbage")
declare function gcGarbageImport(obj: usize, why: i32): void;
// @ts-ignore: decorator
@inline function hostGcGarbage(obj: usize, why: i32): void { toHost(HOOK_GC_GARBAGE); gcGarbageImport(obj, why); fromHost(); }

// garbage kinds reported to the host, and its statistics record: boundary.json
import { GARBAGE_COLLECTABLE, GARBAGE_LEGACY, GARBAGE_SAVEALL, GARBAGE_UNCOLLECTABLE, GEN_STATS_WORDS } from "../generated/boundary";

/** gcNext bit: the object is (tentatively) on the unreachable list. */
// @ts-ignore: decorator
@inline const NEXT_UNREACHABLE: usize = 1;

// working lists
/** The garbage deduceUnreachable found (the collector passes it to finishCollection). */
export const UNREACHABLE: usize = memory.data(16, 8);
/** deduceUnreachable filled UNREACHABLE since the last finishCollection. */
let deduced = false;
const STILL_UNREACHABLE: usize = memory.data(16, 8);
const LEGACY: usize = memory.data(16, 8);
const SEEN: usize = memory.data(16, 8);

// @ts-ignore: decorator
@inline export function GC_REFS(p: usize): u32 { return <u32>GC_PREV(p); }
// @ts-ignore: decorator
@inline export function SET_GC_REFS(p: usize, r: u32): void { SET_GC_PREV(p, r); }
// @ts-ignore: decorator
@inline function IS_COLLECTING(p: usize): bool { return (INFO(p) & FLAG_COLLECTING) != 0; }
// @ts-ignore: decorator
@inline export function CLEAR_COLLECTING(p: usize): void { SET_INFO(p, INFO(p) & ~FLAG_COLLECTING); }

/**
 * Objects the current collection visited (u32; the host reads it at the stop report, then it is
 * 0 again): a deterministic work count, one per object per pass that walks or clears its
 * references (subtract, reachable-move, legacy, the two weakref passes, the resurrection check's
 * passes, clear; a collector adds its own passes with countVisits, e.g. the recycler's gathering).
 * Generation 0 holding N unreachable cycles of k objects and nothing else, no weakrefs or
 * finalizers: k·N (subtract) + the objects clearing starts from (at most k·N; one per cycle when
 * clearing one frees the rest).
 */
export const VISITED: usize = memory.data(4, 4);
// @ts-ignore: decorator
@inline export function countVisits(n: u32): void { store<u32>(VISITED, load<u32>(VISITED) + n); }

/** An empty list at head h. */
export function listInit(h: usize): void { SET_GC_NEXT(h, h); SET_GC_PREV(h, h); }

// ── deduce_unreachable ──

/** update_refs: gc_refs = refcount, COLLECTING set, on every object of the list; returns their number. */
export function updateRefs(base: usize): u32 {
  let n: u32 = 0;
  for (let p = GC_NEXT(base); p != base; p = GC_NEXT(p)) {
    if (isDefined(ASC_HEAP_DEBUG)) assert(RC(p) != 0, "a tracked object with refcount 0");
    SET_INFO(p, INFO(p) | FLAG_COLLECTING);
    SET_GC_REFS(p, RC(p));
    n++;
  }
  return n;
}

/** One internal reference to c subtracted if c is in the set (the count of a child outside it is not copied). */
// @ts-ignore: decorator
@inline function subtractOne(c: usize): void { if (c && IS_COLLECTING(c)) SET_GC_REFS(c, GC_REFS(c) - 1); }

/** subtract_refs for one member (visit.ts: fields first, the cursor for lists and maps). */
// @ts-ignore: decorator
@inline function subtractChildren(p: usize): void {
  let span = TYPE_SPAN(TYPE_ID(p));
  if (spanIsRun(span)) for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) subtractOne(load<usize>(s));
  else { visitStart(p); while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) subtractOne(load<usize>(s)); }
}

/** subtract_refs: each member's gc_refs less the references to it from the set. */
export function subtractRefs(base: usize): void {
  for (let p = GC_NEXT(base); p != base; p = GC_NEXT(p)) subtractChildren(p);
}

// ── update_refs and subtract_refs in one walk, for a full collection ──
// When the set is every tracked, unfrozen container, membership is in each header (TRACKED set,
// FROZEN clear), so a child can join the set when first met, before the walk reaches it: the copy
// and the decrements then share one walk over the list instead of two (W3a: a third of the memory
// traffic of a full collection over 1M objects). The counts it leaves are the two passes' exactly.
// Not while phases are observed: a listener is shown the copy and the subtraction apart, as CPython.
// It walks the list even when the list is scattered in memory: a walk of the allocator's live
// blocks in address order instead (2026-12, before this walk was one pass) measured no faster on
// W7's real graphs in snapshot order once it was, and slower on a list that runs through a few
// size classes' pools at once (W7 imported depth first: 8.8 against 11.9 ms), which the far-step
// rule took for scattered.

/** A member's count copied on its first meeting (COLLECTING set then); info: its info word. */
// @ts-ignore: decorator
@inline function joinSet(p: usize, info: u32): void {
  if (!(info & FLAG_COLLECTING)) { SET_INFO(p, info | FLAG_COLLECTING); SET_GC_REFS(p, RC(p)); if (isDefined(ASC_HEAP_DEBUG)) joined++; }
}

/** One internal reference to c subtracted, c joining the set first if it is a member not yet met. */
// @ts-ignore: decorator
@inline function subtractMember(c: usize): void {
  if (!c) return;
  let info = INFO(c);
  if (info & FLAG_COLLECTING) SET_GC_REFS(c, GC_REFS(c) - 1);
  else if (inFullSet(info)) {
    SET_INFO(c, info | FLAG_COLLECTING);
    SET_GC_REFS(c, RC(c) - 1);
    if (isDefined(ASC_HEAP_DEBUG)) joined++;
  }
}

/** Members joined by the last copyAndSubtract (debug builds): each joins once, so it is the set's size. */
let joined: u32 = 0;

function copyAndSubtract(base: usize): u32 {
  let n: u32 = 0;
  if (isDefined(ASC_HEAP_DEBUG)) joined = 0;
  for (let p = GC_NEXT(base); p != base; p = GC_NEXT(p)) {
    if (isDefined(ASC_HEAP_DEBUG)) assert(RC(p) != 0, "a tracked object with refcount 0");
    // the info word read once (joining leaves the type id as it was)
    let info = INFO(p);
    joinSet(p, info);
    let span = TYPE_SPAN(info & TYPE_ID_MASK);
    if (spanIsRun(span)) for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) subtractMember(load<usize>(s));
    else { visitStart(p); while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) subtractMember(load<usize>(s)); }
    n++;
  }
  if (isDefined(ASC_HEAP_DEBUG)) assert(joined == n, "a full collection's set is its list: every tracked, unfrozen container is on it");
  return n;
}

/** A child of a reachable object is reachable (moveUnreachable's visit). */
// @ts-ignore: decorator
@inline function visitReachable(c: usize, young: usize): void {
  // objects of other generations, and those already scanned, are not COLLECTING
  if (!c || !IS_COLLECTING(c)) return;
  let next = GC_NEXT(c);
  if (next & NEXT_UNREACHABLE) {
    // had gc_refs 0 when the scan reached it, but is reachable after all: back to the young list
    let prev = GC_PREV(c);
    let realNext = next & ~NEXT_UNREACHABLE;
    SET_GC_NEXT(prev, next); // keeps the UNREACHABLE bit of the link
    SET_GC_PREV(realNext, prev);
    let last = GC_PREV(young);
    SET_GC_NEXT(last, c);
    SET_GC_NEXT(c, young);
    SET_GC_PREV(young, c);
    SET_GC_REFS(c, 1);
    movedBack++;
  } else if (GC_REFS(c) == 0) {
    // still ahead of the scan: tell it that it is reachable
    SET_GC_REFS(c, 1);
  }
}

/** Tentatively unreachable objects that visitReachable moved back to the set (at its end: out of their place). */
export let movedBack: u32 = 0;

/** Moves the set's unreachable objects to `unreachable` (marked); returns how many. */
function moveUnreachable(young: usize, unreachable: usize): u32 {
  let moved: u32 = 0;
  movedBack = 0;
  let prev = young;
  let p = GC_NEXT(young);
  while (p != young) {
    if (GC_REFS(p)) {
      // reachable from outside: its children are too. visitReachable may append to young (and
      // change p's gcNext when p is last), so the next object is read only afterwards.
      // the info word read once: visitReachable changes links and counts, never an info word
      let info = INFO(p);
      let span = TYPE_SPAN(info & TYPE_ID_MASK);
      if (spanIsRun(span)) for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) visitReachable(load<usize>(s), young);
      else { visitStart(p); while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) visitReachable(load<usize>(s), young); }
      SET_GC_PREV(p, prev);
      SET_INFO(p, info & ~FLAG_COLLECTING);
      prev = p;
    } else {
      // tentatively unreachable: to the unreachable list, flagged (no need to fix p.next.prev:
      // the young list is singly linked during the scan)
      SET_GC_NEXT(prev, GC_NEXT(p));
      let last = GC_PREV(unreachable);
      SET_GC_NEXT(last, p | NEXT_UNREACHABLE);
      SET_GC_PREV(p, last);
      SET_GC_NEXT(p, unreachable | NEXT_UNREACHABLE);
      SET_GC_PREV(unreachable, p);
      moved++;
    }
    p = GC_NEXT(prev);
  }
  SET_GC_PREV(young, prev);
  SET_GC_NEXT(unreachable, GC_NEXT(unreachable) & ~NEXT_UNREACHABLE);
  return moved - movedBack;
}

/** Clears the UNREACHABLE marks. */
function clearUnreachableMask(list: usize): void {
  for (let p = GC_NEXT(list); p != list; p = GC_NEXT(p)) SET_GC_NEXT(p, GC_NEXT(p) & ~NEXT_UNREACHABLE);
}

/**
 * UNREACHABLE still holds its marks (deduceSubtracted's `leaveMarks`): finishCollection clears them
 * in its first walk over the garbage, or first thing when that walk is not the one that can.
 */
let marksLeft = false;

/**
 * The objects the last deduceUnreachable left on `base`: gc_list_size(young) right after it,
 * without walking the list again (a walk in list order is a cache miss per object when the list
 * is not in address order: a third of a full collection on W7's first tsc graph, in snapshot order).
 */
export let reachableCount: u32 = 0;

/**
 * Splits the set on list `base` (tracked containers, none COLLECTING): what is reachable from
 * outside it stays on `base` (COLLECTING cleared), the rest moves to `unreachable` (COLLECTING
 * set). Returns the size of the set. `wholeSet`: the set is every tracked, unfrozen container, so
 * the copy and the subtraction share a walk.
 */
export function deduceUnreachable(base: usize, unreachable: usize, observed: bool = true, wholeSet: bool = false): u32 {
  let n: u32;
  if (wholeSet && !(observed && observePhases)) {
    n = copyAndSubtract(base);
  } else {
    n = updateRefs(base);
    if (observed) phase(PHASE_REFS_COPIED, phaseGeneration, base);
    subtractRefs(base);
    if (observed) phase(PHASE_INTERNAL_SUBTRACTED, phaseGeneration, base);
  }
  countVisits(n); // subtractRefs visited the n objects
  return deduceSubtracted(base, unreachable, n, observed);
}

/**
 * The rest of deduceUnreachable once the n objects of the set on `base` hold gc_refs = references
 * from outside it, COLLECTING set (the list singly linked through gcNext, its head's gcPrev the
 * last object): a collector that subtracted while it gathered (deferred.ts) starts here.
 * `leaveMarks` (unobserved, `unreachable` being UNREACHABLE): its marks are left for
 * finishCollection to clear in its walk over the garbage, one walk fewer.
 */
export function deduceSubtracted(base: usize, unreachable: usize, n: u32, observed: bool = false, leaveMarks: bool = false): u32 {
  listInit(unreachable);
  if (unreachable == UNREACHABLE) deduced = true;
  reachableCount = n - moveUnreachable(base, unreachable);
  countVisits(reachableCount); // moveUnreachable walked those found reachable
  if (leaveMarks) { marksLeft = true; return n; }
  clearUnreachableMask(unreachable);
  if (observed) phase(PHASE_UNREACHABLE_MOVED, phaseGeneration, base, unreachable);
  return n;
}

// ── the steps after it ──

/** Legacy mode: objects with a finalizer, and everything they reach, are uncollectable. */
function moveLegacyFinalizers(unreachable: usize): void {
  listInit(LEGACY);
  let p = GC_NEXT(unreachable);
  while (p != unreachable) {
    let next = GC_NEXT(p);
    if (INFO(p) & FLAG_FINALIZER) { CLEAR_COLLECTING(p); listMove(p, LEGACY); }
    p = next;
  }
  // what they reach, transitively (the list grows while it is walked)
  for (let q = GC_NEXT(LEGACY); q != LEGACY; q = GC_NEXT(q)) {
    countVisits(1);
    visitStart(q);
    while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
      let c = load<usize>(s);
      if (c && IS_COLLECTING(c)) { CLEAR_COLLECTING(c); listMove(c, LEGACY); }
    }
  }
}

/** Clears the weakrefs of every object of a list; returns one chain of those owed a callback under `rule`. */
function detachListWeakrefs(list: usize, rule: i32): usize {
  let chain: usize = 0, last: usize = 0;
  for (let p = GC_NEXT(list); p != list; p = GC_NEXT(p)) {
    if (!(INFO(p) & FLAG_HAS_WEAKREFS)) continue;
    let owed = detachWeakrefs(p, rule);
    if (!owed) continue;
    if (last) store<usize>(last, owed, WR_NEXT); else chain = owed;
    last = owed;
    while (load<usize>(last, WR_NEXT)) last = load<usize>(last, WR_NEXT);
  }
  return chain;
}

/** Adds delta to the count of every weakref with a callback that an object of the list references. */
function adjustWeakrefCounts(list: usize, delta: u32): void {
  for (let p = GC_NEXT(list); p != list; p = GC_NEXT(p)) {
    visitStart(p);
    while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
      let c = load<usize>(s);
      if (c && (INFO(c) & TYPE_ID_MASK) == TYPE_WEAKREF && (load<u32>(c, WR_KIND) & (WR_CALLBACK | WR_INTERNAL)) == WR_CALLBACK) {
        SET_RC(c, RC(c) + delta);
      }
    }
  }
}

/**
 * Clears every weakref to an unreachable object. Callbacks run afterwards, and only for weakrefs
 * that are not garbage themselves ("legitimate to pretend the weakref is going away first"): a
 * weakref object is garbage when all its references come from unreachable objects, found with a
 * trial decrement of its count, restored before any callback. Weak-container entries are dropped
 * unless their container is garbage too. With lateWeakrefClearing (3.14) the weakrefs without a
 * callback stay until clearLateWeakrefs, after the finalizers: these may still dereference them.
 */
function handleWeakrefs(unreachable: usize): void {
  countVisits(2 * listLength(unreachable)); // the two trial passes
  adjustWeakrefCounts(unreachable, <u32>-1);
  let chain = detachListWeakrefs(unreachable, lateWeakrefClearing ? OWED_CALLBACKS : OWED_IN_COLLECTION);
  adjustWeakrefCounts(unreachable, 1);
  // every weakref to the garbage is dead: now the callbacks (they may do anything)
  runWeakrefCallbacks(chain);
}

/** Runs each unreachable object's finalizer once (PEP 442). Finalizers may free other objects. */
function finalizeGarbage(unreachable: usize): void {
  listInit(SEEN);
  while (!listIsEmpty(unreachable)) {
    let p = GC_NEXT(unreachable);
    listMove(p, SEEN); // first: the finalizer may free objects of the list
    let info = INFO(p);
    if ((info & FLAG_FINALIZER) && !(info & FLAG_FINALIZED)) {
      SET_INFO(p, info | FLAG_FINALIZED);
      incref(p);
      hostFinalize(p);
      decref(p);
    }
  }
  listMerge(SEEN, unreachable);
}

/**
 * With lateWeakrefClearing (3.14's clear_weakrefs, gh-135552): every weakref to what is still
 * garbage after the finalizers, those without a callback and those finalizers made, cleared without
 * callbacks. The weak-container entries among them are dropped as at any death.
 */
function clearLateWeakrefs(list: usize): void {
  runWeakrefCallbacks(detachListWeakrefs(list, OWED_ENTRIES));
}

/** tp_clear: drops every reference the object holds (refcounting then frees the cycle). */
function clearReferences(p: usize): void {
  let t = TYPE(INFO(p) & TYPE_ID_MASK);
  let kind = T_KIND(t);
  if (kind == KIND_REFARRAY) { listSetLength(p, 0); return; }
  if (kind == KIND_WEAKMAP) { weakMapRelease(p); return; }
  let slot = p + T_REFS(t);
  for (let i: u32 = 0, n = T_NREFS(t); i < n; i++, slot += 4) {
    let c = load<usize>(slot);
    if (c) { store<usize>(slot, 0); decref(c); }
  }
}

function deleteGarbage(collectable: usize, old: usize): void {
  // A collection run by host code inside a death (a finalizer's gc.collect) frees its garbage
  // within itself, as CPython's nested deallocs do: left on the worklist until the death's drain,
  // the containers it freed kept the rest of a cycle alive (count 1) through the stop callbacks,
  // where heap.inspect handed them out (soak --fuzz, firstfit/generational seed 15765)
  let mark = pendingMark();
  while (!listIsEmpty(collectable)) {
    let p = GC_NEXT(collectable);
    if (debugFlags & DEBUG_SAVEALL) {
      hostGcGarbage(p, GARBAGE_SAVEALL); // gc.garbage takes a reference: the object survives
    } else {
      incref(p);
      clearReferences(p);
      decref(p);
      releaseDiedSince(mark);
    }
    countVisits(1);
    if (GC_NEXT(collectable) == p) {
      // still alive (held from gc.garbage, or by a reference it could not clear): it may die later
      CLEAR_COLLECTING(p);
      listMove(p, old);
    }
  }
}

/**
 * The steps after deduction, shared by every collector: UNREACHABLE holds the garbage (doubly
 * linked, COLLECTING set), the survivors are already in `old`, where resurrected objects go too.
 * Counts the collection in generation g's statistics, reports its end (gcPhase 1) and clears
 * `collecting`. Returns the number of unreachable objects found (collected + uncollectable).
 */
export function finishCollection(g: u32, old: usize, candidates: u32, settle: (() => void) | null = null): i32 {
  // UNREACHABLE is what this collection's deduceUnreachable found: without one it holds nothing of
  // this collection (or, before any, is no list at all, and the walks below never ended)
  if (!deduced) {
    collectorFault("collector contract: finishCollection without deduceUnreachable before it (nothing was examined)");
    listInit(UNREACHABLE);
  }
  deduced = false;
  // the walk below can clear the marks deduceSubtracted left only when it is the first and the
  // at-once one (it reads each next link once, masked)
  let atOnce = freesAtOnce && !debugFlags;
  let marked = marksLeft;
  marksLeft = false;
  if (marked && (legacyFinalizers || !atOnce)) { clearUnreachableMask(UNREACHABLE); marked = false; }
  if (legacyFinalizers) moveLegacyFinalizers(UNREACHABLE);
  else listInit(LEGACY);
  if (debugFlags & DEBUG_COLLECTABLE) {
    for (let p = GC_NEXT(UNREACHABLE); p != UNREACHABLE; p = GC_NEXT(p)) hostGcGarbage(p, GARBAGE_COLLECTABLE);
  }
  // Which of the next steps can run host code? Only weakrefs and finalizers of the garbage. When
  // there are none, nothing can resurrect anything, and the garbage is deleted at once.
  let flags: u32 = 0;
  let m: u32 = 0;
  // the same walk scans the garbage for freeing at once (atonce.ts), when the collector may
  let outside: i32 = OTHER_KIND;
  if (atOnce) {
    outside = 0;
    let p = GC_NEXT(UNREACHABLE);
    while (p != UNREACHABLE) {
      let next = GC_NEXT(p) & ~NEXT_UNREACHABLE;
      if (marked) SET_GC_NEXT(p, next);
      flags |= INFO(p);
      m++;
      outside = addOutside(p, outside);
      p = next;
    }
    if (outside != OTHER_KIND) countVisits(m); // the garbage's references walked
  } else {
    for (let p = GC_NEXT(UNREACHABLE); p != UNREACHABLE; p = GC_NEXT(p)) { flags |= INFO(p); m++; }
  }
  let garbage = UNREACHABLE;
  let hostCode = (flags & (FLAG_HAS_WEAKREFS | FLAG_FINALIZER)) != 0;
  if (hostCode) {
    if (flags & FLAG_HAS_WEAKREFS) { handleWeakrefs(UNREACHABLE); phase(PHASE_WEAKREFS_HANDLED, g, 0, UNREACHABLE); }
    if (flags & FLAG_FINALIZER) { finalizeGarbage(UNREACHABLE); phase(PHASE_FINALIZED, g, 0, UNREACHABLE); }
    // a callback or finalizer may have made some of it reachable again: deduce once more with the real counts
    for (let p = GC_NEXT(UNREACHABLE); p != UNREACHABLE; p = GC_NEXT(p)) CLEAR_COLLECTING(p);
    deduceUnreachable(UNREACHABLE, STILL_UNREACHABLE, false);
    listMerge(UNREACHABLE, old); // the resurrected
    // weakrefs finalizers made to what is still garbage stay, called back when it is freed below, as
    // in CPython 3.12 (gh-91636's clearing came later); 3.14.0 clears them all here (clear_weakrefs)
    if (lateWeakrefClearing) clearLateWeakrefs(STILL_UNREACHABLE);
    garbage = STILL_UNREACHABLE;
    m = listLength(garbage);
    phase(PHASE_RESURRECTION_CHECKED, g, old, STILL_UNREACHABLE);
  }
  // garbage that can run no host code, freed at once by the collectors that may (atonce.ts)
  let visited = atOnce && !hostCode ? freeAtOnce(garbage, old, m, outside) : -1;
  if (visited < 0) deleteGarbage(garbage, old);
  else countVisits(<u32>visited);
  phase(PHASE_CLEARED, g, old);

  // legacy finalizers: uncollectable; gc.garbage gets those with a finalizer, or all under
  // DEBUG_SAVEALL (handle_legacy_finalizers), DEBUG_UNCOLLECTABLE prints all
  let n: u32 = 0;
  for (let p = GC_NEXT(LEGACY); p != LEGACY; p = GC_NEXT(p)) {
    n++;
    hostGcGarbage(p, (debugFlags & DEBUG_SAVEALL) || (INFO(p) & FLAG_FINALIZER) ? GARBAGE_LEGACY : GARBAGE_UNCOLLECTABLE);
  }
  listMerge(LEGACY, old);
  phase(PHASE_PROMOTED, g, old);

  let st = GEN_STATS + <usize>g * (GEN_STATS_WORDS << 2);
  store<u32>(st, load<u32>(st) + 1);
  store<u32>(st, load<u32>(st, 4) + m, 4);
  store<u32>(st, load<u32>(st, 8) + n, 8);
  // the collector's own bookkeeping after the collection (counts, the end of a pass): CPython does
  // it inside gc_collect_full/increment, before _PyGC_Collect calls the "stop" callbacks
  if (settle !== null) (<() => void>settle)();
  // still "collecting" during the stop callbacks, as CPython: a collect() from one returns 0
  hostGcPhase(PHASE_STOP, <i32>g, <i32>m, <i32>n, <i32>candidates);
  store<u32>(VISITED, 0); // the host has read it
  setCollecting(false);
  return <i32>(m + n);
}
