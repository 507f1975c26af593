// === Weak containers in the heap: WeakValueMap, WeakKeyMap, WeakSet ===
// Lib/weakref.py keeps a dict of weakrefs whose callbacks delete the entry. Here the table is a
// heap object and each entry's weakref is *internal*: it records its map and slot, and when its
// referent dies, clearWeakrefs removes the entry on the spot (no host call, no waiting for a
// collector). Removal only tombstones a slot; insertion may rehash, so an iteration holds the
// entries' weakrefs and asks weakMapSlotOf where each entry is now.
//
// The object and slot layout, with its box diagram: maplayout.ts.

import { RC } from "./layout";
import { BYTES_DATA, BYTES_LENGTH, STORAGE_SLOTS, TYPE_WEAKMAP } from "./types";
import { freeStorage, newFixed, newStorage } from "./object";
import { decref, incref } from "./rc";
import { WR_HASH, WR_REFERENT, WR_SERIAL, weakrefNewInternal, weakrefReferent } from "./weak";
import { setMapHooks } from "./maphooks";
import { MAP_CAPACITY, MAP_COUNT, MAP_FLAVOUR, MAP_SIZE, MAP_TABLE, MAP_USED, SLOT_AT, SLOT_SIZE, TOMBSTONE, WKM, WSET, WVM_BYTES, WVM_INT } from "./maplayout";
export { MAP_CAPACITY, MAP_COUNT, MAP_FLAVOUR, MAP_SIZE, MAP_TABLE, MAP_USED, SLOT_AT, SLOT_SIZE, TOMBSTONE, WKM, WSET, WVM_BYTES, WVM_INT } from "./maplayout";

// @ts-ignore: decorator
@inline function FLAVOUR(m: usize): u32 { return load<u32>(m, MAP_FLAVOUR); }
// @ts-ignore: decorator
@inline function CAP(m: usize): usize { return load<usize>(m, MAP_CAPACITY); }
// @ts-ignore: decorator
@inline function weakKeyed(m: usize): bool { return FLAVOUR(m) >= WKM; }

/** A new empty map of the given flavour. New reference, or 0 when out of memory. */
export function weakMapNew(flavour: u32): usize {
  let m = newFixed(TYPE_WEAKMAP);
  if (m) store<u32>(m, flavour, MAP_FLAVOUR);
  return m;
}

// ── hashing ──

// @ts-ignore: decorator
@inline function mix(h: u32): u32 { h ^= h >>> 16; h *= 0x7feb352d; h ^= h >>> 15; h *= 0x846ca68b; return h ^ (h >>> 16); }

/** FNV-1a over n bytes at p. */
function hashBytes(p: usize, n: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < n; i++) h = (h ^ load<u8>(p + i)) * 0x01000193;
  return mix(h);
}

// @ts-ignore: decorator
@inline function bytesEqual(obj: usize, p: usize, n: usize): bool {
  return load<usize>(obj, BYTES_LENGTH) == n && memory.compare(obj + BYTES_DATA, p, n) == 0;
}

/**
 * Slot index holding key, or, if absent, -(insertion slot) - 1. For bytes maps the key is given
 * as data (p, n); for the others p is the int key or the key object's address.
 */
function find(m: usize, p: usize, n: usize): isize {
  let cap = CAP(m);
  if (!cap) return -1;
  let flavour = FLAVOUR(m);
  let mask = cap - 1;
  let i = <usize>(flavour == WVM_BYTES ? hashBytes(p, n) : mix(<u32>p)) & mask;
  let firstFree: isize = -1;
  // the table is never full (at most 3/4 used), so the probe always reaches an empty slot
  while (true) {
    let s = SLOT_AT(m, i);
    let wr = load<usize>(s, 4);
    if (wr == 0) return firstFree >= 0 ? -firstFree - 1 : -<isize>i - 1;
    if (wr == TOMBSTONE) {
      if (firstFree < 0) firstFree = <isize>i;
    } else {
      let key = load<usize>(s);
      if (flavour == WVM_BYTES ? bytesEqual(key, p, n) : key == p) return <isize>i;
    }
    i = (i + 1) & mask;
  }
  return -1; // unreachable
}

/** Rehashes into a table of newCap slots. False (map unchanged) when out of memory. */
function resize(m: usize, newCap: usize): bool {
  // a storage block owned by the map, sized in words like a list's items block
  let table = newStorage(m, newCap * 3);
  if (!table) return false;
  memory.fill(table + STORAGE_SLOTS, 0, newCap * SLOT_SIZE);
  let oldCap = CAP(m), oldTable = load<usize>(m, MAP_TABLE);
  store<usize>(m, table, MAP_TABLE);
  store<usize>(m, newCap, MAP_CAPACITY);
  store<usize>(m, load<usize>(m, MAP_COUNT), MAP_USED);
  let flavour = FLAVOUR(m);
  let mask = newCap - 1;
  for (let j: usize = 0; j < oldCap; j++) {
    let s = oldTable + STORAGE_SLOTS + j * SLOT_SIZE;
    let wr = load<usize>(s, 4);
    if (wr <= TOMBSTONE) continue;
    let key = load<usize>(s);
    let h = flavour == WVM_BYTES ? hashBytes(key + BYTES_DATA, load<usize>(key, BYTES_LENGTH)) : mix(<u32>key);
    let i = <usize>h & mask;
    while (load<usize>(SLOT_AT(m, i), 4)) i = (i + 1) & mask;
    let d = SLOT_AT(m, i);
    store<usize>(d, key);
    store<usize>(d, wr, 4);
    store<usize>(d, load<usize>(s, 8), 8);
    store<usize>(wr, i, WR_HASH);
  }
  if (oldTable) freeStorageBlock(oldTable, oldCap);
  return true;
}

