// === Weak map object layout (weakmap.ts is the mechanism) ===
// A leaf: the generic child cursor (collect/visit.ts) and verify read it without importing the
// weak containers' code.
//
// ╒═══════════ Weak map object (TYPE_WEAKMAP, a container) ═══════════╕
// │ header (16)                                                         │ +0
// │ flavour: 1 int→weak value, 2 bytes→weak value, 3 weak key→value,    │ +16  MAP_FLAVOUR
// │          4 weak set                                                 │
// │ count: live entries                                                 │ +20  MAP_COUNT
// │ used: live entries + tombstones                                     │ +24  MAP_USED
// │ capacity: slots (a power of two, or 0)                              │ +28  MAP_CAPACITY
// │ table: a storage block [owner, info, slots...] (0 when capacity 0)  │ +32  MAP_TABLE
// └─────────────────────────────────────────────────────────────────────┘
// A slot is three words: key, wr, value.
//   key    int flavour: the i32 key; bytes: a bytes object (owned); weak-key flavours: the key
//          object's address (borrowed, valid while wr is set)
//   wr     the entry's internal weakref (owned): to the value (value maps) or to the key. 0 =
//          empty, 1 = tombstone
//   value  weak-key map: the value (owned, or 0 for null); otherwise 0
// An internal weakref keeps its map in WR_SERIAL and its slot index in WR_HASH.

import { STORAGE_SLOTS } from "./types";

// @ts-ignore: decorator
@inline export const MAP_FLAVOUR: usize = 16;
// @ts-ignore: decorator
@inline export const MAP_COUNT: usize = 20;
// @ts-ignore: decorator
@inline export const MAP_USED: usize = 24;
// @ts-ignore: decorator
@inline export const MAP_CAPACITY: usize = 28;
// @ts-ignore: decorator
@inline export const MAP_TABLE: usize = 32;
// @ts-ignore: decorator
@inline export const MAP_SIZE: usize = 36;

// @ts-ignore: decorator
@inline export const WVM_INT: u32 = 1;
// @ts-ignore: decorator
@inline export const WVM_BYTES: u32 = 2;
// @ts-ignore: decorator
@inline export const WKM: u32 = 3;
// @ts-ignore: decorator
@inline export const WSET: u32 = 4;

// @ts-ignore: decorator
@inline export const SLOT_SIZE: usize = 12;
// @ts-ignore: decorator
@inline export const TOMBSTONE: usize = 1;

/** Address of slot i. */
// @ts-ignore: decorator
@inline export function SLOT_AT(m: usize, i: usize): usize { return load<usize>(m, MAP_TABLE) + STORAGE_SLOTS + i * SLOT_SIZE; }
