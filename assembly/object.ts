// === Objects: creation, size, tracking, release of memory ===
// A new object owns one reference (refcount 1), its fields are zero (null references, 0 scalars),
// and a container is linked into the collector's list at once (CPython tracks containers at
// creation). freeObject is the last step of deallocation; rc.ts decides when.

import {
  CONTAINER_HEADER_SIZE, FLAG_CONTAINER, FLAG_FINALIZER, FLAG_TRACKED, GC_NEXT, GC_PREV, HEADER_SIZE, INFO, SET_GC_NEXT, SET_GC_PREV,
  SET_INFO, SET_RC, TYPE_ID_MASK,
} from "./layout";
import {
  BYTES_DATA, BYTES_LENGTH, KIND_BYTES, KIND_RAW, KIND_FIXED, KIND_REFARRAY, KIND_STORAGE, KIND_WEAKMAP, KIND_WEAKREF, LIST_CAPACITY,
  LIST_ITEMS, LIST_LENGTH, MAX_BYTES_LENGTH, MAX_LIST_LENGTH, STORAGE_SLOTS, T_FLAGS, T_KIND, T_SIZE, TF_CONTAINER, TF_FINALIZER, TYPE, TYPE_STORAGE,
} from "./types";
import { allocBlock, freeBlock } from "./alloc/index";
import { allocationFailures, countAlloc, countFree } from "./counters";
import { noteAlloc, noteFree } from "./events";

/** The info word of a new object of type t: its id and the flags copied from the type. */
// @ts-ignore: decorator
@inline function initialInfo(typeId: u32, t: usize): u32 {
  let tf = T_FLAGS(t);
  return typeId
    | (tf & TF_CONTAINER ? FLAG_TRACKED | FLAG_CONTAINER : 0)
    | (tf & TF_FINALIZER ? FLAG_FINALIZER : 0);
}

import { track, untrack } from "./collect/track";
import { collectionDue, maybeCollect, runStep } from "./collect/gcstate";

export { objectSize } from "./size";
import { objectSize } from "./size";

/**
 * Zeroes [p+from, p+to) (a multiple of 4 bytes). Small objects by the bits of their length, a store
 * or a few each (no loop: W1 allocates 12 bytes of fields per node); large ones by a bulk fill.
 */
// @ts-ignore: decorator
@inline function zeroFields(p: usize, from: usize, to: usize): void {
  let n = to - from;
  if (n <= 64) {
    let q = p + from;
    if (n & 4) { store<u32>(q, 0); q += 4; }
    if (n & 8) { store<u64>(q, 0); q += 8; }
    if (n & 16) { store<u64>(q, 0); store<u64>(q, 0, 8); q += 16; }
    if (n & 32) { store<u64>(q, 0); store<u64>(q, 0, 8); store<u64>(q, 0, 16); store<u64>(q, 0, 24); q += 32; }
    if (n & 64) { for (let end = q + 64; q < end; q += 8) store<u64>(q, 0); }
  } else {
    memory.fill(p + from, 0, to - from);
  }
}

/**
 * Allocates a block for an object of type t and writes its header: refcount 1, the info word;
 * a container is tracked. The fields are left to the caller. 0 when out of memory.
 */
// @ts-ignore: decorator
@inline function allocObject(typeId: u32, t: usize, size: usize): usize {
  let p = allocBlock(size);
  if (!p) { allocationFailures++; return 0; }
  SET_RC(p, 1);
  SET_INFO(p, initialInfo(typeId, t));
  let container = (T_FLAGS(t) & TF_CONTAINER) != 0;
  if (container) track(p);
  countAlloc(size, container);
  noteAlloc(p, size, typeId);
  return p;
}

/** Allocates an object of a FIXED or REFARRAY type with zeroed fields. 0 when out of memory. */
// @ts-ignore: decorator
@inline export function newFixed(typeId: u32): usize {
  let t = TYPE(typeId);
  // a container allocation may trigger a collection first (nothing is half-built yet)
  if (T_FLAGS(t) & TF_CONTAINER) maybeCollect();
  let size = T_SIZE(t);
  let p = allocObject(typeId, t, size);
  if (p) zeroFields(p, T_FLAGS(t) & TF_CONTAINER ? CONTAINER_HEADER_SIZE : HEADER_SIZE, size);
  return p;
}

/**
 * Staging area for newFixedFrom: laid out like an object (field offsets from the type table), so
 * the host writes a new object's fields with plain typed-array stores and then makes one call.
 */
