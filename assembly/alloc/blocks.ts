// === Boundary-tagged blocks: split, coalesce, growth (shared by tlsf, firstfit, pools, mimalloc) ===
// The physical layer under the large-block allocators: it owns the address space from the heap
// start to the end of linear memory as a chain of blocks, each with a one-word header, and knows
// nothing of free lists. A free-list discipline (tlsf.ts, firstfit.ts) files the free blocks this
// layer hands it; the callers unlink neighbours before a merge (their lists are keyed by size or
// address, which the merge changes). Knuth's boundary tags (TAOCP vol. 1, 2.5), laid out like
// AssemblyScript's std/assembly/rt/tlsf.ts.
//
// ╒═══════════════ Block layout (32-bit) ════════════════╕
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// ├─────────────────────────────────────────────────────┼─┼─┼─┤
// │             span: header + payload (multiple of 8)   │A│L│F│ block+0  mmInfo
// ╞═════════════════════════════════════════════════════╧═╧═╧═╡ block+4  payload (8-aligned)
// │                  prev free (free blocks only)                │ block+4
// ├──────────────────────────────────────────────────────────────┤
// │                  next free (free blocks only)                │ block+8
// ├──────────────────────────────────────────────────────────────┤
// │                  ...                                         │
// ├──────────────────────────────────────────────────────────────┤
// │                  back: address of this block (free only)     │ block+size (last payload word)
// └──────────────────────────────────────────────────────────────┘
//   F: FREE       set by mergeFree (a free), cleared by takeBlock (an allocation)
//   L: LEFT_FREE  the physical left neighbour is free, so its back word is valid; set by mergeFree
//                 on the right neighbour, cleared by takeBlock on it
//   A: ARENA      the block is a container of a composed allocator (pools' arenas, mimalloc's
//                 segments), not an object; set by tagArena, cleared by untagArena before its free
// The region ends with a used sentinel block (the tail): a lone header (span 4) in the last 4 bytes
// of memory, so the last real block always has a right neighbour to tag.
// Payloads are 8-aligned behind a 4-byte header, so every block starts at 4 (mod 8) and every
// payload size is 4 (mod 8): header + payload then spans a multiple of 8 and the next block lines
// up again (AssemblyScript's tlsf.ts does the same with 16).

import { growTo, memoryEnd, MEMORY_LIMIT, PAGE_SIZE, withinLimit } from "../memory";
import { ALIGN_MASK } from "../layout";
import { fail } from "../failure";
import { put, atLeast } from "../statbuf";
import { STAT_largeFreeBytes, STAT_largeHeaderBytes, STAT_largestFreeBytes, STAT_staticBytes } from "../generated/stats_ids";

// @ts-ignore: decorator
@inline export const BLOCK_OVERHEAD: usize = 4;
// @ts-ignore: decorator
@inline export const FREE: usize = 1;
// @ts-ignore: decorator
@inline export const LEFT_FREE: usize = 2;
// @ts-ignore: decorator
@inline export const ARENA_TAG: usize = 4;
// @ts-ignore: decorator
@inline export const TAGS_MASK: usize = 7;
/** Smallest payload: prev, next and back words. */
// @ts-ignore: decorator
@inline export const BLOCK_MIN_SIZE: usize = 12;
/** Largest request a block can serve (the span must fit the 32-bit header with room for rounding). */
// @ts-ignore: decorator
@inline export const BLOCK_MAX_REQUEST: usize = 0x7FFF_FFF0;
/** Grow memory by at least this much, so a run of allocations does not grow page by page. */
// @ts-ignore: decorator
@inline const GROW_MIN: usize = 16 * PAGE_SIZE;

export let firstBlock: usize = 0;
export let tailBlock: usize = 0;

// @ts-ignore: decorator
@inline export function MMINFO(block: usize): usize { return load<usize>(block); }
/** Payload bytes of a block (its span less the header). */
// @ts-ignore: decorator
@inline export function BLOCK_SIZE(block: usize): usize { return (load<usize>(block) & ~TAGS_MASK) - BLOCK_OVERHEAD; }
/** Writes a block's header from its payload size and tag bits. */
// @ts-ignore: decorator
@inline function SET_BLOCK(block: usize, size: usize, tags: usize): void { store<usize>(block, (size + BLOCK_OVERHEAD) | tags); }
// @ts-ignore: decorator
@inline export function PREV_FREE(block: usize): usize { return load<usize>(block, 4); }
// @ts-ignore: decorator
@inline export function NEXT_FREE(block: usize): usize { return load<usize>(block, 8); }
// @ts-ignore: decorator
@inline export function SET_PREV_FREE(block: usize, v: usize): void { store<usize>(block, v, 4); }
// @ts-ignore: decorator
@inline export function SET_NEXT_FREE(block: usize, v: usize): void { store<usize>(block, v, 8); }
/** The block of a payload pointer. */
// @ts-ignore: decorator
@inline export function BLOCK_OF(ptr: usize): usize { return ptr - BLOCK_OVERHEAD; }
/** The block physically after `block`. */
// @ts-ignore: decorator
@inline export function NEXT_BLOCK(block: usize): usize { return block + BLOCK_OVERHEAD + BLOCK_SIZE(block); }

