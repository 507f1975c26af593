// The mimalloc allocator's own mechanisms (assembly/alloc/mimalloc.ts): the sharded lists of a
// page, pages returned when empty, the delayed list of full pages, and its check() finding a
// damaged page. Every behavioural suite also runs on it (tests/helpers.ts iterates the registry).
import { afterEach, describe, expect, test } from "vitest";
import { Heap, HeapVerifyError, type Handle } from "../src/index.js";
import { defineNode } from "./helpers.js";

const heaps: Heap[] = [];
afterEach(() => { for (const h of heaps.splice(0)) { if (!h.destroyed) h.verify(); h.destroy(); } });
async function make(): Promise<Heap> {
  const h = await Heap.create({ allocator: "mimalloc", debug: true });
  heaps.push(h);
  return h;
}
/** The page records of the explorer's pool map: address, class, used, block size, capacity. */
function pages(heap: Heap) {
  const out: { address: number; cls: number; used: number; blockSize: number; capacity: number }[] = [];
  for (let k = 0; ; k++) {
    const r = heap.core.poolRecord(k) >>> 2;
    if (!r) return out;
    const u = heap.views.u32;
    out.push({ address: u[r]!, cls: u[r + 2]!, used: u[r + 3]!, blockSize: u[r + 4]!, capacity: u[r + 5]! });
  }
}

describe("mimalloc", () => {
  test("a free goes to the page's local-free list: allocation takes fresh blocks first, then the freed ones in a batch", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const a = heap.alloc(Node);
    const freed = a.ptr;
    a.dispose();
    const next = heap.alloc(Node); // the free list still has carved blocks: not the one just freed
    expect(next.ptr).not.toBe(freed);
    const [page] = pages(heap).filter((p) => p.used > 0);
    expect(page.blockSize).toBe(32);
    // use up the page: its local-free block comes back before the page is declared full
    const more: Handle[] = [];
    for (let i = 0; i < page.capacity - 1; i++) more.push(heap.alloc(Node));
    expect(more.some((h) => h.ptr === freed)).toBe(true);
    expect(pages(heap).filter((p) => p.used > 0)).toHaveLength(1); // exactly one page, all its blocks in use
    heap.verify();
    for (const h of [next, ...more]) h.dispose();
  });

  test("pages are returned when empty, one kept per class for a while; empty segments go back to tlsf", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const l = heap.alloc(List);
    for (let i = 0; i < 100_000; i++) { const n = heap.alloc(Node); l.push(n); n.dispose(); }
    let s = heap.stats();
    const used = pages(heap).filter((p) => p.cls === s.sizeClasses.find((c) => c.size === 32)!.sizeClass);
    expect(used.length).toBeGreaterThan(40); // 100,000 nodes of 32 bytes: about 49 pages of 64 KiB
    const segments = s.arenasCurrent;
    expect(segments).toBeGreaterThanOrEqual(3);
    l.dispose();
    s = heap.stats();
    expect(s.liveObjects).toBe(0);
    expect(s.sizeClasses).toEqual([]);
    // at most one retired page per class is kept: the other segments went back to tlsf
    expect(s.arenasReclaimed).toBeGreaterThanOrEqual(1);
    expect(s.arenasCurrent).toBeLessThan(segments);
    expect(s.largeFreeBytes).toBeGreaterThan(2 << 20);
    // a retired page expires after a few slow paths of other classes
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    for (let n = 100; n < 8000; n += 200) heap.alloc(Bytes, n).dispose();
    expect(pages(heap).filter((p) => p.blockSize === 32)).toEqual([]);
  });

  test("a free into a full page waits on the delayed list; the next slow path brings the page back", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const first: Handle[] = [];
    const capacity = (() => { const h = heap.alloc(Node); first.push(h); return pages(heap)[0]!.capacity; })();
    for (let i = 1; i < capacity; i++) first.push(heap.alloc(Node));
    const second = heap.alloc(Node); // the first page is full: it leaves its queue, a second page serves
    const full = pages(heap).find((p) => p.used === capacity)!;
    expect(full).toBeDefined();
    const victim = first[10];
    const freed = victim.ptr;
    victim.dispose(); // into the full page: delayed
    heap.verify(); // the delayed list, the page's delayed count and its FULL flag agree
    expect(pages(heap).find((p) => p.address === full.address)!.used).toBe(capacity - 1);
    // use up the second page: the slow path then processes the delayed free and reuses its block
    const more: Handle[] = [];
    for (let i = 0; i < capacity && !more.some((h) => h.ptr === freed); i++) more.push(heap.alloc(Node));
    expect(more.some((h) => h.ptr === freed)).toBe(true);
    heap.verify();
    // freeing everything, the last free into a full page empties it and returns it at once
    for (const h of [...first, second, ...more]) if (h.alive) h.dispose();
    expect(heap.stats().sizeClasses).toEqual([]);
  });

  test("check() finds a page whose counts disagree with its lists", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    const page = pages(heap).find((p) => p.used > 0)!;
    const u32 = heap.views.u32;
    u32[(page.address + 8) >>> 2]! += 1; // the page's used count
    expect(() => heap.verify()).toThrow(HeapVerifyError);
    expect(() => heap.verify()).toThrow(/mimalloc: used \+ free \+ local-free \+ delayed != carved blocks/);
    u32[(page.address + 8) >>> 2]! -= 1;
    heap.verify();
    n.dispose();
  });
});
