// refheap: a managed heap in WebAssembly linear memory. See README.md.
export { Heap, ALLOCATORS, COLLECTORS } from "./heap.js";
export { ALLOCATOR_INFO, COLLECTOR_INFO, STRATEGY_INFO, CAPABILITY_DOCS, allocatorsWith, collectorsWith } from "./strategies.js";
export type { AllocatorInfo, CollectorInfo, AllocatorCapability, CollectorCapability } from "./strategies.js";
export type { HeapOptions, AllocatorName, CollectorName, FinalizerMode, HandleLeak, VerifyReport } from "./heap.js";
export { GcController, DEBUG_STATS, DEBUG_COLLECTABLE, DEBUG_UNCOLLECTABLE, DEBUG_SAVEALL, DEBUG_LEAK } from "./gc.js";
export type { GcCallback, GcInfo, GenerationStats, Pause } from "./gc.js";
export { Handle } from "./handle.js";
export { Scope } from "./scope.js";
export { HeapType } from "./types.js";
export type { TypeSpec, TypeKind, ObjectKind, ScalarKind } from "./types.js";
export { RawApi } from "./raw.js";
export { HeapWeakRef, Finalize } from "./weak.js";
export { WeakValueMap, WeakKeyMap, HeapWeakSet, HeapWeakSet as WeakSet } from "./weakmaps.js";
export type { WeakProxy } from "./weak.js";
export { STAT_FIELDS, formatStats } from "./stats.js";
export type { HeapStats, SizeClassStats } from "./stats.js";
export * from "./errors.js";
export { AllocationTrace, TraceRecorder, replayTrace, validateTraceOps, TRACE_MIN_SIZE, TRACE_MAX_SIZE, TRACE_MAX_EVENTS } from "./trace.js";
export type { FragmentationSample, ReplayResult, ReplayOptions } from "./trace.js";
export { PHASE_NAMES } from "./phases.js";
export type { PhaseSnapshot, PhaseObject, PhaseName } from "./phases.js";
export { setWasmBaseUrl, instantiateLinked } from "./wasm.js";
export type { LinkOptions, LinkedExports, HostHooks, WasmMemory } from "./wasm.js";
export {
  Inspector, isHeldFromOutside, ObjectGraph, takeGraph, DominatorTree, dominos, toHeapSnapshot, heapSnapshotText, saveHeapSnapshot,
  loadHeapSnapshot, graphFromHeapSnapshot, validateHeapSnapshot, HeapSnapshotFormatError, toDot, chainToDot, renderSvg,
  Tracemalloc, TracemallocSnapshot, formatStatistics, MemoryTimeline, formatTimeline, formatPartition, formatTypeCounts, formatGrowth, formatChain,
} from "./inspect/index.js";
export type {
  ObjectInfo, ChainLink, ChainOptions, GrowthOptions, GrowthRow, CensusOptions, GroupBy, PartitionRow, HeapSnapshotJson, DotOptions,
  Trace, Statistic, StatisticDiff, StatisticKey, TracemallocOptions, TimelineSample, TimelineOptions,
} from "./inspect/index.js";
export { importHeaptrack, HeaptrackTrace, HEAPTRACK_MAX_REQUEST } from "./heaptrack.js";
export type { HeaptrackOptions, HeaptrackSummary, HeaptrackTimestamp } from "./heaptrack.js";
