// === mimalloc: free-list sharding, composed over tlsf ===
// After D. Leijen, B. Zorn and L. de Moura, "Mimalloc: Free List Sharding in Action" (2019). The
// heap keeps, per size class (bin), a queue of 64 KiB pages, each serving blocks of one size; the
// free list is sharded per page, and each page has three lists so the fast path is one pop:
//  * free:      where allocation pops from. When it runs dry the slow path first takes the page's
//               local-free list as a whole (one pointer swap), then carves more blocks (a few KiB
//               at a time, so a new page costs little), and only then moves to the next page.
//  * localFree: where free() pushes. Keeping frees off `free` means the allocation list is never
//               touched by a free, and a page's blocks come back in batches (the paper's point:
//               locality, and a regular place for the slow path to do deferred work).
//  * delayed:   a page that filled up leaves its bin queue (marked full) so allocation never walks
//               full pages; a free into a full page is pushed on the heap's delayed list in O(1)
//               instead of relinking the page, and the next slow path (or the free that empties
//               the page) moves those pages back (mimalloc does this for frees from other
//               threads, thread_delayed_free; wasm has one thread, so here it is what keeps
//               free() free of queue work).
// A page whose blocks are all free goes back to its segment (the paper's "pages returned when
// empty"), unless it is the only page of its bin: then it is retired, kept for RETIRE_CYCLES slow
// paths (mimalloc's page retirement, against thrash when one object is allocated and freed in a
// loop). A segment whose pages are all free goes back to tlsf. Segments are 1 MiB tlsf blocks tagged as containers (blocks.ts ARENA); requests over
// SMALL_MAX are tlsf blocks of their own (mimalloc's huge pages). No code is taken from mimalloc.
//
// ╒════════════ Page header (32-bit words, at the page's 64 KiB-aligned start) ═════════╕
// │ free: head of the allocation list (0 = empty)                       │ page+0
// │ localFree: head of the list free() pushes to                       │ page+4
// │ used: blocks in use (live objects)                                  │ page+8
// │ capacity: blocks carved so far (the first `capacity` slots)        │ page+12
// │ reserved: blocks the page can hold                                  │ page+16
// │ blockSize                                                           │ page+20
// │ bin: size class, 0 = the page is free in its segment               │ page+24
// │ next: the bin queue, or a segment's free pages                     │ page+28
// │ prev: the bin queue                                                 │ page+32
// │ flags: FULL (bit 0: set when it leaves its queue full, cleared by   │ page+36
// │        the delayed list's processing); bits 8..15: retirement       │
// │        countdown of an empty kept page (set by pageEmpty)           │
// │ delayed: its blocks on the heap's delayed list                      │ page+40
// │ segment: index in the segment table                                 │ page+44
// ╞══════════════════════════════════════════════════════════════════════╡ page+48 blocks
// A free block's first word links to the next free block, and its type word is 0 (MARK_FREE),
// so the walk tells live blocks from free ones.  Invariant per page in use (check()):
//   capacity = used + |free| + |localFree| + delayed,   live blocks = used.

import * as tlsf from "./tlsf";
import { ARENA_TAG, BLOCK_OVERHEAD, BLOCK_SIZE, MMINFO, blocksCursorStart, nextUsedBlock, tagArena, untagArena } from "./blocks";
/** Arenas/segments and large blocks are tlsf blocks: they end where the blocks do. */
export { blocksEnd as end } from "./blocks";
import { INFO, MARK_FREE, TYPE_ID_MASK } from "../layout";
import { CAP_POOL_MAP, CAP_REUSES, CAP_SIZE_CLASSES } from "../generated/capabilities";
import { fail } from "../failure";
import { put } from "../statbuf";
import { tallyAlignment, tallyEmpty, tallyFinish, tallyPage, tallyRows, tallyStart } from "./pagetally";
import * as S from "../generated/stats_ids";
import { largeAllocations } from "../counters";

export const CAPABILITIES: u32 = CAP_REUSES | CAP_SIZE_CLASSES | CAP_POOL_MAP;

