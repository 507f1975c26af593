// Collector phases, observed: with gc.observePhases(listener) on, the core reports each step of a
// collection (assembly/collect/phases.ts) and this file turns the
// lists it names into plain snapshots: every object of the set with its refcount and gc_refs.
// The explorer steps through these; tests check what holds after each step against CPython's.

import type { Heap } from "./heap.js";

export const PHASE_NAMES: Record<number, PhaseName> = {
  2: "merge generations",
  3: "gather candidates' subgraph",
  4: "copy refcounts",
  5: "subtract internal references",
  6: "move unreachable",
  7: "handle weakrefs",
  8: "run finalizers",
  9: "check resurrection",
  10: "clear garbage",
  11: "promote survivors",
};
export type PhaseName =
  | "merge generations" | "gather candidates' subgraph" | "copy refcounts" | "subtract internal references"
  | "move unreachable" | "handle weakrefs" | "run finalizers" | "check resurrection" | "clear garbage" | "promote survivors";

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

const FLAG_HAS_WEAKREFS = 1 << 20, FLAG_FINALIZED = 1 << 22, FLAG_COLLECTING = 1 << 23; // assembly/layout.ts

/**
 * The addresses on one of the collector's lists (a generation, or a list a phase report names), in
 * order, read through gcNext. Bit 0 of gcNext marks the tentatively unreachable during a scan, so it
 * is masked. Stops after `limit` objects: a damaged list cannot loop forever.
 */
export function collectorList(u32: Uint32Array, head: number, limit = 10_000_000): number[] {
  const out: number[] = [];
  for (let p = u32[(head + 8) >>> 2]! & ~1; p !== head && out.length < limit; p = u32[(p + 8) >>> 2]! & ~1) out.push(p);
  return out;
}

function readList(heap: Heap, head: number, gcRefs: "read" | "zero" | "none"): PhaseObject[] {
  if (!head) return [];
  const u32 = heap.views.u32;
  return collectorList(u32, head).map((p) => {
    const info = u32[(p + 4) >>> 2]!;
    return {
      address: p,
      type: heap.types[info & 0xffff]?.name ?? `type ${info & 0xffff}`,
      refcount: u32[p >>> 2]!,
      gcRefs: !(info & FLAG_COLLECTING) || gcRefs === "none" ? null : gcRefs === "zero" ? 0 : u32[(p + 12) >>> 2]!,
      finalized: (info & FLAG_FINALIZED) !== 0,
      hasWeakrefs: (info & FLAG_HAS_WEAKREFS) !== 0,
    };
  });
}

/** @internal reads the lists a phase report names (called from inside the collection: read only). */
export function snapshotPhase(heap: Heap, code: number, generation: number, listA: number, listB: number): PhaseSnapshot {
  const readsRefs = code === 4 || code === 5;
  return {
    phase: PHASE_NAMES[code] ?? ("unknown" as PhaseName), generation,
    listA: readList(heap, listA >>> 0, readsRefs ? "read" : "none"),
    listB: readList(heap, listB >>> 0, code === 6 ? "zero" : "none"),
  };
}
