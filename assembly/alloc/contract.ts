// === The allocator contract: what every allocator module exports ===
// One module per allocator (pools.ts, tlsf.ts, firstfit.ts, bump.ts, mimalloc.ts, or a file from
// outside the repository built with --allocator, docs/allocators.md). The generated registry
// (strategies.json -> generated/registry.ts) is the only code that calls them, one switch on the
// code chosen at init; walk.ts, verify.ts, stats.ts and poolmap.ts go through it and know no
// allocator's internals. There is nothing to import from this file: it is the written contract,
// as AssemblyScript's rt/index.d.ts is for its runtimes (the build checks the exports exist).
//
//   export const CAPABILITIES: u32          CAP_* bits (generated/capabilities.ts, named in
//                                           strategies.json), 0 for none; the host reads them
//   init(start: usize): void                own [start, end of memory); called once, first
//   alloc(size: usize): usize               ≥ size bytes, 8-aligned, or 0 when memory is exhausted
//                                           (grow only through memory.ts growTo, which honours
//                                           maxBytes and tells the host); address arithmetic
//                                           must not wrap past 2^32: compare size with
//                                           MEMORY_LIMIT - top before adding, as bump.ts does
//   free(p: usize, size: usize): void       p from alloc(size): the object model always knows
//                                           an object's size, so no size header is needed
//   cursorStart(): void                     a walk over the live blocks, in a stable order:
//   cursorNext(): usize                     the next live block's address, 0 past the last
//   cursorBlockSize(): usize                bytes of the block cursorNext last returned (an
//                                           object must fit in it)
//   end(): usize                            where the live blocks end: no object extends past
//                                           it (debug builds refuse raw pointers beyond it)
//   check(): void                           its own invariants (mimalloc's _mi_page_is_valid):
//                                           report each broken one with fail(msg, p)
//                                           (failure.ts); read-only; runs before any walk
//   stats(): u64                            put its byte parts (statbuf.ts; the parts of
//                                           src/stats-table.json sum to committedBytes: the core
//                                           puts the objects' header and payload bytes, the
//                                           allocator everything else, staticBytes included)
//                                           and return the bytes its live blocks span (the core
//                                           puts the rounding: that minus the objects' bytes)
//   classRows(out: usize): u32              with CAP_SIZE_CLASSES: rows {class, block size,
//                                           pages, blocks in use, blocks free} from the last
//                                           stats(), the row count (at most 128); and the
//   SMALL_MAX: usize, CLASS_COUNT: u32      largest request served from classes, the classes
//   poolRecord(k: u32, out: usize): bool    with CAP_POOL_MAP: the k-th pool or page as
//                                           {address, arena, class (0xFFFFFFFF: empty), used}
//
// What the core guarantees in return: a live block starts with the object header (layout.ts), its
// type id (INFO & TYPE_ID_MASK) is never 0, and the core never touches a block after free(). An
// allocator that finds live blocks by scanning marks freed ones with MARK_FREE (type id 0).
// Shared machinery to compose over: blocks.ts (boundary tags, split, coalesce, growth) and the
// tlsf module (pools.ts and mimalloc.ts take their arenas/segments and large objects from it).
