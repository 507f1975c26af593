// === The allocator the heap was created with, behind the contract (contract.ts) ===
// allocBlock(size) / freeBlock(ptr, size): sized deallocation, because the object model always
// knows an object's size (from its type, or its length), so no allocator needs a size header.
// Which module serves a call is the generated registry's one switch (strategies.json ->
// generated/registry.ts); this file adds what every allocator gets: fault injection in debug builds.

import { allocatorAlloc, allocatorEnd, allocatorFree, allocatorInit as registryInit } from "../generated/registry";

/** Sets up allocator `code` (strategies.json) at `start`. False for an unknown code. */
export function allocatorInit(code: i32, start: usize): bool { return registryInit(code, start); }

/**
 * The end of the memory blocks may occupy (the allocator's end()): an object ends at or below it.
 * Past it lie the blocks' tail sentinel (memoryEnd - 4), or bump's never-allocated space.
 */
export function blocksEnd(): usize { return allocatorEnd(); }

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
  return allocatorAlloc(size);
}

/** Frees a block of `size` bytes (the size it was allocated with). */
// @ts-ignore: decorator
@inline export function freeBlock(p: usize, size: usize): void { allocatorFree(p, size); }
