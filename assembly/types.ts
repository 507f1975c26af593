// === The type table ===
// Types are defined at run time by the host (or by a VM linked with the core). A type record says
// how big its objects are and where their references live, so every traversal (release on
// dealloc, verify, later the cycle collector) is one generic visitor driven by this table.
//
// Kinds:  FIXED     a record: reference fields, an optional weak-list slot, i32 then f64 scalars
//         REFARRAY  a growable list of references (length, capacity, pointer to a storage block)
//         BYTES     a byte string, its data inline after the length
//         STORAGE   internal: the items block of a REFARRAY (first word: owning list)
//         WEAKREF   built-in: a weak reference or weak proxy (assembly/weak.ts)
//         WEAKMAP   built-in: WeakValueMap / WeakKeyMap / WeakSet (assembly/weakmap.ts)
//
// ╒═════════ Type record (32 bytes) ═════════╕
// │ kind                                      │ +0
// │ flags: CONTAINER | WEAKREFABLE | FINALIZER│ +4
// │ nRefs (FIXED)                             │ +8
// │ size: bytes of a FIXED object / fixed part│ +12
// │ refsOffset: first reference field         │ +16
// │ weakOffset: weak-list slot (0 = none)     │ +20
// │ i32Offset: first i32 scalar               │ +24
// │ f64Offset: first f64 scalar (8-aligned)   │ +28
// └───────────────────────────────────────────┘
// Object layouts (offsets from the object pointer):
//   FIXED     header(8|16) refs[nRefs] [weak] i32[nI32] pad f64[nF64]
//   REFARRAY  header(16) length(+16) capacity(+20) items(+24) [weak(+28)]
//   BYTES     header(8) length(+8) data(+12...)
//   STORAGE   owner(+0) info(+4) slots(+8...)
//   RAW       size(+0, in the refcount word) info(+4) ...: a replayed trace's block (replay.ts)
//   WEAKREF   header(8) referent(+8) prev(+12) next(+16) kind/callback(+20) serial(+24) hash(+28)

import { CONTAINER_HEADER_SIZE, HEADER_SIZE } from "./layout";
// Kinds, type flags, built-in ids, field offsets and limits cross the boundary: boundary.json defines them.
import {
  KIND_FIXED, KIND_REFARRAY, KIND_BYTES, KIND_STORAGE, KIND_WEAKREF, KIND_WEAKMAP, KIND_RAW, TF_CONTAINER, TF_WEAKREFABLE, TF_FINALIZER,
  MAX_TYPES, TYPE_STORAGE, TYPE_WEAKREF, TYPE_WEAKMAP, FIRST_USER_TYPE, LIST_LENGTH, LIST_CAPACITY, LIST_ITEMS, BYTES_LENGTH, BYTES_DATA,
  STORAGE_OWNER, STORAGE_SLOTS, MAX_LIST_LENGTH, MAX_BYTES_LENGTH, MAX_FIXED_SIZE, WR_SIZE, MAP_SIZE,
  TYPE_RECORD_SIZE, TR_KIND, TR_FLAGS, TR_NREFS, TR_SIZE, TR_REFS, TR_WEAK, TR_I32, TR_F64,
} from "./generated/boundary";
export {
  KIND_FIXED, KIND_REFARRAY, KIND_BYTES, KIND_STORAGE, KIND_WEAKREF, KIND_WEAKMAP, KIND_RAW, TF_CONTAINER, TF_WEAKREFABLE, TF_FINALIZER,
  MAX_TYPES, TYPE_STORAGE, TYPE_WEAKREF, TYPE_WEAKMAP, FIRST_USER_TYPE, LIST_LENGTH, LIST_CAPACITY, LIST_ITEMS, BYTES_LENGTH, BYTES_DATA,
  STORAGE_OWNER, STORAGE_SLOTS, MAX_LIST_LENGTH, MAX_BYTES_LENGTH, MAX_FIXED_SIZE, TYPE_RECORD_SIZE,
};




// refarray fields
// bytes fields
// storage fields


export const TYPES: usize = memory.data(<i32>(<usize>MAX_TYPES * TYPE_RECORD_SIZE), 8);
export let typeCount: u32 = FIRST_USER_TYPE; // 0: free marker, 1: storage, 2: weakref, 3: weak map

// @ts-ignore: decorator
@inline export function TYPE(id: u32): usize { return TYPES + <usize>id * TYPE_RECORD_SIZE; }
// @ts-ignore: decorator
@inline export function T_KIND(t: usize): u32 { return load<u32>(t, TR_KIND); }
// @ts-ignore: decorator
@inline export function T_FLAGS(t: usize): u32 { return load<u32>(t, TR_FLAGS); }
// @ts-ignore: decorator
@inline export function T_NREFS(t: usize): u32 { return load<u32>(t, TR_NREFS); }
// @ts-ignore: decorator
@inline export function T_SIZE(t: usize): usize { return load<usize>(t, TR_SIZE); }
// @ts-ignore: decorator
@inline export function T_REFS(t: usize): usize { return load<usize>(t, TR_REFS); }
// @ts-ignore: decorator
@inline export function T_WEAK(t: usize): usize { return load<usize>(t, TR_WEAK); }

