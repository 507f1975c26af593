// Allocation events, trace recording, the .rhtrace file format, and replay against every strategy.
import { describe, expect, it } from "vitest";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { ALLOCATORS, AllocationTrace, HeapTypeError, TraceRecorder, replayTrace, type Heap } from "../src/index.js";
import { allocatorCaps, collectorCaps, defineNode, heapSuite, rng } from "./helpers.js";

/** A small mixed workload: trees, lists that grow, byte strings, and a cycle. */
function workload(heap: Heap, seed: number, rounds = 200): void {
  const Node = defineNode(heap);
  const List = heap.defineType({ name: "List", kind: "refarray" });
  const Str = heap.defineType({ name: "Str", kind: "bytes" });
  const random = rng(seed);
  const kept: ReturnType<Heap["alloc"]>[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = random();
    if (x < 0.4) {
      using n = heap.alloc(Node);
      using child = heap.alloc(Node);
      n.set("a", child);
    } else if (x < 0.6) {
      const l = heap.alloc(List);
      for (let k = 0; k < 1 + Math.floor(random() * 20); k++) l.push(null);
      kept.push(l);
    } else if (x < 0.8) {
      kept.push(heap.alloc(Str, Math.floor(random() * 2000)));
    } else if (kept.length) {
      kept.splice(Math.floor(random() * kept.length), 1)[0].dispose();
    }
  }
  const a = heap.alloc(Node), b = heap.alloc(Node);
  a.set("a", b); b.set("a", a);
  if (!collectorCaps(heap.collector).collectsCycles) a.set("a", null); // no cycle collector: break it by hand
  a.dispose(); b.dispose();
  if (collectorCaps(heap.collector).collectsCycles) heap.gc.collect();
  for (const h of kept) h.dispose();
}

