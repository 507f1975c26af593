// === verify: every invariant we can state, checked ===
// Returns 0 when the heap is consistent, else 1 with the first broken invariant in
// failureMessage()/failurePointer(). Read-only except for the refcount audit, which subtracts and
// then restores counts with wrapping arithmetic, so it is exact even on a damaged heap.
//
//  allocator   its own check() (alloc/contract.ts), beside its code: pools' counts, free lists,
//              usedpools and arena order; the blocks' chain and coalescing; bump's tiling...
//  types       each type's span word (the collectors' hot passes) agrees with its record
//  objects     type id valid; container ⇔ tracked; size fits its block; storage owned by its list
//  counters    live objects, containers and bytes found = the counters kept on the fast path
//  tracked     the list is circular and doubly linked, and holds exactly the live containers
//  dying       objects at refcount 0 (or DYING) = those on rc.ts's death worklists; weakrefs whose
//              death waits (weak.ts D) = deferredWeakrefs, each owned by its referent's pending death
//  refcounts   rc(o) − (references to o from live containers) − (1 if its death waits) ≥ 0 for
//              every o, and Σ of those = references held outside the heap (returned in externalRefs)

import { dyingCount, dyingNow } from "./rc";
import {
  FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_CONTAINER, FLAG_DEFERRED, FLAG_DYING, FLAG_FINALIZED, FLAG_FINALIZER, FLAG_FROZEN, FLAG_HAS_WEAKREFS, FLAG_OLD_SPACE,
  FLAG_TRACKED, GC_NEXT, GC_PREV, INFO, INFO_DEFINED_BITS, RC, SET_RC, TYPE_ID_MASK,
} from "./layout";
import {
  KIND_RAW, KIND_REFARRAY, KIND_STORAGE, KIND_WEAKMAP, KIND_WEAKREF, T_WEAK, TYPE_WEAKREF, LIST_CAPACITY, LIST_ITEMS, LIST_LENGTH, STORAGE_OWNER, STORAGE_SLOTS,
  T_FLAGS, T_KIND, T_NREFS, T_REFS, TF_CONTAINER, TF_FINALIZER, TYPE, TYPE_STORAGE, spanMismatch,
} from "./types";
import * as C from "./counters";
import { objectSize } from "./object";
import { GEN_HEAD, PERMANENT } from "./collect/generations";
import { candidatesCheck } from "./collect/candidates";
import { contractFault } from "./collect/gcstate";
import { runEnd, runStart, visitRun, visitStart } from "./collect/visit";
import { allocatorCheck } from "./generated/registry";
import { collectorCheck } from "./generated/collectors";
import { plausibleObject, walkNext, walkStart } from "./walk";
import { fail, failureMessage, resetFailure } from "./failure";

import { WR_CALLBACK, WR_DEFERRED, WR_HASH, WR_INTERNAL, WR_KIND, WR_NEXT, WR_PREV, WR_PROXY, WR_REFERENT, WR_SERIAL, deferredWeakrefs } from "./weak";
import { MAP_CAPACITY, MAP_COUNT, MAP_FLAVOUR, MAP_TABLE, MAP_USED, SLOT_AT, TOMBSTONE, WKM, WSET, WVM_BYTES } from "./maplayout";

let checkedObjects: u32 = 0;
let checkedContainers: u32 = 0;
let checkedBytes: u64 = 0;
let deadFound: u32 = 0;
let untrackedDead: u32 = 0;
let deferredFound: u32 = 0;
export let externalRefs: u64 = 0;

