// === Pool map: the pools allocator's arenas and pools, one record at a time, for the explorer ===
// The host asks for record k (0, 1, ...) until it gets 0; each call scans the arenas, which is fine
// for the small heaps a person looks at (O(pools) per record).
//
//   record (16 bytes)
//   ┌──────────────┬──────────────┬──────────────┬──────────────┐
//   │ pool address │ arena index  │ size class   │ blocks used  │   +0 +4 +8 +12
//   │              │              │ (0xFFFFFFFF: │              │
//   │              │              │  empty pool) │              │
//   └──────────────┴──────────────┴──────────────┴──────────────┘

import { A_ADDRESS, A_POOLADDR, ARENA, P_COUNT, P_SZIDX, POOL_MASK, POOL_SIZE, maxArenasUsed } from "./alloc/pools";
import { ALLOC_POOLS, strategy } from "./alloc/index";

const RECORD: usize = memory.data(16, 8);

/** The k-th carved pool (arena order, address order), or 0 past the last. */
export function poolRecord(k: u32): usize {
  if (strategy != ALLOC_POOLS) return 0;
  let i: u32 = 0;
  for (let a: u32 = 0; a < maxArenasUsed; a++) {
    let arena = ARENA(a);
    let address = A_ADDRESS(arena);
    if (!address) continue; // released
    let first = (address + POOL_MASK) & ~POOL_MASK;
    for (let pool = first, end = A_POOLADDR(arena); pool < end; pool += POOL_SIZE, i++) {
      if (i != k) continue;
      let count = P_COUNT(pool);
      store<u32>(RECORD, <u32>pool);
      store<u32>(RECORD, a, 4);
      store<u32>(RECORD, count ? P_SZIDX(pool) : 0xFFFF_FFFF, 8);
      store<u32>(RECORD, count, 12);
      return RECORD;
    }
  }
  return 0;
}
