// === TLSF: two-level segregated fit over the shared blocks ===
// After M. Masmano et al., "TLSF: a new dynamic memory allocator for real-time systems" (2004), and
// AssemblyScript's std/assembly/rt/tlsf.ts: free blocks are filed in lists by size (a first level
// per power of two, 16 second-level lists within it), found through two bitmaps, so allocation and
// free are O(1) with immediate coalescing (blocks.ts). Also the large-block allocator the pools and
// mimalloc allocators are composed over (their arenas/segments and objects over their small limit).

import {
  BLOCK_OVERHEAD, BLOCK_OF, BLOCK_SIZE, FREE, MMINFO, NEXT_FREE, PREV_FREE, SET_NEXT_FREE, SET_PREV_FREE,
  blocksInit, checkBlocks, freeLeft, freeRight, growRegion, mergeFree, regionStats, requestSize, takeBlock,
} from "./blocks";
import { CAP_COALESCES, CAP_REUSES } from "../generated/capabilities";
import { fail } from "../failure";
import { largeAllocations } from "../counters";

export { blocksCursorStart as cursorStart, blocksCursorNext as cursorNext, blocksCursorBlockSize as cursorBlockSize, blocksEnd as end } from "./blocks";

export const CAPABILITIES: u32 = CAP_REUSES | CAP_COALESCES;

// @ts-ignore: decorator
@inline const AL_BITS: u32 = 3;
// @ts-ignore: decorator
@inline const SL_BITS: u32 = 4;
// @ts-ignore: decorator
@inline const SL_SIZE: u32 = 1 << SL_BITS;
// @ts-ignore: decorator
@inline const SB_BITS: u32 = AL_BITS + SL_BITS;
// @ts-ignore: decorator
@inline const SB_SIZE: usize = 1 << SB_BITS;
// @ts-ignore: decorator
@inline const FL_COUNT: u32 = 32 - SB_BITS + 1;
/** Requests over this many bytes count as large allocations (the pools allocator's small limit). */
// @ts-ignore: decorator
@inline const LARGE_OVER: usize = 512;

// Root: first-level bitmap, second-level bitmaps, list heads.
const SL_MAP: usize = memory.data(FL_COUNT << 2, 8);
const HEADS: usize = memory.data((FL_COUNT * SL_SIZE) << 2, 8);
let flMap: u32 = 0;

// @ts-ignore: decorator
@inline function GETSL(fl: u32): u32 { return load<u32>(SL_MAP + (<usize>fl << 2)); }
// @ts-ignore: decorator
@inline function SETSL(fl: u32, v: u32): void { store<u32>(SL_MAP + (<usize>fl << 2), v); }
// @ts-ignore: decorator
@inline function GETHEAD(fl: u32, sl: u32): usize { return load<usize>(HEADS + ((<usize>(fl * SL_SIZE + sl)) << 2)); }
// @ts-ignore: decorator
@inline function SETHEAD(fl: u32, sl: u32, b: usize): void { store<usize>(HEADS + ((<usize>(fl * SL_SIZE + sl)) << 2), b); }

/** First- and second-level index of a payload size, packed as fl << 8 | sl. */
function mapping(size: usize): u32 {
  if (size < SB_SIZE) return <u32>(size >> AL_BITS);
  let fls = 31 - <u32>clz<usize>(size);
  let sl = <u32>(size >> (fls - SL_BITS)) ^ SL_SIZE;
  return ((fls - SB_BITS + 1) << 8) | sl;
}

/** Links a free block into the list of its size. */
function insert(block: usize): void {
  let m = mapping(BLOCK_SIZE(block));
  let fl = m >> 8, sl = m & 0xff;
  let head = GETHEAD(fl, sl);
  SET_PREV_FREE(block, 0);
  SET_NEXT_FREE(block, head);
  if (head) SET_PREV_FREE(head, block);
  SETHEAD(fl, sl, block);
  flMap |= 1 << fl;
  SETSL(fl, GETSL(fl) | (1 << sl));
}

