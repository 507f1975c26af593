// === Object header layout ===
// Every object starts with an 8-byte header. Containers (types that hold references) add the two
// links of their collector list, CPython's PyGC_Head idea, for a 16-byte header. Objects are 8-byte
// aligned, so payload fields (and f64 scalars) are naturally aligned.
//
// Unlike CPython, the links come after the refcount rather than before the object pointer: the
// type table already gives every field offset, and a uniform [refcount, type] prefix at the object
// pointer lets a block be classified (live/free, container or not) from its first two words.
//
// ╒════════════════ Object header (32-bit words) ═════════════════╕
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// ├───────────────────────────────────────────────────────────────┤
// │                            refcount                           │ +0  RC_OFFSET
// ├─────────┬─┬─┬─┬─┬─┬─┬─┬─┬─┬───┬───────────────────────────────┤
// │  (rsv)  │Y│Z│A│L│D│F│W│C│T│ G │            type id            │ +4  INFO_OFFSET
// ╞═════════╧═╧═╧═╧═╧═╧═╧═╧═╧═╧═══╧═══════════════════════════════╡
// │                gcNext (containers only)                       │ +8  GC_NEXT_OFFSET
// ├───────────────────────────────────────────────────────────────┤
// │                gcPrev (containers only)                       │ +12 GC_PREV_OFFSET
// └───────────────────────────────────────────────────────────────┘
// Legend: every bit of the info word, who sets it and who clears it.
//   type id   bits 0..15  TYPE_ID_MASK       set: object.ts at allocation; 0 (a free block): the
//                                            allocators on free (MARK_FREE), so walks tell live from free
//   G         bits 16..17 (reserved, 0)      an object's generation is the collector list that holds
//                                            it: promotion splices whole lists in O(1), no bit could keep up
//   T  bit 18 FLAG_TRACKED       linked into a collector list through gcNext/gcPrev.
//                                set: collect/track.ts track (object.ts at allocation, rc.ts finalize);
//                                clear: collect/track.ts untrack (rc.ts at death, object.ts on free)
//   C  bit 19 FLAG_CONTAINER     the type holds references (copied from the type, so releasing a
//                                reference needs no type lookup). set: object.ts at allocation; never cleared
//   W  bit 20 FLAG_HAS_WEAKREFS  its weak list is not empty. set: weak.ts when a weakref is made;
//                                clear: weak.ts when the list empties (detachWeakrefs, weakref freed)
//   F  bit 21 FLAG_FINALIZER     the type has a finalizer. set: object.ts at allocation; never cleared
//   D  bit 22 FLAG_FINALIZED     its PEP 442 finalizer has run. set: rc.ts finalize, collect/trial.ts
//                                finalizeGarbage; never cleared (the finalizer runs once)
//   L  bit 23 FLAG_COLLECTING    in the set a collection examines (CPython's PREV_MASK_COLLECTING).
//                                set: collect/trial.ts updateRefs, collect/recycler.ts gathering;
//                                clear: collect/trial.ts when an object proves reachable, survives or
//                                is set aside. Never set between collections (verify checks)
//   A  bit 24 FLAG_CANDIDATE     on the candidate list (a possible cycle root: its count was
//                                decremented to non-zero). set: collect/candidates.ts possibleRoot;
//                                clear: collect/track.ts untrack, collect/recycler.ts when it takes
//                                the candidate, collect/gcmodule.ts freeze
//   Z  bit 25 FLAG_FROZEN        in the permanent generation (gc.freeze): never gathered or
//                                collected. set: collect/gcmodule.ts freeze; clear: gcmodule.ts
//                                unfreeze, rc.ts finalize (re-tracked into a young generation)
//   Y  bit 26 FLAG_DYING         on rc.ts's death worklist (its refcount word is then the list's
//                                link; weakrefs read it as dead). set: rc.ts deposit; clear: rc.ts
//                                when the drain loop takes it off the list
//   (rsv) bits 27..31            always 0

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
/** In the set being collected (collect/trial.ts). */
// @ts-ignore: decorator
@inline export const FLAG_COLLECTING: u32 = 1 << 23;
/** On the candidate list: a possible cycle root (collect/candidates.ts). */
// @ts-ignore: decorator
@inline export const FLAG_CANDIDATE: u32 = 1 << 24;
/** In the permanent generation (gc.freeze): never gathered or collected. */
// @ts-ignore: decorator
@inline export const FLAG_FROZEN: u32 = 1 << 25;
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
