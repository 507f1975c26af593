// === The generational cycle collector (CPython 3.12's Modules/gcmodule.c) ===
// Refcounting frees everything but cycles. A collection of generation g finds the containers of
// generations 0..g that nothing outside them references, with trial deletion on a copy of the
// counts (the real counts are never changed), and frees them by clearing their references.
//
// During a collection a tracked object's gcPrev word holds its gc_refs (the list is singly linked
// through gcNext meanwhile), its COLLECTING header bit says it is in the set, and bit 0 of gcNext
// (UNREACHABLE) marks it as tentatively unreachable. What holds after each step:
//   updateRefs       gc_refs = refcount, COLLECTING set, for every object of the set
//   subtractRefs     gc_refs = references from outside the set (>= 0)
//   moveUnreachable  the set keeps exactly what is reachable from outside it (prev links restored,
//                    COLLECTING cleared); `unreachable` holds the rest, doubly linked, COLLECTING set
//   legacy           (mode 'legacy') objects with a finalizer, and all they reach, set aside: uncollectable
//   weakrefs         every weakref to an unreachable object is cleared; callbacks run only for
//                    weakrefs that are not themselves garbage; weak-container entries are dropped
//   finalizers       each unreachable object's PEP 442 finalizer has run once (FINALIZED set)
//   resurrection     the unreachable set is deduced again with the real counts; what a finalizer
//                    made reachable moves to the older generation (bpo-38379)
//   delete           each object still unreachable has had its references cleared; refcounting freed it
//   promote          survivors are in generation g + 1 (or stay in 2)

import {
  FLAG_CONTAINER, FLAG_FINALIZED, FLAG_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_TRACKED, GC_NEXT, GC_PREV, INFO, RC, SET_GC_NEXT, SET_GC_PREV, SET_INFO,
  SET_RC, TYPE_ID_MASK,
} from "../layout";
import { KIND_REFARRAY, KIND_WEAKMAP, T_KIND, T_NREFS, T_REFS, TYPE, TYPE_WEAKREF } from "../types";
import { decref, incref } from "../rc";
import { censusChild } from "../census";
import {
  COUNT, GEN_HEAD, NUM_GENERATIONS, PERMANENT, SET_COUNT, THRESHOLD, listIsEmpty, listLength, listMerge, listMove,
} from "./generations";
import { visitChildren } from "./visit";
import { addUnvisited, incrementalCollect, incrementalFreeze, incrementalInit, incrementalUnfreeze } from "./incremental";
import { OWED_ENTRIES, OWED_IN_COLLECTION, WR_CALLBACK, WR_INTERNAL, WR_KIND, WR_NEXT, detachWeakrefs, runWeakrefCallbacks } from "../weak";
import { weakMapRelease } from "../weakmap";
import { listSetLength } from "../list";
import { auditRef } from "../verify";
import { HOOK_FINALIZE, HOOK_GC_GARBAGE, HOOK_GC_PHASE, fromHost, toHost } from "../entry";

// @ts-ignore: decorator
@external("host", "gcPhase")
declare function gcPhaseImport(phase: i32, generation: i32, collected: i32, uncollectable: i32, candidates: i32): void;
// @ts-ignore: decorator
@external("host", "gcGarbage")
declare function gcGarbageImport(obj: usize, why: i32): void;
// @ts-ignore: decorator
@external("host", "finalize")
declare function finalizeImport(obj: usize): void;
// Host calls are counted (entry.ts): deaths the host causes meanwhile join rc.ts's worklist.
// @ts-ignore: decorator
@inline export function hostGcPhase(phase: i32, generation: i32, collected: i32, uncollectable: i32, candidates: i32): void {
  toHost(HOOK_GC_PHASE); gcPhaseImport(phase, generation, collected, uncollectable, candidates); fromHost();
}
// @ts-ignore: decorator
@inline function hostGcGarbage(obj: usize, why: i32): void { toHost(HOOK_GC_GARBAGE); gcGarbageImport(obj, why); fromHost(); }
// @ts-ignore: decorator
@inline function hostFinalize(obj: usize): void { toHost(HOOK_FINALIZE); finalizeImport(obj); fromHost(); }

