// === Bump: the no-reuse floor ===
// Allocation moves a pointer up; free only marks the block dead (type id 0, size in its first
// word, so a walk can step over it). Every comparison of allocators needs this floor: what the
// mutator costs when reuse costs nothing and memory is never recycled.

import { growTo, memoryEnd, MEMORY_LIMIT, PAGE_SIZE, withinLimit } from "../memory";
import { INFO, TYPE_ID_MASK, alignUp, MARK_FREE } from "../layout";
import { objectSize } from "../size";
import { fail } from "../failure";
import { atLeast, put } from "../statbuf";
import * as S from "../generated/stats_ids";

/** No capabilities: it never reuses memory. */
export const CAPABILITIES: u32 = 0;

export let bumpStart: usize = 0;
export let bumpTop: usize = 0;
export let bumpFreedBytes: u64 = 0;

export function init(start: usize): void {
  bumpStart = alignUp(start);
  bumpTop = bumpStart;
  bumpFreedBytes = 0;
}

/** Allocates `size` bytes (rounded to 8). Returns 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function alloc(size: usize): usize {
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

/** The end of the blocks: nothing was ever allocated at or past the pointer. */
export function end(): usize { return bumpTop; }

/** Marks a block dead; its memory is never reused. */
// @ts-ignore: decorator
@inline export function free(p: usize, size: usize): void {
  store<usize>(p, alignUp(size));
  MARK_FREE(p);
  bumpFreedBytes += alignUp(size);
}

// Cursor: the blocks tile [bumpStart, bumpTop); a dead block keeps its size in its first word.
let cur: usize = 0;
let curSize: usize = 0;

export function cursorStart(): void { cur = bumpStart; }

export function cursorNext(): usize {
  while (cur < bumpTop) {
    let p = cur;
    let dead = (INFO(p) & TYPE_ID_MASK) == 0;
    let size = dead ? load<usize>(p) : alignUp(objectSize(p));
    if (size == 0) { cur = bumpTop; return 0; } // damaged: check() reports it
    cur = p + size;
    if (!dead) { curSize = size; return p; }
  }
  return 0;
}

export function cursorBlockSize(): usize { return curSize; }

/** The blocks tile [start, top) exactly, and the dead bytes found are the dead bytes counted. */
export function check(): void {
  let p = bumpStart;
  let dead: u64 = 0;
  while (p < bumpTop) {
    let size: usize;
    if ((INFO(p) & TYPE_ID_MASK) == 0) { size = load<usize>(p); dead += size; }
    else size = alignUp(objectSize(p));
    if (size == 0) { fail("bump: zero-size block", p); return; }
    p += size;
  }
  if (p != bumpTop) fail("bump: blocks overrun the bump pointer", p);
  if (dead != bumpFreedBytes) fail("bump: dead bytes found != dead bytes counted", 0);
}

/** No walk needed: the pointer splits the space. Returns live block bytes. */
export function stats(): u64 {
  let tail = <f64>(memoryEnd() - bumpTop);
  put(S.STAT_staticBytes, <f64>bumpStart);
  put(S.STAT_bumpFreedBytes, <f64>bumpFreedBytes);
  put(S.STAT_unusedTailBytes, tail);
  atLeast(S.STAT_largestFreeBytes, tail);
  return <u64>(bumpTop - bumpStart) - bumpFreedBytes;
}
