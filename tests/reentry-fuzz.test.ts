// The re-entrancy fuzzer: random programs (tests/model/program.ts) whose finalizers, weakref
// callbacks, finalize objects, gc callbacks, onUnraisable, allocation events listeners and
// gc.observePhases listeners call back into the heap at random points (tests/model/reentry.ts),
// on every allocator x collector and both builds, checked against the reference model and
// heap.verify() after every step; calls the heap documents as refused must be refused with a
// typed error and change nothing. `npm run soak -- --fuzz` runs it for longer.
import { afterAll, expect, test } from "vitest";
import fc from "fast-check";
import { STRATEGIES, collectorCaps, heapSuite } from "./helpers.js";
import { reentryProgramArb, runProgram } from "./model/program.js";
import { reentryFigures } from "./model/reentry.js";
import { HeapConfigError, WeakSet, WeakValueMap } from "../src/index.js";
import { figures } from "./model/program.js";
import { modelFigures } from "./model/model.js";
import { EVENT_CAPACITY } from "../src/generated/boundary.js";

// A fixed seed by default, so that a run is reproducible; FUZZ_SEED=<n> explores others, FUZZ_RUNS=<n> runs more.
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

heapSuite("re-entrant host code", ({ strategy }) => {
  const seed = SEED + STRATEGIES.findIndex((s) => s.allocator === strategy.allocator && s.collector === strategy.collector);
  for (const debug of [true, false]) {
    test(`random programs with re-entrant host code (${debug ? "debug" : "release"} build)`, async () => {
      await fc.assert(fc.asyncProperty(reentryProgramArb(40), (prog) => runProgram(strategy, prog, debug)), { numRuns: RUNS, seed });
    });
  }
});

afterAll(() => {
  console.log(`re-entrancy fuzzer: ${figures.programs} programs, ${figures.operations} operations, ${reentryFigures.hostCalls} host calls re-entering with ${reentryFigures.actions} actions (${JSON.stringify(reentryFigures.byAct)}), ${reentryFigures.refused} calls refused as documented, ${modelFigures.deferredWeakrefDeaths} weakref deaths deferred behind their referent's`);
});

// Defects the fuzzer found outside issue 14's list, each fixed at its root.
heapSuite("defects the re-entrancy fuzzer found", ({ make, strategy }) => {
  test("onUnraisable runs after the core returns, never inside a death or a collection (a finalizer's own handle used to flush it)", async () => {
    const heap = await make();
    const log: string[] = [];
    const T = heap.defineType({ name: "T", refs: ["next"], weakrefable: true, finalizer: () => { log.push("finalizer"); throw new Error("boom"); } });
    heap.onUnraisable = () => { log.push(`reported${heap.core.gcIsCollecting() ? " mid-collection" : ""}`); };
    // by refcount: a's death frees b inside the same core call
    const a = heap.alloc(T), b = heap.alloc(T);
    a.set("next", b);
    b.dispose();
    a.dispose();
    expect(log).toEqual(["finalizer", "finalizer", "reported", "reported"]);
    if (!collectorCaps(strategy.collector).collectsCycles) return;
    // in a collection: two finalizers in one cycle
    log.length = 0;
    const c = heap.alloc(T), d = heap.alloc(T);
    c.set("next", d); d.set("next", c);
    c.dispose(); d.dispose();
    heap.gc.collect();
    expect(log).toEqual(["finalizer", "finalizer", "reported", "reported"]);
  });

  test("a listener delivered at a safe point (flushAllocationEvents) may inspect the heap, and so may a gc callback under it", async () => {
    const heap = await make();
    const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true });
    const kept = heap.alloc(T);
    const counts: number[] = [];
    if (heap.capabilities.collector.collectsCycles) heap.gc.callbacks.push((phase) => { if (phase === "start") counts.push(heap.inspect.count("T")); });
    let inListener = false;
    const off = heap.onAllocationEvents(() => {
      if (inListener) return;
      inListener = true;
      try {
        counts.push(heap.inspect.count("T"));
        if (heap.capabilities.collector.collectsCycles) heap.gc.collect(); // its gc callback inspects too
      } finally { inListener = false; }
    });
    heap.alloc(T).dispose();
    heap.flushAllocationEvents();
    expect(counts.length).toBeGreaterThanOrEqual(heap.capabilities.collector.collectsCycles ? 2 : 1);
    expect(counts.every((n) => n === 1 || n === 2)).toBe(true);
    off();
    kept.dispose();
  });

  test("an allocation events listener called mid-allocation cannot delete from or iterate a weak container (HeapConfigError, nothing changed)", async () => {
    const heap = await make();
    const T = heap.defineType({ name: "T", refs: [], weakrefable: true });
    const o = heap.alloc(T);
    const wvm = new WeakValueMap(heap), ws = new WeakSet(heap);
    wvm.set(1, o).set("s", o);
    ws.add(o);
    const seen: unknown[] = [];
    heap.core.eventsSetBatchSize(1); // every event delivered as it happens, inside the allocation or free
    const off = heap.onAllocationEvents(() => {
      if (seen.length) return;
      for (const attempt of [() => wvm.delete(1), () => wvm.delete("s"), () => wvm.has("s"), () => [...wvm.keys()], () => [...ws]]) {
        try { attempt(); seen.push("ran"); } catch (err) { seen.push(err instanceof HeapConfigError ? "refused" : err); }
      }
    });
    heap.alloc(T).dispose();
    expect(seen).toEqual(["refused", "refused", "refused", "refused", "refused"]);
    expect([wvm.size, ws.size, heap.refcount(o)]).toEqual([2, 1, 1]);
    off();
    heap.core.eventsSetBatchSize(EVENT_CAPACITY);
    wvm.dispose(); ws.dispose(); o.dispose();
  });
});
