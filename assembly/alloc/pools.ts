// === Pools: small blocks in size classes, after CPython's obmalloc, composed over tlsf ===
// Objects/obmalloc.c: blocks of up to 512 bytes come in size classes 8 bytes apart (wasm32 is a
// 32-bit platform: CPython's 32-bit ALIGNMENT is 8, giving 64 classes). A pool (16 KiB) holds blocks
// of one class; pools are carved from arenas (1 MiB, taken from the large-block allocator).
//  * usedpools[c]: circular list of partly used pools of class c; freed blocks go LIFO onto their
//    pool's free list; a pool that fills up leaves the list, a block freed into a full pool puts the
//    pool back at the front, so the next allocation reuses it.
//  * An empty pool forgets its class and joins its arena's free pools, shared by all classes (if it
//    is taken again for the same class its free list is reused as is).
//  * usable_arenas is sorted by free-pool count, ascending, so the fullest arenas are used first and
//    nearly empty ones drain; nfp2lasta[n] (the last arena with n free pools) keeps that O(1)
//    (bpo-37029). An arena whose pools are all empty is released to the large-block allocator,
//    except the last one in usable_arenas, kept to avoid alloc/free thrash (bpo-37257).
//  * The composition is explicit: requests over SMALL_MAX and the arenas themselves come from the
//    tlsf allocator (tlsf.ts), whose blocks tag arenas (blocks.ts ARENA) so a walk can tell an arena
//    from a large object. check() runs tlsf's checks, then its own.
//
// ╒════════════ Pool header (32-bit words) ════════════╕
// │ count: blocks in use                               │ pool+0
// │ freeblock: head of the LIFO free list (0 = none)   │ pool+4
// │ nextpool                                           │ pool+8
// │ prevpool                                           │ pool+12
// │ arenaindex                                         │ pool+16
// │ szidx: size class (NO_CLASS when never used)       │ pool+20
// │ nextoffset: first never-carved block               │ pool+24
// │ maxnextoffset: last offset a block can start at    │ pool+28
// ╞════════════════════════════════════════════════════╡ pool+32 first block
// A free block's first word links to the next free block, and its type word (block+4) is 0.
//
// ╒════════════ Arena object (static table) ═══════════╕
// │ address: the arena's large block (0 = unused slot)  │ +0
// │ poolAddress: next never-carved pool                 │ +4
// │ nfreepools                                          │ +8
// │ ntotalpools                                         │ +12
// │ freepools: empty pools, linked through nextpool     │ +16
// │ nextarena / prevarena (usable_arenas, or unused)    │ +20 +24
// └─────────────────────────────────────────────────────┘

import * as tlsf from "./tlsf";
import { ARENA_TAG, BLOCK_OVERHEAD, BLOCK_SIZE, MMINFO, blocksCursorStart, nextUsedBlock, tagArena, untagArena } from "./blocks";
/** Arenas/segments and large blocks are tlsf blocks: they end where the blocks do. */
export { blocksEnd as end } from "./blocks";
import { INFO, MARK_FREE, TYPE_ID_MASK } from "../layout";
import { CAP_ARENAS, CAP_LIFO_REUSE, CAP_POOL_MAP, CAP_REUSES, CAP_SIZE_CLASSES } from "../generated/capabilities";
import { fail } from "../failure";
import { put } from "../statbuf";
import { tallyAlignment, tallyEmpty, tallyFinish, tallyPage, tallyRows, tallyStart } from "./pagetally";
import * as S from "../generated/stats_ids";
import { largeAllocations } from "../counters";

export const CAPABILITIES: u32 = CAP_REUSES | CAP_SIZE_CLASSES | CAP_LIFO_REUSE | CAP_ARENAS | CAP_POOL_MAP;