// @ts-ignore: decorator
@inline const PAGE_BITS: u32 = 16;
// @ts-ignore: decorator
@inline const MI_PAGE: usize = 1 << PAGE_BITS;
// @ts-ignore: decorator
@inline const PAGE_MASK: usize = MI_PAGE - 1;
// @ts-ignore: decorator
@inline const PAGE_HEADER: usize = 48;
/** Largest request served from pages (a page then still holds 7 blocks); larger ones are tlsf blocks. */
// @ts-ignore: decorator
@inline export const SMALL_MAX: usize = 8192;
// @ts-ignore: decorator
@inline const SEGMENT_SIZE: usize = 1 << 20;
// @ts-ignore: decorator
@inline const MAX_SEGMENTS: u32 = 4096; // 4 GiB of 1 MiB segments
// @ts-ignore: decorator
@inline const SEGMENT_OBJECT: usize = 20;
/** Size classes: bins 1..36 (binOf(SMALL_MAX) = 36; bin 0 marks a free page). */
// @ts-ignore: decorator
@inline export const CLASS_COUNT: u32 = 36;
/** Room for the bins, 0 included (binOf(SMALL_MAX) + 1 rounded up). */
// @ts-ignore: decorator
@inline const BINS: u32 = 40;
/** Carve at most this many bytes of blocks per extension (mimalloc extends pages a few KiB at a time). */
// @ts-ignore: decorator
@inline const EXTEND_BYTES: usize = 4096;
// @ts-ignore: decorator
@inline const FULL: u32 = 1;
/** Slow paths an empty page is kept for when it is its bin's only page. */
// @ts-ignore: decorator
@inline const RETIRE_CYCLES: u32 = 16;
// @ts-ignore: decorator
@inline const RETIRE_SHIFT: u32 = 8;

// page header accessors
// @ts-ignore: decorator
@inline function PG_FREE(p: usize): usize { return load<usize>(p, 0); }
// @ts-ignore: decorator
@inline function PG_LOCAL(p: usize): usize { return load<usize>(p, 4); }
// @ts-ignore: decorator
@inline function PG_USED(p: usize): u32 { return load<u32>(p, 8); }
// @ts-ignore: decorator
@inline function PG_CAPACITY(p: usize): u32 { return load<u32>(p, 12); }
// @ts-ignore: decorator
@inline function PG_RESERVED(p: usize): u32 { return load<u32>(p, 16); }
// @ts-ignore: decorator
@inline function PG_BSIZE(p: usize): usize { return load<usize>(p, 20); }
// @ts-ignore: decorator
@inline function PG_BIN(p: usize): u32 { return load<u32>(p, 24); }
// @ts-ignore: decorator
@inline function PG_NEXT(p: usize): usize { return load<usize>(p, 28); }
// @ts-ignore: decorator
@inline function PG_PREV(p: usize): usize { return load<usize>(p, 32); }
// @ts-ignore: decorator
@inline function PG_FLAGS(p: usize): u32 { return load<u32>(p, 36); }
// @ts-ignore: decorator
@inline function PG_DELAYED(p: usize): u32 { return load<u32>(p, 40); }
// @ts-ignore: decorator
@inline function PG_SEGMENT(p: usize): u32 { return load<u32>(p, 44); }
// @ts-ignore: decorator
@inline function PAGE_OF(block: usize): usize { return block & ~PAGE_MASK; }
// @ts-ignore: decorator
@inline function BLOCK_AT(page: usize, i: u32): usize { return page + PAGE_HEADER + <usize>i * PG_BSIZE(page); }

// segment table: address (0 = unused slot), first page, pages, pages in use, free-page list
const SEGMENTS: usize = memory.data(<i32>(MAX_SEGMENTS * <u32>SEGMENT_OBJECT), 8);
// @ts-ignore: decorator
@inline function SEG(i: u32): usize { return SEGMENTS + <usize>i * SEGMENT_OBJECT; }
// @ts-ignore: decorator
@inline function SG_ADDRESS(s: usize): usize { return load<usize>(s, 0); }
// @ts-ignore: decorator
@inline function SG_FIRST(s: usize): usize { return load<usize>(s, 4); }
// @ts-ignore: decorator
@inline function SG_PAGES(s: usize): u32 { return load<u32>(s, 8); }
// @ts-ignore: decorator
@inline function SG_USED(s: usize): u32 { return load<u32>(s, 12); }
// @ts-ignore: decorator
@inline function SG_FREEPAGES(s: usize): usize { return load<usize>(s, 16); }

