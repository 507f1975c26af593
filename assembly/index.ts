// === refheap core: the exported API ===
// The host (src/) drives the heap through these exports; a VM written in AssemblyScript can import
// the same functions from this file and call them directly (bench/wasm/ does).
//
// Ownership, as in CPython's C API: functions documented "new reference" give the caller a
// reference it must release with decref; "borrowed" ones do not; "steals" ones take over the
// caller's reference to the argument. Release builds check nothing (the unchecked raw API);
// debug builds (ASC_HEAP_DEBUG) check every pointer and index and abort before changing anything.

import { ALIGN_MASK, FLAG_DYING, INFO, RC, TYPE_ID_MASK } from "./layout";
import {
  BYTES_DATA, BYTES_LENGTH, KIND_BYTES, KIND_FIXED, KIND_REFARRAY, LIST_LENGTH, T_KIND, T_NREFS, T_REFS, T_SIZE,
  TYPE, TYPES, typeCount, typesInit, FIRST_USER_TYPE, TYPE_WEAKREF, KIND_WEAKMAP,
} from "./types";
import { allocatorInit, allocationAttempts, blocksEnd, setFailAfter as allocSetFailAfter } from "./alloc/index";
import { STAGING, STAGING_SIZE } from "./object";
import { COUNTS, GEN_HEAD, THRESHOLDS, generationsInit, setThreshold } from "./collect/generations";
import { GEN_STATS, collecting, debugFlags, enterCollector, leaveCollector, gcEnabled, rootObject, setDebugFlags, setGcEnabled, setLateWeakrefClearing, setLegacyFinalizers, setRootObject, setStepWorkLimit, visitedList } from "./collect/gcstate";
import { freeze, generationLength, unfreeze } from "./collect/gcmodule";
import { referentAt, references } from "./collect/referrers";
import { VISITED } from "./collect/trial";
import { candidateCount } from "./collect/candidates";
import { setFreesAtOnce } from "./collect/atonce";
import { GC_CAP_FREES_GARBAGE_AT_ONCE, GC_CAP_LATE_WEAKREF_CLEARING } from "./generated/capabilities";
import { collectorCapabilities, collectorCheckCode, collectorCollect, collectorInit, collectorThawGeneration } from "./generated/collectors";
import { decref as rcDecref, incref as rcIncref } from "./rc";
import { SLOT, listPop as lPop, listSet as lSet, listSetLength as lSetLength } from "./list";
import { growTo, setMaxPages } from "./memory";
import { computeStats } from "./stats";
import { failureMessage, failurePointer } from "./failure";
import { allocatorCapabilities, allocatorClassCount, allocatorClassRows, allocatorSmallMax } from "./generated/registry";
import { REGISTRY_ID } from "./generated/registry_id";
import { externalRefs, verify as verifyHeap } from "./verify";
import {
  allocBytes as oomAllocBytes, allocFixed, allocFixedFrom, allocList as oomAllocList, appendItem, newWeakMap, newWeakref, oomCollections, unhold as oomUnhold,
  weakKeySet, weakValueSetBytes, weakValueSetInt,
} from "./oom";

import { defineType as defineTypeRecord } from "./types";
export function defineType(kind: u32, nRefs: u32, nI32: u32, nF64: u32, flags: u32): i32 { check(); return defineTypeRecord(kind, nRefs, nI32, nF64, flags); }
import { flushEvents, setBatchSize, setEventsOn } from "./events";

/** Allocation events per batch, 1..1024 (1: each event reaches the host during the call that caused it). */
export function eventsSetBatchSize(n: u32): void { enter(); setBatchSize(n); leave(); }