// @ts-ignore: decorator
@inline export const SMALL_MAX: usize = 512;
// @ts-ignore: decorator
@inline export const CLASS_SHIFT: u32 = 3;
// @ts-ignore: decorator
@inline export const NUM_CLASSES: u32 = <u32>(SMALL_MAX >> CLASS_SHIFT);
/** The contract's name for it (CAP_SIZE_CLASSES). */
// @ts-ignore: decorator
@inline export const CLASS_COUNT: u32 = NUM_CLASSES;
// @ts-ignore: decorator
@inline export const POOL_BITS: u32 = 14;
// @ts-ignore: decorator
@inline export const POOL_SIZE: usize = 1 << POOL_BITS;
// @ts-ignore: decorator
@inline export const POOL_MASK: usize = POOL_SIZE - 1;
// @ts-ignore: decorator
@inline export const POOL_OVERHEAD: usize = 32;
// @ts-ignore: decorator
@inline export const ARENA_SIZE: usize = 1 << 20;
// @ts-ignore: decorator
@inline export const MAX_POOLS_PER_ARENA: u32 = <u32>(ARENA_SIZE >> POOL_BITS);
// @ts-ignore: decorator
@inline export const MAX_ARENAS: u32 = 4096; // 4 GiB of 1 MiB arenas
// @ts-ignore: decorator
@inline export const ARENA_OBJECT_SIZE: usize = 32;
// @ts-ignore: decorator
@inline export const NO_CLASS: u32 = 0xffff;

// @ts-ignore: decorator
@inline export function CLASS_OF(size: usize): u32 { return <u32>((size - 1) >> CLASS_SHIFT); }
// @ts-ignore: decorator
@inline export function CLASS_SIZE(c: u32): usize { return <usize>(c + 1) << CLASS_SHIFT; }
/** Blocks of class c that fit in one pool. */
// @ts-ignore: decorator
@inline export function NUMBLOCKS(c: u32): u32 { return <u32>((POOL_SIZE - POOL_OVERHEAD) / CLASS_SIZE(c)); }
// @ts-ignore: decorator
@inline export function POOL_OF(block: usize): usize { return block & ~POOL_MASK; }

// pool header accessors
// @ts-ignore: decorator
@inline export function P_COUNT(p: usize): u32 { return load<u32>(p, 0); }
// @ts-ignore: decorator
@inline export function P_FREEBLOCK(p: usize): usize { return load<usize>(p, 4); }
// @ts-ignore: decorator
@inline export function P_NEXT(p: usize): usize { return load<usize>(p, 8); }
// @ts-ignore: decorator
@inline export function P_PREV(p: usize): usize { return load<usize>(p, 12); }
// @ts-ignore: decorator
@inline export function P_ARENA(p: usize): u32 { return load<u32>(p, 16); }
// @ts-ignore: decorator
@inline export function P_SZIDX(p: usize): u32 { return load<u32>(p, 20); }
// @ts-ignore: decorator
@inline export function P_NEXTOFFSET(p: usize): usize { return load<usize>(p, 24); }
// @ts-ignore: decorator
@inline export function P_MAXNEXTOFFSET(p: usize): usize { return load<usize>(p, 28); }

/** usedpools: one fake pool header per class; only its nextpool/prevpool words are used. */
export const USEDPOOLS: usize = memory.data(<i32>(NUM_CLASSES * 16), 8);
// @ts-ignore: decorator
@inline export function USED_HEAD(c: u32): usize { return USEDPOOLS + (<usize>c << 4) - 8; }

export const ARENAS: usize = memory.data(<i32>(MAX_ARENAS * <u32>ARENA_OBJECT_SIZE), 8);
/** nfp2lasta[n]: the rightmost arena in usable_arenas with n free pools (0 = none). Holds arena index + 1. */
const NFP2LASTA: usize = memory.data(<i32>((MAX_POOLS_PER_ARENA + 1) << 2), 8);