/** The first page of each bin's queue (pages with blocks to give, or about to be found full). */
const QUEUES: usize = memory.data(<i32>(BINS << 2), 8);
// @ts-ignore: decorator
@inline function QUEUE(bin: u32): usize { return load<usize>(QUEUES + (<usize>bin << 2)); }
// @ts-ignore: decorator
@inline function SET_QUEUE(bin: u32, p: usize): void { store<usize>(QUEUES + (<usize>bin << 2), p); }
/** Block size of each bin (the largest request it serves). */
const BIN_SIZES: usize = memory.data(<i32>(BINS << 2), 8);
// @ts-ignore: decorator
@inline function BIN_SIZE(bin: u32): usize { return load<usize>(BIN_SIZES + (<usize>bin << 2)); }

/** The heap's delayed list: blocks freed into full pages, linked through their first word. */
let delayed: usize = 0;
/** Bins that may hold a retired page: [retiredMin, retiredMax] (empty when min > max). */
let retiredMin: u32 = BINS;
let retiredMax: u32 = 0;
let segmentsUsed: u32 = 0;      // table high-water index
let segmentsTotal: u32 = 0;
let segmentsReleased: u32 = 0;
let segmentsCurrent: u32 = 0;
let segmentsHigh: u32 = 0;

/**
 * The bin of a request: exact 8-byte classes up to 64 bytes, then four bins per power of two
 * (at most 12.5 % rounding), as the paper describes.
 */
// @ts-ignore: decorator
@inline function binOf(size: usize): u32 {
  let w = <u32>((size + 7) >> 3);
  if (w <= 8) return w <= 1 ? 1 : w;
  w--;
  let b = 31 - clz(w);
  return ((b << 2) | ((w >> (b - 2)) & 3)) - 3;
}

export function init(start: usize): void {
  tlsf.init(start);
  delayed = 0;
  retiredMin = BINS; retiredMax = 0;
  segmentsUsed = 0; segmentsTotal = 0; segmentsReleased = 0; segmentsCurrent = 0; segmentsHigh = 0;
  memory.fill(QUEUES, 0, BINS << 2);
  for (let w: usize = 1; w <= SMALL_MAX >> 3; w++) store<usize>(BIN_SIZES + (<usize>binOf(w << 3) << 2), w << 3);
}

// ── allocation ──

/** A block for `size` bytes: a page block up to SMALL_MAX, a tlsf block above. 0 when memory is exhausted. */
// @ts-ignore: decorator
@inline export function alloc(size: usize): usize {
  if (size > SMALL_MAX) return allocLarge(size);
  let bin = binOf(size);
  let page = QUEUE(bin);
  if (page) {
    let b = PG_FREE(page);
    if (b) {
      store<usize>(page, load<usize>(b), 0);
      store<u32>(page, PG_USED(page) + 1, 8);
      return b;
    }
  }
  return allocSlow(bin);
}

function allocLarge(size: usize): usize {
  largeAllocations++;
  let p = tlsf.allocBlock(size);
  return p || !releaseRetired() ? p : tlsf.allocBlock(size);
}

/**
 * The generic path (mimalloc's _mi_malloc_generic): deferred work first (the delayed list), then
 * the bin's pages in order, each given its local-free blocks and more carved blocks before it is
 * declared full and leaves the queue; a fresh page last.
 */
function allocSlow(bin: u32): usize {
  if (delayed) processDelayed();
  if (retiredMin <= retiredMax) collectRetired();
  let page = QUEUE(bin);
  while (page) {
    let next = PG_NEXT(page);
    if (!PG_FREE(page)) {
      store<usize>(page, PG_LOCAL(page), 0);
      store<usize>(page, 0, 4);
    }
    if (!PG_FREE(page)) extendPage(page);
    if (PG_FREE(page)) break;
    unlink(page);
    store<u32>(page, FULL, 36);
    page = next;
  }
  if (!page) {
    page = newPage(bin);
    if (!page) return 0;
  } else if (QUEUE(bin) != page) {
    unlink(page);
    pushFront(page);
  }
  let b = PG_FREE(page);
  store<usize>(page, load<usize>(b), 0);
  store<u32>(page, PG_USED(page) + 1, 8);
  return b;
}