/** Unlinks a free block from its list. */
function remove(block: usize): void {
  let m = mapping(BLOCK_SIZE(block));
  let fl = m >> 8, sl = m & 0xff;
  let prev = PREV_FREE(block), next = NEXT_FREE(block);
  if (prev) SET_NEXT_FREE(prev, next);
  if (next) SET_PREV_FREE(next, prev);
  if (GETHEAD(fl, sl) == block) {
    SETHEAD(fl, sl, next);
    if (!next) {
      let slMap = GETSL(fl) & ~(1 << sl);
      SETSL(fl, slMap);
      if (!slMap) flMap &= ~(1 << fl);
    }
  }
}

/** `size` rounded up to the start of the next list, so that any block found there fits ("good fit"). */
// @ts-ignore: decorator
@inline function roundForSearch(size: usize): usize {
  return size >= SB_SIZE ? size + (<usize>1 << (31 - <u32>clz<usize>(size) - SL_BITS)) - 1 : size;
}

/** A free block whose payload holds at least `size`, or 0. */
function search(size: usize): usize {
  let m = mapping(roundForSearch(size));
  let fl = m >> 8, sl = m & 0xff;
  if (fl >= FL_COUNT) return 0;
  let slMap = GETSL(fl) & (~0 << sl);
  if (!slMap) {
    let flBits = fl + 1 < 32 ? flMap & (~0 << (fl + 1)) : 0;
    if (!flBits) return 0;
    fl = ctz(flBits);
    slMap = GETSL(fl);
  }
  return GETHEAD(fl, ctz(slMap));
}

/** Frees `block`, merged with its free neighbours. */
function release(block: usize): void {
  let right = freeRight(block);
  if (right) remove(right);
  let left = freeLeft(block);
  if (left) remove(left);
  insert(mergeFree(block, left, right));
}

export function init(start: usize): void {
  flMap = 0;
  insert(blocksInit(start));
}

/** A payload of at least `size` bytes (8-aligned), or 0 when memory is exhausted. */
export function alloc(size: usize): usize {
  if (size > LARGE_OVER) largeAllocations++;
  return allocBlock(size);
}

/** alloc without the accounting: for the containers of allocators composed over this one. */
export function allocBlock(size: usize): usize {
  size = requestSize(size);
  if (!size) return 0;
  let block = search(size);
  if (!block) {
    // the search rounds the request up to its list's start, so the new block must be that large
    let grown = growRegion(roundForSearch(size));
    if (!grown) return 0;
    release(grown);
    block = search(size);
    if (!block) return 0;
  }
  remove(block);
  let spare = takeBlock(block, size);
  if (spare) insert(spare);
  return block + BLOCK_OVERHEAD;
}

/** Frees a payload from alloc (tlsf knows its size from the block header). */
export function free(ptr: usize, size: usize): void { release(BLOCK_OF(ptr)); }

/** The lists and bitmaps agree; every listed block is free, in the list of its size, linked both ways. Returns the count, or -1. */
function countListed(): i32 {
  let count = 0;
  for (let fl: u32 = 0; fl < FL_COUNT; fl++) {
    let slMap = GETSL(fl);
    if (((flMap >> fl) & 1) != <u32>(slMap != 0)) return -1;
    for (let sl: u32 = 0; sl < SL_SIZE; sl++) {
      let b = GETHEAD(fl, sl);
      if (((slMap >> sl) & 1) != <u32>(b != 0)) return -1;
      let prev: usize = 0;
      while (b) {
        if (!(MMINFO(b) & FREE) || PREV_FREE(b) != prev) return -1;
        if (mapping(BLOCK_SIZE(b)) != ((fl << 8) | sl)) return -1;
        count++;
        prev = b;
        b = NEXT_FREE(b);
      }
    }
  }
  return count;
}

/** tlsf's invariants: the block chain (blocks.ts), and exactly its free blocks on the lists. */
export function check(): void {
  let found = checkBlocks();
  if (found < 0) return;
  let listed = countListed();
  if (listed < 0) { fail("large: free lists or bitmaps are inconsistent", 0); return; }
  if (found != listed) fail("large: free blocks in memory != free blocks on the lists", 0);
}

/** Its byte parts: the region's (blocks.ts). Returns the payload bytes of live blocks. */
export function stats(): u64 { return regionStats(); }
