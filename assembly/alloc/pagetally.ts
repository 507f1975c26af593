// === Page tally: stats() of an allocator that carves pages into blocks of one size ===
// pools.ts's pools and mimalloc.ts's pages have the same parts: a header, blocks of one size in
// use or free, a tail too small for another block; empty pages; the alignment lost by the region
// that holds them. Both sum them here, and keep the per-class rows the host reads (contract:
// SIZE_CLASSES), instead of each writing the same accounting.

import { atLeast, put } from "../statbuf";
import * as S from "../generated/stats_ids";

/** Classes a page allocator may have (pools: 64 size classes, mimalloc: 40 bins). */
// @ts-ignore: decorator
@inline const MAX_CLASSES: u32 = 64;
/** Per class: pages, blocks in use, blocks free, block size (u32 each). */
const ROWS: usize = memory.data(<i32>(MAX_CLASSES * 16), 8);

let free: u64 = 0, headers: u64 = 0, tails: u64 = 0, empty: u64 = 0, align: u64 = 0, live: u64 = 0;
let largest: usize = 0;

/** Starts a stats() pass. */
export function tallyStart(): void {
  memory.fill(ROWS, 0, MAX_CLASSES * 16);
  free = headers = tails = empty = align = live = 0;
  largest = 0;
}

/** `count` wholly empty pages of `bytes` each (any class could take them). */
export function tallyEmpty(count: usize, bytes: usize): void {
  empty += <u64>count * bytes;
  if (count && bytes > largest) largest = bytes;
}

/** Bytes of a region lost to aligning its pages. */
export function tallyAlignment(bytes: usize): void { align += bytes; }

/** One page of class `cls` (< 64): `blocks` blocks of `size` after a `header`, `inUse` of them used. */
export function tallyPage(cls: u32, bytes: usize, header: usize, size: usize, blocks: u32, inUse: u32): void {
  if (isDefined(ASC_HEAP_DEBUG)) assert(cls < MAX_CLASSES && inUse <= blocks);
  headers += header;
  tails += bytes - header - <usize>blocks * size;
  free += <u64>(blocks - inUse) * size;
  if (inUse < blocks && size > largest) largest = size;
  live += <u64>inUse * size;
  let row = ROWS + <usize>cls * 16;
  store<u32>(row, load<u32>(row) + 1);
  store<u32>(row, load<u32>(row, 4) + inUse, 4);
  store<u32>(row, load<u32>(row, 8) + blocks - inUse, 8);
  store<u32>(row, <u32>size, 12);
}

/** Ends the pass: writes the byte parts; returns the bytes of blocks in use. */
export function tallyFinish(): u64 {
  put(S.STAT_poolFreeBytes, <f64>free);
  put(S.STAT_poolHeaderBytes, <f64>headers);
  put(S.STAT_poolTailBytes, <f64>tails);
  put(S.STAT_emptyPoolBytes, <f64>empty);
  put(S.STAT_arenaAlignmentBytes, <f64>align);
  atLeast(S.STAT_largestFreeBytes, <f64>largest);
  return live;
}

/**
 * Rows {class, block size, pages, blocks in use, blocks free} (u32 each) of the last pass, for
 * every class with pages. Returns the number of rows.
 */
export function tallyRows(out: usize): u32 {
  let n: u32 = 0;
  for (let c: u32 = 0; c < MAX_CLASSES; c++) {
    let row = ROWS + <usize>c * 16;
    if (!load<u32>(row)) continue;
    let o = out + <usize>n * 20;
    store<u32>(o, c);
    store<u32>(o, load<u32>(row, 12), 4);
    store<u32>(o, load<u32>(row), 8);
    store<u32>(o, load<u32>(row, 4), 12);
    store<u32>(o, load<u32>(row, 8), 16);
    n++;
  }
  return n;
}