/** Carves up to EXTEND_BYTES more blocks onto the (empty) free list, in address order. */
function extendPage(page: usize): void {
  let cap = PG_CAPACITY(page), reserved = PG_RESERVED(page);
  if (cap >= reserved) return;
  let size = PG_BSIZE(page);
  let n = <u32>(EXTEND_BYTES / size);
  if (n < 1) n = 1;
  if (n > reserved - cap) n = reserved - cap;
  let first = BLOCK_AT(page, cap);
  let b = first;
  for (let i: u32 = 1; i < n; i++) {
    MARK_FREE(b);
    store<usize>(b, b + size);
    b += size;
  }
  MARK_FREE(b);
  store<usize>(b, 0);
  store<usize>(page, first, 0);
  store<u32>(page, cap + n, 12);
}

function pushFront(page: usize): void {
  let bin = PG_BIN(page);
  let first = QUEUE(bin);
  store<usize>(page, first, 28);
  store<usize>(page, 0, 32);
  if (first) store<usize>(first, page, 32);
  SET_QUEUE(bin, page);
}

function unlink(page: usize): void {
  let next = PG_NEXT(page), prev = PG_PREV(page);
  if (prev) store<usize>(prev, next, 28);
  else SET_QUEUE(PG_BIN(page), next);
  if (next) store<usize>(next, prev, 32);
  store<usize>(page, 0, 28);
  store<usize>(page, 0, 32);
}

/** A free page of some segment set up for `bin`, at the front of its queue; 0 when memory is exhausted. */
function newPage(bin: u32): usize {
  let seg: usize = 0;
  for (let i: u32 = 0; i < segmentsUsed; i++) {
    let s = SEG(i);
    if (SG_ADDRESS(s) && SG_FREEPAGES(s)) { seg = s; break; }
  }
  if (!seg) {
    seg = newSegment();
    if (!seg) return 0;
  }
  let page = SG_FREEPAGES(seg);
  store<usize>(seg, PG_NEXT(page), 16);
  store<u32>(seg, SG_USED(seg) + 1, 12);
  let size = BIN_SIZE(bin);
  store<usize>(page, 0, 0);
  store<usize>(page, 0, 4);
  store<u32>(page, 0, 8);
  store<u32>(page, 0, 12);
  store<u32>(page, <u32>((MI_PAGE - PAGE_HEADER) / size), 16);
  store<usize>(page, size, 20);
  store<u32>(page, bin, 24);
  store<u32>(page, 0, 36);
  store<u32>(page, 0, 40);
  pushFront(page);
  extendPage(page);
  return page;
}

/** A 1 MiB tlsf block cut into 64 KiB-aligned pages, all free. Returns its table entry, or 0. */
function newSegment(): usize {
  let index: u32 = 0;
  while (index < segmentsUsed && SG_ADDRESS(SEG(index))) index++;
  if (index == MAX_SEGMENTS) return 0;
  let address = tlsf.allocBlock(SEGMENT_SIZE);
  if (!address && releaseRetired()) address = tlsf.allocBlock(SEGMENT_SIZE);
  if (!address) return 0;
  tagArena(address);
  if (index == segmentsUsed) segmentsUsed++;
  let s = SEG(index);
  let first = (address + PAGE_MASK) & ~PAGE_MASK;
  let pages = <u32>((address + SEGMENT_SIZE - first) >> PAGE_BITS);
  store<usize>(s, address, 0);
  store<usize>(s, first, 4);
  store<u32>(s, pages, 8);
  store<u32>(s, 0, 12);
  let head: usize = 0;
  for (let i = pages; i > 0; i--) {
    let page = first + (<usize>(i - 1) << PAGE_BITS);
    store<u32>(page, 0, 24);
    store<u32>(page, index, 44);
    store<usize>(page, head, 28);
    head = page;
  }
  store<usize>(s, head, 16);
  segmentsTotal++;
  segmentsCurrent++;
  if (segmentsCurrent > segmentsHigh) segmentsHigh = segmentsCurrent;
  return s;
}