// @ts-ignore: decorator
@inline export const STAGING_SIZE: usize = 1024;
export const STAGING: usize = memory.data(<i32>STAGING_SIZE, 8);

/**
 * Allocates a FIXED object whose fields are taken from STAGING (references are stolen: the
 * caller's references move into the object), then clears STAGING so a field the caller does not
 * set next time is null, never a stale pointer. 0 when out of memory (STAGING is then kept).
 */
/** Where newFixedFrom keeps the staged fields while a collection runs (its finalizers may use STAGING). */
export const STAGING_SAVED: usize = memory.data(<i32>STAGING_SIZE, 8);

export function newFixedFrom(typeId: u32): usize {
  let t = TYPE(typeId);
  let size = T_SIZE(t);
  if ((T_FLAGS(t) & TF_CONTAINER) && collectionDue()) {
    memory.copy(STAGING_SAVED, STAGING, size);
    runStep();
    memory.copy(STAGING, STAGING_SAVED, size);
  }
  let p = allocObject(typeId, t, size);
  if (!p) return 0;
  for (let off = T_FLAGS(t) & TF_CONTAINER ? CONTAINER_HEADER_SIZE : HEADER_SIZE; off < size; off += 4) {
    store<u32>(p + off, load<u32>(STAGING + off));
    store<u32>(STAGING + off, 0);
  }
  return p;
}

/** Allocates a byte string of `length` zero bytes. 0 when out of memory. */
export function newBytes(typeId: u32, length: usize): usize {
  if (length > MAX_BYTES_LENGTH) { allocationFailures++; return 0; }
  let size = BYTES_DATA + length;
  let p = allocBlock(size);
  if (!p) { allocationFailures++; return 0; }
  SET_RC(p, 1);
  SET_INFO(p, typeId);
  store<usize>(p, length, BYTES_LENGTH);
  memory.fill(p + BYTES_DATA, 0, length);
  countAlloc(size, false);
  noteAlloc(p, size, typeId);
  return p;
}

/** Allocates a list storage block with room for `capacity` references, owned by `list`. 0 when out of memory. */
export function newStorage(list: usize, capacity: usize): usize {
  if (capacity > MAX_LIST_LENGTH) { allocationFailures++; return 0; }
  let size = STORAGE_SLOTS + (capacity << 2);
  let p = allocBlock(size);
  if (!p) { allocationFailures++; return 0; }
  store<usize>(p, list);
  SET_INFO(p, TYPE_STORAGE);
  countAlloc(size, false);
  noteAlloc(p, size, TYPE_STORAGE);
  return p;
}

/** Frees a storage block of the given capacity. */
export function freeStorage(p: usize, capacity: usize): void {
  let size = STORAGE_SLOTS + (capacity << 2);
  countFree(size, false);
  noteFree(p, size, TYPE_STORAGE);
  freeBlock(p, size);
}

/** Allocates a list of `length` null references (capacity = length). 0 when out of memory. */
export function newList(typeId: u32, length: usize): usize {
  if (length > MAX_LIST_LENGTH) { allocationFailures++; return 0; } // before the list object is made
  let p = newFixed(typeId);
  if (!p || !length) return p;
  let items = newStorage(p, length);
  if (!items) {
    freeObject(p);
    return 0;
  }
  memory.fill(items + STORAGE_SLOTS, 0, length << 2);
  store<usize>(p, length, LIST_LENGTH);
  store<usize>(p, length, LIST_CAPACITY);
  store<usize>(p, items, LIST_ITEMS);
  return p;
}

/** Returns an object's memory to the allocator (children must already be released; a weakref unlinked: rc.ts freeDead). */
// @ts-ignore: decorator
@inline export function freeObject(p: usize): void {
  freeObjectOfType(p, TYPE(INFO(p) & TYPE_ID_MASK));
}

/** freeObject for a caller that has already looked up the type record `t`. */
// @ts-ignore: decorator
@inline export function freeObjectOfType(p: usize, t: usize): void {
  let info = INFO(p);
  let kind = T_KIND(t);
  let size = kind == KIND_FIXED || kind == KIND_REFARRAY || kind == KIND_WEAKREF || kind == KIND_WEAKMAP ? T_SIZE(t) : objectSize(p);
  if (info & FLAG_TRACKED) untrack(p);
  countFree(size, (info & FLAG_CONTAINER) != 0);
  noteFree(p, size, info & TYPE_ID_MASK);
  freeBlock(p, size);
}
