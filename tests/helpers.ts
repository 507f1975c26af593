// Every behavioural suite runs once per allocator x collector of the registry (strategies.json,
// plus any allocator built in with --allocator), on the checked (debug) build, and every heap a
// test made must pass heap.verify() when the test ends. Tests ask what a strategy can do through
// its capabilities, never by its name.
import { afterEach, describe } from "vitest";
import { ALLOCATORS, ALLOCATOR_INFO, COLLECTORS, COLLECTOR_INFO, Heap, type AllocatorName, type CollectorName, type GcInfo, type HeapOptions } from "../src/index.js";

/** REFHEAP_ALLOCATORS / REFHEAP_COLLECTORS (comma lists) narrow the suites to some strategies (tests/external-collector.test.ts). */
function only<T extends string>(variable: string, all: readonly T[]): readonly T[] {
  const want = process.env[variable]?.split(",").filter(Boolean);
  if (!want) return all;
  for (const w of want) if (!all.includes(w as T)) throw new Error(`${variable}: no strategy '${w}' (built: ${all.join(", ")})`);
  return all.filter((n) => want.includes(n));
}
export const STRATEGIES = only("REFHEAP_ALLOCATORS", ALLOCATORS).flatMap((allocator) => only("REFHEAP_COLLECTORS", COLLECTORS).map((collector) => ({ allocator, collector })));
/** What an allocator can do (strategies.json, its file's CAPABILITIES). */
export const allocatorCaps = (allocator: AllocatorName) => ALLOCATOR_INFO[allocator].capabilities;
/** What a collector can do (its file's CAPABILITIES). */
export const collectorCaps = (collector: CollectorName) => COLLECTOR_INFO[collector].capabilities;

export interface SuiteContext {
  strategy: (typeof STRATEGIES)[number];
  /** Whether this allocator reuses freed memory (all but the bump floor). */
  reuses: boolean;
  /** A checked heap of this strategy, verified (and destroyed) after the test. */
  make(opts?: HeapOptions): Promise<Heap>;
}

export function heapSuite(name: string, body: (ctx: SuiteContext) => void): void {
  describe.each(STRATEGIES)(`${name} [$allocator/$collector]`, (strategy) => {
    const heaps: Heap[] = [];
    afterEach(() => {
      for (const h of heaps.splice(0)) {
        if (!h.destroyed) h.verify();
        h.destroy();
      }
    });
    body({
      strategy,
      reuses: allocatorCaps(strategy.allocator).reuses,
      async make(opts: HeapOptions = {}) {
        const h = await Heap.create({ debug: true, ...strategy, ...opts });
        heaps.push(h);
        return h;
      },
    });
  });
}

/** A node type like the benchmarks': references a, b and an i32 v. */
export function defineNode(heap: Heap, extra: Partial<Parameters<Heap["defineType"]>[0]> = {}) {
  return heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, ...extra });
}

/** Deterministic PRNG (mulberry32) for stress loops. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The stop report of one gc.collect(g). */
export function collectInfo(heap: Heap, g: number): GcInfo {
  let info: GcInfo | undefined;
  const cb = (phase: "start" | "stop", i: GcInfo) => { if (phase === "stop") info = i; };
  heap.gc.callbacks.push(cb);
  try { heap.gc.collect(g); } finally { heap.gc.callbacks.splice(heap.gc.callbacks.indexOf(cb), 1); }
  return info!;
}

/**
 * Collects JS garbage until `released()` holds: FinalizationRegistry callbacks run in later tasks,
 * much later on a loaded machine (5 rounds of setTimeout(0) failed at load 8). Up to 10 s: a handle
 * that is never released still fails the test.
 */
export const collectJsGarbage = async (released: () => boolean) => {
  for (let i = 0, end = Date.now() + 10_000; i < 5 || (!released() && Date.now() < end); i++) {
    (globalThis as { gc?: () => void }).gc!();
    await new Promise((r) => setTimeout(r, i < 5 ? 0 : 20));
  }
};