// ── free ──

// @ts-ignore: decorator
@inline export function free(p: usize, size: usize): void {
  if (size > SMALL_MAX) { tlsf.free(p, size); return; }
  let page = PAGE_OF(p);
  MARK_FREE(p);
  let used = PG_USED(page) - 1;
  store<u32>(page, used, 8);
  if (PG_FLAGS(page) & FULL) {
    store<usize>(p, delayed);
    delayed = p;
    store<u32>(page, PG_DELAYED(page) + 1, 40);
    if (!used) processDelayed(); // the page is empty: return it now, not at the next slow path
    return;
  }
  store<usize>(p, PG_LOCAL(page));
  store<usize>(page, p, 4);
  if (!used) pageEmpty(page);
}

/** The delayed frees: each block goes to its page's local-free list, and its full page back to its queue. */
function processDelayed(): void {
  let b = delayed;
  delayed = 0;
  while (b) {
    let next = load<usize>(b);
    let page = PAGE_OF(b);
    store<u32>(page, PG_DELAYED(page) - 1, 40);
    if (PG_FLAGS(page) & FULL) {
      store<u32>(page, 0, 36);
      // a retired page stays only while it is its bin's only page
      let head = QUEUE(PG_BIN(page));
      if (head && !PG_USED(head) && !PG_DELAYED(head) && !PG_NEXT(head)) freePage(head);
      pushFront(page);
    }
    store<usize>(b, PG_LOCAL(page));
    store<usize>(page, b, 4);
    if (!PG_USED(page) && !PG_DELAYED(page)) pageEmpty(page);
    b = next;
  }
}

/** A page with no block in use: back to its segment, unless it is its bin's only page (retired: kept a while). */
function pageEmpty(page: usize): void {
  let bin = PG_BIN(page);
  if (QUEUE(bin) != page || PG_NEXT(page)) { freePage(page); return; }
  store<u32>(page, RETIRE_CYCLES << RETIRE_SHIFT, 36);
  if (bin < retiredMin) retiredMin = bin;
  if (bin > retiredMax) retiredMax = bin;
}

/** Counts the retired pages down (mimalloc's _mi_heap_collect_retired); frees those whose time is up. */
function collectRetired(): void {
  let lo = BINS, hi: u32 = 0;
  for (let bin = retiredMin; bin <= retiredMax; bin++) {
    let page = QUEUE(bin);
    if (!page || PG_USED(page) || PG_NEXT(page)) continue; // reused, or no longer alone
    let left = (PG_FLAGS(page) >> RETIRE_SHIFT) - 1;
    if (left == 0) { freePage(page); continue; }
    store<u32>(page, left << RETIRE_SHIFT, 36);
    if (bin < lo) lo = bin;
    if (bin > hi) hi = bin;
  }
  retiredMin = lo; retiredMax = hi;
}

function freePage(page: usize): void {
  unlink(page);
  store<u32>(page, 0, 24);
  let s = SEG(PG_SEGMENT(page));
  store<usize>(page, SG_FREEPAGES(s), 28);
  store<usize>(s, page, 16);
  let used = SG_USED(s) - 1;
  store<u32>(s, used, 12);
  if (!used) {
    let address = SG_ADDRESS(s);
    store<usize>(s, 0, 0);
    untagArena(address);
    tlsf.free(address, SEGMENT_SIZE);
    segmentsReleased++;
    segmentsCurrent--;
  }
}

/** Gives the retired (empty, kept) pages back, so their segments can serve a large request. True if any. */
function releaseRetired(): bool {
  let any = false;
  for (let bin: u32 = 1; bin < BINS; bin++) {
    let page = QUEUE(bin);
    if (page && !PG_USED(page)) { freePage(page); any = true; }
  }
  return any;
}

// ── cursor: tlsf blocks in address order; in a segment, its pages; in a page, carved blocks in use ──

