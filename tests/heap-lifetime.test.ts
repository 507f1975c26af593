// Heaps are collectable once unreachable, destroyed or not (issue 14, item 8). A module-level
// FinalizationRegistry's held records named their heap, and held records are strongly held: a heap
// whose undisposed handle was captured by something the heap holds (a type finalizer, a weakref
// callback, gc.callbacks) was never collected. 200 such heaps kept ~900 MiB of RSS.
// Collectability is checked exactly (a FinalizationRegistry on each heap), and RSS is bounded
// generously: each heap here commits and touches 16 MiB (256 MiB in all, if they leaked).
import { describe, expect, test } from "vitest";
import { Heap, type Handle } from "../src/index.js";
import { STRATEGIES } from "./helpers.js";

const gc = globalThis.gc as () => void; // vitest runs with --expose-gc
const HEAPS = 16, TOUCHED = 16 << 20;

async function settle(until: () => boolean = () => false): Promise<void> {
  for (let i = 0; i < 20 && !until(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5)); // FinalizationRegistry callbacks run in later tasks
  }
}

/** Makes `count` heaps that each capture an undisposed handle in a finalizer, a weakref callback and gc.callbacks; returns nothing that reaches them. */
async function makeSelfHeldHeaps(count: number, opts: object, watch: FinalizationRegistry<number>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const heap = await Heap.create(opts);
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    let captured: Handle | null = null;
    const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true, finalizer: () => { void captured; } });
    const big = heap.alloc(Bytes, TOUCHED); // zero-filled: touched memory, counted in RSS
    captured = heap.alloc(T);
    const target = heap.alloc(T);
    heap.weakref(target, () => { void big; void captured; });
    if (heap.collector !== "none") heap.gc.callbacks.push(() => { void target; });
    heap.finalize(target, () => { void captured; });
    heap.verify();
    if (i % 2) heap.destroy(); // destroyed or not
    watch.register(heap, i);
  }
}

describe.each(STRATEGIES)("heap lifetime [$allocator/$collector]", (strategy) => {
  for (const debug of [true, false]) {
    test(`${debug ? "debug" : "release"}: unreachable heaps are collected, with their memory, even when they hold their own handles`, async () => {
      let collected = 0;
      const watch = new FinalizationRegistry<number>(() => { collected++; });
      // a first round compiles the module and warms the engine, whose own memory is not the heaps'
      await makeSelfHeldHeaps(2, { ...strategy, debug }, watch);
      await settle(() => collected === 2);
      const rss0 = process.memoryUsage().rss;
      await makeSelfHeldHeaps(HEAPS, { ...strategy, debug }, watch);
      await settle(() => collected === 2 + HEAPS);
      expect(collected).toBe(2 + HEAPS);
      // leaked, these heaps hold 256 MiB; collected, about nothing (the engine may keep some pages)
      const bound = (HEAPS * TOUCHED) / 2;
      await settle(() => process.memoryUsage().rss - rss0 < bound);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(bound);
    });
  }
});
