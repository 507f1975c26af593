// Out of memory: a clear HeapOutOfMemoryError, nothing half-done, the heap consistent and usable.
import { expect, test } from "vitest";
import { collectorCaps, defineNode, heapSuite } from "./helpers.js";
import { HeapConfigError, HeapOutOfMemoryError, WeakValueMap, type Handle } from "../src/index.js";
import { VMError } from "../src/vm/errors.js";
import { runProgram } from "./vm-helpers.js";

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

  // The policy (assembly/oom.ts): a failed allocation collects everything, when the collector
  // collects cycles, and tries once more. One place, in the core: every path below gets it.
  test("memory full of cyclic garbage: the allocation that fails collects it and goes on", async () => {
    const heap = await make({ maxBytes: 4 << 20 });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const cycles = collectorCaps(heap.collector).collectsCycles;
    if (cycles) heap.gc.disable(); // no automatic collection: only the policy frees the garbage
    let made = 0, err: unknown = null;
    try {
      // each: a 200 KB list holding itself, dropped at once (garbage only a cycle collector frees)
      for (; made < 100; made++) { const l = heap.alloc(List, 50_000); l.setAt(0, l); l.dispose(); }
    } catch (e) { err = e; }
    if (cycles && heap.capabilities.allocator.reuses) {
      expect(err).toBeNull();
      expect(heap.oomCollections).toBeGreaterThanOrEqual(4); // 100 lists of 200 KB in 4 MiB
    } else {
      expect(err).toBeInstanceOf(HeapOutOfMemoryError);
      expect(made).toBeLessThan(21);
      expect(heap.oomCollections).toBe(cycles ? 1 : 0); // tried once (the floor frees, but never reuses)
    }
    if (cycles) heap.gc.enable();
    heap.verify();
  });

  test("every allocating call of the host API gets one collection and one more try", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    const cycles = collectorCaps(heap.collector).collectsCycles;
    const target = heap.alloc(Node), list = heap.alloc(List), map = new WeakValueMap(heap);
    const calls: [string, () => unknown][] = [
      ["alloc(fixed)", () => heap.alloc(Node).dispose()],
      ["alloc(list)", () => heap.alloc(List, 3).dispose()],
      ["alloc(list, items)", () => heap.alloc(List, [target, null]).dispose()],
      ["alloc(bytes)", () => heap.alloc(Bytes, "abc").dispose()],
      ["push", () => list.push(target)],
      ["weakref", () => heap.weakref(target, () => {}).dispose()],
      ["WeakValueMap.set", () => { for (let k = 0; k < 64; k++) map.set(k, target); }],
    ];
    for (const [what, call] of calls) {
      const before = heap.oomCollections;
      heap.failAllocations(0, 1); // the next block allocation fails, once
      let err: unknown = null;
      try { call(); } catch (e) { err = e; }
      heap.failAllocations(null);
      const ran = heap.oomCollections - before;
      if (what === "WeakValueMap.set" && ran === 0) continue; // the table had room: nothing allocated
      expect({ what, ran, failed: err !== null }).toEqual({ what, ran: cycles ? 1 : 0, failed: !cycles });
      if (err) expect(err).toBeInstanceOf(HeapOutOfMemoryError);
    }
    map.dispose();
    target.dispose(); list.dispose();
  });

  test("the VM gets the same policy: a failed allocation collects, then MemoryError only if that made no room", async () => {
    const heap = await make();
    const cycles = collectorCaps(heap.collector).collectsCycles;
    const before = heap.oomCollections;
    let err: unknown = null, out = "";
    heap.failAllocations(200, 1); // a while into the program
    try { out = runProgram(heap, "(define xs (range 300)) (print (len xs))").out; } catch (e) { err = e; }
    heap.failAllocations(null);
    expect(heap.oomCollections - before).toBe(cycles ? 1 : 0);
    if (cycles) expect(out).toBe("300\n");
    else expect(String(err ?? out)).toMatch(/MemoryError/);
    if (err) expect(err).toBeInstanceOf(VMError);
  });

  test("maxBytes below what the heap needs to start is a clear error", async () => {
    await expect(make({ maxBytes: 65536 })).rejects.toThrow(HeapOutOfMemoryError);
    await expect(make({ maxBytes: -1 })).rejects.toThrow(HeapConfigError);
    await expect(make({ maxBytes: NaN })).rejects.toThrow(HeapConfigError);
  });
});