let curSegment: usize = 0;   // table entry of the segment being walked (0: none)
let curPage: usize = 0;      // next page to look at
let curBlock: usize = 0;     // next block to look at in the current page
let curBlockEnd: usize = 0;
let curSize: usize = 0;

export function cursorStart(): void {
  blocksCursorStart();
  curSegment = 0; curPage = 0; curBlock = 0; curBlockEnd = 0;
}

export function cursorNext(): usize {
  while (true) {
    while (curBlock < curBlockEnd) {
      let b = curBlock;
      curBlock += curSize;
      if (INFO(b) & TYPE_ID_MASK) return b;
    }
    if (curSegment) {
      let end = SG_FIRST(curSegment) + (<usize>SG_PAGES(curSegment) << PAGE_BITS);
      while (curPage < end && (!PG_BIN(curPage) || PG_BIN(curPage) >= BINS)) curPage += MI_PAGE;
      if (curPage < end) {
        let page = curPage;
        curPage += MI_PAGE;
        curSize = PG_BSIZE(page);
        curBlock = page + PAGE_HEADER;
        curBlockEnd = curBlock + <usize>min(PG_CAPACITY(page), PG_RESERVED(page)) * curSize;
        continue;
      }
      curSegment = 0;
    }
    let block = nextUsedBlock();
    if (!block) return 0;
    let payload = block + BLOCK_OVERHEAD;
    if (!(MMINFO(block) & ARENA_TAG)) { curSize = BLOCK_SIZE(block); curBlockEnd = 0; return payload; }
    let s = segmentOf(payload);
    if (!s) continue; // check() reports it
    curSegment = s;
    curPage = SG_FIRST(s);
  }
  return 0;
}

export function cursorBlockSize(): usize { return curSize; }

/** The segment whose block starts at `address` (its first page names it), or 0. */
function segmentOf(address: usize): usize {
  let index = PG_SEGMENT((address + PAGE_MASK) & ~PAGE_MASK);
  return index < segmentsUsed && SG_ADDRESS(SEG(index)) == address ? SEG(index) : 0;
}

// ── checks (mimalloc's _mi_page_is_valid and mi_segment_is_valid, here beside the code) ──

/** Counts a list of free blocks in `page`: each inside its carved blocks, on a block boundary, marked free. -1 if broken. */
function countList(page: usize, head: usize, what: string): i32 {
  let size = PG_BSIZE(page), cap = PG_CAPACITY(page);
  let n: i32 = 0;
  for (let b = head; b; b = load<usize>(b)) {
    if (PAGE_OF(b) != page || b < page + PAGE_HEADER || (b - page - PAGE_HEADER) % size != 0 || <u32>((b - page - PAGE_HEADER) / size) >= cap) {
      fail(what, b);
      return -1;
    }
    if (INFO(b) & TYPE_ID_MASK) { fail("mimalloc: block on a free list is not marked free", b); return -1; }
    if (<u32>++n > cap) { fail("mimalloc: free list loops", page); return -1; }
  }
  return n;
}

/** A page in use: geometry of its bin, capacity = used + |free| + |localFree|, live blocks = used − delayed. */
function checkPage(page: usize, index: u32): void {
  let bin = PG_BIN(page);
  if (bin >= BINS || PG_BSIZE(page) != BIN_SIZE(bin)) { fail("mimalloc: page with a bad bin or block size", page); return; }
  if (PG_SEGMENT(page) != index) fail("mimalloc: page's segment index is wrong", page);
  if (PG_RESERVED(page) != <u32>((MI_PAGE - PAGE_HEADER) / PG_BSIZE(page)) || PG_CAPACITY(page) > PG_RESERVED(page)) {
    fail("mimalloc: page capacity out of range", page);
    return;
  }
  let nfree = countList(page, PG_FREE(page), "mimalloc: free-list block outside its page's carved blocks");
  let nlocal = countList(page, PG_LOCAL(page), "mimalloc: local-free block outside its page's carved blocks");
  if (nfree < 0 || nlocal < 0) return;
  if (PG_USED(page) + <u32>nfree + <u32>nlocal + PG_DELAYED(page) != PG_CAPACITY(page)) fail("mimalloc: used + free + local-free + delayed != carved blocks", page);
  if (PG_DELAYED(page) && !(PG_FLAGS(page) & FULL)) fail("mimalloc: delayed frees into a page that is not full", page);
  let live: u32 = 0;
  for (let i: u32 = 0, n = PG_CAPACITY(page); i < n; i++) if (INFO(BLOCK_AT(page, i)) & TYPE_ID_MASK) live++;
  if (live != PG_USED(page)) fail("mimalloc: live blocks != used", page);
  if (!PG_USED(page) && !PG_DELAYED(page)) {
    if (QUEUE(bin) != page || PG_NEXT(page)) fail("mimalloc: an empty page that is not its bin's only page was kept", page);
    else if (bin < retiredMin || bin > retiredMax || !(PG_FLAGS(page) >> RETIRE_SHIFT)) fail("mimalloc: an empty page kept without a retirement count", page);
  }
}