/** Header bit: the object is in the set being collected. */
// @ts-ignore: decorator
@inline export const FLAG_COLLECTING: u32 = 1 << 23;
/** Header bit (recycler): the object is a candidate root, on the candidate list. */
// @ts-ignore: decorator
@inline export const FLAG_CANDIDATE: u32 = 1 << 24;
/** Header bit: the object is in the permanent generation (gc.freeze): never gathered or collected. */
// @ts-ignore: decorator
@inline export const FLAG_FROZEN: u32 = 1 << 25;
// @ts-ignore: decorator
@inline export const COLLECTOR_NONE: i32 = 0;
// @ts-ignore: decorator
@inline export const COLLECTOR_GENERATIONAL: i32 = 1;
// @ts-ignore: decorator
@inline export const COLLECTOR_RECYCLER: i32 = 2;
// @ts-ignore: decorator
@inline export const COLLECTOR_INCREMENTAL: i32 = 3;

/** gcNext bit: the object is (tentatively) on the unreachable list. */
// @ts-ignore: decorator
@inline const NEXT_UNREACHABLE: usize = 1;

// visitor cookies
// @ts-ignore: decorator
@inline export const VISIT_DECREF: i32 = 1;       // subtractRefs: gc_refs of a child in the set - 1
// @ts-ignore: decorator
@inline export const VISIT_REACHABLE: i32 = 2;    // moveUnreachable: a child in the set is reachable
// @ts-ignore: decorator
@inline export const VISIT_MOVE_LEGACY: i32 = 3;  // legacy: a child in the unreachable set is uncollectable too
// @ts-ignore: decorator
@inline export const VISIT_WEAKREF_RC: i32 = 4;   // weakref objects referenced from garbage: rc += arg (trial)
// @ts-ignore: decorator
@inline export const VISIT_FIND: i32 = 5;         // get_referrers: does this container reference arg?
// @ts-ignore: decorator
@inline export const VISIT_AUDIT: i32 = 6;        // verify's refcount audit: rc += arg
// @ts-ignore: decorator
@inline export const VISIT_NTH: i32 = 7;          // get_referents: the arg-th reference
// @ts-ignore: decorator
@inline export const VISIT_GATHER: i32 = 8;       // recycler: pull a tracked child into the set being collected
// @ts-ignore: decorator
@inline export const VISIT_CENSUS: i32 = 9;       // inspection: stream the reference to the host (census.ts)
// @ts-ignore: decorator
@inline export const VISIT_ADD_UNVISITED: i32 = 10; // incremental: pull a tracked child of the pending space into the list arg

// debug flags (gc.set_debug)
// @ts-ignore: decorator
@inline export const DEBUG_STATS: u32 = 1;
// @ts-ignore: decorator
@inline export const DEBUG_COLLECTABLE: u32 = 2;
// @ts-ignore: decorator
@inline export const DEBUG_UNCOLLECTABLE: u32 = 4;
// @ts-ignore: decorator
@inline export const DEBUG_SAVEALL: u32 = 32;

// garbage kinds reported to the host
// @ts-ignore: decorator
@inline const GARBAGE_SAVEALL: i32 = 1;
// @ts-ignore: decorator
@inline const GARBAGE_LEGACY: i32 = 2;
// @ts-ignore: decorator
@inline const GARBAGE_COLLECTABLE: i32 = 3;

/** 0: no cycle collection (refcounting only), 1: generational, 2: recycler, 3: incremental. */
export let collectorKind: i32 = 0;
/** Recycler: candidate roots waiting on the candidate list (generation 0's list in that mode). */
export let candidateCount: u32 = 0;
export let gcEnabled = true;
export let collecting = false;
export let debugFlags: u32 = 0;
/** Finalizer mode 'legacy' (Python 2): a cycle holding a finalizer is uncollectable. */
export let legacyFinalizers = false;
let longLivedTotal: u32 = 0;
let longLivedPending: u32 = 0;
let visitFound = false;

/** Per generation: collections, collected, uncollectable (u32 each). */
export const GEN_STATS: usize = memory.data(3 * 12, 4);

// working lists
export const UNREACHABLE: usize = memory.data(16, 8);
const STILL_UNREACHABLE: usize = memory.data(16, 8);
const LEGACY: usize = memory.data(16, 8);
const SEEN: usize = memory.data(16, 8);
const WORK: usize = memory.data(16, 8);

