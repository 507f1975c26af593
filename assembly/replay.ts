// === Trace replay: a recorded run's allocations and frees, at the allocator level ===
// The host (src/trace.ts) fills REPLAY_OPS with a batch and calls replayBatch, so a batch runs with
// no host call per operation and its time is the allocator's alone. A replayed block is an object
// of a RAW type (types.ts) that keeps its exact size in the refcount word: walks, stats and
// verify then read a replay heap like any other.
//
//   op (8 bytes)
//   ┌──────────────────────────────┬──────────────────────────────────────────────┐
//   │ size > 0: allocate this many │ in: 0          out: the block (0: no memory) │
//   │ 0: free                      │ in: the block to free                        │
//   │ 0xFFFFFFFF: free             │ in: index of the op of this batch that made  │
//   │                              │     the block (its address is not known yet) │
//   └──────────────────────────────┴──────────────────────────────────────────────┘

import { ALIGN_MASK, HEADER_SIZE, INFO, SET_INFO, SET_RC, TYPE_ID_MASK } from "./layout";
import { allocBlock, blocksEnd, freeBlock } from "./alloc/index";
import { MAX_BYTES_LENGTH } from "./types";

/** Sizes a replayed block may have: its header (size and type words) up to the largest object. */
// @ts-ignore: decorator
@inline export const REPLAY_MIN_SIZE: usize = HEADER_SIZE;
// @ts-ignore: decorator
@inline export const REPLAY_MAX_SIZE: usize = HEADER_SIZE + MAX_BYTES_LENGTH;
import { allocationFailures, countAlloc, countFree } from "./counters";
import { OP_FREE_LOCAL, REPLAY_CAPACITY } from "./generated/boundary";
export { REPLAY_CAPACITY };

export const REPLAY_OPS: usize = memory.data(<i32>(REPLAY_CAPACITY * 8), 8);

/**
 * Debug builds: refuses a batch holding an op the host should never send (src/trace.ts validates
 * every event first), before any op runs: a size outside [REPLAY_MIN_SIZE, REPLAY_MAX_SIZE], a
 * local free naming an op that is not an earlier allocation, or a free of something that is not a
 * live block of the replay's type, or that the batch frees twice. O(n^2) in the batch: debug only.
 */
export function checkBatch(typeId: u32, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    let op = REPLAY_OPS + (<usize>i << 3);
    let size = load<usize>(op), arg = load<usize>(op, 4);
    if (size && size != OP_FREE_LOCAL) {
      if (size < REPLAY_MIN_SIZE || size > REPLAY_MAX_SIZE) throw new Error("replay: block size out of range");
      continue;
    }
    if (size == OP_FREE_LOCAL) {
      let made: usize = arg < i ? load<usize>(REPLAY_OPS + (arg << 3)) : 0;
      if (made == 0 || made == OP_FREE_LOCAL) throw new Error("replay: a local free names an op that allocated nothing");
    } else if (arg == 0 || (arg & ALIGN_MASK) != 0 || arg < __heap_base || arg > blocksEnd() - 8
      || (INFO(arg) & TYPE_ID_MASK) != typeId || load<usize>(arg) < REPLAY_MIN_SIZE) {
      throw new Error("replay: free of a block that is not live (a double free?)");
    }
    for (let j: u32 = 0; j < i; j++) {
      let earlier = REPLAY_OPS + (<usize>j << 3);
      if (load<usize>(earlier) == size && load<usize>(earlier, 4) == arg) throw new Error("replay: a batch frees a block twice");
    }
  }
}

/** Runs ops [0, n) of REPLAY_OPS with RAW type `typeId`. Returns how many ran (< n: out of memory at op n). */
export function replayBatch(typeId: u32, n: u32): u32 {
  if (n > REPLAY_CAPACITY) n = REPLAY_CAPACITY;
  // debug builds: the export ran checkBatch before entering (an abort after enter() would leave the heap refusing)
  for (let i: u32 = 0; i < n; i++) {
    let op = REPLAY_OPS + (<usize>i << 3);
    let size = load<usize>(op);
    if (size && size != OP_FREE_LOCAL) {
      let p = allocBlock(size);
      if (!p) { allocationFailures++; return i; }
      SET_RC(p, <u32>size);
      SET_INFO(p, typeId);
      countAlloc(size, false);
      store<usize>(op, p, 4);
    } else {
      let p = load<usize>(op, 4);
      if (size == OP_FREE_LOCAL) p = load<usize>(REPLAY_OPS + (p << 3), 4);
      let bytes = load<usize>(p); // the size, in the refcount word
      countFree(bytes, false);
      freeBlock(p, bytes);
    }
  }
  return n;
}