/** Allocation events on or off (off flushes what is buffered); see events.ts. */
export function eventsSetOn(on: i32): void { enter(); setEventsOn(on != 0); leave(); }
import { REPLAY_CAPACITY, checkBatch as replayCheck, replayBatch as replayRun } from "./replay";
/** Replays n ops from replayOps() (replay.ts). */
export function replayBatch(rawTypeId: u32, n: u32): u32 {
  // the batch's checks are argument checks: they abort before enter(), so a refused batch leaves the heap usable
  if (isDefined(ASC_HEAP_DEBUG)) replayCheck(rawTypeId, min(n, REPLAY_CAPACITY));
  enter(); let r = replayRun(rawTypeId, n); leave(); return r;
}
import { poolRecord as poolRecordOf } from "./poolmap";
export function poolRecord(k: u32): usize { check(); return poolRecordOf(k); }
import { setObservePhases } from "./collect/phases";
/** Collector phase reports on or off (collect/phases.ts). */
export function gcObservePhases(on: i32): void { check(); setObservePhases(on != 0); }
import { REPLAY_OPS } from "./replay";
/** The op buffer replayBatch reads (replay.ts). */
export function replayOps(): usize { check(); return REPLAY_OPS; }
/** Hands the buffered allocation events to the host now. */
export function eventsFlush(): void { enter(); flushEvents(); leave(); }
import { HOOK_DEPTH, check, enter, leave } from "./entry";
/** Where the host counts its hook calls in progress (entry.ts). */
export function hookDepth(): usize { return HOOK_DEPTH; }
/** 0, or why the heap refuses every call (entry.ts): bit 0, the hook the unwind went through in bits 8..15. */
export { corruption } from "./entry";
import { WR_HASH, WR_KIND, WR_NEXT, weakSlot, weakrefAwaitsDeath, weakrefReferent } from "./weak";

let initialized = false;

/**
 * Sets the heap up once: the allocator and collector codes (strategies.json, generated/registry.ts),
 * the page limit and the finalizer mode (0 PEP 442, 1 legacy). 0 = ok, -1 = no memory,
 * -2 = already initialized, -3 = unknown allocator, -4 = unknown collector.
 */
export function init(allocator: i32, maxPages: i32, collector: i32, legacyFinalizers: i32): i32 {
  if (initialized) return -2;
  initialized = true;
  setMaxPages(maxPages);
  let start = (__heap_base + 15) & ~15;
  if (!growTo(start + 4096)) return -1;
  typesInit();
  generationsInit();
  setLegacyFinalizers(legacyFinalizers != 0);
  if (!collectorCheckCode(collector)) return -4;
  if (!allocatorInit(allocator, start)) return -3;
  collectorInit(collector);
  setFreesAtOnce((collectorCapabilities() & GC_CAP_FREES_GARBAGE_AT_ONCE) != 0);
  setLateWeakrefClearing((collectorCapabilities() & GC_CAP_LATE_WEAKREF_CLEARING) != 0);
  return 0;
}

// ── debug-build argument checks: abort (a typed error on the host) before any change ──

// @ts-ignore: decorator
@inline function checkPtr(p: usize): void {
  if (isDefined(ASC_HEAP_DEBUG)) {
    // p > end - 8, not p + 8 > end: 0xFFFFFFF8 + 8 wrapped to 0 and the header read trapped untyped;
    // blocksEnd, not memoryEnd: memoryEnd - 8 read the tail sentinel as a live object
    if (p == 0 || (p & ALIGN_MASK) != 0 || p < __heap_base || p > blocksEnd() - 8) throw new Error("not an object pointer");
    let id = INFO(p) & TYPE_ID_MASK;
    if (id < 2 || id >= typeCount) throw new Error("not an object pointer (free block or bad type id)");
    if (RC(p) == 0 || (INFO(p) & FLAG_DYING)) throw new Error("object pointer to a dead object (refcount 0)");
    if (id == TYPE_WEAKREF && weakrefAwaitsDeath(p)) throw new Error("object pointer to a dead object (a weakref whose death waits)");
  }
}
// @ts-ignore: decorator
@inline function checkNullable(p: usize): void { if (p) checkPtr(p); }
// @ts-ignore: decorator
@inline function checkKind(p: usize, kind: u32): void {
  if (isDefined(ASC_HEAP_DEBUG)) {
    checkPtr(p);
    if (T_KIND(TYPE(INFO(p) & TYPE_ID_MASK)) != kind) throw new Error("object of the wrong kind for this call");
  }
}
// @ts-ignore: decorator
@inline function checkType(typeId: u32, kind: u32): void {
  if (isDefined(ASC_HEAP_DEBUG)) {
    if (typeId < FIRST_USER_TYPE || typeId >= typeCount) throw new Error("unknown type id");
    if (T_KIND(TYPE(typeId)) != kind) throw new Error("type of the wrong kind for this call");
  }
}

// ── allocation (each returns a new reference, or 0 when out of memory) ──

