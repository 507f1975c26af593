// === Walking the heap: every block of every strategy, classified ===
// One walk serves stats (byte accounting), verify (allocator invariants, object checks) and the
// refcount audit. What is done at each live object is chosen by a visitor cookie, as in
// AssemblyScript's __visit(ptr, cookie): there are no closures in AssemblyScript.

import { ALIGN_MASK, FLAG_DYING, INFO, RC, TYPE_ID_MASK, alignUp } from "./layout";
import { BLOCK_OVERHEAD, BLOCK_SIZE, FREE, ARENA_TAG, LEFT_FREE, MMINFO, firstBlock, tailBlock } from "./alloc/large";
import {
  A_ADDRESS, A_FREEPOOLS, A_NFREE, A_NTOTAL, A_POOLADDR, ARENA, CLASS_SIZE, NUMBLOCKS, NUM_CLASSES,
  P_ARENA, P_COUNT, P_FREEBLOCK, P_NEXT, P_NEXTOFFSET, P_SZIDX, POOL_MASK, POOL_OF, POOL_OVERHEAD, POOL_SIZE, POOL_BITS,
  maxArenasUsed,
} from "./alloc/pools";
import { bumpStart, bumpTop } from "./alloc/bump";
import { ALLOC_BUMP, strategy } from "./alloc/index";
import { objectSize } from "./object";
import { checkObject } from "./verify";
import { censusObject } from "./census";
import { memoryEnd } from "./memory";
import { KIND_RAW, T_KIND, TYPE, TYPE_STORAGE, typeCount } from "./types";

// @ts-ignore: decorator
@inline export const VISIT_NONE: i32 = 0;
// @ts-ignore: decorator
@inline export const VISIT_CHECK: i32 = 1;    // verify each object
// @ts-ignore: decorator
@inline export const VISIT_EXTERNAL: i32 = 2; // sum refcounts left after internal references are subtracted
// @ts-ignore: decorator
@inline export const VISIT_CENSUS: i32 = 3;   // stream each block and its references to the host (census.ts)

// Results of the last walk
export let walkLiveObjects: u32 = 0;
export let walkLiveBlockBytes: u64 = 0;   // block bytes (after size-class rounding) of live objects
export let walkPoolFreeBytes: u64 = 0;
export let walkPoolHeaderBytes: u64 = 0;
export let walkPoolTailBytes: u64 = 0;
export let walkEmptyPoolBytes: u64 = 0;
export let walkArenaAlignBytes: u64 = 0;
export let walkLargeHeaderBytes: u64 = 0;
export let walkLargeFreeBytes: u64 = 0;
/** The largest block a request could get without growing memory: a free large block or an empty pool. */
export let walkLargestFree: u64 = 0;
export let walkBumpFreedBytes: u64 = 0;
export let walkArenas: u32 = 0;
export let walkExternalRefs: u64 = 0;

/** Per size class: pools in use, blocks in use, blocks free (u32 each). */
export const CLASS_STATS: usize = memory.data(<i32>(NUM_CLASSES * 12), 8);

let failMsg: usize = 0;
let failPtr: usize = 0;

/** Records the first broken invariant (message is a static string, so nothing is allocated). */
export function fail(msg: string, p: usize): void {
  if (!failMsg) { failMsg = changetype<usize>(msg); failPtr = p; }
}
export function resetFailure(): void { failMsg = 0; failPtr = 0; }
export function failureMessage(): usize { return failMsg; }
export function failurePointer(): usize { return failPtr; }

/** Is `p` shaped like an object pointer (does not read the refcount, which the audit changes)? */
export function plausibleObject(p: usize): bool {
  if (p & ALIGN_MASK || p < 1024 || p > memoryEnd() - 8) return false; // not p + 8 > end: it wraps
  let id = INFO(p) & TYPE_ID_MASK;
  return id != 0 && id < typeCount;
}