heapSuite("allocation events", ({ make, strategy }) => {
  it("reports every allocation and free in order, with exact sizes and types", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const seen: number[][] = [];
    const stop = heap.onAllocationEvents((ev) => { for (let i = 0; i < ev.length; i += 3) seen.push([ev[i] & 1, ev[i] >>> 1, ev[i + 1], ev[i + 2]]); });
    const n = heap.alloc(Node);
    const l = heap.alloc(List, 3);
    const np = n.ptr, lp = l.ptr;
    n.dispose();
    l.dispose();
    heap.flushAllocationEvents();
    stop();
    const allocs = seen.filter((e) => e[0] === 0), frees = seen.filter((e) => e[0] === 1);
    expect(allocs.map((e) => e[1])).toEqual([Node.id, List.id, 1]);
    expect(allocs[0][2]).toBe(np);
    expect(allocs[0][3]).toBe(Node.size);
    expect(allocs[1][2]).toBe(lp);
    expect(allocs[2][3]).toBe(8 + 3 * 4); // storage: owner, info, three slots
    expect(frees.map((e) => e[2]).sort()).toEqual(allocs.map((e) => e[2]).sort());
    // frees carry the size they were allocated with
    for (const f of frees) expect(f[3]).toBe(allocs.find((a) => a[2] === f[2])![3]);
    void strategy;
  });

  it("delivers batches when the buffer fills, and stops when the last listener leaves", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    let events = 0, batches = 0;
    const stop = heap.onAllocationEvents((ev) => { events += ev.length / 3; batches++; });
    for (let i = 0; i < 10_000; i++) heap.alloc(Node).dispose();
    expect(batches).toBeGreaterThanOrEqual(19); // 20,000 events, 1024 per batch
    stop();
    expect(events).toBe(20_000);
    for (let i = 0; i < 100; i++) heap.alloc(Node).dispose();
    heap.flushAllocationEvents();
    expect(events).toBe(20_000);
  });

  it("reports a throwing listener through onUnraisable and keeps delivering", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const errors: string[] = [];
    heap.onUnraisable = (err, context) => errors.push(`${context}: ${(err as Error).message}`);
    let calls = 0;
    const stop = heap.onAllocationEvents(function boom() { calls++; throw new Error("listener failed"); });
    heap.alloc(Node).dispose();
    heap.flushAllocationEvents();
    heap.alloc(Node).dispose();
    heap.flushAllocationEvents();
    stop();
    expect(calls).toBe(2);
    expect(errors).toEqual(["allocation events listener boom: listener failed", "allocation events listener boom: listener failed"]);
  });

  it("lets a listener allocate (its own events come after the batch it is reading)", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const got: number[] = [];
    const stop = heap.onAllocationEvents((ev) => {
      for (let i = 0; i < ev.length; i += 3) got.push(ev[i]);
      if (got.length < 3) heap.alloc(Node).dispose();
    });
    heap.alloc(Node).dispose();
    heap.flushAllocationEvents();
    heap.flushAllocationEvents();
    stop();
    expect(got.length).toBe(4); // the first pair, then the pair the listener made
    expect(got.map((w) => w & 1)).toEqual([0, 1, 0, 1]);
  });

  it("refuses heap calls from a listener the core called mid-operation; the heap stays consistent", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const errors: string[] = [];
    heap.onUnraisable = (err) => errors.push((err as Error).name + ": " + (err as Error).message);
    const keep = heap.alloc(Node);
    let first = true;
    const stop = heap.onAllocationEvents(() => {
      if (!first) return; // later deliveries: stop()'s flush is a safe point, where the heap may be used
      first = false;
      // the buffer filled inside one of the allocations below: nothing here may touch the heap
      const attempts: (() => unknown)[] = [() => heap.alloc(Node), () => keep.set("a", null), () => keep.dispose(), () => keep.get("a"), () => heap.stats()];
      if (collectorCaps(heap.collector).collectsCycles) attempts.push(() => heap.gc.collect());
      for (const attempt of attempts) {
        try { attempt(); errors.push("allowed"); } catch (e) { errors.push((e as Error).name); }
      }
    });
    for (let i = 0; i < 600; i++) heap.alloc(Node).dispose(); // 1,200 events: one delivery mid-operation
    stop();
    heap.flushUnraisable();
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(new Set(errors)).toEqual(new Set(["HeapConfigError"]));
    expect(keep.alive).toBe(true); // the refused dispose changed nothing
    keep.dispose();
  });

  it("records a workload into a trace whose frees match its allocations", async () => {
    const heap = await make();
    const rec = new TraceRecorder(heap, "mixed");
    workload(heap, 7);
    const trace = rec.stop();
    expect(rec.unmatchedFrees).toBe(0);
    expect(trace.allocations).toBeGreaterThan(200);
    expect(trace.frees).toBe(trace.allocations); // the workload drops everything
    expect(Object.values(trace.types)).toEqual(expect.arrayContaining(["Node", "List", "Str", "storage"]));
    const back = AllocationTrace.decode(trace.encode());
    expect(back.ops).toEqual(trace.ops);
    expect(back.types).toEqual(trace.types);
    expect(back.note).toBe("mixed");
  });
});

describe("trace file format", () => {
  const traceArb = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 8, max: 1 << 24 }), fc.integer({ min: 1, max: 4095 }), fc.nat()), { maxLength: 300 }).map((steps) => {
    const ops: number[] = [];
    const live: number[] = [];
    let allocs = 0;
    for (const [free, size, type, pick] of steps) {
      if (free && live.length) ops.push(0, live.splice(pick % live.length, 1)[0]);
      else { ops.push(size, type); live.push(allocs++); }
    }
    return new AllocationTrace(Uint32Array.from(ops), { 1: "storage" }, "prop");
  });

  it("round-trips any trace exactly", () => {
    fc.assert(fc.property(traceArb, (t) => {
      const back = AllocationTrace.decode(t.encode());
      expect(back.ops).toEqual(t.ops);
    }), { numRuns: 200 });
  });

  it("is compact: a short-lived object costs about 3 bytes before compression", () => {
    const ops: number[] = [];
    for (let i = 0; i < 100_000; i++) ops.push(24, 5, 0, i);
    const file = new AllocationTrace(Uint32Array.from(ops), {}).encode();
    expect(file.length).toBeLessThan(100_000); // < 1 byte per event once gzipped
  });

  it("rejects files that are not traces, or are truncated, with a typed error", () => {
    expect(() => AllocationTrace.decode(new Uint8Array([1, 2, 3]))).toThrow(HeapTypeError);
    const good = new AllocationTrace(Uint32Array.from([16, 4, 0, 0]), {}).encode();
    
    const raw = gunzipSync(good);
    expect(() => AllocationTrace.decode(gzipSync(raw.subarray(0, raw.length - 1)))).toThrow(/truncated/);
    const wrongMagic = Buffer.from(raw); wrongMagic[0] = 0x58;
    expect(() => AllocationTrace.decode(gzipSync(wrongMagic))).toThrow(/bad magic/);
  });

  it("rejects a trace that frees before it allocates", async () => {
    const bad = new AllocationTrace(Uint32Array.from([16, 4, 0, 1]), {});
    await expect(replayTrace(bad)).rejects.toThrow(HeapTypeError);
  });
});