/** The tlsf region; every segment block and its pages; the queues; the delayed list. */
export function check(): void {
  tlsf.check();
  let segments: u32 = 0;
  let pagesInUse: u32 = 0;
  blocksCursorStart();
  for (let block = nextUsedBlock(); block; block = nextUsedBlock()) {
    if (!(MMINFO(block) & ARENA_TAG)) continue;
    let address = block + BLOCK_OVERHEAD;
    let s = segmentOf(address);
    if (!s) { fail("mimalloc: segment block without a segment entry", address); return; }
    segments++;
    let index = <u32>((s - SEGMENTS) / SEGMENT_OBJECT);
    let first = SG_FIRST(s), pages = SG_PAGES(s);
    if (first != ((address + PAGE_MASK) & ~PAGE_MASK) || pages != <u32>((address + SEGMENT_SIZE - first) >> PAGE_BITS)) {
      fail("mimalloc: segment geometry is wrong", address);
      return;
    }
    let freeListed: u32 = 0;
    for (let p = SG_FREEPAGES(s); p; p = PG_NEXT(p)) {
      if (p < first || p >= first + (<usize>pages << PAGE_BITS) || (p & PAGE_MASK) || PG_BIN(p)) { fail("mimalloc: segment's free-page list is broken", p); return; }
      if (++freeListed > pages) { fail("mimalloc: segment's free-page list loops", address); return; }
    }
    let used: u32 = 0;
    for (let i: u32 = 0; i < pages; i++) {
      let page = first + (<usize>i << PAGE_BITS);
      if (!PG_BIN(page)) continue;
      used++;
      checkPage(page, index);
    }
    if (used != SG_USED(s) || used + freeListed != pages) fail("mimalloc: segment's page counts disagree with its pages", address);
    if (!used) fail("mimalloc: a segment with no page in use was kept", address);
    pagesInUse += used;
  }
  if (segments != segmentsCurrent) fail("mimalloc: segment blocks found != segments in use", 0);
  // queues: linked both ways, pages of their bin, none full; with the full pages, every page in use
  let queued: u32 = 0, full: u32 = 0;
  for (let bin: u32 = 1; bin < BINS; bin++) {
    let prev: usize = 0;
    for (let p = QUEUE(bin); p; p = PG_NEXT(p)) {
      if (PG_PREV(p) != prev || PG_BIN(p) != bin || (PG_FLAGS(p) & FULL)) { fail("mimalloc: bin queue is broken", p); return; }
      if (++queued > pagesInUse) { fail("mimalloc: bin queue loops", p); return; }
      prev = p;
    }
  }
  for (let i: u32 = 0; i < segmentsUsed; i++) {
    let s = SEG(i);
    if (!SG_ADDRESS(s)) continue;
    for (let k: u32 = 0, n = SG_PAGES(s); k < n; k++) {
      let page = SG_FIRST(s) + (<usize>k << PAGE_BITS);
      if (PG_BIN(page) && (PG_FLAGS(page) & FULL)) full++;
      if (PG_BIN(page) && (PG_FLAGS(page) & FULL) && !PG_USED(page)) fail("mimalloc: an empty page is still marked full", page);
    }
  }
  if (queued + full != pagesInUse) fail("mimalloc: pages in use != queued pages + full pages", 0);
  // delayed: blocks of full pages, marked free, as many per page as the page counts
  let n: u32 = 0;
  for (let b = delayed; b; b = load<usize>(b)) {
    let page = PAGE_OF(b);
    if (!segmentOfPage(page) || !(PG_FLAGS(page) & FULL) || (INFO(b) & TYPE_ID_MASK)) { fail("mimalloc: delayed block not a freed block of a full page", b); return; }
    if (++n > pagesInUse * <u32>(MI_PAGE / 8)) { fail("mimalloc: delayed list loops", b); return; }
  }
  let counted: u32 = 0;
  for (let i: u32 = 0; i < segmentsUsed; i++) {
    let s = SEG(i);
    if (!SG_ADDRESS(s)) continue;
    for (let k: u32 = 0, m = SG_PAGES(s); k < m; k++) {
      let page = SG_FIRST(s) + (<usize>k << PAGE_BITS);
      if (PG_BIN(page)) counted += PG_DELAYED(page);
    }
  }
  if (counted != n) fail("mimalloc: delayed blocks != the pages' delayed counts", 0);
}

