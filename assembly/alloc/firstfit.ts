// === First fit: one address-ordered free list over the shared blocks ===
// Knuth's classic (TAOCP vol. 1, 2.5): the free blocks on one list kept in address order, searched
// from the lowest address; O(free blocks) per call, coalescing at once (blocks.ts). The baseline
// the segregated-fit allocators are measured against: low addresses fill first.

import {
  BLOCK_OVERHEAD, BLOCK_OF, BLOCK_SIZE, FREE, MMINFO, NEXT_FREE, PREV_FREE, SET_NEXT_FREE, SET_PREV_FREE,
  blocksInit, checkBlocks, freeLeft, freeRight, growRegion, mergeFree, regionStats, requestSize, takeBlock,
} from "./blocks";
import { CAP_ADDRESS_ORDERED, CAP_COALESCES, CAP_REUSES } from "../generated/capabilities";
import { fail } from "../failure";
import { largeAllocations } from "../counters";

export { blocksCursorStart as cursorStart, blocksCursorNext as cursorNext, blocksCursorBlockSize as cursorBlockSize, blocksEnd as end } from "./blocks";

export const CAPABILITIES: u32 = CAP_REUSES | CAP_COALESCES | CAP_ADDRESS_ORDERED;

/** Requests over this many bytes count as large allocations (the pools allocator's small limit). */
// @ts-ignore: decorator
@inline const LARGE_OVER: usize = 512;

let head: usize = 0;

/** Inserts a free block in address order. */
function insert(block: usize): void {
  let prev: usize = 0, next = head;
  while (next && next < block) { prev = next; next = NEXT_FREE(next); }
  SET_PREV_FREE(block, prev);
  SET_NEXT_FREE(block, next);
  if (next) SET_PREV_FREE(next, block);
  if (prev) SET_NEXT_FREE(prev, block);
  else head = block;
}

function remove(block: usize): void {
  let prev = PREV_FREE(block), next = NEXT_FREE(block);
  if (prev) SET_NEXT_FREE(prev, next);
  else head = next;
  if (next) SET_PREV_FREE(next, prev);
}

/** The lowest-addressed free block that holds `size`, or 0. */
function search(size: usize): usize {
  for (let b = head; b; b = NEXT_FREE(b)) if (BLOCK_SIZE(b) >= size) return b;
  return 0;
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
  head = 0;
  insert(blocksInit(start));
}

/** A payload of at least `size` bytes (8-aligned), or 0 when memory is exhausted. */
export function alloc(size: usize): usize {
  if (size > LARGE_OVER) largeAllocations++;
  size = requestSize(size);
  if (!size) return 0;
  let block = search(size);
  if (!block) {
    let grown = growRegion(size);
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

export function free(ptr: usize, size: usize): void { release(BLOCK_OF(ptr)); }

/** The block chain (blocks.ts), and one list of exactly its free blocks in strictly ascending addresses (which rules out loops). */
export function check(): void {
  let found = checkBlocks();
  if (found < 0) return;
  let count = 0;
  let prev: usize = 0;
  for (let b = head; b; b = NEXT_FREE(b)) {
    if (!(MMINFO(b) & FREE) || PREV_FREE(b) != prev || (prev && b <= prev)) { fail("large: free lists or bitmaps are inconsistent", b); return; }
    count++;
    prev = b;
  }
  if (found != count) fail("large: free blocks in memory != free blocks on the lists", 0);
}

export function stats(): u64 { return regionStats(); }