/** Checks one live object found by the heap walk. */
export function checkObject(p: usize): void {
  if (!plausibleObject(p)) { fail("live block has an invalid type id", p); return; }
  let info = INFO(p);
  let t = TYPE(info & TYPE_ID_MASK);
  let kind = T_KIND(t);
  checkedObjects++;
  if (info & ~INFO_DEFINED_BITS) fail("info word has a bit set that no flag defines (layout.ts: G, rsv)", p);
  checkedBytes += objectSize(p);
  if (kind == KIND_STORAGE) {
    let owner = load<usize>(p, STORAGE_OWNER);
    let ownerKind = plausibleObject(owner) ? T_KIND(TYPE(INFO(owner) & TYPE_ID_MASK)) : 0;
    let owned = ownerKind == KIND_REFARRAY ? load<usize>(owner, LIST_ITEMS) == p
      : ownerKind == KIND_WEAKMAP ? load<usize>(owner, MAP_TABLE) == p : false;
    if (!owned) fail("storage block is not the items block of its list or the table of its map", p);
    return;
  }
  // Dead but not yet freed: deposited on rc.ts's death worklist (DYING, untracked), a container
  // whose references wait on its pending list (refcount 0, untracked), or the one object whose
  // death is in progress. Counted here, and their number checked against the worklists (verify()).
  let dead = (info & FLAG_DYING) != 0 || RC(p) == 0;
  if (dead || p == dyingNow) {
    // the one in progress too, whatever its count (dyingCount counts it): left out, every verify()
    // called by a finalizer or weakref callback at a death failed on a consistent heap
    deadFound++;
    if ((info & (FLAG_CONTAINER | FLAG_TRACKED)) == FLAG_CONTAINER) untrackedDead++;
  }
  if (kind == KIND_WEAKREF) {
    let obj = load<usize>(p, WR_REFERENT);
    // a referent whose death waits on rc.ts's worklist (DYING) keeps its weakrefs until its turn
    if (obj && (!plausibleObject(obj) || (RC(obj) == 0 && !(INFO(obj) & FLAG_DYING) && obj != dyingNow) || !(INFO(obj) & FLAG_HAS_WEAKREFS))) fail("weakref to a dead or invalid referent", p);
    if (!obj && (load<usize>(p, WR_PREV) | load<usize>(p, WR_NEXT))) fail("cleared weakref still linked", p);
    let wkind = load<u32>(p, WR_KIND);
    if (wkind & WR_DEFERRED) {
      // its death waits on its referent's, which waits on the worklist (or is in progress): owned by it
      deferredFound++;
      if ((wkind & (WR_CALLBACK | WR_INTERNAL)) != WR_CALLBACK) fail("deferred weakref without a callback, or a weak container's", p);
      if (!obj || !((INFO(obj) & FLAG_DYING) != 0 || obj == dyingNow)) fail("deferred weakref whose referent is not dying", p);
      // while its referent waits, nothing can reach it (the census hands it out only once that death runs)
      else if ((INFO(obj) & FLAG_DYING) && RC(p) != 1) fail("deferred weakref of a waiting death is referenced", p);
    }
  }
  if (kind == KIND_WEAKMAP) checkWeakMap(p);
  let weakOff = T_WEAK(t);
  if (weakOff) checkWeakList(p, p + weakOff);
  else if (info & FLAG_HAS_WEAKREFS) fail("HAS_WEAKREFS on an object that is not weakrefable", p);
  let container = (T_FLAGS(t) & TF_CONTAINER) != 0;
  if (container) checkedContainers++;
  if (container != ((info & FLAG_TRACKED) != 0) && !((dead || p == dyingNow) && container)) fail("container not tracked, or non-container tracked", p);
  if (container != ((info & FLAG_CONTAINER) != 0)) fail("CONTAINER flag disagrees with the type", p);
  // FINALIZER is copied from the type at allocation and never changes; FINALIZED is set only by
  // running that finalizer. A stray bit here made a death run (or skip) a finalizer silently.
  if (((info & FLAG_FINALIZER) != 0) != ((T_FLAGS(t) & TF_FINALIZER) != 0)) fail("FINALIZER flag disagrees with the type", p);
  if ((info & (FLAG_FINALIZED | FLAG_FINALIZER)) == FLAG_FINALIZED) fail("FINALIZED on an object whose type has no finalizer", p);
  // the collectors' bits are set on tracked containers only (track.ts, candidates.ts, freeze)
  if (!container && (info & (FLAG_COLLECTING | FLAG_CANDIDATE | FLAG_FROZEN | FLAG_OLD_SPACE | FLAG_DEFERRED))) fail("a collector's bit on an object that is not a container", p);
  if (kind == KIND_REFARRAY) {
    let n = load<usize>(p, LIST_LENGTH), cap = load<usize>(p, LIST_CAPACITY), items = load<usize>(p, LIST_ITEMS);
    if (n > cap) fail("list length exceeds its capacity", p);
    if ((cap == 0) != (items == 0)) fail("list capacity and items block disagree", p);
    if (items && (!plausibleObject(items) || (INFO(items) & TYPE_ID_MASK) != TYPE_STORAGE)) fail("list items block is not a storage block", p);
  }
}

