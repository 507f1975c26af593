// === Bump: the no-reuse floor ===
// Allocation moves a pointer up; free only marks the block dead (type id 0, size in its first
// word, so a walk can step over it). Every comparison of allocators needs this floor: what the
// mutator costs when reuse costs nothing and memory is never recycled.

import { growTo, memoryEnd, MEMORY_LIMIT, PAGE_SIZE, withinLimit } from "../memory";
import { alignUp, MARK_FREE } from "../layout";

export let bumpStart: usize = 0;
export let bumpTop: usize = 0;
export let bumpFreedBytes: u64 = 0;

export function bumpInit(start: usize): void {
  bumpStart = alignUp(start);
  bumpTop = bumpStart;
}

/** Allocates `size` bytes (rounded to 8). Returns 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function bumpAlloc(size: usize): usize {
  let p = bumpTop;
  // p + size wrapped past 2^32: a 2 GiB request "succeeded" at a low address and zeroed live data
  if (size > MEMORY_LIMIT - p) return 0;
  let top = p + alignUp(size);
  if (top > memoryEnd()) {
    if (!withinLimit(top)) return 0; // before growing: a refused request changes nothing
    // grow by at least 1 MiB at a time, exactly if the limit refuses more
    if (!growTo(max(top, memoryEnd() + 16 * PAGE_SIZE)) && !growTo(top)) return 0;
  }
  bumpTop = top;
  return p;
}

/** Marks a block dead; its memory is never reused. */
// @ts-ignore: decorator
@inline export function bumpFree(p: usize, size: usize): void {
  store<usize>(p, alignUp(size));
  MARK_FREE(p);
  bumpFreedBytes += alignUp(size);
}
