// === Statistics: one buffer of f64 slots named by src/stats-table.json ===
// Byte accounting in the style of CPython's sys._debugmallocstats(): every committed byte is in
// exactly one part, so   Σ parts = committedBytes   (the host's verify() sums the slots whose
// kind is "part" in the table, so the list of parts is written down once). The core puts the
// objects' parts from its counters; the allocator puts its own (its stats(), alloc/contract.ts)
// and says how many bytes its live blocks span, so rounding is the difference.

import * as S from "./generated/stats_ids";
import * as C from "./counters";
import { CONTAINER_HEADER_SIZE, HEADER_SIZE } from "./layout";
import { allocatorStats } from "./generated/registry";
import { memoryEnd } from "./memory";
import { STATS, clearStats, put } from "./statbuf";

export { STATS } from "./statbuf";
let peakCommitted: usize = 0;

/** Notes the committed size (called after growth). */
export function notePeak(): void { if (memoryEnd() > peakCommitted) peakCommitted = memoryEnd(); }

/** Fills STATS. The allocator's part costs what its stats() walks (pools and blocks, not objects). */
export function computeStats(): usize {
  clearStats();
  notePeak();
  let headers = <u64>C.liveContainers * CONTAINER_HEADER_SIZE + <u64>(C.liveObjects() - C.liveContainers) * HEADER_SIZE;
  put(S.STAT_committedBytes, <f64>memoryEnd());
  put(S.STAT_objectHeaderBytes, <f64>headers);
  put(S.STAT_objectPayloadBytes, <f64>(<u64>C.liveObjectBytes - headers));
  let liveBlocks = allocatorStats();
  put(S.STAT_quantizationBytes, <f64>(liveBlocks - <u64>C.liveObjectBytes));
  put(S.STAT_liveObjects, <f64>C.liveObjects());
  put(S.STAT_liveContainers, <f64>C.liveContainers);
  put(S.STAT_allocations, <f64>C.allocations);
  put(S.STAT_deallocations, <f64>C.deallocations);
  put(S.STAT_largeAllocations, <f64>C.largeAllocations);
  put(S.STAT_allocationFailures, <f64>C.allocationFailures);
  put(S.STAT_memoryGrows, <f64>C.memoryGrows);
  put(S.STAT_peakCommittedBytes, <f64>peakCommitted);
  return STATS;
}