/** A weak map: counts agree with the slots; each entry's internal weakref knows its map and slot and is alive. */
function checkWeakMap(m: usize): void {
  let flavour = load<u32>(m, MAP_FLAVOUR);
  if (flavour < 1 || flavour > WSET) { fail("weak map with an unknown flavour", m); return; }
  let cap = load<usize>(m, MAP_CAPACITY);
  if (cap & (cap - 1)) fail("weak map capacity is not a power of two", m);
  if ((cap == 0) != (load<usize>(m, MAP_TABLE) == 0)) fail("weak map capacity and table disagree", m);
  let live: usize = 0, used: usize = 0;
  for (let i: usize = 0; i < cap; i++) {
    let s = SLOT_AT(m, i);
    let wr = load<usize>(s, 4);
    if (wr == 0) continue;
    used++;
    if (wr == TOMBSTONE) continue;
    live++;
    if (!plausibleObject(wr) || (INFO(wr) & TYPE_ID_MASK) != TYPE_WEAKREF || !(load<u32>(wr, WR_KIND) & WR_INTERNAL)) { fail("weak map slot without an internal weakref", m); continue; }
    if (load<usize>(wr, WR_SERIAL) != m || load<usize>(wr, WR_HASH) != i) fail("internal weakref does not know its map and slot", wr);
    let target = load<usize>(wr, WR_REFERENT);
    if (!target) fail("weak map entry whose referent died was not removed", m);
    if (flavour >= WKM && load<usize>(s) != target) fail("weak-key entry's key is not its weakref's referent", m);
    if (flavour == WVM_BYTES && !plausibleObject(load<usize>(s))) fail("bytes-keyed entry without a key object", m);
    if (flavour == WSET && load<usize>(s, 8)) fail("weak set entry with a value", m);
  }
  if (live != load<usize>(m, MAP_COUNT)) fail("weak map count != live slots", m);
  if (used != load<usize>(m, MAP_USED)) fail("weak map used != live slots + tombstones", m);
}

/** The weak list of obj: linked both ways, every weakref live and pointing back, basic refs first. */
function checkWeakList(obj: usize, slot: usize): void {
  let wr = load<usize>(slot);
  if ((wr != 0) != ((INFO(obj) & FLAG_HAS_WEAKREFS) != 0)) fail("HAS_WEAKREFS disagrees with the weak list", obj);
  let prev: usize = 0;
  let seenCallback = false, seenProxy = false;
  let n: u32 = 0;
  while (wr) {
    if (!plausibleObject(wr) || (INFO(wr) & TYPE_ID_MASK) != TYPE_WEAKREF) { fail("weak list holds a non-weakref", obj); return; }
    if (load<usize>(wr, WR_REFERENT) != obj) fail("weakref on a list does not point at its referent", wr);
    if (load<usize>(wr, WR_PREV) != prev) { fail("weak list: prev does not point back", wr); return; }
    let kind = load<u32>(wr, WR_KIND);
    if (kind & WR_CALLBACK) seenCallback = true;
    else {
      // basic ref, then basic proxy, before any weakref with a callback; at most one of each
      if (seenCallback) fail("weak list: a callback-less weakref after one with a callback", wr);
      if (kind & WR_PROXY) { if (seenProxy) fail("weak list: two basic proxies", wr); seenProxy = true; }
      else if (prev) fail("weak list: the basic ref is not first", wr);
    }
    if (++n > C.liveObjects()) { fail("weak list loops", obj); return; }
    prev = wr;
    wr = load<usize>(wr, WR_NEXT);
  }
}

/** Applies delta (+1 / −1, wrapping) to the count of every object referenced by a tracked container. */
function adjustChildren(delta: u32): void {
  for (let g: u32 = 0; g <= PERMANENT; g++) {
    let head = GEN_HEAD(g);
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) {
      // the child cursor the collectors use, so the audit counts what they count
      visitStart(p);
      while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
        let c = load<usize>(s);
        if (!c) continue;
        // plausibleObject does not read the count, so the +1 pass skips exactly what the −1 pass skipped
        if (!plausibleObject(c)) { fail("a container holds a dangling or invalid reference", p); continue; }
        SET_RC(c, RC(c) + delta);
      }
    }
  }
}

