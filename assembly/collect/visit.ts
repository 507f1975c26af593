// === The generic child cursor: every strong reference a container holds, from the layouts ===
// FIXED: its reference fields; REFARRAY: its items; WEAKMAP: each live entry's internal weakref,
// bytes key and value. The cursor hands out *runs* of reference slots (contiguous u32 words that
// hold an object address or 0); the caller loops over each run with locals, so the collector's
// inner loops stay as tight as a hand-written one (AssemblyScript has no closures, and a cookie
// dispatch would make this file depend on every mechanism that visits). It reads layouts only.
//
//   visitStart(p);
//   while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
//     let c = load<usize>(s);
//     if (c) { ... }            // c: a child, in CPython's tp_traverse order for the kind
//   }
//
// One walk at a time (the state is global): nothing may start another walk while one is between
// runs. The caller may change the children's headers and links, never p's slots or p's table.
//
// The hot passes (trial deletion, gathering) first take the kinds whose references are one run
// (fields, a list's items) with locals only; the cursor's global state per object cost a quarter
// of a full collection over 1M fixed-layout objects (W3a). They find the run from the type's span
// word (types.ts), not its record: one 4-byte read in a 16 KiB table instead of three from 128
// KiB, which took a tenth of a full collection of W7's tsc-lib graph (paired A/B, 2026-12-02):
//
//   let span = TYPE_SPAN(INFO(p) & TYPE_ID_MASK);
//   if (spanIsRun(span)) for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) one(load<usize>(s));
//   else { visitStart(p); while (visitRun()) for (...) one(load<usize>(s)); }

import { CONTAINER_HEADER_SIZE, INFO, TYPE_ID_MASK } from "../layout";
import { KIND_REFARRAY, LIST_ITEMS, LIST_LENGTH, SPAN_CURSOR, SPAN_LIST, STORAGE_SLOTS, T_KIND, T_NREFS, T_REFS, TYPE_SPAN } from "../types";
import { MAP_CAPACITY, MAP_FLAVOUR, SLOT_AT, SLOT_SIZE, TOMBSTONE, WVM_BYTES } from "../maplayout";

/** The current run: reference slots [runStart, runEnd). */
export let runStart: usize = 0;
export let runEnd: usize = 0;
/** The first run, before the first visitRun() (0 after it). */
let first: usize = 0, firstEnd: usize = 0;
/** A weak map's slots still to visit: [mapSlot, mapEnd), and whether its keys are bytes objects. */
let mapSlot: usize = 0, mapEnd: usize = 0;
let bytesKeys = false;
/** A weak map entry's references in visiting order (wr, bytes key, value): the run for one entry. */
const ENTRY: usize = memory.data(12, 4);

/** The kind of container p keeps its references in one run of slots (every kind but weak maps), from its type's span word. */
// @ts-ignore: decorator
@inline export function spanIsRun(span: u32): bool { return span != SPAN_CURSOR; }
/** That run: [spanFrom(p, span), spanTo(p, span, from)). */
// @ts-ignore: decorator
@inline export function spanFrom(p: usize, span: u32): usize {
  return span == SPAN_LIST ? load<usize>(p, LIST_ITEMS) + STORAGE_SLOTS : p + CONTAINER_HEADER_SIZE;
}
// @ts-ignore: decorator
@inline export function spanTo(p: usize, span: u32, from: usize): usize {
  return from + ((span == SPAN_LIST ? load<usize>(p, LIST_LENGTH) : <usize>span) << 2);
}

/** The same run from the type record t (atonce.ts, which reads the kind anyway): [runFrom(p, t), runTo(p, t)). */
// @ts-ignore: decorator
@inline export function runFrom(p: usize, t: usize): usize {
  return T_KIND(t) == KIND_REFARRAY ? load<usize>(p, LIST_ITEMS) + STORAGE_SLOTS : p + T_REFS(t);
}
// @ts-ignore: decorator
@inline export function runTo(p: usize, t: usize): usize {
  return T_KIND(t) == KIND_REFARRAY
    ? load<usize>(p, LIST_ITEMS) + STORAGE_SLOTS + (load<usize>(p, LIST_LENGTH) << 2)
    : p + T_REFS(t) + (<usize>T_NREFS(t) << 2);
}

/** Starts a walk over the strong references of container p. */
// @ts-ignore: decorator
@inline export function visitStart(p: usize): void {
  let span = TYPE_SPAN(INFO(p) & TYPE_ID_MASK);
  mapSlot = mapEnd = 0;
  if (!spanIsRun(span)) {
    first = firstEnd = 0;
    let cap = load<usize>(p, MAP_CAPACITY);
    if (cap) {
      mapSlot = SLOT_AT(p, 0);
      mapEnd = mapSlot + cap * SLOT_SIZE;
      bytesKeys = load<u32>(p, MAP_FLAVOUR) == WVM_BYTES;
    }
  } else {
    first = spanFrom(p, span);
    firstEnd = spanTo(p, span, first);
  }
}

/** Moves to the next run of reference slots (runStart, runEnd); false when there is none. */
// @ts-ignore: decorator
@inline export function visitRun(): bool {
  if (first) {
    runStart = first;
    runEnd = firstEnd;
    first = 0;
    return true;
  }
  return mapSlot < mapEnd ? nextEntry() : false;
}

/** A weak map's next live entry as a run of three slots (0 where it holds nothing). */
function nextEntry(): bool {
  while (mapSlot < mapEnd) {
    let s = mapSlot;
    mapSlot += SLOT_SIZE;
    let wr = load<usize>(s, 4);
    if (wr <= TOMBSTONE) continue;
    store<usize>(ENTRY, wr);
    store<usize>(ENTRY, bytesKeys ? load<usize>(s) : 0, 4);
    store<usize>(ENTRY, load<usize>(s, 8), 8);
    runStart = ENTRY;
    runEnd = ENTRY + 12;
    return true;
  }
  return false;
}