// @ts-ignore: decorator
@inline export function ARENA(i: u32): usize { return ARENAS + <usize>i * ARENA_OBJECT_SIZE; }
// arena object accessors (arena links hold an arena object address, 0 = none)
// @ts-ignore: decorator
@inline export function A_ADDRESS(a: usize): usize { return load<usize>(a, 0); }
// @ts-ignore: decorator
@inline export function A_POOLADDR(a: usize): usize { return load<usize>(a, 4); }
// @ts-ignore: decorator
@inline export function A_NFREE(a: usize): u32 { return load<u32>(a, 8); }
// @ts-ignore: decorator
@inline export function A_NTOTAL(a: usize): u32 { return load<u32>(a, 12); }
// @ts-ignore: decorator
@inline export function A_FREEPOOLS(a: usize): usize { return load<usize>(a, 16); }
// @ts-ignore: decorator
@inline export function A_NEXT(a: usize): usize { return load<usize>(a, 20); }
// @ts-ignore: decorator
@inline export function A_PREV(a: usize): usize { return load<usize>(a, 24); }
// @ts-ignore: decorator
@inline export function NFP2LASTA_GET(n: u32): usize { return load<usize>(NFP2LASTA + (<usize>n << 2)); }
// @ts-ignore: decorator
@inline function NFP2LASTA_SET(n: u32, a: usize): void { store<usize>(NFP2LASTA + (<usize>n << 2), a); }

export let usableArenas: usize = 0;
let unusedArenaObjects: usize = 0;
/** Arena object slots ever used (the table's high-water index). */
export let maxArenasUsed: u32 = 0;
export let arenasAllocatedTotal: u32 = 0;
export let arenasReclaimed: u32 = 0;
export let arenasCurrent: u32 = 0;
export let arenasHighWater: u32 = 0;

function poolsInit(): void {
  usableArenas = 0; unusedArenaObjects = 0; maxArenasUsed = 0;
  for (let c: u32 = 0; c < NUM_CLASSES; c++) {
    let h = USED_HEAD(c);
    store<usize>(h, h, 8);
    store<usize>(h, h, 12);
  }
}

/** Takes an arena object and a 1 MiB block for it. Returns the arena object, or 0. */
function newArena(): usize {
  let a = unusedArenaObjects;
  if (a) {
    unusedArenaObjects = A_NEXT(a);
  } else {
    if (maxArenasUsed == MAX_ARENAS) return 0;
    a = ARENA(maxArenasUsed++);
  }
  let address = tlsf.allocBlock(ARENA_SIZE);
  if (!address) {
    store<usize>(a, unusedArenaObjects, 20);
    unusedArenaObjects = a;
    return 0;
  }
  tagArena(address);
  // pools must be POOL_SIZE-aligned (POOL_OF finds the header); a misaligned arena loses its partial pool
  let first = (address + POOL_MASK) & ~POOL_MASK;
  let ntotal = <u32>((address + ARENA_SIZE - first) >> POOL_BITS);
  store<usize>(a, address, 0);
  store<usize>(a, first, 4);
  store<u32>(a, ntotal, 8);
  store<u32>(a, ntotal, 12);
  store<usize>(a, 0, 16);
  arenasAllocatedTotal++;
  arenasCurrent++;
  if (arenasCurrent > arenasHighWater) arenasHighWater = arenasCurrent;
  return a;
}

/** Index of an arena object in the table. */
// @ts-ignore: decorator
@inline function ARENA_INDEX(a: usize): u32 { return <u32>((a - ARENAS) / ARENA_OBJECT_SIZE); }