describe.each(ALLOCATORS)("replay [%s]", (allocator) => {
  it("replays a recorded trace on the checked build, verifying the heap at every sample", async () => {
    const { Heap } = await import("../src/index.js");
    const heap = await Heap.create({ debug: true });
    const rec = new TraceRecorder(heap);
    workload(heap, 11, 400);
    const trace = rec.stop();
    heap.verify();
    heap.destroy();
    const r = await replayTrace(trace, { allocator, samples: 20, debug: true });
    expect(r.events).toBe(trace.length);
    expect(r.series.length).toBeGreaterThanOrEqual(20);
    expect(r.series.at(-1)!.op).toBe(trace.length);
    expect(r.final.liveBytes).toBe(0); // everything was freed
    expect(r.peakLiveBytes).toBeGreaterThan(0);
    expect(r.peakHeapBytes).toBeGreaterThanOrEqual(r.peakLiveBytes);
    expect(r.fragmentationAtPeak).toBeGreaterThanOrEqual(0);
    expect(r.fragmentationAtPeak).toBeLessThan(1);
    for (const s of r.series) {
      expect(s.liveBytes).toBeLessThanOrEqual(s.heapBytes);
      expect(s.largestFreeBytes).toBeLessThanOrEqual(s.freeBytes);
      expect(s.externalFragmentation).toBeGreaterThanOrEqual(0);
      expect(s.externalFragmentation).toBeLessThanOrEqual(1);
    }
  });

  it("reuses memory unless it is the bump floor: peak committed of a churn trace", async () => {
    const ops: number[] = [];
    for (let i = 0; i < 20_000; i++) ops.push(64 + (i % 7) * 8, 4, 0, i); // allocate, free, 20,000 times
    const r = await replayTrace(new AllocationTrace(Uint32Array.from(ops), {}), { allocator, debug: true, samples: 5 });
    if (!allocatorCaps(allocator).reuses) expect(r.peakHeapBytes).toBeGreaterThan(20_000 * 64);
    else expect(r.peakHeapBytes).toBeLessThan(2 << 20);
  });

  it("finds external fragmentation in a free-every-other-block trace", async () => {
    const ops: number[] = [];
    const n = 2000;
    for (let i = 0; i < n; i++) ops.push(1024, 4); // large blocks, side by side
    for (let i = 0; i < n; i += 2) ops.push(0, i); // holes between live blocks
    const r = await replayTrace(new AllocationTrace(Uint32Array.from(ops), {}), { allocator, debug: true, samples: 2 });
    const end = r.final;
    expect(end.liveBytes).toBe((n / 2) * 1024);
    if (!allocatorCaps(allocator).reuses) {
      expect(end.freeBytes).toBe(end.largestFreeBytes); // only the tail is free: nothing is reused
    } else {
      expect(end.freeBytes).toBeGreaterThanOrEqual((n / 2) * 1024);
      expect(end.externalFragmentation).toBeGreaterThan(0.5); // a thousand holes, none larger than a block
    }
  });

  it("stops with a typed error when the trace does not fit in maxBytes", async () => {
    const ops: number[] = [];
    for (let i = 0; i < 100; i++) ops.push(100_000, 4);
    const { HeapOutOfMemoryError } = await import("../src/index.js");
    await expect(replayTrace(new AllocationTrace(Uint32Array.from(ops), {}), { allocator, maxBytes: 4 << 20 })).rejects.toThrow(HeapOutOfMemoryError);
  });
});