function visitObject(p: usize, cookie: i32): void {
  walkLiveObjects++;
  if (cookie == VISIT_EXTERNAL) {
    if ((INFO(p) & TYPE_ID_MASK) == TYPE_STORAGE) return; // its first word is the owner, not a count
    if (T_KIND(TYPE(INFO(p) & TYPE_ID_MASK)) == KIND_RAW) return; // its first word is its size
    if (INFO(p) & FLAG_DYING) return; // deposited on rc.ts's death worklist: its first word is a link
    if (<i32>RC(p) < 0) fail("refcount is smaller than the references held by live containers", p);
    else walkExternalRefs += RC(p);
  } else if (cookie == VISIT_CHECK) {
    checkObject(p);
  } else if (cookie == VISIT_CENSUS) {
    censusObject(p);
  }
}


/** Walks every block of the current strategy, visiting live objects with `cookie`. */
export function walkHeap(cookie: i32): void {
  walkLiveObjects = 0; walkLiveBlockBytes = 0; walkPoolFreeBytes = 0; walkPoolHeaderBytes = 0;
  walkPoolTailBytes = 0; walkEmptyPoolBytes = 0; walkArenaAlignBytes = 0; walkLargeHeaderBytes = 0;
  walkLargeFreeBytes = 0; walkLargestFree = 0; walkBumpFreedBytes = 0; walkArenas = 0; walkExternalRefs = 0;
  memory.fill(CLASS_STATS, 0, NUM_CLASSES * 12);
  if (strategy != ALLOC_BUMP) walkLarge(cookie);
  else walkBump(cookie);
}

function walkBump(cookie: i32): void {
  let p = bumpStart;
  while (p < bumpTop) {
    let size: usize;
    if ((INFO(p) & TYPE_ID_MASK) == 0) {
      size = load<usize>(p);
      walkBumpFreedBytes += size;
    } else {
      size = alignUp(objectSize(p));
      walkLiveBlockBytes += size;
      visitObject(p, cookie);
    }
    if (size == 0) { fail("bump: zero-size block", p); return; }
    p += size;
  }
  if (p != bumpTop) fail("bump: blocks overrun the bump pointer", p);
}

function walkLarge(cookie: i32): void {
  let block = firstBlock;
  let prevFree = false;
  while (block < tailBlock) {
    if ((block & 7) != 4) { fail("large: misaligned block", block); return; }
    let info = MMINFO(block);
    let size = BLOCK_SIZE(block);
    walkLargeHeaderBytes += BLOCK_OVERHEAD;
    if (((info & LEFT_FREE) != 0) != prevFree) fail("large: LEFT_FREE disagrees with the left block", block);
    let payload = block + BLOCK_OVERHEAD;
    if (info & FREE) {
      if (prevFree) fail("large: two adjacent free blocks (missed coalescing)", block);
      if (load<usize>(block + size) != block) fail("large: free block's back word is wrong", block);
      walkLargeFreeBytes += size;
      if (size > walkLargestFree) walkLargestFree = size;
    } else if (info & ARENA_TAG) {
      walkArena(payload, size, cookie);
    } else {
      let osize = objectSize(payload);
      if (osize > size) fail("large: object larger than its block", payload);
      walkLiveBlockBytes += size;
      visitObject(payload, cookie);
    }
    prevFree = (info & FREE) != 0;
    let next = block + BLOCK_OVERHEAD + size;
    if (next <= block || next > tailBlock) { fail("large: block size runs past the tail", block); return; }
    block = next;
  }
  if (block != tailBlock) fail("large: blocks do not end at the tail", block);
  if (((MMINFO(tailBlock) & LEFT_FREE) != 0) != prevFree) fail("large: tail LEFT_FREE is wrong", tailBlock);
  if ((MMINFO(tailBlock) & ~(LEFT_FREE | 4)) != 0) fail("large: tail sentinel damaged", tailBlock);
  walkLargeHeaderBytes += BLOCK_OVERHEAD; // the tail sentinel (header only: span 4, tags L at most)
}