/** Slow path of poolAlloc: puts a free pool of class c in use and returns its first block. */
function allocateFromNewPool(c: u32): usize {
  if (!usableArenas) {
    let a = newArena();
    if (!a) return 0;
    store<usize>(a, 0, 20);
    store<usize>(a, 0, 24);
    usableArenas = a;
    NFP2LASTA_SET(A_NFREE(a), a);
  }
  let ua = usableArenas;
  let nf = A_NFREE(ua);
  // This arena already has the smallest nfreepools, so taking a pool keeps the order; it leaves
  // the list only when it becomes wholly allocated.
  if (NFP2LASTA_GET(nf) == ua) NFP2LASTA_SET(nf, 0);
  if (nf > 1) NFP2LASTA_SET(nf - 1, ua);

  let pool = A_FREEPOOLS(ua);
  if (pool) {
    store<usize>(ua, P_NEXT(pool), 16);
  } else {
    // carve a new pool
    pool = A_POOLADDR(ua);
    store<u32>(pool, ARENA_INDEX(ua), 16);
    store<u32>(pool, NO_CLASS, 20);
    store<usize>(ua, pool + POOL_SIZE, 4);
  }
  store<u32>(ua, nf - 1, 8);
  if (nf == 1) {
    usableArenas = A_NEXT(ua);
    if (usableArenas) store<usize>(usableArenas, 0, 24);
  }

  // frontlink to usedpools[c]
  let head = USED_HEAD(c);
  let next = P_NEXT(head);
  store<usize>(pool, next, 8);
  store<usize>(pool, head, 12);
  store<usize>(next, pool, 12);
  store<usize>(head, pool, 8);
  store<u32>(pool, 1, 0);
  if (P_SZIDX(pool) == c) {
    // last held blocks of this class: header and free list are still valid
    let bp = P_FREEBLOCK(pool);
    store<usize>(pool, load<usize>(bp), 4);
    if (!P_FREEBLOCK(pool)) extendPool(pool, c);
    return bp;
  }
  let size = CLASS_SIZE(c);
  store<u32>(pool, c, 20);
  let bp = pool + POOL_OVERHEAD;
  let fb = bp + size;
  store<usize>(pool, POOL_OVERHEAD + (size << 1), 24);
  store<usize>(pool, POOL_SIZE - size, 28);
  store<usize>(pool, fb, 4);
  store<usize>(fb, 0);
  MARK_FREE(fb);
  return bp;
}

/** The pool's free list ran dry: carve the next block, or unlink the pool if it is full. */
function extendPool(pool: usize, c: u32): void {
  let off = P_NEXTOFFSET(pool);
  if (off <= P_MAXNEXTOFFSET(pool)) {
    let fb = pool + off;
    store<usize>(pool, off + CLASS_SIZE(c), 24);
    store<usize>(pool, fb, 4);
    store<usize>(fb, 0);
    MARK_FREE(fb);
    return;
  }
  // full: unlink from usedpools
  let next = P_NEXT(pool), prev = P_PREV(pool);
  store<usize>(next, prev, 12);
  store<usize>(prev, next, 8);
}

/** Allocates a block for `size` (1..512) bytes. Returns 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function poolAlloc(size: usize): usize {
  let c = CLASS_OF(size);
  let head = USED_HEAD(c);
  let pool = P_NEXT(head);
  if (pool != head) {
    store<u32>(pool, P_COUNT(pool) + 1, 0);
    let bp = P_FREEBLOCK(pool);
    let nb = load<usize>(bp);
    store<usize>(pool, nb, 4);
    if (!nb) extendPool(pool, c);
    return bp;
  }
  return allocateFromNewPool(c);
}

/** Frees a block from poolAlloc. */
// @ts-ignore: decorator
@inline export function poolFree(bp: usize): void {
  let pool = POOL_OF(bp);
  let lastfree = P_FREEBLOCK(pool);
  store<usize>(bp, lastfree);
  MARK_FREE(bp);
  store<usize>(pool, bp, 4);
  let count = P_COUNT(pool) - 1;
  store<u32>(pool, count, 0);
  if (!lastfree) {
    // The pool was full: link it at the front of usedpools so the next allocation reuses it.
    // (A pool of this heap always holds at least 31 blocks, so it cannot also be empty now.)
    let head = USED_HEAD(P_SZIDX(pool));
    let next = P_NEXT(head);
    store<usize>(pool, next, 8);
    store<usize>(pool, head, 12);
    store<usize>(next, pool, 12);
    store<usize>(head, pool, 8);
    return;
  }
  if (count == 0) poolBecameEmpty(pool);
}

