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
// ├─────┬─┬─┬─┬─┬─┬─┬─┬─┬─┬─┬─┬───┬───────────────────────────────┤
// │(rsv)│E│S│Y│Z│A│L│D│F│W│C│T│ G │            type id            │ +4  INFO_OFFSET
// ╞═════╧═╧═╧═╧═╧═╧═╧═╧═╧═╧═╧═╧═══╧═══════════════════════════════╡
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
//   S  bit 27 FLAG_OLD_SPACE   incremental collector (CPython 3.14): the object is in old space 1
//                                (else 0); meaningful on every tracked object under that collector.
//                                set: collect/track.ts track (young objects are not-visited),
//                                collect/incremental.ts when it moves or flips objects; clear: the same
//   E  bit 28 FLAG_DEFERRED      hybrid collector: a candidate whose walk into old objects waits for
//                                the next old pass (collect/deferred.ts); read only with CANDIDATE set.
//                                set: collect/deferred.ts when a young collection's walk was too long;
//                                clear: collect/candidates.ts possibleRoot (a new candidate is not
//                                deferred); left stale when CANDIDATE is cleared, as nothing reads it then
//   (rsv) bits 29..31            always 0 (verify.ts checks them and G: INFO_DEFINED_BITS below)
// The words after the info word, once a container has died (refcount 0, untracked): gcNext links
// rc.ts's `pending` worklist; gcPrev counts the references it has released (rc.ts releaseChildren).

// The offsets, sizes and bits above cross the boundary (the host reads headers too): boundary.json
// defines them, assembly/generated/boundary.ts holds the constants, this file draws them.
import {
  RC_OFFSET, INFO_OFFSET, GC_NEXT_OFFSET, GC_PREV_OFFSET, HEADER_SIZE, CONTAINER_HEADER_SIZE, TYPE_ID_MASK,
  FLAG_TRACKED, FLAG_CONTAINER, FLAG_HAS_WEAKREFS, FLAG_FINALIZER, FLAG_FINALIZED, FLAG_COLLECTING, FLAG_CANDIDATE, FLAG_FROZEN, FLAG_DYING, FLAG_OLD_SPACE, FLAG_DEFERRED,
} from "./generated/boundary";
export {
  RC_OFFSET, INFO_OFFSET, GC_NEXT_OFFSET, GC_PREV_OFFSET, HEADER_SIZE, CONTAINER_HEADER_SIZE, TYPE_ID_MASK,
  FLAG_TRACKED, FLAG_CONTAINER, FLAG_HAS_WEAKREFS, FLAG_FINALIZER, FLAG_FINALIZED, FLAG_COLLECTING, FLAG_CANDIDATE, FLAG_FROZEN, FLAG_DYING, FLAG_OLD_SPACE, FLAG_DEFERRED,
};

/**
 * The info word's bits that mean something: the type id and the flags above. The rest (G and rsv)
 * are always 0 on a live object, and verify.ts checks it: a stray bit there is a corrupted header
 * that no flag test would ever see.
 */
// @ts-ignore: decorator
@inline export const INFO_DEFINED_BITS: u32 = TYPE_ID_MASK | FLAG_TRACKED | FLAG_CONTAINER | FLAG_HAS_WEAKREFS | FLAG_FINALIZER
  | FLAG_FINALIZED | FLAG_COLLECTING | FLAG_CANDIDATE | FLAG_FROZEN | FLAG_DYING | FLAG_OLD_SPACE | FLAG_DEFERRED;

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