// ── phase observation (the explorer, and tests that check what holds after each step) ──
// When on, the collector calls gcPhase(PHASE_x, generation, listA, listB, 0) at each step boundary
// above, where the lists are consistent (doubly linked, no UNREACHABLE marks) and gc_refs can be
// read in each COLLECTING object's gcPrev word. Off: one predicted branch per step.
// @ts-ignore: decorator
@inline export const PHASE_MERGED: i32 = 2;              // listA: the set (generations 0..g merged)
// @ts-ignore: decorator
@inline export const PHASE_GATHERED: i32 = 3;            // recycler: listA: the candidates' subgraph
// @ts-ignore: decorator
@inline export const PHASE_REFS_COPIED: i32 = 4;         // listA: the set, gc_refs = refcount
// @ts-ignore: decorator
@inline export const PHASE_INTERNAL_SUBTRACTED: i32 = 5; // listA: the set, gc_refs = external references
// @ts-ignore: decorator
@inline export const PHASE_UNREACHABLE_MOVED: i32 = 6;   // listA: reachable, listB: unreachable
// @ts-ignore: decorator
@inline export const PHASE_WEAKREFS_HANDLED: i32 = 7;    // listB: unreachable (weakrefs to it cleared, callbacks run)
// @ts-ignore: decorator
@inline export const PHASE_FINALIZED: i32 = 8;           // listB: unreachable (finalizers run)
// @ts-ignore: decorator
@inline export const PHASE_RESURRECTION_CHECKED: i32 = 9; // listA: older generation (resurrected joined it), listB: still unreachable
// @ts-ignore: decorator
@inline export const PHASE_CLEARED: i32 = 10;            // listA: older generation; the garbage is freed
// @ts-ignore: decorator
@inline export const PHASE_PROMOTED: i32 = 11;           // listA: the generation the survivors are in

export let observePhases = false;
export function setObservePhases(on: bool): void { observePhases = on; }

// @ts-ignore: decorator
@inline export function phase(code: i32, g: u32, listA: usize, listB: usize = 0): void {
  if (observePhases) hostGcPhase(code, <i32>g, <i32>listA, <i32>listB, 0);
}
/** The generation being collected, for the phase reports of the shared steps. */
export let phaseGeneration: u32 = 0;

// @ts-ignore: decorator
@inline function GC_REFS(p: usize): u32 { return load<u32>(p, 12); }
// @ts-ignore: decorator
@inline function SET_GC_REFS(p: usize, r: u32): void { store<u32>(p, r, 12); }
// @ts-ignore: decorator
@inline function IS_COLLECTING(p: usize): bool { return (INFO(p) & FLAG_COLLECTING) != 0; }
// @ts-ignore: decorator
@inline function CLEAR_COLLECTING(p: usize): void { SET_INFO(p, INFO(p) & ~FLAG_COLLECTING); }

function listInit(h: usize): void { SET_GC_NEXT(h, h); SET_GC_PREV(h, h); }

export function configureCollector(kind: i32, legacy: bool): void {
  collectorKind = kind;
  legacyFinalizers = legacy;
  if (kind == COLLECTOR_INCREMENTAL) incrementalInit();
}
export function setGcEnabled(on: bool): void { gcEnabled = on; }
export function setDebugFlags(f: u32): void { debugFlags = f; }

// ── the visitor ──

