// === Pool map: the allocator's pools or pages, one record at a time, for the explorer ===
// The host asks for record k (0, 1, ...) until it gets 0. Allocators with the poolMap capability
// fill it (pools: obmalloc's pools; mimalloc: its pages); the others have none.
//
//   record (24 bytes)
//   ┌──────────────┬──────────────┬──────────────┬──────────────┬──────────────┬──────────────┐
//   │ pool address │ arena index  │ size class   │ blocks used  │ block size   │ blocks it    │
//   │              │ (segment)    │ (0xFFFFFFFF: │              │ (0: empty)   │ holds        │
//   │              │              │  empty pool) │              │              │              │
//   └──────────────┴──────────────┴──────────────┴──────────────┴──────────────┴──────────────┘
//     +0             +4             +8             +12            +16            +20

import { allocatorPoolRecord } from "./generated/registry";

const RECORD: usize = memory.data(24, 8);

/** The k-th pool (the allocator's order), or 0 past the last. */
export function poolRecord(k: u32): usize { return allocatorPoolRecord(k, RECORD) ? RECORD : 0; }