/** The audit's second walk: Σ over live objects of what is left of each count (the external references). */
function sumExternalRefs(): u64 {
  let sum: u64 = 0;
  walkStart();
  for (let p = walkNext(); p; p = walkNext()) {
    let info = INFO(p);
    if ((info & TYPE_ID_MASK) == TYPE_STORAGE) continue; // its first word is the owner, not a count
    if (T_KIND(TYPE(info & TYPE_ID_MASK)) == KIND_RAW) continue; // its first word is its size
    if (info & FLAG_DYING) continue; // deposited on rc.ts's death worklist: its first word is a link
    let rc = <i32>RC(p);
    // a weakref whose death waits: one reference is its referent's pending death's (weak.ts D)
    if ((info & TYPE_ID_MASK) == TYPE_WEAKREF && (load<u32>(p, WR_KIND) & WR_DEFERRED)) rc--;
    if (rc < 0) fail("refcount is smaller than the references held by live containers", p);
    else sum += <u64>rc;
  }
  return sum;
}

/** Generations 0..2 and the permanent one: circular, doubly linked, together exactly the live containers. */
function checkTrackedLists(): void {
  let n: u32 = 0;
  for (let g: u32 = 0; g <= PERMANENT; g++) {
    let head = GEN_HEAD(g);
    let prev = head;
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) {
      if (!plausibleObject(p)) { fail("generation list holds a non-object", p); return; }
      if (GC_PREV(p) != prev) { fail("generation list: gcPrev does not point back", p); return; }
      if (!(INFO(p) & FLAG_TRACKED)) fail("object on a generation list lacks TRACKED", p);
      if (INFO(p) & FLAG_COLLECTING) fail("COLLECTING set outside a collection", p);
      if (((INFO(p) & FLAG_FROZEN) != 0) != (g == PERMANENT)) fail("FROZEN disagrees with the permanent generation", p);
      if (RC(p) == 0) fail("tracked object with refcount 0", p);
      if (++n > C.liveContainers) { fail("generation lists longer than the live containers (a loop, or a dead object)", p); return; }
      prev = p;
    }
    if (GC_PREV(head) != prev) fail("generation list: head's gcPrev is not the last object", head);
  }
  if (n + untrackedDead != C.liveContainers) fail("generation lists shorter than the live containers", 0);
}

/** Runs every check. 0 = consistent; 1 = see failureMessage()/failurePointer(). */
export function verify(): i32 {
  resetFailure();
  checkedObjects = 0; checkedContainers = 0; checkedBytes = 0; deadFound = 0; untrackedDead = 0; deferredFound = 0;
  allocatorCheck(); // first: the cursor below trusts the allocator's structure
  if (failureMessage()) return 1;
  let badType = spanMismatch(); // the collectors read references through the span words
  if (badType) { fail("a type's span word disagrees with its record", TYPE(badType)); return 1; }
  walkStart();
  for (let p = walkNext(); p; p = walkNext()) checkObject(p);
  if (failureMessage()) return 1;
  if (<i32>deadFound != dyingCount()) fail("objects at refcount 0 != the deaths waiting on rc.ts's worklists", 0);
  if (deferredFound != deferredWeakrefs) fail("deferred weakrefs found != deferredWeakrefs counter", 0);
  if (checkedObjects != C.liveObjects()) fail("objects found != allocations - deallocations", 0);
  if (checkedContainers != C.liveContainers) fail("containers found != liveContainers counter", 0);
  if (checkedBytes != <u64>C.liveObjectBytes) fail("object bytes found != liveObjectBytes counter", 0);
  checkTrackedLists();
  if (failureMessage()) return 1;
  candidatesCheck(); // the lists are sound: the candidate bookkeeping, then the collector's own invariants
  if (failureMessage()) return 1;
  if (contractFault) { fail(changetype<string>(contractFault), 0); return 1; } // a breach the shared code saw (gcstate.ts)
  collectorCheck();
  if (failureMessage()) return 1;
  // refcount audit: subtract internal references, read what is left, restore
  adjustChildren(<u32>-1);
  externalRefs = sumExternalRefs();
  adjustChildren(1);
  return failureMessage() ? 1 : 0;
}