/** The payload size a request of `size` bytes takes (8-aligned span, at least the free-block words); 0 if too large. */
// @ts-ignore: decorator
@inline export function requestSize(size: usize): usize {
  if (size > BLOCK_MAX_REQUEST) return 0;
  return max<usize>(((size + BLOCK_OVERHEAD + ALIGN_MASK) & ~ALIGN_MASK) - BLOCK_OVERHEAD, BLOCK_MIN_SIZE);
}

/** Sets up the region: [start, end of memory) becomes one free block plus the tail sentinel. Returns that block, for the caller to file. */
export function blocksInit(start: usize): usize {
  firstBlock = ((start + 4 + ALIGN_MASK) & ~ALIGN_MASK) - 4;
  if (memoryEnd() < firstBlock + 64) growTo(firstBlock + GROW_MIN);
  tailBlock = memoryEnd() - 4;
  SET_BLOCK(firstBlock, tailBlock - firstBlock - BLOCK_OVERHEAD, FREE);
  // back word + tail flags, as mergeFree would leave them
  store<usize>(tailBlock - 4, firstBlock);
  SET_BLOCK(tailBlock, 0, LEFT_FREE);
  return firstBlock;
}

/** The right neighbour of `block` if it is free (the caller unlinks it before mergeFree), else 0. */
// @ts-ignore: decorator
@inline export function freeRight(block: usize): usize {
  let right = NEXT_BLOCK(block);
  return MMINFO(right) & FREE ? right : 0;
}

/** The left neighbour of `block` if it is free (found through its back word), else 0. */
// @ts-ignore: decorator
@inline export function freeLeft(block: usize): usize {
  return MMINFO(block) & LEFT_FREE ? load<usize>(block - 4) : 0;
}

/**
 * Marks `block` free merged with its free neighbours `left` and `right` (0 = none; the caller has
 * unlinked them), writes the back word and tags the right neighbour. Returns the merged block.
 */
export function mergeFree(block: usize, left: usize, right: usize): usize {
  let size = BLOCK_SIZE(block);
  if (right) size += BLOCK_OVERHEAD + BLOCK_SIZE(right);
  let info = MMINFO(block);
  if (left) {
    size += BLOCK_OVERHEAD + BLOCK_SIZE(left);
    info = MMINFO(left);
    block = left;
  }
  SET_BLOCK(block, size, FREE | (info & LEFT_FREE));
  store<usize>(block + size, block); // back word, read by the right neighbour's merge
  let after = block + BLOCK_OVERHEAD + size;
  store<usize>(after, MMINFO(after) | LEFT_FREE);
  return block;
}

/**
 * Takes the free block `block` (already unlinked) for a payload of `size` (from requestSize).
 * Returns the free remainder split off its end, for the caller to file, or 0 if too small to split.
 */
export function takeBlock(block: usize, size: usize): usize {
  let info = MMINFO(block);
  let blockSize = BLOCK_SIZE(block);
  let rest = blockSize - size;
  if (rest >= BLOCK_OVERHEAD + BLOCK_MIN_SIZE) {
    // split: the remainder becomes a free block of its own (its left neighbour is used)
    SET_BLOCK(block, size, info & LEFT_FREE);
    let spare = block + BLOCK_OVERHEAD + size;
    SET_BLOCK(spare, rest - BLOCK_OVERHEAD, FREE);
    store<usize>(spare + rest - BLOCK_OVERHEAD, spare);
    return spare;
  }
  store<usize>(block, info & ~FREE);
  let right = block + BLOCK_OVERHEAD + blockSize;
  store<usize>(right, MMINFO(right) & ~LEFT_FREE);
  return 0;
}

/**
 * Grows memory so that a free block of at least `payload` bytes can follow the current blocks.
 * The old tail sentinel becomes a used block spanning the new memory, returned for the caller to
 * free (so it merges left and is filed); 0 when the limit or the engine refuses.
 */
export function growRegion(payload: usize): usize {
  let oldTail = tailBlock;
  let span = BLOCK_OVERHEAD + payload + BLOCK_OVERHEAD + BLOCK_MIN_SIZE;
  // oldTail + span wrapped past 2^32 for a 2 GiB request high in memory: growTo(a small end) then
  // "succeeded" without growing and the tail was rewritten with a negative span
  if (span > MEMORY_LIMIT - oldTail) return 0;
  let want = oldTail + span;
  if (!withinLimit(want)) return 0; // before growing: a refused request changes nothing
  // grow generously first (fewer grows), then exactly if the limit refuses
  let end = memoryEnd();
  if (!growTo(max(want, end + GROW_MIN)) && !growTo(want)) return 0;
  let newTail = memoryEnd() - 4;
  SET_BLOCK(oldTail, newTail - oldTail - BLOCK_OVERHEAD, MMINFO(oldTail) & LEFT_FREE);
  SET_BLOCK(newTail, 0, 0);
  tailBlock = newTail;
  return oldTail;
}

