// refheap: a managed heap in WebAssembly linear memory. See README.md.
export { Heap, ALLOCATORS, COLLECTORS } from "./heap.js";
export type { HeapOptions, AllocatorName, CollectorName, HandleLeak, VerifyReport } from "./heap.js";
export { Handle } from "./handle.js";
export { HeapType } from "./types.js";
export type { TypeSpec, TypeKind, ObjectKind, ScalarKind } from "./types.js";
export { RawApi } from "./raw.js";
export { HeapWeakRef, Finalize } from "./weak.js";
export { WeakValueMap, WeakKeyMap, HeapWeakSet, HeapWeakSet as WeakSet } from "./weakmaps.js";
export type { WeakProxy } from "./weak.js";
export { STAT_FIELDS, formatStats } from "./stats.js";
export type { HeapStats, SizeClassStats } from "./stats.js";
export * from "./errors.js";
