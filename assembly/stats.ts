// === Statistics: one buffer of f64 slots named by src/stats-table.json ===
// Byte accounting in the style of CPython's sys._debugmallocstats(): every committed byte is in
// exactly one part, so   Σ parts = committedBytes   (the host's verify() sums the slots whose
// kind is "part" in the table, so the list of parts is written down once).

import * as S from "./generated/stats_ids";
import * as C from "./counters";
import { CONTAINER_HEADER_SIZE, HEADER_SIZE } from "./layout";
import { arenasAllocatedTotal, arenasCurrent, arenasHighWater, arenasReclaimed } from "./alloc/pools";
import { firstBlock } from "./alloc/large";
import { bumpFreedBytes, bumpStart, bumpTop } from "./alloc/bump";
import { ALLOC_BUMP, strategy } from "./alloc/index";
import { memoryEnd } from "./memory";
import {
  VISIT_NONE, walkArenaAlignBytes, walkEmptyPoolBytes, walkHeap, walkLargeFreeBytes, walkLargeHeaderBytes, walkLargestFree,
  walkLiveBlockBytes, walkPoolFreeBytes, walkPoolHeaderBytes, walkPoolTailBytes,
} from "./walk";

export const STATS: usize = memory.data(S.STAT_COUNT * 8, 8);
let peakCommitted: usize = 0;

// @ts-ignore: decorator
@inline function put(slot: i32, v: f64): void { store<f64>(STATS + (<usize>slot << 3), v); }

/** Notes the committed size (called after growth). */
export function notePeak(): void { if (memoryEnd() > peakCommitted) peakCommitted = memoryEnd(); }

/** Fills STATS. Walks pools and large blocks (not objects), so it costs O(pools + large blocks). */
export function computeStats(): usize {
  memory.fill(STATS, 0, S.STAT_COUNT * 8);
  notePeak();
  let committed = memoryEnd();
  let headers = <u64>C.liveContainers * CONTAINER_HEADER_SIZE + <u64>(C.liveObjects() - C.liveContainers) * HEADER_SIZE;
  put(S.STAT_committedBytes, <f64>committed);
  put(S.STAT_objectHeaderBytes, <f64>headers);
  put(S.STAT_objectPayloadBytes, <f64>(<u64>C.liveObjectBytes - headers));
  if (strategy != ALLOC_BUMP) {
    walkHeap(VISIT_NONE);
    put(S.STAT_staticBytes, <f64>firstBlock);
    put(S.STAT_quantizationBytes, <f64>(walkLiveBlockBytes - <u64>C.liveObjectBytes));
    put(S.STAT_poolFreeBytes, <f64>walkPoolFreeBytes);
    put(S.STAT_poolHeaderBytes, <f64>walkPoolHeaderBytes);
    put(S.STAT_poolTailBytes, <f64>walkPoolTailBytes);
    put(S.STAT_emptyPoolBytes, <f64>walkEmptyPoolBytes);
    put(S.STAT_arenaAlignmentBytes, <f64>walkArenaAlignBytes);
    put(S.STAT_largeHeaderBytes, <f64>walkLargeHeaderBytes);
    put(S.STAT_largeFreeBytes, <f64>walkLargeFreeBytes);
    put(S.STAT_largestFreeBytes, <f64>walkLargestFree);
  } else {
    // bump: no walk needed, the pointer splits the space
    put(S.STAT_staticBytes, <f64>bumpStart);
    put(S.STAT_quantizationBytes, <f64>(<u64>(bumpTop - bumpStart) - bumpFreedBytes - <u64>C.liveObjectBytes));
    put(S.STAT_bumpFreedBytes, <f64>bumpFreedBytes);
    put(S.STAT_unusedTailBytes, <f64>(committed - bumpTop));
    put(S.STAT_largestFreeBytes, <f64>(committed - bumpTop));
  }
  put(S.STAT_liveObjects, <f64>C.liveObjects());
  put(S.STAT_liveContainers, <f64>C.liveContainers);
  put(S.STAT_allocations, <f64>C.allocations);
  put(S.STAT_deallocations, <f64>C.deallocations);
  put(S.STAT_largeAllocations, <f64>C.largeAllocations);
  put(S.STAT_allocationFailures, <f64>C.allocationFailures);
  put(S.STAT_arenasAllocatedTotal, <f64>arenasAllocatedTotal);
  put(S.STAT_arenasReclaimed, <f64>arenasReclaimed);
  put(S.STAT_arenasHighWater, <f64>arenasHighWater);
  put(S.STAT_arenasCurrent, <f64>arenasCurrent);
  put(S.STAT_memoryGrows, <f64>C.memoryGrows);
  put(S.STAT_peakCommittedBytes, <f64>peakCommitted);
  return STATS;
}
