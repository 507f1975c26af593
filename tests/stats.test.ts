// pymalloc-style accounting: the parts sum to the committed total; arenas are reused and released.
import { expect, test } from "vitest";
import { allocatorCaps, defineNode, heapSuite } from "./helpers.js";
import { STAT_FIELDS, type Handle } from "../src/index.js";

heapSuite("stats", ({ make, strategy }) => {
  test("the byte parts sum exactly to committedBytes, in every state", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    const parts = STAT_FIELDS.filter((f) => f.kind === "part").map((f) => f.name);
    const check = () => {
      const s = heap.stats();
      expect(parts.reduce((a, k) => a + s[k], 0)).toBe(s.committedBytes);
      expect(s.committedBytes).toBe(heap.raw.u8.length);
      for (const k of parts) expect(s[k], k).toBeGreaterThanOrEqual(0);
    };
    check();
    const keep: Handle[] = [];
    for (let i = 0; i < 5000; i++) keep.push(heap.alloc(Node), heap.alloc(Bytes, i % 700));
    check();
    for (let i = 0; i < keep.length; i += 3) keep[i].dispose();
    check();
    for (const h of keep) h.dispose();
    check();
  });

  test("header, payload and quantization bytes of a known population", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const nodes = Array.from({ length: 1000 }, () => heap.alloc(Node));
    const s = heap.stats();
    expect(s.liveObjects).toBe(1000);
    expect(s.liveContainers).toBe(1000);
    expect(s.objectHeaderBytes).toBe(16_000);
    expect(s.objectPayloadBytes).toBe(12_000);
    // 28-byte nodes: size classes and bump round them to 32-byte blocks; the block layer's payloads
    // fit them exactly (its 4-byte block header is counted in largeHeaderBytes), but a remainder too
    // small to split (under 16 bytes) stays with the block it follows
    if (!allocatorCaps(strategy.allocator).coalesces) expect(s.quantizationBytes).toBe(4_000);
    else expect(s.quantizationBytes).toBeLessThan(16);
    if (allocatorCaps(strategy.allocator).sizeClasses) {
      expect(s.sizeClasses).toEqual([expect.objectContaining({ size: 32, blocksInUse: 1000 })]);
      const [c] = s.sizeClasses;
      expect(c.blocksFree * c.size).toBe(s.poolFreeBytes); // one class in use: its free blocks are the pools' free bytes
    }
    if (allocatorCaps(strategy.allocator).arenas) {
      expect(s.sizeClasses).toEqual([{ sizeClass: 3, size: 32, pools: 2, blocksInUse: 1000, blocksFree: 2 * 511 - 1000 }]);
    }
    for (const n of nodes) n.dispose();
  });

  test("debugStats() prints a sys._debugmallocstats()-style report whose Total is the committed size", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    const text = heap.debugStats();
    const total = Number(/^Total\s+=\s+([\d,]+)$/m.exec(text)![1].replace(/,/g, ""));
    expect(total).toBe(heap.stats().committedBytes);
    if (allocatorCaps(strategy.allocator).arenas) {
      expect(text).toMatch(/class\s+size\s+num pools\s+blocks in use\s+avail blocks/);
      expect(text).toMatch(/^\s+3\s+32\s+1\s+1\s+510$/m);
      expect(text).toMatch(/# arenasAllocatedTotal\s+=\s+1$/m);
    }
    n.dispose();
  });

  if (allocatorCaps(strategy.allocator).arenas) {
    test("empty arenas are released for reuse, keeping one; the fullest arenas are used first", async () => {
      const heap = await make();
      const Node = defineNode(heap);
      const List = heap.defineType({ name: "List", kind: "refarray" });
      // six lists of 32,000 nodes; an arena holds 63-64 pools of 511 nodes (~32,193)
      const lists = Array.from({ length: 6 }, () => heap.alloc(List));
      for (let i = 0; i < 6 * 32_000; i++) {
        const n = heap.alloc(Node);
        lists[Math.floor(i / 32_000)].push(n);
        n.dispose();
      }
      let s = heap.stats();
      const high = s.arenasCurrent;
      expect(high).toBeGreaterThanOrEqual(6);
      expect(s.arenasHighWater).toBe(high);
      for (const l of lists.slice(0, 4)) l.dispose(); // frees the first ~3.97 arenas' nodes
      s = heap.stats();
      // at least two arenas became wholly free: all but one are released (bpo-37257; verify()
      // checks that at most one wholly free arena is kept, and that it is the last usable one)
      expect(s.arenasReclaimed).toBeGreaterThanOrEqual(1);
      expect(s.arenasCurrent).toBe(high - s.arenasReclaimed);
      heap.verify(); // checks: sorted usable_arenas, at most one wholly free arena, and it is last
      // new nodes fill the partly used arenas: no arena is carved
      const before = s.arenasAllocatedTotal;
      for (let i = 0; i < 1000; i++) { const n = heap.alloc(Node); lists[4].push(n); n.dispose(); }
      expect(heap.stats().arenasAllocatedTotal).toBe(before);
      lists[4].dispose();
      lists[5].dispose();
      s = heap.stats();
      expect(s.liveObjects).toBe(0);
      expect(s.arenasCurrent).toBe(1); // one wholly free arena is kept
      expect(s.largeFreeBytes).toBeGreaterThan(4 * (1 << 20)); // the rest went back to the large-block allocator
    });

    test("released arena memory serves large objects (coalesced with its neighbours)", async () => {
      const heap = await make();
      const Node = defineNode(heap);
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const Bytes = heap.defineType({ name: "B", kind: "bytes" });
      const l = heap.alloc(List);
      for (let i = 0; i < 100_000; i++) { const n = heap.alloc(Node); l.push(n); n.dispose(); }
      l.dispose();
      const committed = heap.stats().committedBytes;
      const big = heap.alloc(Bytes, 2 << 20); // fits in the released arenas: no growth
      expect(heap.stats().committedBytes).toBe(committed);
      big.dispose();
    });
  } else if (!allocatorCaps(strategy.allocator).reuses) {
    test("bump never reuses: freed bytes are counted, the pointer only moves up", async () => {
      const heap = await make();
      const Node = defineNode(heap);
      const a = heap.alloc(Node);
      const p = a.ptr;
      a.dispose();
      const b = heap.alloc(Node);
      expect(b.ptr).toBe(p + 32);
      expect(heap.stats().bumpFreedBytes).toBe(32);
      b.dispose();
    });
  } else if (allocatorCaps(strategy.allocator).coalesces) {
    test(`${strategy.allocator}: freed blocks coalesce and are reused, lowest address first for first fit`, async () => {
      const heap = await make();
      const Bytes = heap.defineType({ name: "B", kind: "bytes" });
      const blocks = Array.from({ length: 10 }, () => heap.alloc(Bytes, 100));
      const addresses = blocks.map((b) => b.ptr);
      for (const b of blocks.slice(2, 6)) b.dispose(); // four neighbours: one coalesced hole
      const before = heap.stats().largeFreeBytes;
      const big = heap.alloc(Bytes, 400); // fits only in the coalesced hole (or the end of memory)
      if (allocatorCaps(strategy.allocator).addressOrdered) expect(big.ptr).toBe(addresses[2]);
      expect(heap.stats().committedBytes).toBe(heap.stats().committedBytes);
      expect(heap.stats().largeFreeBytes).toBeLessThan(before);
      big.dispose();
      for (const b of [...blocks.slice(0, 2), ...blocks.slice(6)]) b.dispose();
      const s = heap.stats();
      expect(s.liveObjects).toBe(0);
      expect(s.largeFreeBytes + s.largeHeaderBytes + s.staticBytes).toBe(s.committedBytes); // all one free region again
    });
  }
});
