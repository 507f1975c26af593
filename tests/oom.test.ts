// Out of memory: a clear HeapOutOfMemoryError, nothing half-done, the heap consistent and usable.
import { expect, test } from "vitest";
import { defineNode, heapSuite } from "./helpers.js";
import { HeapConfigError, HeapOutOfMemoryError, type Handle } from "../src/index.js";

heapSuite("out of memory", ({ make, reuses }) => {
  test("allocating past maxBytes throws HeapOutOfMemoryError and leaves the heap consistent", async () => {
    const heap = await make({ maxBytes: 8 << 20 });
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    const l = heap.alloc(List);
    let err: unknown;
    let n = 0;
    try {
      // x is disposed even when push fails: a leaked Node in mid-heap would split the free space
      for (;;) { const x = heap.alloc(Node); n++; try { l.push(x); } finally { x.dispose(); } }
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(HeapOutOfMemoryError);
    expect((err as Error).message).toMatch(/out of memory .*maxBytes 8388608/);
    expect(n).toBeGreaterThan(100_000);
    heap.verify();
    const s = heap.stats();
    expect(s.committedBytes).toBeLessThanOrEqual(8 << 20);
    expect(s.allocationFailures).toBeGreaterThanOrEqual(1);
    expect(() => heap.alloc(Bytes, 4 << 20)).toThrow(HeapOutOfMemoryError);
    heap.verify();
    l.dispose();
    if (reuses) {
      // usable again once memory is released
      const big = heap.alloc(Bytes, 4 << 20);
      expect(big.length).toBe(4 << 20);
    } else {
      expect(() => heap.alloc(Bytes, 4 << 20)).toThrow(HeapOutOfMemoryError); // the floor never reuses
    }
    heap.verify();
  });

  test("a list that cannot grow is left unchanged", async () => {
    const heap = await make({ maxBytes: 4 << 20 });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    const l = heap.alloc(List);
    const fill: Handle[] = [];
    try { for (;;) fill.push(heap.alloc(Bytes, 60_000)); } catch (e) { expect(e).toBeInstanceOf(HeapOutOfMemoryError); }
    let pushed = 0;
    try { for (;;) { l.push(null); pushed++; } } catch (e) { expect(e).toBeInstanceOf(HeapOutOfMemoryError); }
    expect(l.length).toBe(pushed);
    heap.verify();
    for (const f of fill) f.dispose();
    if (reuses) {
      l.push(null);
      expect(l.length).toBe(pushed + 1);
    }
  });

  test("huge and impossible sizes are refused cleanly", async () => {
    const heap = await make({ maxBytes: 16 << 20 });
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    const List = heap.defineType({ name: "L", kind: "refarray" });
    expect(() => heap.alloc(Bytes, 0x7fff_0000)).toThrow(HeapOutOfMemoryError);
    expect(() => heap.alloc(List, 0x1fff_0000)).toThrow(HeapOutOfMemoryError);
    expect(heap.alloc(Bytes, 10).length).toBe(10);
  });

  test("maxBytes below what the heap needs to start is a clear error", async () => {
    await expect(make({ maxBytes: 65536 })).rejects.toThrow(HeapOutOfMemoryError);
    await expect(make({ maxBytes: -1 })).rejects.toThrow(HeapConfigError);
    await expect(make({ maxBytes: NaN })).rejects.toThrow(HeapConfigError);
  });
});