// Each type's strong references in one word, for the collectors' hot passes (collect/visit.ts):
// a fixed type's reference count (its fields start at CONTAINER_HEADER_SIZE), SPAN_LIST, or
// SPAN_CURSOR (a weak map: the cursor's kind). 16 KiB read one word per object, where the records
// (128 KiB) cost a kind, an offset and a count from a 32-byte record.
export const SPANS: usize = memory.data(<i32>(<usize>MAX_TYPES << 2), 4);
// @ts-ignore: decorator
@inline export const SPAN_LIST: u32 = 0x8000_0000;
// @ts-ignore: decorator
@inline export const SPAN_CURSOR: u32 = 0x4000_0000;
// @ts-ignore: decorator
@inline export function TYPE_SPAN(id: u32): u32 { return load<u32>(SPANS + (<usize>id << 2)); }
// @ts-ignore: decorator
@inline function setSpan(id: u32, span: u32): void { store<u32>(SPANS + (<usize>id << 2), span); }
/** The span word a type's record implies (the one defineType wrote). */
function spanOf(id: u32): u32 {
  let t = TYPE(id);
  let kind = T_KIND(t);
  if (kind == KIND_REFARRAY) return SPAN_LIST;
  if (kind == KIND_WEAKMAP) return SPAN_CURSOR;
  return kind == KIND_FIXED ? T_NREFS(t) : 0;
}
/** The first type whose span word disagrees with its record (verify.ts), or 0. */
export function spanMismatch(): u32 {
  for (let id: u32 = 1; id < typeCount; id++) {
    let t = TYPE(id);
    if (TYPE_SPAN(id) != spanOf(id) || (T_KIND(t) == KIND_FIXED && T_NREFS(t) && T_REFS(t) != CONTAINER_HEADER_SIZE)) return id;
  }
  return 0;
}

export function typesInit(): void {
  let t = TYPE(TYPE_STORAGE);
  store<u32>(t, KIND_STORAGE, TR_KIND);
  store<usize>(t, STORAGE_SLOTS, TR_SIZE);
  t = TYPE(TYPE_WEAKREF);
  store<u32>(t, KIND_WEAKREF, TR_KIND);
  store<usize>(t, WR_SIZE, TR_SIZE);
  t = TYPE(TYPE_WEAKMAP);
  store<u32>(t, KIND_WEAKMAP, TR_KIND);
  store<u32>(t, TF_CONTAINER, TR_FLAGS);
  store<usize>(t, MAP_SIZE, TR_SIZE);
  setSpan(TYPE_WEAKMAP, spanOf(TYPE_WEAKMAP));
}

/** Defines a type. Returns its id, or -1 when the table is full, -2 for bad arguments, -3 if too large. */
export function defineType(kind: u32, nRefs: u32, nI32: u32, nF64: u32, flags: u32): i32 {
  if (typeCount >= MAX_TYPES) return -1;
  flags &= TF_WEAKREFABLE | TF_FINALIZER;
  if (kind == KIND_BYTES && (flags & TF_FINALIZER)) return -2;
  let weak: usize = 0, size: usize = 0, refs: usize = 0, i32s: usize = 0, f64s: usize = 0;
  if (kind == KIND_FIXED) {
    if (nRefs > 65536 || nI32 > 65536 || nF64 > 65536) return -3;
    if (nRefs) flags |= TF_CONTAINER;
    size = nRefs ? CONTAINER_HEADER_SIZE : HEADER_SIZE;
    refs = size;
    size += <usize>nRefs << 2;
    if (flags & TF_WEAKREFABLE) { weak = size; size += 4; }
    i32s = size;
    size += <usize>nI32 << 2;
    if (nF64) size = (size + 7) & ~7;
    f64s = size;
    size += <usize>nF64 << 3;
    if (size > MAX_FIXED_SIZE) return -3;
  } else if (kind == KIND_REFARRAY) {
    if (nRefs | nI32 | nF64) return -2;
    flags |= TF_CONTAINER;
    size = 28;
    if (flags & TF_WEAKREFABLE) { weak = 28; size = 32; }
  } else if (kind == KIND_BYTES) {
    if (nRefs | nI32 | nF64 | (flags & TF_WEAKREFABLE)) return -2;
    size = BYTES_DATA;
  } else if (kind == KIND_RAW) {
    if (nRefs | nI32 | nF64 | flags) return -2;
    size = HEADER_SIZE;
  } else {
    return -2;
  }
  let id = typeCount++;
  let t = TYPE(id);
  store<u32>(t, kind, TR_KIND);
  store<u32>(t, flags, TR_FLAGS);
  store<u32>(t, nRefs, TR_NREFS);
  store<usize>(t, size, TR_SIZE);
  store<usize>(t, refs, TR_REFS);
  store<usize>(t, weak, TR_WEAK);
  store<usize>(t, i32s, TR_I32);
  store<usize>(t, f64s, TR_F64);
  setSpan(id, spanOf(id));
  return <i32>id;
}
