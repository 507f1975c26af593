// === The block layer: boundary-tagged blocks with coalescing, and two free-list disciplines ===
// TLSF (two-level segregated fit) after M. Masmano et al., "TLSF: a new dynamic memory allocator for
// real-time systems" (2004), and AssemblyScript's std/assembly/rt/tlsf.ts: O(1) allocation and free
// with immediate coalescing. First fit (strategy 'firstfit'): the same blocks on one list kept in
// address order, searched from the lowest address (Knuth's classic; O(free blocks) per call).
// It owns the address space from the heap start to the end of linear memory: the pools allocator
// takes its 1 MiB arenas from here and gives empty ones back (they coalesce with their neighbours
// and serve large objects or new arenas), and objects over 512 bytes are served here directly.
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
//   F: FREE  L: LEFT_FREE (the physical left neighbour is free, so its back word is valid)
//   A: ARENA (the block is an arena of the pools allocator, not an object)
// The region ends with a used sentinel block (the tail): a lone header (span 4) in the last 4 bytes
// of memory, so the last real block always has a right neighbour to tag.
// Payloads are 8-aligned behind a 4-byte header, so every block starts at 4 (mod 8) and every
// payload size is 4 (mod 8): header + payload then spans a multiple of 8 and the next block lines
// up again (AssemblyScript's tlsf.ts does the same with 16).

import { growTo, memoryEnd, MEMORY_LIMIT, PAGE_SIZE, withinLimit } from "../memory";
import { ALIGN_MASK } from "../layout";

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
/** Grow memory by at least this much, so a run of allocations does not grow page by page. */
// @ts-ignore: decorator
@inline const GROW_MIN: usize = 16 * PAGE_SIZE;

// Root: first-level bitmap, second-level bitmaps, list heads.
const SL_MAP: usize = memory.data(FL_COUNT << 2, 8);
const HEADS: usize = memory.data((FL_COUNT * SL_SIZE) << 2, 8);
let flMap: u32 = 0;
/** First-fit discipline: one address-ordered list of free blocks instead of TLSF's segregated lists. */
export let firstFit = false;
let ffHead: usize = 0;
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
@inline function PREV_FREE(block: usize): usize { return load<usize>(block, 4); }
// @ts-ignore: decorator
@inline function NEXT_FREE(block: usize): usize { return load<usize>(block, 8); }
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

/** Links a free block into the free lists (of its size, or in address order). */
// @ts-ignore: decorator
@inline function insertFree(block: usize): void { if (firstFit) ffInsert(block); else tlsfInsert(block); }
/** Unlinks a free block from the free lists. */
// @ts-ignore: decorator
@inline function removeFree(block: usize): void { if (firstFit) ffRemove(block); else tlsfRemove(block); }

/** First fit: inserts a free block in address order. */
function ffInsert(block: usize): void {
  let prev: usize = 0, next = ffHead;
  while (next && next < block) { prev = next; next = NEXT_FREE(next); }
  store<usize>(block, prev, 4);
  store<usize>(block, next, 8);
  if (next) store<usize>(next, block, 4);
  if (prev) store<usize>(prev, block, 8);
  else ffHead = block;
}

function ffRemove(block: usize): void {
  let prev = PREV_FREE(block), next = NEXT_FREE(block);
  if (prev) store<usize>(prev, next, 8);
  else ffHead = next;
  if (next) store<usize>(next, prev, 4);
}

/** First fit: the lowest-addressed free block that holds `size`, or 0. */
function ffSearch(size: usize): usize {
  for (let b = ffHead; b; b = NEXT_FREE(b)) if (BLOCK_SIZE(b) >= size) return b;
  return 0;
}

/** TLSF: links a free block into the list of its size. */
function tlsfInsert(block: usize): void {
  let m = mapping(BLOCK_SIZE(block));
  let fl = m >> 8, sl = m & 0xff;
  let head = GETHEAD(fl, sl);
  store<usize>(block, 0, 4);
  store<usize>(block, head, 8);
  if (head) store<usize>(head, block, 4);
  SETHEAD(fl, sl, block);
  flMap |= 1 << fl;
  SETSL(fl, GETSL(fl) | (1 << sl));
}

/** TLSF: unlinks a free block from its list. */
function tlsfRemove(block: usize): void {
  let m = mapping(BLOCK_SIZE(block));
  let fl = m >> 8, sl = m & 0xff;
  let prev = PREV_FREE(block), next = NEXT_FREE(block);
  if (prev) store<usize>(prev, next, 8);
  if (next) store<usize>(next, prev, 4);
  if (GETHEAD(fl, sl) == block) {
    SETHEAD(fl, sl, next);
    if (!next) {
      let slMap = GETSL(fl) & ~(1 << sl);
      SETSL(fl, slMap);
      if (!slMap) flMap &= ~(1 << fl);
    }
  }
}

/** Marks `block` free, merges it with free neighbours, and files it. */
function releaseBlock(block: usize): void {
  let info = MMINFO(block);
  let size = BLOCK_SIZE(block);
  let right = block + BLOCK_OVERHEAD + size;
  let rightInfo = MMINFO(right);
  if (rightInfo & FREE) {
    removeFree(right);
    size += BLOCK_OVERHEAD + BLOCK_SIZE(right);
    right = block + BLOCK_OVERHEAD + size;
  }
  if (info & LEFT_FREE) {
    let left = load<usize>(block - 4); // the left block's back word
    removeFree(left);
    size += BLOCK_OVERHEAD + BLOCK_SIZE(left);
    info = MMINFO(left);
    block = left;
  }
  SET_BLOCK(block, size, FREE | (info & LEFT_FREE));
  store<usize>(block + size, block); // back word, read by the right neighbour's merge
  store<usize>(right, MMINFO(right) | LEFT_FREE);
  insertFree(block);
}

