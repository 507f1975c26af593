// Pauses you can trust: each collection reports its anatomy (objects visited, a deterministic work
// count from the core; time in host callbacks; memory growth; time per step on request), and the
// core is compiled at the optimizing tier before anything runs. Work is bounded here by counts,
// never by time (timing lives in bench/: the P1 probe).
import { expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import { Heap, HeapTypeError, type GcInfo } from "../src/index.js";
import { lastCompile } from "../src/compile.js";

const PAGE = 65536;

/** N rings of k nodes linked through `next` only, each dropped at once; nothing else is tracked. */
function rings(heap: Heap, n: number, k: number, finalizer?: () => void): void {
  const Node = heap.types.find((t) => t?.name === "Ring") ?? heap.defineType({ name: "Ring", refs: ["next"], scalars: { v: "i32" }, finalizer });
  const raw = heap.raw;
  for (let r = 0; r < n; r++) {
    const first = raw.alloc(Node.id);
    let prev = first;
    for (let i = 1; i < k; i++) {
      const x = raw.alloc(Node.id);
      raw.setRefMove(prev, 0, x);
      prev = x;
    }
    raw.setRef(prev, 0, first);
    raw.decref(first);
  }
}

/** The stop report of one gc.collect(g). */
function collectInfo(heap: Heap, g: number): GcInfo {
  let info: GcInfo | undefined;
  const cb = (phase: "start" | "stop", i: GcInfo) => { if (phase === "stop") info = i; };
  heap.gc.callbacks.push(cb);
  try { heap.gc.collect(g); } finally { heap.gc.callbacks.splice(heap.gc.callbacks.indexOf(cb), 1); }
  return info!;
}

heapSuite("pause anatomy", ({ make, strategy }) => {
  const caps = collectorCaps(strategy.collector);
  if (!caps.collectsCycles) {
    test("refcounting alone pauses for nothing: no collection, no pause, rings stay", async () => {
      const heap = await make();
      rings(heap, 600, 4);
      expect(heap.gc.takePauses()).toEqual([]);
      expect(heap.stats().liveObjects).toBe(2400);
    });
    return;
  }

  // the gathering from candidate roots walks each object it gathers: every ring node under the recycler; under the
  // hybrid only the candidate (one per ring), whose children are young, in the set already
  const gathered = (n: number, k: number) => (caps.youngGeneration ? n : caps.candidates ? k * n : 0);
  test("info.visited: N unreachable rings of k in generation 0 visit k·N (subtract) + N (clearing starts once per ring), + what is gathered from candidate roots", async () => {
    const heap = await make();
    heap.gc.disable();
    for (const [n, k] of [[50, 3], [200, 4], [7, 10]] as const) {
      rings(heap, n, k);
      const info = collectInfo(heap, 0);
      expect(info.collected).toBe(n * k);
      expect(info.visited).toBe(k * n + n + gathered(n, k));
    }
    heap.gc.enable();
  });

  test("info.visited is the same work count for the same program, zero at start, and in every Pause", async () => {
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const heap = await make();
      const seen: number[] = [];
      heap.gc.callbacks.push((phase, info) => { if (phase === "start") expect(info.visited).toBe(0); else seen.push(info.visited); });
      rings(heap, 600, 4); // automatic collections on the way
      heap.gc.collect();
      const pauses = heap.gc.takePauses();
      expect(pauses.map((p) => p.visited)).toEqual(seen);
      counts.push(seen.reduce((a, b) => a + b, 0));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });

  test("a young collection's visits follow the young garbage, not the old heap", async () => {
    const alone = await make();
    alone.gc.disable();
    rings(alone, 100, 4);
    const without = collectInfo(alone, 0).visited;
    const heap = await make();
    heap.gc.disable();
    const Keep = heap.defineType({ name: "Keep", kind: "refarray" });
    const old = heap.raw.allocList(Keep.id, 0);
    rings(heap, 1, 2); // defines Ring first: the same type ids as `alone`
    heap.gc.collect(2);
    for (let i = 0; i < 5000; i++) { const p = heap.raw.allocList(Keep.id, 0); heap.raw.listAppend(old, p); heap.raw.decref(p); }
    heap.gc.collect(2); // the 5,000 are old now
    rings(heap, 100, 4);
    expect(collectInfo(heap, 0).visited).toBe(without);
    heap.raw.decref(old);
  });

  test("info.hostMs: the time finalizers take inside the collection, part of its duration", async () => {
    const heap = await make();
    heap.gc.disable();
    let runs = 0;
    rings(heap, 3, 2, () => { runs++; const t = performance.now(); while (performance.now() - t < 2); });
    const info = collectInfo(heap, 0);
    expect(runs).toBe(6);
    expect(info.hostMs).toBeGreaterThanOrEqual(12);
    expect(info.hostMs).toBeLessThanOrEqual(info.duration);
    // without finalizers to run: no host time
    const quiet = await make();
    quiet.gc.disable();
    rings(quiet, 3, 2);
    expect(collectInfo(quiet, 0).hostMs).toBe(0);
  });

  test("info.grownBytes: the linear memory committed during the collection (a finalizer that allocates), 0 otherwise", async () => {
    const heap = await make();
    heap.gc.disable();
    const Blob = heap.defineType({ name: "Blob", kind: "bytes" });
    const kept: number[] = [];
    rings(heap, 1, 2, () => { if (!kept.length) for (let i = 0; i < 8; i++) kept.push(heap.raw.allocBytes(Blob.id, 256 * 1024)); });
    const before = heap.core.memory.buffer.byteLength;
    const info = collectInfo(heap, 0);
    expect(info.grownBytes).toBe(heap.core.memory.buffer.byteLength - before);
    expect(info.grownBytes).toBeGreaterThan(0);
    expect(info.grownBytes % PAGE).toBe(0);
    for (const p of kept) heap.raw.decref(p);
    rings(heap, 5, 3);
    const quiet = collectInfo(heap, 0);
    expect(quiet.grownBytes).toBe(0);
  });

  test("gc.setPhaseTiming: milliseconds per step, host time excluded; absent when off", async () => {
    const heap = await make();
    heap.gc.disable();
    rings(heap, 50, 3);
    expect(collectInfo(heap, 0).phases).toBeUndefined();
    expect(() => heap.gc.setPhaseTiming(1 as unknown as boolean)).toThrow(HeapTypeError);
    heap.gc.setPhaseTiming(true);
    expect(heap.gc.getPhaseTiming()).toBe(true);
    rings(heap, 50, 3);
    const info = collectInfo(heap, 0);
    const steps = Object.keys(info.phases!);
    for (const s of ["copy refcounts", "subtract internal references", "move unreachable", "clear garbage", "promote survivors"]) expect(steps).toContain(s);
    if (caps.candidates) expect(steps).toContain("gather candidates' subgraph");
    const sum = Object.values(info.phases!).reduce((a, b) => a + b!, 0);
    for (const ms of Object.values(info.phases!)) expect(ms).toBeGreaterThanOrEqual(0);
    expect(sum).toBeLessThanOrEqual(info.duration + 1e-6);
    expect(heap.gc.takePauses().at(-1)!.phases).toEqual(info.phases);
    // a phase listener keeps working beside the timing, and turning timing off leaves it on
    const seen: string[] = [];
    heap.gc.observePhases((s) => seen.push(s.phase));
    heap.gc.setPhaseTiming(false);
    rings(heap, 5, 3);
    expect(collectInfo(heap, 0).phases).toBeUndefined();
    expect(seen).toContain("move unreachable");
    heap.gc.observePhases(null);
  });
});

test("the core is compiled at the optimizing tier before anything runs (node:v8 flags for that compile)", async () => {
  (await Heap.create()).destroy();
  expect(lastCompile.eager).toBe(true);
});
