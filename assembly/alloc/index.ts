// === Allocator strategies behind one interface ===
// allocBlock(size) / freeBlock(ptr, size): sized deallocation, because the object model always
// knows an object's size (from its type, or its length), so no strategy needs a size header.
//   POOLS (default): obmalloc-like size classes up to 512 B, TLSF for larger blocks and arenas.
//   TLSF: two-level segregated fit for every size (O(1), coalescing).
//   FIRSTFIT: one address-ordered free list with coalescing, first block that fits.
//   BUMP: never reuses (the floor).
// The strategy is chosen once, at init; the branch on it is perfectly predicted.

import { poolAlloc, poolFree, poolsInit, releaseKeptArena, SMALL_MAX } from "./pools";
import { largeAlloc, largeFree, largeInit } from "./large";
import { bumpAlloc, bumpFree, bumpInit } from "./bump";
import { largeAllocations } from "../counters";

// @ts-ignore: decorator
@inline export const ALLOC_POOLS: i32 = 0;
// @ts-ignore: decorator
@inline export const ALLOC_BUMP: i32 = 1;
// @ts-ignore: decorator
@inline export const ALLOC_TLSF: i32 = 2;
// @ts-ignore: decorator
@inline export const ALLOC_FIRSTFIT: i32 = 3;

export let strategy: i32 = ALLOC_POOLS;

export function allocatorInit(which: i32, start: usize): void {
  strategy = which;
  if (which == ALLOC_BUMP) {
    bumpInit(start);
  } else {
    largeInit(start, which == ALLOC_FIRSTFIT);
    poolsInit(); // empty unless POOLS: the walk and verify still read its lists
  }
}

/** A block of at least `size` bytes, 8-aligned, or 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function allocBlock(size: usize): usize {
  if (strategy == ALLOC_POOLS) {
    if (size <= SMALL_MAX) return poolAlloc(size);
    largeAllocations++;
    let p = largeAlloc(size);
    return p || !releaseKeptArena() ? p : largeAlloc(size);
  }
  if (strategy == ALLOC_BUMP) return bumpAlloc(size);
  if (size > SMALL_MAX) largeAllocations++;
  return largeAlloc(size);
}

/** Frees a block of `size` bytes (the size it was allocated with). */
// @ts-ignore: decorator
@inline export function freeBlock(p: usize, size: usize): void {
  if (strategy == ALLOC_POOLS) {
    if (size <= SMALL_MAX) poolFree(p);
    else largeFree(p);
  } else if (strategy == ALLOC_BUMP) {
    bumpFree(p, size);
  } else {
    largeFree(p);
  }
}