/** Unlinks an empty pool and returns it to its arena (cases 1..4 of CPython's insert_to_freepool). */
function poolBecameEmpty(pool: usize): void {
  let next = P_NEXT(pool), prev = P_PREV(pool);
  store<usize>(next, prev, 12);
  store<usize>(prev, next, 8);

  let ao = ARENA(P_ARENA(pool));
  store<usize>(pool, A_FREEPOOLS(ao), 8);
  store<usize>(ao, pool, 16);
  let nf = A_NFREE(ao);
  let lastnf = NFP2LASTA_GET(nf);
  // nf == 0 means ao is not in usable_arenas, and nfp2lasta[0] is always empty
  if (lastnf == ao) {
    let p = A_PREV(ao);
    NFP2LASTA_SET(nf, p != 0 && A_NFREE(p) == nf ? p : 0);
  }
  nf++;
  store<u32>(ao, nf, 8);

  // Case 1: every pool free, and not the last arena of the list: release the arena.
  if (nf == A_NTOTAL(ao) && A_NEXT(ao) != 0) {
    releaseArena(ao);
    return;
  }
  // Case 2: the arena was full, so it is not in the list: it has the fewest free pools, put it first.
  if (nf == 1) {
    store<usize>(ao, usableArenas, 20);
    store<usize>(ao, 0, 24);
    if (usableArenas) store<usize>(usableArenas, ao, 24);
    usableArenas = ao;
    if (!NFP2LASTA_GET(1)) NFP2LASTA_SET(1, ao);
    return;
  }
  if (!NFP2LASTA_GET(nf)) NFP2LASTA_SET(nf, ao);
  // Case 4: it was the rightmost with the old count, so the order still holds.
  if (ao == lastnf) return;
  // Case 3: slide it right, to just after the last arena with the old count.
  let ap = A_PREV(ao), an = A_NEXT(ao);
  if (ap) store<usize>(ap, an, 20);
  else usableArenas = an;
  store<usize>(an, ap, 24);
  store<usize>(ao, lastnf, 24);
  let after = A_NEXT(lastnf);
  store<usize>(ao, after, 20);
  if (after) store<usize>(after, ao, 24);
  store<usize>(lastnf, ao, 20);
}

/**
 * Releases the wholly free arena kept at the end of usable_arenas (bpo-37257 keeps one to avoid
 * thrash), so its memory can serve a large block. Called only when a large allocation has failed:
 * an out-of-memory error that this idle arena could prevent would be a false one. True if released.
 */
export function releaseKeptArena(): bool {
  let a = usableArenas;
  if (!a) return false;
  while (A_NEXT(a)) a = A_NEXT(a);
  if (A_NFREE(a) != A_NTOTAL(a)) return false;
  releaseArena(a);
  return true;
}

/** Unlinks a wholly free arena from usable_arenas and gives its memory to the large-block allocator. */
function releaseArena(ao: usize): void {
  let ap = A_PREV(ao), an = A_NEXT(ao), nf = A_NFREE(ao);
  if (ap) store<usize>(ap, an, 20);
  else usableArenas = an;
  if (an) store<usize>(an, ap, 24);
  if (NFP2LASTA_GET(nf) == ao) NFP2LASTA_SET(nf, ap != 0 && A_NFREE(ap) == nf ? ap : 0);
  untagArena(A_ADDRESS(ao));
  tlsf.free(A_ADDRESS(ao), ARENA_SIZE);
  store<usize>(ao, 0, 0);
  store<usize>(ao, unusedArenaObjects, 20);
  unusedArenaObjects = ao;
  arenasReclaimed++;
  arenasCurrent--;
}

// ── the allocator contract (alloc/contract.ts) ──

export function init(start: usize): void {
  tlsf.init(start);
  poolsInit();
}

