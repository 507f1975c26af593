// === Allocation events: every object block allocated and freed, in order, for the host ===
// Traces (record/replay against every strategy) and allocation-site tracking read the heap's
// allocations through this one stream. Off by default: the allocation path then pays one load and
// a predicted branch. When on, events go to a static buffer (below the heap, so tracing never
// changes the heap it observes) and the host drains it when it fills or when it asks.
//
//   event (12 bytes)
//   ┌─────────────────────────────────────────────┬───┐
//   │ typeId << 1                                 │ F │  +0  F = 1: freed, 0: allocated
//   ├─────────────────────────────────────────────┴───┤
//   │ address of the block (the object's header)      │  +4
//   ├─────────────────────────────────────────────────┤
//   │ size in bytes (exact, header included)          │  +8
//   └─────────────────────────────────────────────────┘
// List and weak-map storage blocks are events too (typeId 1, TYPE_STORAGE): they are allocations.

import { HOOK_ALLOCATION_EVENTS, fromHost, toHost } from "./entry";

// @ts-ignore: decorator
@external("host", "allocationEvents")
declare function allocationEventsImport(buffer: usize, count: u32): void;

// the stream's format: boundary.json
import { EVENT_CAPACITY, EVENT_FREED, EVENT_TYPE_SHIFT, EVENT_WORDS } from "./generated/boundary";
export { EVENT_CAPACITY };
// @ts-ignore: decorator
@inline export const EVENT_SIZE: usize = EVENT_WORDS << 2;
export const EVENT_BUFFER: usize = memory.data(<i32>(EVENT_SIZE * EVENT_CAPACITY), 8);

export let eventsOn: bool = false;
let eventCount: u32 = 0;
/** Events per batch (1..EVENT_CAPACITY): 1 hands each event over as it happens, inside the host call that caused it (allocation-site tracking). */
let batchSize: u32 = EVENT_CAPACITY;

export function setBatchSize(n: u32): void {
  flushEvents();
  batchSize = n < 1 ? 1 : n > EVENT_CAPACITY ? EVENT_CAPACITY : n;
}

/** Hands the buffered events to the host (in order) and empties the buffer. */
export function flushEvents(): void {
  let n = eventCount;
  if (!n) return;
  // emptied first: the host's handler may allocate, which records new events after these
  eventCount = 0;
  toHost(HOOK_ALLOCATION_EVENTS); // counted: deaths a listener causes join rc.ts's worklist
  allocationEventsImport(EVENT_BUFFER, n);
  fromHost();
}

export function setEventsOn(on: bool): void {
  if (!on) flushEvents();
  eventsOn = on;
}

function record(word0: u32, p: usize, size: usize): void {
  let e = EVENT_BUFFER + <usize>eventCount * EVENT_SIZE;
  store<u32>(e, word0);
  store<u32>(e, <u32>p, 4);
  store<u32>(e, <u32>size, 8);
  if (++eventCount >= batchSize) flushEvents();
}

// @ts-ignore: decorator
@inline export function noteAlloc(p: usize, size: usize, typeId: u32): void {
  if (eventsOn) record(typeId << EVENT_TYPE_SHIFT, p, size);
}

// @ts-ignore: decorator
@inline export function noteFree(p: usize, size: usize, typeId: u32): void {
  if (eventsOn) record((typeId << EVENT_TYPE_SHIFT) | EVENT_FREED, p, size);
}