/** Is `page` a page of a live segment? */
function segmentOfPage(page: usize): bool {
  let index = PG_SEGMENT(page);
  if (index >= segmentsUsed) return false;
  let s = SEG(index);
  return SG_ADDRESS(s) != 0 && page >= SG_FIRST(s) && page < SG_FIRST(s) + (<usize>SG_PAGES(s) << PAGE_BITS);
}

// ── statistics: pages are this allocator's pools, segments its arenas ──

export function stats(): u64 {
  let live = tlsf.stats();
  tallyStart();
  for (let i: u32 = 0; i < segmentsUsed; i++) {
    let s = SEG(i);
    let address = SG_ADDRESS(s);
    if (!address) continue;
    tallyAlignment(BLOCK_SIZE(address - BLOCK_OVERHEAD) - (<usize>SG_PAGES(s) << PAGE_BITS));
    for (let k: u32 = 0, n = SG_PAGES(s); k < n; k++) {
      let page = SG_FIRST(s) + (<usize>k << PAGE_BITS);
      let bin = PG_BIN(page);
      let inUse = PG_USED(page);
      // free and retired pages alike are empty pages: what an allocation of any bin could get
      if (!bin || (!inUse && !PG_DELAYED(page))) { tallyEmpty(1, MI_PAGE); continue; }
      tallyPage(bin, MI_PAGE, PAGE_HEADER, PG_BSIZE(page), PG_RESERVED(page), inUse);
    }
  }
  live += tallyFinish();
  put(S.STAT_arenasAllocatedTotal, <f64>segmentsTotal);
  put(S.STAT_arenasReclaimed, <f64>segmentsReleased);
  put(S.STAT_arenasHighWater, <f64>segmentsHigh);
  put(S.STAT_arenasCurrent, <f64>segmentsCurrent);
  return live;
}

/** Rows {bin, block size, pages, blocks in use, blocks free} from the last stats(). */
export function classRows(out: usize): u32 { return tallyRows(out); }

/** The k-th page (segment table order, then address order) for the explorer. */
export function poolRecord(k: u32, out: usize): bool {
  let i: u32 = 0;
  for (let si: u32 = 0; si < segmentsUsed; si++) {
    let s = SEG(si);
    if (!SG_ADDRESS(s)) continue;
    for (let j: u32 = 0, n = SG_PAGES(s); j < n; j++, i++) {
      if (i != k) continue;
      let page = SG_FIRST(s) + (<usize>j << PAGE_BITS);
      let bin = PG_BIN(page);
      store<u32>(out, <u32>page);
      store<u32>(out, si, 4);
      store<u32>(out, bin ? bin : 0xFFFF_FFFF, 8);
      store<u32>(out, bin ? PG_USED(page) : 0, 12);
      store<u32>(out, bin ? <u32>PG_BSIZE(page) : 0, 16);
      store<u32>(out, bin ? PG_RESERVED(page) : 0, 20);
      return true;
    }
  }
  return false;
}