export function alloc(typeId: u32): usize { checkType(typeId, KIND_FIXED); enter(); let p = allocFixed(typeId); leave(); return p; }
/**
 * New reference to an object whose fields are copied from the staging area (address: staging()),
 * written beforehand at the type's field offsets. Reference fields are stolen from the caller;
 * the staging area is cleared afterwards. On 0 (out of memory) nothing is stolen: the staged
 * references are still the caller's, in the staging area. For fixed types of at most 1024 bytes. One call per
 * object: the host-driven fast path (PyTuple_Pack-like constructors).
 */
export function allocInit(typeId: u32): usize {
  checkType(typeId, KIND_FIXED);
  if (isDefined(ASC_HEAP_DEBUG)) {
    let t = TYPE(typeId);
    if (T_SIZE(t) > STAGING_SIZE) throw new Error("allocInit: type larger than the staging area");
    let slot = STAGING + T_REFS(t);
    for (let i: u32 = 0, n = T_NREFS(t); i < n; i++, slot += 4) checkNullable(load<usize>(slot));
  }
  enter();
  let p = allocFixedFrom(typeId);
  leave();
  return p;
}
export function staging(): usize { check(); return STAGING; }
export function allocList(typeId: u32, length: u32): usize { checkType(typeId, KIND_REFARRAY); enter(); let p = oomAllocList(typeId, length); leave(); return p; }
export function allocBytes(typeId: u32, length: u32): usize { checkType(typeId, KIND_BYTES); enter(); let p = oomAllocBytes(typeId, length); leave(); return p; }

// ── reference counts ──

export function incref(p: usize): void { checkPtr(p); check(); rcIncref(p); }
export function decref(p: usize): void { checkPtr(p); enter(); rcDecref(p); leave(); }
export function refcount(p: usize): u32 { checkPtr(p); check(); return RC(p); }
/**
 * Drops a reference the host took with incref to hold an object across a call that may run host
 * code (heap.alloc(List, items) while a collection runs finalizers). As decref, except that a count
 * staying above zero does not make the object a recycler candidate: hold and release together
 * change nothing about it (a drop by others meanwhile made it a candidate already).
 */
export function unhold(p: usize): void {
  checkPtr(p);
  enter();
  oomUnhold(p);
  leave();
}
export function typeOf(p: usize): u32 { checkPtr(p); check(); return INFO(p) & TYPE_ID_MASK; }

// ── reference fields of FIXED objects ──

// @ts-ignore: decorator
@inline function refSlot(p: usize, i: u32): usize {
  let t = TYPE(INFO(p) & TYPE_ID_MASK);
  if (isDefined(ASC_HEAP_DEBUG)) if (T_KIND(t) != KIND_FIXED || i >= T_NREFS(t)) throw new Error("reference field index out of range");
  return p + T_REFS(t) + (<usize>i << 2);
}

/** Borrowed reference in field i (0 = null). */
export function getRef(p: usize, i: u32): usize { checkPtr(p); check(); return load<usize>(refSlot(p, i)); }

/**
 * New reference to the object in field i (0 = null): getRef and incref in one call, for the host's
 * handle.get() (each call across the boundary costs about what the rest of a get does).
 */
export function getRefNew(p: usize, i: u32): usize {
  checkPtr(p); check();
  let c = load<usize>(refSlot(p, i));
  if (c) rcIncref(c);
  return c;
}

/** Stores c (0 = null) in field i with a new reference, then releases the old value. */
export function setRef(p: usize, i: u32, c: usize): void {
  checkPtr(p); checkNullable(c);
  let slot = refSlot(p, i);
  enter();
  let old = load<usize>(slot);
  if (c) rcIncref(c);
  store<usize>(slot, c); // before the release: see listSet
  if (old) rcDecref(old);
  leave();
}

/** Like setRef, but steals the caller's reference to c (CPython's PyTuple_SET_ITEM style). */
export function setRefMove(p: usize, i: u32, c: usize): void {
  checkPtr(p); checkNullable(c);
  let slot = refSlot(p, i);
  enter();
  let old = load<usize>(slot);
  store<usize>(slot, c);
  if (old) rcDecref(old);
  leave();
}

// ── lists (REFARRAY) ──

