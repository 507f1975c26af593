// Collector phases, observed: with gc.observePhases(listener) on, the core reports each step of a
// collection (assembly/collect/phases.ts) and this file turns the
// lists it names into plain snapshots: every object of the set with its refcount and gc_refs.
// The explorer steps through these; tests check what holds after each step against CPython's.

import type { Heap } from "./heap.js";
import {
  FLAG_COLLECTING, FLAG_FINALIZED, FLAG_HAS_WEAKREFS, GC_NEXT_OFFSET, GC_PREV_OFFSET, INFO_OFFSET, PHASE_INTERNAL_SUBTRACTED, PHASE_NAMES as NAMES,
  PHASE_REFS_COPIED, PHASE_UNREACHABLE_MOVED, RC_OFFSET, TYPE_ID_MASK,
} from "./generated/boundary.js";

/** Each step's name, by the code the core reports (the phases group of boundary.json). */
export type PhaseName = (typeof NAMES)[keyof typeof NAMES];
export const PHASE_NAMES: Readonly<Record<number, PhaseName>> = NAMES;

export interface PhaseObject {
  address: number;
  type: string;
  refcount: number;
  /**
   * gc_refs: read at "copy refcounts" and "subtract internal references" (the set is singly linked
   * then and gcPrev holds it); 0 for the tentatively unreachable at "move unreachable" (their gcPrev
   * is a list link again, as in CPython, and their gc_refs was 0); otherwise null.
   */
  gcRefs: number | null;
  finalized: boolean;
  hasWeakrefs: boolean;
}

export interface PhaseSnapshot {
  phase: PhaseName;
  /** The generation being collected (2 for a recycler's full collection, 0 for its steps). */
  generation: number;
  /** What the core names at this step: the set, the reachable part, or the older generation (see PHASE_NAMES' comments in the core). */
  listA: PhaseObject[];
  /** The unreachable (or still unreachable) objects, when the step has them. */
  listB: PhaseObject[];
}

/**
 * The addresses on one of the collector's lists (a generation, or a list a phase report names), in
 * order, read through gcNext. Bit 0 of gcNext marks the tentatively unreachable during a scan, so it
 * is masked. Stops after `limit` objects: a damaged list cannot loop forever.
 */
export function collectorList(u32: Uint32Array, head: number, limit = 10_000_000): number[] {
  const out: number[] = [];
  for (let p = u32[(head + GC_NEXT_OFFSET) >>> 2]! & ~1; p !== head && out.length < limit; p = u32[(p + GC_NEXT_OFFSET) >>> 2]! & ~1) out.push(p);
  return out;
}

function readList(heap: Heap, head: number, gcRefs: "read" | "zero" | "none"): PhaseObject[] {
  if (!head) return [];
  const u32 = heap.views.u32;
  return collectorList(u32, head).map((p) => {
    const info = u32[(p + INFO_OFFSET) >>> 2]!;
    return {
      address: p,
      type: heap.types[info & TYPE_ID_MASK]?.name ?? `type ${info & TYPE_ID_MASK}`,
      refcount: u32[(p + RC_OFFSET) >>> 2]!,
      gcRefs: !(info & FLAG_COLLECTING) || gcRefs === "none" ? null : gcRefs === "zero" ? 0 : u32[(p + GC_PREV_OFFSET) >>> 2]!,
      finalized: (info & FLAG_FINALIZED) !== 0,
      hasWeakrefs: (info & FLAG_HAS_WEAKREFS) !== 0,
    };
  });
}

/** @internal reads the lists a phase report names (called from inside the collection: read only). */
export function snapshotPhase(heap: Heap, code: number, generation: number, listA: number, listB: number): PhaseSnapshot {
  const readsRefs = code === PHASE_REFS_COPIED || code === PHASE_INTERNAL_SUBTRACTED;
  return {
    phase: PHASE_NAMES[code] ?? ("unknown" as PhaseName), generation,
    listA: readList(heap, listA >>> 0, readsRefs ? "read" : "none"),
    listB: readList(heap, listB >>> 0, code === PHASE_UNREACHABLE_MOVED ? "zero" : "none"),
  };
}