// @ts-ignore: decorator
@inline function freeStorageBlock(table: usize, cap: usize): void {
  // freeStorage takes a capacity in words; a slot is three words
  freeStorage(table, cap * 3);
}

/**
 * Sets key → (weak value | strong value). `keyBytes` is the key for bytes maps (the map takes a
 * reference); `key` the int key or the key object. `target` is what the internal weakref points at
 * (the value for value maps, the key for weak-key maps); `value` the strong value (weak-key maps).
 * False when out of memory (map unchanged).
 */
function put(m: usize, key: usize, keyLen: usize, keyBytes: usize, target: usize, value: usize): bool {
  let flavour = FLAVOUR(m);
  let at = find(m, flavour == WVM_BYTES ? keyBytes + BYTES_DATA : key, keyLen);
  if (at >= 0) {
    let s = SLOT_AT(m, <usize>at);
    if (weakKeyed(m)) {
      // same key: replace the value only
      let old = load<usize>(s, 8);
      if (value) incref(value);
      store<usize>(s, value, 8);
      if (old) decref(old);
      return true;
    }
    // same key, new value object: a fresh weakref replaces the old one (the old value may live on)
    if (load<usize>(load<usize>(s, 4), WR_REFERENT) == target) return true;
    let wr = weakrefNewInternal(target, m, <usize>at);
    if (!wr) return false;
    let oldWr = load<usize>(s, 4);
    store<usize>(s, wr, 4);
    decref(oldWr);
    return true;
  }
  // grow when live + tombstones would pass 3/4 (the rehash also drops the tombstones)
  let cap = CAP(m);
  if ((load<usize>(m, MAP_USED) + 1) * 4 > cap * 3) {
    let want: usize = 8;
    while (want * 3 < (load<usize>(m, MAP_COUNT) + 1) * 4 * 2) want <<= 1;
    if (!resize(m, want)) return false;
    at = find(m, flavour == WVM_BYTES ? keyBytes + BYTES_DATA : key, keyLen);
  }
  let i = <usize>(-at - 1);
  let wr = weakrefNewInternal(target, m, i);
  if (!wr) return false;
  let s = SLOT_AT(m, i);
  if (load<usize>(s, 4) == 0) store<usize>(m, load<usize>(m, MAP_USED) + 1, MAP_USED);
  if (flavour == WVM_BYTES) { incref(keyBytes); store<usize>(s, keyBytes); }
  else store<usize>(s, key);
  if (value) incref(value);
  store<usize>(s, value, 8);
  store<usize>(s, wr, 4);
  store<usize>(m, load<usize>(m, MAP_COUNT) + 1, MAP_COUNT);
  return true;
}

/** Empties slot i (a tombstone) and releases what it held. */
function removeSlot(m: usize, i: usize): void {
  let s = SLOT_AT(m, i);
  let key = load<usize>(s), wr = load<usize>(s, 4), value = load<usize>(s, 8);
  // the slot is consistent before any release runs (a release can run finalizers and callbacks)
  store<usize>(s, TOMBSTONE, 4);
  store<usize>(s, 0, 8);
  store<usize>(m, load<usize>(m, MAP_COUNT) - 1, MAP_COUNT);
  let flavour = FLAVOUR(m);
  decref(wr);
  if (flavour == WVM_BYTES) decref(key);
  if (value) decref(value);
}

/** An internal weakref's referent died: drop its entry (CPython's _remove, with its atomic check). */
export function mapEntryDied(wr: usize): void {
  let m = load<usize>(wr, WR_SERIAL);
  // a map being torn down releases its slots itself (and slots past a cleared table are gone)
  if (RC(m) == 0) return;
  let i = load<usize>(wr, WR_HASH);
  if (i < CAP(m) && load<usize>(SLOT_AT(m, i), 4) == wr) removeSlot(m, i);
}

// rc.ts calls these through maphooks.ts (an import would be a cycle); set before any call (_start)
setMapHooks(weakMapRelease, mapEntryDied);