// @ts-ignore: decorator
@inline function checkIndex(p: usize, i: u32): void {
  if (isDefined(ASC_HEAP_DEBUG)) if (<usize>i >= load<usize>(p, LIST_LENGTH)) throw new Error("list index out of range");
}
export function listLength(p: usize): u32 { checkKind(p, KIND_REFARRAY); check(); return load<u32>(p, LIST_LENGTH); }
/** Borrowed reference to item i. */
export function listGet(p: usize, i: u32): usize { checkKind(p, KIND_REFARRAY); checkIndex(p, i); check(); return load<usize>(SLOT(p, i)); }
export function listSet(p: usize, i: u32, c: usize): void { checkKind(p, KIND_REFARRAY); checkIndex(p, i); checkNullable(c); enter(); lSet(p, i, c); leave(); }
/** Appends c with a new reference. False when out of memory (nothing changed). */
export function listAppend(p: usize, c: usize): bool { checkKind(p, KIND_REFARRAY); checkNullable(c); enter(); let ok = appendItem(p, c); leave(); return ok; }
/** Removes the last item; returns a new reference to it (0 if it was null). */
export function listPop(p: usize): usize {
  checkKind(p, KIND_REFARRAY);
  if (isDefined(ASC_HEAP_DEBUG)) if (load<usize>(p, LIST_LENGTH) == 0) throw new Error("pop from an empty list");
  enter();
  let item = lPop(p);
  leave();
  return item;
}
export function listSetLength(p: usize, n: u32): bool { checkKind(p, KIND_REFARRAY); enter(); let ok = lSetLength(p, n); leave(); return ok; }

// ── bytes ──

export function bytesLength(p: usize): u32 { checkKind(p, KIND_BYTES); check(); return load<u32>(p, BYTES_LENGTH); }
/** Address of the first data byte (valid until the object dies). */
export function bytesData(p: usize): usize { checkKind(p, KIND_BYTES); check(); return p + BYTES_DATA; }

// ── weak references ──

/** A weakref (proxy = 1: a weak proxy) to obj; callbackId 0 = none, else the host's callback id. New reference, or 0 when out of memory. */
export function weakrefNew(obj: usize, proxy: i32, callbackId: u32): usize {
  checkPtr(obj);
  if (isDefined(ASC_HEAP_DEBUG)) if (!weakSlot(obj)) throw new Error("cannot create weak reference to an object that is not weakrefable");
  enter();
  let wr = newWeakref(obj, proxy != 0, callbackId);
  leave();
  return wr;
}
/** Borrowed referent of a weakref, or 0 once it has died (or while its death waits: rc.ts). */
export function weakrefGet(wr: usize): usize { checkKindWeak(wr); check(); return weakrefReferent(wr); }
/** The weakref's kind word: bit 0 proxy, bit 1 has callback, bits 8.. callback id. */
export function weakrefKind(wr: usize): u32 { checkKindWeak(wr); check(); return load<u32>(wr, WR_KIND); }
/** Cached hash + 1 of the referent (0 = not computed); the host computes and stores it once. */
export function weakrefHash(wr: usize): u32 { checkKindWeak(wr); check(); return load<u32>(wr, WR_HASH); }
export function weakrefSetHash(wr: usize, h: u32): void { checkKindWeak(wr); check(); store<u32>(wr, h, WR_HASH); }
/** Number of weakrefs and proxies to obj (weakref.getweakrefcount). */
export function weakrefCount(obj: usize): u32 {
  checkPtr(obj);
  check();
  let slot = weakSlot(obj);
  let n: u32 = 0;
  if (slot) for (let wr = load<usize>(slot); wr; wr = load<usize>(wr, WR_NEXT)) n++;
  return n;
}
/** The i-th weakref to obj, in list order (borrowed; 0 past the end). */
export function weakrefAt(obj: usize, i: u32): usize {
  checkPtr(obj);
  check();
  let slot = weakSlot(obj);
  let wr: usize = slot ? load<usize>(slot) : 0;
  while (wr && i--) wr = load<usize>(wr, WR_NEXT);
  return wr;
}
// @ts-ignore: decorator
@inline function checkKindWeak(p: usize): void {
  if (isDefined(ASC_HEAP_DEBUG)) {
    checkPtr(p);
    if ((INFO(p) & TYPE_ID_MASK) != TYPE_WEAKREF) throw new Error("not a weakref");
  }
}

// ── weak containers (see assembly/weakmap.ts; booleans: false = out of memory) ──