/** What each cookie does at one reference (see visit.ts); inlined into the visitor's loops. */
// @ts-ignore: decorator
@inline export function visitRef(c: usize, cookie: i32, arg: usize): void {
  if (cookie == VISIT_DECREF) {
    if (IS_COLLECTING(c)) SET_GC_REFS(c, GC_REFS(c) - 1);
  } else if (cookie == VISIT_REACHABLE) {
    visitReachable(c, arg);
  } else if (cookie == VISIT_MOVE_LEGACY) {
    if (IS_COLLECTING(c)) { CLEAR_COLLECTING(c); listMove(c, LEGACY); }
  } else if (cookie == VISIT_WEAKREF_RC) {
    if ((INFO(c) & TYPE_ID_MASK) == TYPE_WEAKREF && (load<u32>(c, WR_KIND) & (WR_CALLBACK | WR_INTERNAL)) == WR_CALLBACK) {
      SET_RC(c, RC(c) + <u32>arg);
    }
  } else if (cookie == VISIT_FIND) {
    if (c == arg) visitFound = true;
  } else if (cookie == VISIT_AUDIT) {
    auditRef(c, <u32>arg);
  } else if (cookie == VISIT_NTH) {
    if (visitIndex++ == arg) visitResult = c;
  } else if (cookie == VISIT_GATHER) {
    let info = INFO(c);
    if ((info & (FLAG_TRACKED | FLAG_COLLECTING | FLAG_FROZEN)) == FLAG_TRACKED) {
      if (info & FLAG_CANDIDATE) candidateCount--;
      SET_INFO(c, (info | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
      listMove(c, arg);
    }
  } else if (cookie == VISIT_CENSUS) {
    censusChild(c);
  } else if (cookie == VISIT_ADD_UNVISITED) {
    addUnvisited(c, arg);
  }
}

let visitIndex: usize = 0;
let visitResult: usize = 0;

/** The i-th strong reference container p holds (in visiting order), or 0 past the end. */
export function referentAt(p: usize, i: usize): usize {
  visitIndex = 0;
  visitResult = 0;
  visitChildren(p, VISIT_NTH, i);
  return visitResult;
}

// @ts-ignore: decorator
@inline function visitReachable(c: usize, young: usize): void {
  // objects of other generations, and those already scanned, are not COLLECTING
  if (!IS_COLLECTING(c)) return;
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
  } else if (GC_REFS(c) == 0) {
    // still ahead of the scan: tell it that it is reachable
    SET_GC_REFS(c, 1);
  }
}

// ── deduce_unreachable ──

function updateRefs(base: usize): u32 {
  let n: u32 = 0;
  for (let p = GC_NEXT(base); p != base; p = GC_NEXT(p)) {
    if (isDefined(ASC_HEAP_DEBUG)) assert(RC(p) != 0, "a tracked object with refcount 0");
    SET_INFO(p, INFO(p) | FLAG_COLLECTING);
    SET_GC_REFS(p, RC(p));
    n++;
  }
  return n;
}

function subtractRefs(base: usize): void {
  for (let p = GC_NEXT(base); p != base; p = GC_NEXT(p)) visitChildren(p, VISIT_DECREF, 0);
}

function moveUnreachable(young: usize, unreachable: usize): void {
  let prev = young;
  let p = GC_NEXT(young);
  while (p != young) {
    if (GC_REFS(p)) {
      // reachable from outside: its children are too. visitChildren may append to young (and
      // change p's gcNext when p is last), so the next object is read only afterwards.
      visitChildren(p, VISIT_REACHABLE, young);
      SET_GC_PREV(p, prev);
      CLEAR_COLLECTING(p);
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
    }
    p = GC_NEXT(prev);
  }
  SET_GC_PREV(young, prev);
  SET_GC_NEXT(unreachable, GC_NEXT(unreachable) & ~NEXT_UNREACHABLE);
}

function clearUnreachableMask(list: usize): void {
  for (let p = GC_NEXT(list); p != list; p = GC_NEXT(p)) SET_GC_NEXT(p, GC_NEXT(p) & ~NEXT_UNREACHABLE);
}

export function deduceUnreachable(base: usize, unreachable: usize, observed: bool = true): u32 {
  let n = updateRefs(base);
  if (observed) phase(PHASE_REFS_COPIED, phaseGeneration, base);
  subtractRefs(base);
  if (observed) phase(PHASE_INTERNAL_SUBTRACTED, phaseGeneration, base);
  listInit(unreachable);
  moveUnreachable(base, unreachable);
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
  for (let q = GC_NEXT(LEGACY); q != LEGACY; q = GC_NEXT(q)) visitChildren(q, VISIT_MOVE_LEGACY, 0);
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

/**
 * Clears every weakref to an unreachable object. Callbacks run afterwards, and only for weakrefs
 * that are not garbage themselves ("legitimate to pretend the weakref is going away first"): a
 * weakref object is garbage when all its references come from unreachable objects, found with a
 * trial decrement of its count, restored before any callback. Weak-container entries are dropped
 * unless their container is garbage too.
 */
function handleWeakrefs(unreachable: usize): void {
  let p: usize;
  for (p = GC_NEXT(unreachable); p != unreachable; p = GC_NEXT(p)) visitChildren(p, VISIT_WEAKREF_RC, <usize>-1);
  let chain = detachListWeakrefs(unreachable, OWED_IN_COLLECTION);
  for (p = GC_NEXT(unreachable); p != unreachable; p = GC_NEXT(p)) visitChildren(p, VISIT_WEAKREF_RC, 1);
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
 * Weakrefs made by finalizers to what is still garbage: cleared, without callbacks (gh-91636). The
 * weak-container entries a finalizer made are dropped as at any death, once every weakref is clear.
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
  while (!listIsEmpty(collectable)) {
    let p = GC_NEXT(collectable);
    if (debugFlags & DEBUG_SAVEALL) {
      hostGcGarbage(p, GARBAGE_SAVEALL); // gc.garbage takes a reference: the object survives
    } else {
      incref(p);
      clearReferences(p);
      decref(p);
    }
    if (GC_NEXT(collectable) == p) {
      // still alive (held from gc.garbage, or by a reference it could not clear): it may die later
      CLEAR_COLLECTING(p);
      listMove(p, old);
    }
  }
}

// ── collection ──

/** Collects generation g (0..2). Returns the number of unreachable objects found (collected + uncollectable). */
export function collect(g: u32): i32 {
  if (collecting || collectorKind == COLLECTOR_NONE) return 0;
  if (collectorKind == COLLECTOR_RECYCLER) return recyclerCollect(g == NUM_GENERATIONS - 1);
  if (collectorKind == COLLECTOR_INCREMENTAL) return incrementalCollect(g);
  collecting = true;
  hostGcPhase(0, <i32>g, 0, 0, 0);
  if (g + 1 < NUM_GENERATIONS) SET_COUNT(g + 1, COUNT(g + 1) + 1);
  for (let i: u32 = 0; i <= g; i++) SET_COUNT(i, 0);
  // merge younger generations into g
  for (let i: u32 = 0; i < g; i++) listMerge(GEN_HEAD(i), GEN_HEAD(g));
  let young = GEN_HEAD(g);
  let old = g + 1 < NUM_GENERATIONS ? GEN_HEAD(g + 1) : young;
  phaseGeneration = g;
  phase(PHASE_MERGED, g, young);

  let candidates = deduceUnreachable(young, UNREACHABLE);
  // survivors move on
  if (young != old) {
    if (g == 1) longLivedPending += listLength(young);
    listMerge(young, old);
  } else {
    longLivedPending = 0;
    longLivedTotal = listLength(young);
  }
  return finishCollection(g, old, candidates);
}

/**
 * The steps after deduction, shared by both collectors: UNREACHABLE holds the garbage (doubly
 * linked, COLLECTING set), the survivors are already in `old`, where resurrected objects go too.
 */
export function finishCollection(g: u32, old: usize, candidates: u32): i32 {
  if (legacyFinalizers) moveLegacyFinalizers(UNREACHABLE);
  else listInit(LEGACY);
  if (debugFlags & DEBUG_COLLECTABLE) {
    for (let p = GC_NEXT(UNREACHABLE); p != UNREACHABLE; p = GC_NEXT(p)) hostGcGarbage(p, GARBAGE_COLLECTABLE);
  }
  // Which of the next steps can run host code? Only weakrefs and finalizers of the garbage. When
  // there are none, nothing can resurrect anything, and the garbage is deleted at once.
  let flags: u32 = 0;
  let m: u32 = 0;
  for (let p = GC_NEXT(UNREACHABLE); p != UNREACHABLE; p = GC_NEXT(p)) { flags |= INFO(p); m++; }
  let garbage = UNREACHABLE;
  if (flags & (FLAG_HAS_WEAKREFS | FLAG_FINALIZER)) {
    if (flags & FLAG_HAS_WEAKREFS) { handleWeakrefs(UNREACHABLE); phase(PHASE_WEAKREFS_HANDLED, g, 0, UNREACHABLE); }
    if (flags & FLAG_FINALIZER) { finalizeGarbage(UNREACHABLE); phase(PHASE_FINALIZED, g, 0, UNREACHABLE); }
    // a callback or finalizer may have made some of it reachable again: deduce once more with the real counts
    for (let p = GC_NEXT(UNREACHABLE); p != UNREACHABLE; p = GC_NEXT(p)) CLEAR_COLLECTING(p);
    deduceUnreachable(UNREACHABLE, STILL_UNREACHABLE, false);
    listMerge(UNREACHABLE, old); // the resurrected
    clearLateWeakrefs(STILL_UNREACHABLE);
    garbage = STILL_UNREACHABLE;
    m = listLength(garbage);
    phase(PHASE_RESURRECTION_CHECKED, g, old, STILL_UNREACHABLE);
  }
  deleteGarbage(garbage, old);
  phase(PHASE_CLEARED, g, old);

  // legacy finalizers: uncollectable, into gc.garbage
  let n: u32 = 0;
  for (let p = GC_NEXT(LEGACY); p != LEGACY; p = GC_NEXT(p)) {
    n++;
    hostGcGarbage(p, GARBAGE_LEGACY);
  }
  listMerge(LEGACY, old);
  phase(PHASE_PROMOTED, g, old);

  found = m + n;
  endCollection(g, m, n, candidates);
  return <i32>(m + n);
}

/** Collected + uncollectable of the last finishCollection (for a collector that ends its collection itself). */
export let found: u32 = 0;

/** Counts the collection in gc.get_stats(), runs the stop callbacks, and ends it. */
export function endCollection(g: u32, collected: u32, uncollectable: u32, candidates: u32): void {
  let st = GEN_STATS + <usize>g * 12;
  store<u32>(st, load<u32>(st) + 1);
  store<u32>(st, load<u32>(st, 4) + collected, 4);
  store<u32>(st, load<u32>(st, 8) + uncollectable, 8);
  // still "collecting" during the stop callbacks, as CPython: a collect() from one returns 0
  hostGcPhase(1, <i32>g, <i32>collected, <i32>uncollectable, <i32>candidates);
  collecting = false;
}

// ── the recycler: cycle collection from candidate roots ──
// After Bacon and Rajan (2001), "Concurrent Cycle Collection in Reference Counted Systems", in its
// synchronous form: a container whose count is decremented to a non-zero value may be the root of a
// garbage cycle, so it becomes a candidate. A collection gathers the subgraph reachable from the
// candidates (breadth first, through the list itself: no recursion) and runs the same trial
// deletion and the same weakref / finalizer / resurrection / delete steps on that subgraph only:
// its cost follows the candidates, not the heap. Generation 0's list holds the candidates,
// generation 1's everything else; gc.collect(2) gathers everything (a full collection).

/** A count was decremented to non-zero: the object may be a garbage cycle's root. */
// @ts-ignore: decorator
@inline export function possibleRoot(c: usize): void {
  let info = INFO(c);
  if ((info & (FLAG_CONTAINER | FLAG_TRACKED | FLAG_CANDIDATE | FLAG_COLLECTING | FLAG_FROZEN)) == (FLAG_CONTAINER | FLAG_TRACKED)) {
    // not while a legacy-mode collection holds uncollectable objects on its own list
    if (collecting && legacyFinalizers) return;
    SET_INFO(c, info | FLAG_CANDIDATE);
    listMove(c, GEN_HEAD(0));
    candidateCount++;
  }
}

/** Objects an automatic recycler step may gather before it stops taking candidates (0 = no limit; set by the host from gc.setPauseBudget). */
export let stepWorkLimit: u32 = 0;
export function setStepWorkLimit(n: u32): void { stepWorkLimit = n; }

/**
 * A recycler collection. `limit` > 0 makes it a bounded step: candidates are taken one by one, each
 * with its whole subgraph (trial deletion on a truncated set would miss garbage), until `limit`
 * objects are gathered; the other candidates stay buffered for the next step, so no garbage is
 * lost. So that memory cannot grow without bound, a step ignores the limit when the buffer holds
 * more than 16 × threshold0 candidates. A step exceeds its limit only when one candidate's
 * subgraph alone is larger.
 */
function recyclerCollect(full: bool, limit: u32 = 0): i32 {
  let g: u32 = full ? NUM_GENERATIONS - 1 : 0;
  collecting = true;
  hostGcPhase(0, <i32>g, 0, 0, 0);
  SET_COUNT(0, 0);
  listInit(WORK);
  let head = GEN_HEAD(0);
  if (full || limit == 0 || candidateCount > THRESHOLD(0) * 16) {
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, (INFO(p) | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
    candidateCount = 0;
    listMerge(head, WORK);
    if (full) {
      // every tracked object but the frozen ones: nothing left to gather
      listMerge(GEN_HEAD(1), WORK);
    } else {
      // gather what the candidates reach (the list grows while it is walked)
      for (let p = GC_NEXT(WORK); p != WORK; p = GC_NEXT(p)) visitChildren(p, VISIT_GATHER, WORK);
    }
  } else {
    let gathered: u32 = 0;
    let scan = WORK; // the last object whose children were visited
    while (GC_NEXT(head) != head && gathered < limit) {
      let c = GC_NEXT(head);
      SET_INFO(c, (INFO(c) | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
      candidateCount--;
      listMove(c, WORK);
      // this candidate's whole subgraph
      for (let p = GC_NEXT(scan); p != WORK; p = GC_NEXT(p)) {
        visitChildren(p, VISIT_GATHER, WORK);
        gathered++;
        scan = p;
      }
    }
  }
  phaseGeneration = g;
  phase(PHASE_GATHERED, g, WORK);
  let n = deduceUnreachable(WORK, UNREACHABLE);
  listMerge(WORK, GEN_HEAD(1));
  return finishCollection(g, GEN_HEAD(1), n);
}

/** The automatic trigger: the oldest generation over its threshold, with the 25% rule for gen 2. */
export function collectGenerations(): void {
  if (collectorKind == COLLECTOR_RECYCLER) { recyclerCollect(false, stepWorkLimit); return; }
  // CPython 3.14's _Py_RunGC: every automatic collection is one increment
  if (collectorKind == COLLECTOR_INCREMENTAL) { incrementalCollect(1); return; }
  for (let i = <i32>NUM_GENERATIONS - 1; i >= 0; i--) {
    let g = <u32>i;
    if (COUNT(g) > THRESHOLD(g)) {
      // a full collection only when the objects awaiting it are 25% of the long-lived ones (issue #4074)
      if (g == 2 && longLivedPending < longLivedTotal / 4) continue;
      collect(g);
      break;
    }
  }
}

/** Is an automatic collection due before the next container allocation? */
// @ts-ignore: decorator
@inline export function collectionDue(): bool {
  let t0 = THRESHOLD(0);
  if (collectorKind == COLLECTOR_NONE || !gcEnabled || collecting || t0 == 0) return false;
  return (collectorKind == COLLECTOR_RECYCLER ? candidateCount : COUNT(0)) > t0;
}

/** Called before a container is allocated. */
// @ts-ignore: decorator
@inline export function maybeCollect(): void {
  if (collectionDue()) collectGenerations();
}

// ── gc module helpers ──

export function freeze(): void {
  if (collectorKind == COLLECTOR_INCREMENTAL) { incrementalFreeze(); return; }
  for (let g: u32 = 0; g < NUM_GENERATIONS; g++) {
    let head = GEN_HEAD(g);
    // FROZEN on each object: the recycler's gathering must not pull one out of the permanent generation
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, (INFO(p) | FLAG_FROZEN) & ~FLAG_CANDIDATE);
    listMerge(head, GEN_HEAD(PERMANENT));
    SET_COUNT(g, 0);
  }
  candidateCount = 0;
}
export function unfreeze(): void {
  if (collectorKind == COLLECTOR_INCREMENTAL) { incrementalUnfreeze(); return; }
  let head = GEN_HEAD(PERMANENT);
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, INFO(p) & ~FLAG_FROZEN);
  // the recycler keeps its non-candidates in generation 1
  listMerge(head, GEN_HEAD(collectorKind == COLLECTOR_RECYCLER ? 1 : NUM_GENERATIONS - 1));
}
export function generationLength(g: u32): u32 { return listLength(GEN_HEAD(g)); }

/** Does container p reference obj? */
export function references(p: usize, obj: usize): bool {
  visitFound = false;
  visitChildren(p, VISIT_FIND, obj);
  return visitFound;
}
