// === Allocator strategies behind one interface ===
// allocBlock(size) / freeBlock(ptr, size): sized deallocation, because the object model always
// knows an object's size (from its type, or its length), so no strategy needs a size header.
//   POOLS (default): obmalloc-like size classes up to 512 B, TLSF for larger blocks and arenas.
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

export let strategy: i32 = ALLOC_POOLS;

export function allocatorInit(which: i32, start: usize): void {
  strategy = which;
  if (which == ALLOC_BUMP) {
    bumpInit(start);
  } else {
    largeInit(start);
    poolsInit();
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
  return bumpAlloc(size);
}

/** Frees a block of `size` bytes (the size it was allocated with). */
// @ts-ignore: decorator
@inline export function freeBlock(p: usize, size: usize): void {
  if (strategy == ALLOC_POOLS) {
    if (size <= SMALL_MAX) poolFree(p);
    else largeFree(p);
  } else {
    bumpFree(p, size);
  }
}