/** A block for `size` bytes: a pool block up to SMALL_MAX, a tlsf block above. 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function alloc(size: usize): usize {
  if (size <= SMALL_MAX) return poolAlloc(size);
  largeAllocations++;
  let p = tlsf.allocBlock(size);
  return p || !releaseKeptArena() ? p : tlsf.allocBlock(size);
}

// @ts-ignore: decorator
@inline export function free(p: usize, size: usize): void {
  if (size <= SMALL_MAX) poolFree(p);
  else tlsf.free(p, size);
}

// Cursor: the tlsf blocks in address order; an arena's carved pools in address order, and in each
// the carved blocks whose type word is set (a free block's is 0: MARK_FREE).
let curArenaEnd: usize = 0;  // end of the current arena's carved pools (0: not in an arena)
let curPool: usize = 0;
let curBlock: usize = 0;     // next block to look at in curPool
let curBlockEnd: usize = 0;  // end of curPool's carved blocks
let curSize: usize = 0;

export function cursorStart(): void {
  blocksCursorStart();
  curArenaEnd = 0; curPool = 0; curBlock = 0; curBlockEnd = 0;
}

/** Moves to the next carved pool with blocks in use in the current arena; false past the arena's end. */
function nextPool(): bool {
  while (curPool < curArenaEnd) {
    let pool = curPool;
    curPool += POOL_SIZE;
    let c = P_SZIDX(pool);
    if (P_COUNT(pool) == 0 || c >= NUM_CLASSES) continue;
    curSize = CLASS_SIZE(c);
    curBlock = pool + POOL_OVERHEAD;
    let end = pool + P_NEXTOFFSET(pool);
    let last = pool + POOL_OVERHEAD + <usize>NUMBLOCKS(c) * curSize;
    curBlockEnd = end < last ? end : last;
    return true;
  }
  curArenaEnd = 0;
  return false;
}

export function cursorNext(): usize {
  while (true) {
    while (curBlock < curBlockEnd) {
      let b = curBlock;
      curBlock += curSize;
      if (INFO(b) & TYPE_ID_MASK) return b;
    }
    if (curArenaEnd && nextPool()) continue;
    let block = nextUsedBlock();
    if (!block) return 0;
    let payload = block + BLOCK_OVERHEAD;
    if (!(MMINFO(block) & ARENA_TAG)) { curSize = BLOCK_SIZE(block); curBlockEnd = 0; return payload; }
    let a = arenaOf(payload);
    if (!a) continue; // check() reports it
    curPool = (payload + POOL_MASK) & ~POOL_MASK;
    curArenaEnd = A_POOLADDR(a);
    curBlock = 0; curBlockEnd = 0;
  }
  return 0;
}

export function cursorBlockSize(): usize { return curSize; }

/** The arena object whose block starts at `address` (its first pool's header names it), or 0. */
function arenaOf(address: usize): usize {
  let index = P_ARENA((address + POOL_MASK) & ~POOL_MASK);
  return index < maxArenasUsed && A_ADDRESS(ARENA(index)) == address ? ARENA(index) : 0;
}

// ── checks: mimalloc's _mi_page_is_valid idea, obmalloc's invariants ──

/** An arena block's pools: carve pointer in range, free-pool list inside it, counts agree; then each pool. */
function checkArena(address: usize): void {
  let a = arenaOf(address);
  if (!a) { fail("pools: arena block without an arena object", address); return; }
  let first = (address + POOL_MASK) & ~POOL_MASK;
  let index = P_ARENA(first);
  let ntotal = A_NTOTAL(a);
  if (ntotal != <u32>((address + ARENA_SIZE - first) >> POOL_BITS)) fail("pools: arena pool count is wrong", address);
  let carvedEnd = A_POOLADDR(a);
  if (carvedEnd < first || carvedEnd > first + (<usize>ntotal << POOL_BITS) || (carvedEnd & POOL_MASK)) {
    fail("pools: arena carve pointer out of range", address);
    return;
  }
  let uncarved = <u32>((first + (<usize>ntotal << POOL_BITS) - carvedEnd) >> POOL_BITS);
  let nfreeListed: u32 = 0;
  for (let p = A_FREEPOOLS(a); p; p = P_NEXT(p)) {
    if (p < first || p >= carvedEnd || (p & POOL_MASK)) { fail("pools: free pool outside its arena", p); return; }
    if (P_COUNT(p) != 0) fail("pools: pool on an arena's free list has blocks in use", p);
    if (++nfreeListed > ntotal) { fail("pools: arena free-pool list loops", address); return; }
  }
  if (A_NFREE(a) != nfreeListed + uncarved) fail("pools: arena nfreepools disagrees with its pools", address);
  for (let pool = first; pool < carvedEnd; pool += POOL_SIZE) {
    if (P_ARENA(pool) != index) fail("pools: pool's arena index is wrong", pool);
    if (P_COUNT(pool)) checkPool(pool);
  }
}

