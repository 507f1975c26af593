// === Object header layout ===
// Every object starts with an 8-byte header. Containers (types that hold references) add the two
// links of their collector list, CPython's PyGC_Head idea, for a 16-byte header. Objects are 8-byte
// aligned, so payload fields (and f64 scalars) are naturally aligned.
//
// Unlike CPython, the links come after the refcount rather than before the object pointer: the
// type table already gives every field offset, and a uniform [refcount, type] prefix at the object
// pointer lets a block be classified (live/free, container or not) from its first two words.
//
// ╒═════════════════ Object header (32-bit words) ═════════════════╕
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// ├─────────────────────────────────────────────────────────────────┤
// │                          refcount                               │ +0  RC_OFFSET
// ├───────────────────────────────┬─────────────────────────────────┤
// │ (rsv) │ D │ F │ W │ C │ T │ G │          type id              │ +4  INFO_OFFSET
// ╞═══════════════════════════════╧═════════════════════════════════╡
// │                gcNext (containers only)                         │ +8  GC_NEXT_OFFSET
// ├─────────────────────────────────────────────────────────────────┤
// │                gcPrev (containers only)                         │ +12 GC_PREV_OFFSET
// └─────────────────────────────────────────────────────────────────┘
//   G: reserved (2 bits, 16..17), always 0. An object's generation is the collector list that
//      holds it: promotion splices whole lists in O(1), so no per-object bit could be kept current.
//   T: TRACKED (bit 18): linked into a collector list through gcNext/gcPrev
//   C: CONTAINER (bit 19): the type holds references (copied from the type at allocation, so
//      releasing a reference needs no type-table lookup to know whether to visit children)
//   W: HAS_WEAKREFS (bit 20), F: FINALIZER (bit 21), D: FINALIZED (bit 22): weak.ts, rc.ts
//   type id 0 marks a free block (stored by the allocators on free, so walks can tell live from free)
//   In (rsv): COLLECTING (23), CANDIDATE (24), FROZEN (25): collect/generational.ts; DYING (26):
//   set by rc.ts when it deposits a death on its worklist (the refcount word is then the list's
//   link), cleared when the drain loop takes the object off it.

// @ts-ignore: decorator
@inline export const RC_OFFSET: usize = 0;
// @ts-ignore: decorator
@inline export const INFO_OFFSET: usize = 4;
// @ts-ignore: decorator
@inline export const GC_NEXT_OFFSET: usize = 8;
// @ts-ignore: decorator
@inline export const GC_PREV_OFFSET: usize = 12;

/** Header bytes of an object that is never tracked (bytes, types without references). */
// @ts-ignore: decorator
@inline export const HEADER_SIZE: usize = 8;
/** Header bytes of a container (refcount, info, gcNext, gcPrev). */
// @ts-ignore: decorator
@inline export const CONTAINER_HEADER_SIZE: usize = 16;

// @ts-ignore: decorator
@inline export const TYPE_ID_MASK: u32 = 0xffff;
// @ts-ignore: decorator
@inline export const FLAG_TRACKED: u32 = 1 << 18;
// @ts-ignore: decorator
@inline export const FLAG_CONTAINER: u32 = 1 << 19;
// @ts-ignore: decorator
@inline export const FLAG_HAS_WEAKREFS: u32 = 1 << 20;
// @ts-ignore: decorator
@inline export const FLAG_FINALIZER: u32 = 1 << 21;
// @ts-ignore: decorator
@inline export const FLAG_FINALIZED: u32 = 1 << 22;
/** On rc.ts's death worklist: refcount 0, its refcount word links the list, weakrefs read it as dead. */
// @ts-ignore: decorator
@inline export const FLAG_DYING: u32 = 1 << 26;

/** Every object and block is aligned to this many bytes. */
// @ts-ignore: decorator
@inline export const ALIGN: usize = 8;
// @ts-ignore: decorator
@inline export const ALIGN_MASK: usize = ALIGN - 1;

// @ts-ignore: decorator
@inline export function alignUp(n: usize): usize { return (n + ALIGN_MASK) & ~ALIGN_MASK; }

// @ts-ignore: decorator
@inline export function RC(obj: usize): u32 { return load<u32>(obj, RC_OFFSET); }
// @ts-ignore: decorator
@inline export function SET_RC(obj: usize, rc: u32): void { store<u32>(obj, rc, RC_OFFSET); }
// @ts-ignore: decorator
@inline export function INFO(obj: usize): u32 { return load<u32>(obj, INFO_OFFSET); }
// @ts-ignore: decorator
@inline export function SET_INFO(obj: usize, info: u32): void { store<u32>(obj, info, INFO_OFFSET); }
// @ts-ignore: decorator
@inline export function TYPE_ID(obj: usize): u32 { return load<u32>(obj, INFO_OFFSET) & TYPE_ID_MASK; }
// @ts-ignore: decorator
@inline export function GC_NEXT(obj: usize): usize { return load<usize>(obj, GC_NEXT_OFFSET); }
// @ts-ignore: decorator
@inline export function SET_GC_NEXT(obj: usize, p: usize): void { store<usize>(obj, p, GC_NEXT_OFFSET); }
// @ts-ignore: decorator
@inline export function GC_PREV(obj: usize): usize { return load<usize>(obj, GC_PREV_OFFSET); }
// @ts-ignore: decorator
@inline export function SET_GC_PREV(obj: usize, p: usize): void { store<usize>(obj, p, GC_PREV_OFFSET); }

/** Marks a block as free (type id 0) so allocator walks can tell it from a live object. */
// @ts-ignore: decorator
@inline export function MARK_FREE(block: usize): void { store<u32>(block, 0, INFO_OFFSET); }
