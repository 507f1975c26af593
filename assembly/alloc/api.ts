// === What an allocator may use: one import for allocator files from outside the repository ===
// An external allocator (docs/allocators.md) imports from "refheap/alloc/api"; the build copies it
// next to the registry and rewrites "refheap/<path>" to assembly/<path>, so any core module can be
// named that way too (e.g. "refheap/alloc/tlsf" to compose over tlsf).

export { growTo, memoryEnd, MEMORY_LIMIT, PAGE_SIZE, withinLimit } from "../memory";
export { ALIGN, ALIGN_MASK, INFO, TYPE_ID_MASK, MARK_FREE, alignUp } from "../layout";
export { objectSize } from "../size";
export { fail } from "../failure";
export { put, add, atLeast } from "../statbuf";
export * from "../generated/stats_ids";
export * from "../generated/capabilities";