/** The end of the blocks: no live block extends past it (the tail sentinel lies there). */
export function blocksEnd(): usize { return tailBlock; }

/** Tags a live block as a container (an arena or segment), so walks can tell it from an object. */
export function tagArena(ptr: usize): void { store<usize>(BLOCK_OF(ptr), MMINFO(BLOCK_OF(ptr)) | ARENA_TAG); }
/** Clears the container tag before the block is freed. */
// @ts-ignore: decorator
@inline export function untagArena(ptr: usize): void { store<usize>(BLOCK_OF(ptr), MMINFO(BLOCK_OF(ptr)) & ~ARENA_TAG); }
/** Payload bytes of a live block. */
// @ts-ignore: decorator
@inline export function usableSize(ptr: usize): usize { return BLOCK_SIZE(BLOCK_OF(ptr)); }

/** The first used block at or after `block` (0 past the last): one step of a cursor over the chain. */
export function usedFrom(block: usize): usize {
  while (block < tailBlock) {
    let size = BLOCK_SIZE(block);
    if (!(MMINFO(block) & FREE)) return block;
    let next = block + BLOCK_OVERHEAD + size;
    if (next <= block) return 0; // damaged: check() reports it
    block = next;
  }
  return 0;
}

/**
 * The physical chain: aligned blocks tiling [firstBlock, tailBlock), LEFT_FREE and back words
 * right, no two free blocks adjacent (coalescing is immediate), an intact tail. Returns the number
 * of free blocks, or -1 after a fail() when the chain cannot be followed.
 */
export function checkBlocks(): i32 {
  let block = firstBlock;
  let prevFree = false;
  let free = 0;
  while (block < tailBlock) {
    if ((block & 7) != 4) { fail("large: misaligned block", block); return -1; }
    let info = MMINFO(block);
    let size = BLOCK_SIZE(block);
    if (((info & LEFT_FREE) != 0) != prevFree) fail("large: LEFT_FREE disagrees with the left block", block);
    if (info & FREE) {
      if (prevFree) fail("large: two adjacent free blocks (missed coalescing)", block);
      if (info & ARENA_TAG) fail("large: free block tagged as an arena", block);
      if (load<usize>(block + size) != block) fail("large: free block's back word is wrong", block);
      free++;
    }
    prevFree = (info & FREE) != 0;
    let next = block + BLOCK_OVERHEAD + size;
    if (next <= block || next > tailBlock) { fail("large: block size runs past the tail", block); return -1; }
    block = next;
  }
  if (block != tailBlock) { fail("large: blocks do not end at the tail", block); return -1; }
  if (((MMINFO(tailBlock) & LEFT_FREE) != 0) != prevFree) fail("large: tail LEFT_FREE is wrong", tailBlock);
  if ((MMINFO(tailBlock) & ~(LEFT_FREE | BLOCK_OVERHEAD)) != 0) fail("large: tail sentinel damaged", tailBlock);
  return free;
}

/**
 * Puts the region's byte parts (static bytes below it, block headers, free blocks, the largest
 * free block) and returns the payload bytes of used blocks that are not containers (the objects
 * served here directly): the caller adds its containers' parts.
 */
export function regionStats(): u64 {
  let headers: u64 = BLOCK_OVERHEAD; // the tail sentinel
  let freeBytes: u64 = 0, largest: usize = 0, live: u64 = 0;
  for (let block = firstBlock; block < tailBlock; ) {
    let info = MMINFO(block);
    let size = BLOCK_SIZE(block);
    headers += BLOCK_OVERHEAD;
    if (info & FREE) { freeBytes += size; if (size > largest) largest = size; }
    else if (!(info & ARENA_TAG)) live += size;
    let next = block + BLOCK_OVERHEAD + size;
    if (next <= block) break; // damaged: verify reports it
    block = next;
  }
  put(STAT_staticBytes, <f64>firstBlock);
  put(STAT_largeHeaderBytes, <f64>headers);
  put(STAT_largeFreeBytes, <f64>freeBytes);
  atLeast(STAT_largestFreeBytes, <f64>largest);
  return live;
}

// ── a cursor over the used blocks, for allocators whose used blocks are all objects ──

let cursorAt: usize = 0;
let cursorSize: usize = 0;

export function blocksCursorStart(): void { cursorAt = usedFrom(firstBlock); }

/** The next used block (containers included), 0 past the last. */
export function nextUsedBlock(): usize {
  let b = cursorAt;
  if (b) {
    let next = NEXT_BLOCK(b);
    cursorAt = next > b ? usedFrom(next) : 0;
  }
  return b;
}

/** The next live object's address (its payload), 0 past the last. */
export function blocksCursorNext(): usize {
  let b = nextUsedBlock();
  if (!b) return 0;
  cursorSize = BLOCK_SIZE(b);
  return b + BLOCK_OVERHEAD;
}

/** The payload bytes of the block blocksCursorNext last returned. */
export function blocksCursorBlockSize(): usize { return cursorSize; }