import * as WM from "./weakmap";
// reads (no host call: checked only) and deletions (a removed entry's release can run host code)
export function weakMapCount(m: usize): u32 { check(); return WM.weakMapCount(m); }
export function weakMapNext(m: usize, i: u32): i32 { check(); return WM.weakMapNext(m, i); }
export function weakMapSlotOf(m: usize, wr: usize): i32 { check(); return WM.weakMapSlotOf(m, wr); }
export function weakMapKeyAt(m: usize, i: u32): usize { check(); return WM.weakMapKeyAt(m, i); }
export function weakMapValueAt(m: usize, i: u32): usize { check(); return WM.weakMapValueAt(m, i); }
export function weakMapWeakrefAt(m: usize, i: u32): usize { check(); return WM.weakMapWeakrefAt(m, i); }
export function wvmGetInt(m: usize, key: i32): usize { check(); return WM.wvmGetInt(m, key); }
export function wvmGetBytes(m: usize, p: usize, n: usize): usize { check(); return WM.wvmGetBytes(m, p, n); }
export function wkmFind(m: usize, keyObj: usize): isize { check(); return WM.wkmFind(m, keyObj); }
export function wvmDeleteInt(m: usize, key: i32): bool { enter(); let ok = WM.wvmDeleteInt(m, key); leave(); return ok; }
export function wvmDeleteBytes(m: usize, p: usize, n: usize): bool { enter(); let ok = WM.wvmDeleteBytes(m, p, n); leave(); return ok; }
export function wkmDelete(m: usize, keyObj: usize): bool { enter(); let ok = WM.wkmDelete(m, keyObj); leave(); return ok; }

/** A new weak container: 1 int→weak value, 2 bytes→weak value, 3 weak key→value, 4 weak set. New reference or 0. */
export function weakMapNew(flavour: u32): usize {
  if (isDefined(ASC_HEAP_DEBUG)) if (flavour < 1 || flavour > 4) throw new Error("unknown weak map flavour");
  enter();
  let m = newWeakMap(flavour);
  leave();
  return m;
}
// @ts-ignore: decorator
@inline function checkWeakTarget(obj: usize): void {
  if (isDefined(ASC_HEAP_DEBUG)) {
    checkPtr(obj);
    if (!weakSlot(obj)) throw new Error("cannot create weak reference to an object that is not weakrefable");
  }
}
export function wvmSetInt(m: usize, key: i32, obj: usize): bool { checkKind(m, KIND_WEAKMAP); checkWeakTarget(obj); enter(); let ok = weakValueSetInt(m, key, obj); leave(); return ok; }
export function wvmSetBytes(m: usize, key: usize, obj: usize): bool { checkKind(m, KIND_WEAKMAP); checkKind(key, KIND_BYTES); checkWeakTarget(obj); enter(); let ok = weakValueSetBytes(m, key, obj); leave(); return ok; }
export function wkmSet(m: usize, key: usize, value: usize): bool { checkKind(m, KIND_WEAKMAP); checkWeakTarget(key); checkNullable(value); enter(); let ok = weakKeySet(m, key, value); leave(); return ok; }

// ── the cycle collector (gc module) ──

/** Collects generation g (0..2): the number of unreachable objects found; 0 if a collection is running. */
// @ts-ignore: decorator
@inline function checkGeneration(g: u32, max: u32): void {
  if (isDefined(ASC_HEAP_DEBUG)) if (g > max) throw new Error("generation out of range");
}
export function gcCollect(g: u32): i32 { checkGeneration(g, 2); enter(); enterCollector(); let n = collectorCollect(g); leaveCollector(); leave(); return n; }
export function gcSetEnabled(on: i32): void { check(); setGcEnabled(on != 0); }
export function gcIsEnabled(): i32 { check(); return gcEnabled ? 1 : 0; }
export function gcIsCollecting(): i32 { check(); return collecting ? 1 : 0; }
/** Full collections run because an allocation failed (assembly/oom.ts). */
export function gcOomCollections(): u32 { check(); return oomCollections; }
/** Recycler: most objects an automatic step gathers (0 = no limit); the host derives it from the pause budget. */
export function gcSetStepWorkLimit(n: u32): void { check(); setStepWorkLimit(n); }
/** Recycler: candidate roots waiting for the next collection. */
export function gcCandidates(): u32 { check(); return candidateCount(); }
export function gcCounts(): usize { check(); return COUNTS; }
export function gcThresholds(): usize { check(); return THRESHOLDS; }
export function gcSetThreshold(g: u32, v: u32): void { checkGeneration(g, 2); check(); setThreshold(g, v); }
/** Per generation: collections, collected, uncollectable (u32 each). */
export function gcStats(): usize { check(); return GEN_STATS; }
/** The address of the current collection's visited count (u32; read it at the stop report). */
export function gcVisited(): usize { check(); return VISITED; }
export function gcSetDebug(flags: u32): void { check(); setDebugFlags(flags); }
export function gcGetDebug(): u32 { check(); return debugFlags; }
export function gcFreeze(): void { check(); freeze(); }
export function gcUnfreeze(): void { check(); unfreeze(collectorThawGeneration()); }
/** Objects in generation g (3 = permanent). */
export function gcGenerationLength(g: u32): u32 { checkGeneration(g, 3); check(); return generationLength(g); }
/** The list head of generation g: walk it through gcNext (+8) back to the head. */
export function gcGenerationHead(g: u32): usize { checkGeneration(g, 3); check(); return GEN_HEAD(g); }
/** The generation CPython's get_referrers walks second (its GEN_HEAD(1)): the visited space under old spaces, else 1. */
export function gcVisitedList(): u32 { check(); return visitedList; }
/**
 * gc.setRoot: the heap's global namespace (CPython's sys dict and builtins), or 0 for none. The heap
 * holds a reference to it; the incremental collector marks what it reaches at the start of each pass.
 */
