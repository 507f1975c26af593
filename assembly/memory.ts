// === Linear memory: growth up to a limit, and telling the host ===
// Every memory.grow in the heap goes through growTo(), so the host is told each time (its typed
// array views over the old ArrayBuffer are detached by a grow and must be refreshed) and the
// `maxBytes` limit is enforced in one place.

import { memoryGrows } from "./counters";

// @ts-ignore: decorator
@external("host", "onGrow")
declare function hostOnGrow(pages: i32): void;

// @ts-ignore: decorator
@inline export const PAGE_SIZE: usize = 65536;

/** Most pages the heap may commit (set from Heap.create's maxBytes). */
export let maxPages: i32 = 65536;

export function setMaxPages(pages: i32): void { maxPages = pages; }

/** Committed bytes: the end of linear memory. */
// @ts-ignore: decorator
@inline export function memoryEnd(): usize { return <usize>memory.size() << 16; }

/** The most bytes memory may ever span (65535 pages: 65536 would make memoryEnd() wrap to 0). */
// @ts-ignore: decorator
@inline export const MEMORY_LIMIT: usize = 0xFFFF_0000;

/** Could growTo(end) succeed as far as the limits go? (the engine may still refuse) */
export function withinLimit(end: usize): bool {
  return end <= MEMORY_LIMIT && <i32>((end + PAGE_SIZE - 1) >>> 16) <= maxPages;
}

/** Grows memory so that [0, end) is committed. False if the limit or the engine refuses. */
export function growTo(end: usize): bool {
  let have = memory.size();
  if (!withinLimit(end)) return false;
  let need = <i32>((end + PAGE_SIZE - 1) >>> 16);
  if (need <= have) return true;
  if (memory.grow(need - have) < 0) return false;
  memoryGrows++;
  hostOnGrow(need);
  return true;
}
