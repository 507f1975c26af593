// === Allocator strategies behind one interface ===
// allocBlock(size) / freeBlock(ptr, size): sized deallocation, because the object model always
// knows an object's size (from its type, or its length), so no strategy needs a size header.
//   POOLS (default): obmalloc-like size classes up to 512 B, TLSF for larger blocks and arenas.
//   TLSF: two-level segregated fit for every size (O(1), coalescing).
//   FIRSTFIT: one address-ordered free list with coalescing, first block that fits.
//   BUMP: never reuses (the floor).
// The strategy is chosen once, at init; the branch on it is perfectly predicted.

import { poolAlloc, poolFree, poolsInit, releaseKeptArena, SMALL_MAX } from "./pools";
import { largeAlloc, largeFree, largeInit, tailBlock } from "./large";
import { bumpAlloc, bumpFree, bumpInit, bumpTop } from "./bump";
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

/**
 * The end of the memory blocks may occupy: an object ends at or below it. Past it lie the large
 * allocator's tail sentinel (memoryEnd - 4), or bump's never-allocated space.
 */
export function blocksEnd(): usize { return strategy == ALLOC_BUMP ? bumpTop : tailBlock; }

// ── fault injection (debug builds only): the tests make the k-th allocation fail ──

/** Allocations still to succeed before injected failures start (-1: no injection). */
let failAfter: i32 = -1;
/** Injected failures still to come once they start (-1: every allocation fails). */
let failCount: i32 = 0;
/** Allocation attempts seen, so a test can count a program's allocation sites. */
export let allocationAttempts: u32 = 0;

/**
 * Debug builds: lets `after` allocations succeed, then fails the next `count` ones (-1: all) as
 * if memory were exhausted. after = -1 turns injection off. Release builds ignore it.
 */
export function setFailAfter(after: i32, count: i32): void {
  if (isDefined(ASC_HEAP_DEBUG)) { failAfter = after; failCount = count; }
}

/** Should this allocation fail? Checked only in debug builds. */
// @ts-ignore: decorator
@inline function injectedFailure(): bool {
  allocationAttempts++;
  if (failAfter < 0) return false;
  if (failAfter > 0) { failAfter--; return false; }
  if (failCount == 0) { failAfter = -1; return false; }
  if (failCount > 0) failCount--;
  return true;
}

/** A block of at least `size` bytes, 8-aligned, or 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function allocBlock(size: usize): usize {
  if (isDefined(ASC_HEAP_DEBUG)) if (injectedFailure()) return 0;
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