export function gcSetRoot(p: usize): void {
  checkNullable(p);
  enter();
  if (p) rcIncref(p);
  let old = rootObject;
  setRootObject(p);
  if (old) rcDecref(old);
  leave();
}
export function gcRoot(): usize { check(); return rootObject; }
/** Does container p hold a strong reference to obj? (get_referrers) */
export function gcReferences(p: usize, obj: usize): i32 { check(); return references(p, obj) ? 1 : 0; }
/** The i-th strong reference of container p, or 0 past the end (get_referents). */
export function gcReferentAt(p: usize, i: u32): usize { checkPtr(p); check(); return referentAt(p, i); }

// ── inspection ──

/** Streams every live block and its strong references to the host's censusBatch (census.ts). */
import { census as censusWalk } from "./census";
export function census(): void { enter(); censusWalk(); leave(); }

export function typeTable(): usize { check(); return TYPES; }
export function stats(): usize { check(); return computeStats(); }
import { CLASS_ROW_WORDS, CLASS_STATS_HEADER_WORDS, MAX_CLASS_ROWS } from "./generated/boundary";
const CLASS_ROWS: usize = memory.data(<i32>((CLASS_STATS_HEADER_WORDS + MAX_CLASS_ROWS * CLASS_ROW_WORDS) << 2), 8);
/**
 * Size classes from the last stats(): u32 row count, largest request served from classes, class
 * count; then {class, block size, pools, blocks in use, blocks free} (u32 each) per class in use.
 * All 0 for allocators without size classes.
 */
export function classStats(): usize {
  check();
  store<u32>(CLASS_ROWS, allocatorClassRows(CLASS_ROWS + (CLASS_STATS_HEADER_WORDS << 2)));
  store<u32>(CLASS_ROWS, <u32>allocatorSmallMax(), 4);
  store<u32>(CLASS_ROWS, allocatorClassCount(), 8);
  return CLASS_ROWS;
}
/** The registry this core was built from (scripts/build-wasm.mjs): the host refuses a core of another. */
export function registryId(): u32 { return REGISTRY_ID; }
/** The heap's allocator's capability bits (assembly/generated/capabilities.ts). */
export function allocatorCaps(): u32 { check(); return allocatorCapabilities(); }
/** The heap's collector's capability bits (GC_CAP_*, assembly/generated/capabilities.ts). */
export function collectorCaps(): u32 { check(); return collectorCapabilities(); }
/** 0 = consistent. Refuses (HeapCorruptedError) once a call has unwound: never passes over one. */
export function verify(): i32 { check(); return verifyHeap(); }
export function verifyMessage(): usize { return failureMessage(); }
export function verifyPointer(): usize { return failurePointer(); }
/**
 * Debug builds: fault injection. Lets `after` block allocations succeed, then fails the next
 * `count` (-1: all) as if memory were exhausted; after = -1 stops. Release builds ignore it.
 */
export function debugSetFailAfter(after: i32, count: i32): void { check(); allocSetFailAfter(after, count); }
/** Debug builds: block allocations attempted so far (0 in release builds). */
export function debugAllocationAttempts(): u32 { return allocationAttempts; }
/** Σ over live objects of (refcount − references from live containers), from the last verify(). */
export function verifyExternalRefs(): f64 { return <f64>externalRefs; }