function walkArena(address: usize, blockSize: usize, cookie: i32): void {
  walkArenas++;
  // an arena's first pool is carved when the arena is made, and its header names the arena
  let first = (address + POOL_MASK) & ~POOL_MASK;
  let index = P_ARENA(first);
  if (index >= maxArenasUsed || A_ADDRESS(ARENA(index)) != address) { fail("pools: arena block without an arena object", address); return; }
  let a = ARENA(index);
  let ntotal = A_NTOTAL(a);
  if (ntotal != <u32>((address + (1 << 20) - first) >> POOL_BITS)) fail("pools: arena pool count is wrong", address);
  walkArenaAlignBytes += blockSize - (<usize>ntotal << POOL_BITS);
  let carvedEnd = A_POOLADDR(a);
  if (carvedEnd < first || carvedEnd > first + (<usize>ntotal << POOL_BITS) || (carvedEnd & POOL_MASK)) {
    fail("pools: arena carve pointer out of range", address);
    return;
  }
  let uncarved = <u32>((first + (<usize>ntotal << POOL_BITS) - carvedEnd) >> POOL_BITS);
  walkEmptyPoolBytes += <u64>uncarved << POOL_BITS;
  if (uncarved && POOL_SIZE > walkLargestFree) walkLargestFree = POOL_SIZE;
  // empty pools on the arena's free list
  let nfreeListed: u32 = 0;
  for (let p = A_FREEPOOLS(a); p; p = P_NEXT(p)) {
    if (p < first || p >= carvedEnd || (p & POOL_MASK)) { fail("pools: free pool outside its arena", p); return; }
    if (P_COUNT(p) != 0) fail("pools: pool on an arena's free list has blocks in use", p);
    if (++nfreeListed > ntotal) { fail("pools: arena free-pool list loops", address); return; }
  }
  if (A_NFREE(a) != nfreeListed + uncarved) fail("pools: arena nfreepools disagrees with its pools", address);
  for (let pool = first; pool < carvedEnd; pool += POOL_SIZE) {
    if (P_ARENA(pool) != index) fail("pools: pool's arena index is wrong", pool);
    let count = P_COUNT(pool);
    if (count == 0) { walkEmptyPoolBytes += POOL_SIZE; if (POOL_SIZE > walkLargestFree) walkLargestFree = POOL_SIZE; continue; }
    walkPool(pool, cookie);
  }
}

function walkPool(pool: usize, cookie: i32): void {
  let c = P_SZIDX(pool);
  if (c >= NUM_CLASSES) { fail("pools: pool in use has no size class", pool); return; }
  let size = CLASS_SIZE(c);
  let nb = NUMBLOCKS(c);
  let count = P_COUNT(pool);
  let carved = <u32>((P_NEXTOFFSET(pool) - POOL_OVERHEAD) / size);
  if (carved > nb) carved = nb;
  walkPoolHeaderBytes += POOL_OVERHEAD;
  walkPoolTailBytes += POOL_SIZE - POOL_OVERHEAD - <usize>nb * size;
  walkPoolFreeBytes += <u64>(nb - count) * size;
  if (count < nb && size > walkLargestFree) walkLargestFree = size;
  walkLiveBlockBytes += <u64>count * size;
  let cs = CLASS_STATS + <usize>c * 12;
  store<u32>(cs, load<u32>(cs) + 1);
  store<u32>(cs + 4, load<u32>(cs + 4) + count);
  store<u32>(cs + 8, load<u32>(cs + 8) + nb - count);
  // free list: in this pool, on a block boundary, below the carve point, marked free
  let nfree: u32 = 0;
  for (let b = P_FREEBLOCK(pool); b; b = load<usize>(b)) {
    if (POOL_OF(b) != pool || (b - pool - POOL_OVERHEAD) % size != 0 || (<u32>((b - pool - POOL_OVERHEAD) / size)) >= carved) {
      fail("pools: free-list block outside its pool's carved blocks", b);
      return;
    }
    if (INFO(b) & TYPE_ID_MASK) fail("pools: block on a free list is not marked free", b);
    if (++nfree > carved) { fail("pools: free list loops", pool); return; }
  }
  if (count + nfree != carved) fail("pools: count + free blocks != carved blocks", pool);
  let live: u32 = 0;
  for (let i: u32 = 0; i < carved; i++) {
    let b = pool + POOL_OVERHEAD + <usize>i * size;
    if (INFO(b) & TYPE_ID_MASK) {
      live++;
      if (objectSize(b) > size) fail("pools: object larger than its block", b);
      visitObject(b, cookie);
    }
  }
  if (live != count) fail("pools: live blocks != pool count", pool);
}
