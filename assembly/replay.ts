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

import { SET_INFO, SET_RC } from "./layout";
import { allocBlock, freeBlock } from "./alloc/index";
import { allocationFailures, countAlloc, countFree } from "./counters";

// @ts-ignore: decorator
@inline export const REPLAY_CAPACITY: u32 = 1024;
export const REPLAY_OPS: usize = memory.data(<i32>(REPLAY_CAPACITY * 8), 8);

/** Runs ops [0, n) of REPLAY_OPS with RAW type `typeId`. Returns how many ran (< n: out of memory at op n). */
export function replayBatch(typeId: u32, n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) {
    let op = REPLAY_OPS + (<usize>i << 3);
    let size = load<usize>(op);
    if (size && size != 0xFFFF_FFFF) {
      let p = allocBlock(size);
      if (!p) { allocationFailures++; return i; }
      SET_RC(p, <u32>size);
      SET_INFO(p, typeId);
      countAlloc(size, false);
      store<usize>(op, p, 4);
    } else {
      let p = load<usize>(op, 4);
      if (size == 0xFFFF_FFFF) p = load<usize>(REPLAY_OPS + (p << 3), 4);
      let bytes = load<usize>(p); // the size, in the refcount word
      countFree(bytes, false);
      freeBlock(p, bytes);
    }
  }
  return n;
}