/** `size` rounded up to the start of the next list, so that any block found there fits ("good fit"). */
// @ts-ignore: decorator
@inline function roundForSearch(size: usize): usize {
  return size >= SB_SIZE ? size + (<usize>1 << (31 - <u32>clz<usize>(size) - SL_BITS)) - 1 : size;
}

/** A free block whose payload holds at least `size`, or 0. */
function searchFree(size: usize): usize {
  if (firstFit) return ffSearch(size);
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

/** Sets up the region: [start, end of memory) becomes one free block plus the tail sentinel. */
export function largeInit(start: usize, useFirstFit: bool = false): void {
  firstFit = useFirstFit;
  firstBlock = ((start + 4 + ALIGN_MASK) & ~ALIGN_MASK) - 4;
  if (memoryEnd() < firstBlock + 64) growTo(firstBlock + GROW_MIN);
  tailBlock = memoryEnd() - 4;
  SET_BLOCK(firstBlock, tailBlock - firstBlock - BLOCK_OVERHEAD, FREE);
  // back word + tail flags, as releaseBlock would leave them
  store<usize>(tailBlock - 4, firstBlock);
  SET_BLOCK(tailBlock, 0, LEFT_FREE);
  insertFree(firstBlock);
}

/** Grows memory so that a block of `size` fits at the end. */
function growFor(size: usize): bool {
  let oldTail = tailBlock;
  // the search rounds the request up to its list's start, so the new block must be that large
  let span = BLOCK_OVERHEAD + roundForSearch(size) + BLOCK_OVERHEAD + BLOCK_MIN_SIZE;
  // oldTail + span wrapped past 2^32 for a 2 GiB request high in memory: growTo(a small end) then
  // "succeeded" without growing and the tail was rewritten with a negative span
  if (span > MEMORY_LIMIT - oldTail) return false;
  let want = oldTail + span;
  if (!withinLimit(want)) return false; // before growing: a refused request changes nothing
  let end = memoryEnd();
  // grow generously first (fewer grows), then exactly if the limit refuses
  if (!growTo(max(want, end + GROW_MIN)) && !growTo(want)) return false;
  let newTail = memoryEnd() - 4;
  // The old sentinel becomes a used block spanning the new memory, released to merge left.
  SET_BLOCK(oldTail, newTail - oldTail - BLOCK_OVERHEAD, MMINFO(oldTail) & LEFT_FREE);
  SET_BLOCK(newTail, 0, 0);
  tailBlock = newTail;
  releaseBlock(oldTail);
  return true;
}

/** Allocates a payload of at least `size` bytes (8-aligned address). Returns 0 when memory is exhausted. */
export function largeAlloc(size: usize): usize {
  if (size > 0x7FFF_FFF0) return 0;
  size = max<usize>(((size + BLOCK_OVERHEAD + ALIGN_MASK) & ~ALIGN_MASK) - BLOCK_OVERHEAD, BLOCK_MIN_SIZE);
  let block = searchFree(size);
  if (!block) {
    if (!growFor(size)) return 0;
    block = searchFree(size);
    if (!block) return 0;
  }
  removeFree(block);
  let info = MMINFO(block);
  let blockSize = BLOCK_SIZE(block);
  let rest = blockSize - size;
  if (rest >= BLOCK_OVERHEAD + BLOCK_MIN_SIZE) {
    // split: the remainder becomes a free block of its own (its left neighbour is used)
    SET_BLOCK(block, size, info & LEFT_FREE);
    let spare = block + BLOCK_OVERHEAD + size;
    SET_BLOCK(spare, rest - BLOCK_OVERHEAD, FREE);
    store<usize>(spare + rest - BLOCK_OVERHEAD, spare);
    insertFree(spare);
  } else {
    store<usize>(block, info & ~FREE);
    let right = block + BLOCK_OVERHEAD + blockSize;
    store<usize>(right, MMINFO(right) & ~LEFT_FREE);
  }
  return block + BLOCK_OVERHEAD;
}

/** Frees a payload returned by largeAlloc. */
export function largeFree(ptr: usize): void {
  let block = ptr - BLOCK_OVERHEAD;
  store<usize>(block, MMINFO(block) & ~ARENA_TAG);
  releaseBlock(block);
}

/** Payload bytes of a live large block. */
// @ts-ignore: decorator
@inline export function largeUsableSize(ptr: usize): usize { return BLOCK_SIZE(ptr - BLOCK_OVERHEAD); }

/** Tags a live block as an arena, so walks can tell arenas from large objects. */
export function largeTagArena(ptr: usize): void {
  store<usize>(ptr - BLOCK_OVERHEAD, MMINFO(ptr - BLOCK_OVERHEAD) | ARENA_TAG);
}

/** Checks the free lists: every listed block is free, in the right list, and correctly linked. Returns the count, or -1. */
export function largeCountListed(): i32 {
  let count = 0;
  if (firstFit) {
    // one list, strictly ascending addresses (which also rules out loops)
    let prev: usize = 0;
    for (let b = ffHead; b; b = NEXT_FREE(b)) {
      if (!(MMINFO(b) & FREE) || PREV_FREE(b) != prev || (prev && b <= prev)) return -1;
      count++;
      prev = b;
    }
    return count;
  }
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
