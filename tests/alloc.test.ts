// Allocation and free of every size class and of large sizes; randomized stress that checks that
// no two live blocks overlap and that freed memory is reused.
import fc from "fast-check";
import { expect, test } from "vitest";
import { allocatorCaps, heapSuite, rng } from "./helpers.js";
import type { Handle, Heap } from "../src/index.js";

/** A bytes object of `size` total bytes occupies [ptr, ptr + size). Its header takes 12. */
const BYTES_OVERHEAD = 12;

function setup(heap: Heap) {
  const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
  const alloc = (size: number) => heap.alloc(Bytes, size - BYTES_OVERHEAD);
  return { Bytes, alloc };
}

heapSuite("allocation", ({ make, reuses, strategy }) => {
  test("every size class from 16 to 512 bytes: allocate, fill, read back, free", async () => {
    const heap = await make();
    const { alloc } = setup(heap);
    const live: Handle[] = [];
    for (let size = BYTES_OVERHEAD; size <= 512; size++) {
      const h = alloc(size);
      h.write(new Uint8Array(size - BYTES_OVERHEAD).fill(size & 255));
      live.push(h);
    }
    if (allocatorCaps(strategy.allocator).arenas) {
      const classes = heap.stats().sizeClasses.map((c) => c.size);
      expect(classes).toEqual(Array.from({ length: 63 }, (_, i) => (i + 2) * 8)); // 16..512: every class used
    }
    heap.verify();
    for (const h of live) {
      expect(h.bytes().every((b) => b === ((h.length + BYTES_OVERHEAD) & 255))).toBe(true);
      h.dispose();
    }
    const s = heap.stats();
    expect(s.liveObjects).toBe(0);
    expect(s.sizeClasses).toEqual([]); // no class has blocks in use (and allocators without classes have no rows)
  });

  test("large sizes: 513 B to 8 MiB, filled and read back, then freed and coalesced", async () => {
    const heap = await make();
    const { alloc } = setup(heap);
    const sizes = [513, 520, 1000, 4096, 16384, 65536, 100_000, 1 << 20, (1 << 20) + 1, 8 << 20];
    const live = sizes.map((n) => {
      const h = alloc(n);
      h.write(new Uint8Array(n - BYTES_OVERHEAD).fill(n % 251), 0);
      return h;
    });
    heap.verify();
    for (const h of live) expect(h.bytes().every((b) => b === (h.length + BYTES_OVERHEAD) % 251)).toBe(true);
    for (const h of live) h.dispose();
    const s = heap.stats();
    expect(s.liveObjects).toBe(0);
    if (allocatorCaps(strategy.allocator).arenas) {
      expect(s.largeAllocations).toBe(sizes.length);
      // Everything freed: the large region coalesced into free blocks; one arena may be kept.
      const free = s.largeFreeBytes + s.emptyPoolBytes + s.arenaAlignmentBytes;
      expect(free / (s.committedBytes - s.staticBytes)).toBeGreaterThan(0.99);
    }
  });

  test("randomized alloc/free: live blocks never overlap, contents survive, freed memory is reused", async () => {
    const heap = await make();
    const { alloc } = setup(heap);
    const random = rng(42);
    const live = new Map<number, { h: Handle; size: number; fill: number }>();
    const seen = new Set<number>(); // every address ever handed out
    let reused = 0;
    for (let step = 0; step < 20_000; step++) {
      if (live.size && (random() < 0.45 || live.size > 2000)) {
        const keys = [...live.keys()];
        const k = keys[Math.floor(random() * keys.length)];
        const e = live.get(k)!;
        expect(e.h.bytes().every((b) => b === e.fill)).toBe(true);
        e.h.dispose();
        live.delete(k);
      } else {
        const r = random();
        const size = r < 0.9 ? BYTES_OVERHEAD + Math.floor(random() * 500) : 513 + Math.floor(random() * 20_000);
        const h = alloc(size);
        const fill = Math.floor(random() * 256);
        h.write(new Uint8Array(size - BYTES_OVERHEAD).fill(fill));
        if (seen.has(h.ptr)) reused++;
        seen.add(h.ptr);
        live.set(h.ptr, { h, size, fill });
      }
      if (step % 5000 === 4999) {
        const spans = [...live.entries()].sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++) {
          expect(spans[i][0], "live blocks overlap").toBeGreaterThanOrEqual(spans[i - 1][0] + spans[i - 1][1].size);
        }
        heap.verify();
      }
    }
    if (reuses) expect(reused).toBeGreaterThan(1000);
    else expect(reused).toBe(0);
  });

  test("property: any sequence of allocations and frees keeps the heap consistent and reuses LIFO", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ alloc: fc.integer({ min: 12, max: 3000 }) }), fc.record({ free: fc.nat() })), { maxLength: 60 }),
        async (ops) => {
          const heap = await make();
          const { alloc } = setup(heap);
          const live: { h: Handle; size: number }[] = [];
          let lastFreed: { ptr: number; size: number } | null = null;
          for (const op of ops) {
            if ("alloc" in op) {
              const h = alloc(op.alloc);
              // pymalloc reuses the block just freed when the size class matches (LIFO free lists)
              if (allocatorCaps(strategy.allocator).lifoReuse && lastFreed && lastFreed.size <= 512 && op.alloc <= 512
                && Math.ceil(lastFreed.size / 8) === Math.ceil(op.alloc / 8)) {
                expect(h.ptr).toBe(lastFreed.ptr);
              }
              lastFreed = null;
              live.push({ h, size: op.alloc });
            } else if (live.length) {
              const [e] = live.splice(op.free % live.length, 1);
              lastFreed = { ptr: e.h.ptr, size: e.size };
              e.h.dispose();
            }
          }
          heap.verify();
          for (const e of live) e.h.dispose();
          expect(heap.stats().liveObjects).toBe(0);
          heap.verify();
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});