/** A pool in use: its free list inside its carved blocks and marked free; count + free = carved; live blocks = count. */
function checkPool(pool: usize): void {
  let c = P_SZIDX(pool);
  if (c >= NUM_CLASSES) { fail("pools: pool in use has no size class", pool); return; }
  let size = CLASS_SIZE(c);
  let count = P_COUNT(pool);
  let carved = <u32>((P_NEXTOFFSET(pool) - POOL_OVERHEAD) / size);
  if (carved > NUMBLOCKS(c)) carved = NUMBLOCKS(c);
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
  for (let i: u32 = 0; i < carved; i++) if (INFO(pool + POOL_OVERHEAD + <usize>i * size) & TYPE_ID_MASK) live++;
  if (live != count) fail("pools: live blocks != pool count", pool);
}

/** usedpools and usable_arenas: membership, links, the nfreepools order and nfp2lasta. */
function checkPoolLists(): void {
  for (let c: u32 = 0; c < NUM_CLASSES; c++) {
    let head = USED_HEAD(c);
    let prev = head;
    let guard: u32 = 0;
    for (let pool = P_NEXT(head); pool != head; pool = P_NEXT(pool)) {
      if (P_PREV(pool) != prev) { fail("usedpools: prevpool does not point back", pool); return; }
      if (P_SZIDX(pool) != c) fail("usedpools: pool of another size class", pool);
      let count = P_COUNT(pool);
      if (count == 0 || count >= NUMBLOCKS(c)) fail("usedpools: pool is empty or full", pool);
      if (!P_FREEBLOCK(pool)) fail("usedpools: pool without a free block", pool);
      if (++guard > 1 << 18) { fail("usedpools: list loops", head); return; }
      prev = pool;
    }
  }
  // usable_arenas: sorted by nfreepools ascending, nfp2lasta[n] = the last arena with n
  let prev: usize = 0;
  let listed: u32 = 0;
  let whollyFree: u32 = 0;
  for (let a = usableArenas; a; a = A_NEXT(a)) {
    let nf = A_NFREE(a);
    if (A_PREV(a) != prev) { fail("usable_arenas: prevarena does not point back", a); return; }
    if (nf == 0) fail("usable_arenas: arena without free pools", a);
    if (prev && A_NFREE(prev) > nf) fail("usable_arenas: not sorted by free pools", a);
    let next = A_NEXT(a);
    let last = next == 0 || A_NFREE(next) != nf;
    if (last != (NFP2LASTA_GET(nf) == a)) fail("nfp2lasta: not the last arena with its free-pool count", a);
    if (nf == A_NTOTAL(a)) {
      whollyFree++;
      if (next) fail("a wholly free arena that is not the last usable one was kept", a);
    }
    if (++listed > arenasCurrent) { fail("usable_arenas: list loops", a); return; }
    prev = a;
  }
  for (let n: u32 = 1; n <= MAX_POOLS_PER_ARENA; n++) {
    let a = NFP2LASTA_GET(n);
    if (a && A_NFREE(a) != n) fail("nfp2lasta: entry has another free-pool count", a);
  }
  if (NFP2LASTA_GET(0)) fail("nfp2lasta[0] must be empty", 0);
  if (whollyFree > 1) fail("more than one wholly free arena kept", 0);
}