/** Releases every entry and the table of a map: a dead one, or a live one the collector clears. */
export function weakMapRelease(m: usize): void {
  let cap = CAP(m);
  for (let i: usize = 0; i < cap; i++) {
    let s = SLOT_AT(m, i);
    let wr = load<usize>(s, 4);
    if (wr <= TOMBSTONE) continue;
    let key = load<usize>(s), value = load<usize>(s, 8);
    store<usize>(s, TOMBSTONE, 4);
    decref(wr);
    if (FLAVOUR(m) == WVM_BYTES) decref(key);
    if (value) decref(value);
  }
  let table = load<usize>(m, MAP_TABLE);
  if (table) freeStorageBlock(table, cap);
  store<usize>(m, 0, MAP_TABLE);
  store<usize>(m, 0, MAP_CAPACITY);
  store<usize>(m, 0, MAP_COUNT);
  store<usize>(m, 0, MAP_USED); // a live map (cleared by the collector) is left empty and valid
}

// ── the operations, per flavour ──

/** WeakValueMap, int keys: key → obj (held weakly). False when out of memory. */
export function wvmSetInt(m: usize, key: i32, obj: usize): bool { return put(m, <usize>key, 0, 0, obj, 0); }
/** Borrowed value for key, or 0. */
export function wvmGetInt(m: usize, key: i32): usize {
  let at = find(m, <usize>key, 0);
  return at >= 0 ? weakrefReferent(load<usize>(SLOT_AT(m, <usize>at), 4)) : 0;
}
export function wvmDeleteInt(m: usize, key: i32): bool {
  let at = find(m, <usize>key, 0);
  if (at < 0) return false;
  removeSlot(m, <usize>at);
  return true;
}
/** WeakValueMap, bytes keys: keyBytes (a bytes object; the map keeps a reference) → obj. */
export function wvmSetBytes(m: usize, keyBytes: usize, obj: usize): bool {
  return put(m, 0, load<usize>(keyBytes, BYTES_LENGTH), keyBytes, obj, 0);
}
/** Borrowed value for the key given as n bytes at p, or 0. */
export function wvmGetBytes(m: usize, p: usize, n: usize): usize {
  let at = find(m, p, n);
  return at >= 0 ? weakrefReferent(load<usize>(SLOT_AT(m, <usize>at), 4)) : 0;
}
export function wvmDeleteBytes(m: usize, p: usize, n: usize): bool {
  let at = find(m, p, n);
  if (at < 0) return false;
  removeSlot(m, <usize>at);
  return true;
}
/** WeakKeyMap: keyObj (held weakly) → value (held strongly; 0 = null). WeakSet: value 0. */
export function wkmSet(m: usize, keyObj: usize, value: usize): bool { return put(m, keyObj, 0, 0, keyObj, value); }
/** Slot index of keyObj, or -1. */
export function wkmFind(m: usize, keyObj: usize): isize { let at = find(m, keyObj, 0); return at >= 0 ? at : -1; }
export function wkmDelete(m: usize, keyObj: usize): bool {
  let at = find(m, keyObj, 0);
  if (at < 0) return false;
  removeSlot(m, <usize>at);
  return true;
}

/** Number of live entries. */
export function weakMapCount(m: usize): u32 { return load<u32>(m, MAP_COUNT); }
/** Index of the first live slot at or after i, or -1 (iterate with i = next + 1). */
export function weakMapNext(m: usize, i: u32): i32 {
  let cap = <u32>CAP(m);
  for (; i < cap; i++) {
    let wr = load<usize>(SLOT_AT(m, i), 4);
    // an entry whose referent's death waits on rc.ts's worklist is skipped: it is going
    if (wr > TOMBSTONE && weakrefReferent(wr)) return <i32>i;
  }
  return -1;
}
/**
 * The slot now holding the entry whose internal weakref is wr, or -1 once that entry is gone. A
 * rehash moves entries between slots but keeps their weakrefs (and records the new slot in each),
 * so an iteration that holds the weakrefs finds every entry again, however the table grew.
 */
export function weakMapSlotOf(m: usize, wr: usize): i32 {
  if (!weakrefReferent(wr) || load<usize>(wr, WR_SERIAL) != m) return -1; // gone, or its death waits (rc.ts)
  let i = load<usize>(wr, WR_HASH);
  return i < CAP(m) && load<usize>(SLOT_AT(m, i), 4) == wr ? <i32>i : -1;
}
/** Slot i's internal weakref (borrowed): it stays valid while held, and is cleared if its entry's referent dies. */
export function weakMapWeakrefAt(m: usize, i: u32): usize { return load<usize>(SLOT_AT(m, i), 4); }
/** Slot i's key: the int key, the bytes key object, or the key object (borrowed). */
export function weakMapKeyAt(m: usize, i: u32): usize { return load<usize>(SLOT_AT(m, i)); }
/** Slot i's value: the weakly held value (value maps) or the strong value (weak-key maps); borrowed. */
export function weakMapValueAt(m: usize, i: u32): usize {
  let s = SLOT_AT(m, i);
  return weakKeyed(m) ? load<usize>(s, 8) : weakrefReferent(load<usize>(s, 4));
}