/** The tlsf region, then every arena block and the lists, and arena blocks found = arenas in use. */
export function check(): void {
  tlsf.check();
  let arenas: u32 = 0;
  blocksCursorStart();
  for (let block = nextUsedBlock(); block; block = nextUsedBlock()) {
    if (!(MMINFO(block) & ARENA_TAG)) continue;
    arenas++;
    checkArena(block + BLOCK_OVERHEAD);
  }
  checkPoolLists();
  if (arenas != arenasCurrent) fail("arena blocks found != arenas in use", 0);
}

// ── statistics ──

/** The tlsf region's parts, then each arena's: pool headers, tails, free blocks, empty pools, alignment. Returns live block bytes. */
export function stats(): u64 {
  let live = tlsf.stats();
  tallyStart();
  for (let i: u32 = 0; i < maxArenasUsed; i++) {
    let a = ARENA(i);
    let address = A_ADDRESS(a);
    if (!address) continue; // released
    let first = (address + POOL_MASK) & ~POOL_MASK;
    let ntotal = A_NTOTAL(a);
    tallyAlignment(BLOCK_SIZE(address - BLOCK_OVERHEAD) - (<usize>ntotal << POOL_BITS));
    let carvedEnd = A_POOLADDR(a);
    tallyEmpty((first + (<usize>ntotal << POOL_BITS) - carvedEnd) >> POOL_BITS, POOL_SIZE);
    for (let pool = first; pool < carvedEnd; pool += POOL_SIZE) {
      let count = P_COUNT(pool);
      if (count == 0) { tallyEmpty(1, POOL_SIZE); continue; }
      let c = P_SZIDX(pool);
      tallyPage(c, POOL_SIZE, POOL_OVERHEAD, CLASS_SIZE(c), NUMBLOCKS(c), count);
    }
  }
  live += tallyFinish();
  put(S.STAT_arenasAllocatedTotal, <f64>arenasAllocatedTotal);
  put(S.STAT_arenasReclaimed, <f64>arenasReclaimed);
  put(S.STAT_arenasHighWater, <f64>arenasHighWater);
  put(S.STAT_arenasCurrent, <f64>arenasCurrent);
  return live;
}

/**
 * Size-class rows for the host (contract: SIZE_CLASSES), from the last stats(): writes
 * {class, block size, pools, blocks in use, blocks free} (u32 each) for each class with pools.
 * Returns the number of rows.
 */
export function classRows(out: usize): u32 { return tallyRows(out); }

/**
 * The k-th carved pool for the explorer's pool map (contract: POOL_MAP), arena order then address
 * order: writes {pool address, arena index, size class (0xFFFFFFFF: empty), blocks used, block
 * size, blocks it holds} to `out`.
 * False past the last. O(pools) per record: fine for the small heaps a person looks at.
 */
export function poolRecord(k: u32, out: usize): bool {
  let i: u32 = 0;
  for (let a: u32 = 0; a < maxArenasUsed; a++) {
    let arena = ARENA(a);
    let address = A_ADDRESS(arena);
    if (!address) continue; // released
    let first = (address + POOL_MASK) & ~POOL_MASK;
    for (let pool = first, end = A_POOLADDR(arena); pool < end; pool += POOL_SIZE, i++) {
      if (i != k) continue;
      let count = P_COUNT(pool);
      store<u32>(out, <u32>pool);
      store<u32>(out, a, 4);
      store<u32>(out, count ? P_SZIDX(pool) : 0xFFFF_FFFF, 8);
      store<u32>(out, count, 12);
      store<u32>(out, count ? <u32>CLASS_SIZE(P_SZIDX(pool)) : 0, 16);
      store<u32>(out, count ? NUMBLOCKS(P_SZIDX(pool)) : 0, 20);
      return true;
    }
  }
  return false;
}
