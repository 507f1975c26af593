// The box diagrams at the top of the files that define a layout must match the code, and the
// code must match what is really in memory.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { defineNode, heapSuite } from "./helpers.js";
import * as B from "../src/generated/boundary.js";

const read = (f: string) => readFileSync(new URL(`../assembly/${f}`, import.meta.url), "utf8");

/** `│ ... │ +8  GC_NEXT_OFFSET` rows of a diagram → { GC_NEXT_OFFSET: 8 } */
function diagramNamedOffsets(src: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of src.matchAll(/^\/\/ [│├╞].*[│┤╡] \+(\d+)\s+([A-Z_]+)\s*$/gm)) out[m[2]] = Number(m[1]);
  return out;
}
function constants(src: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of src.matchAll(/export const ([A-Z_]+): usize = (\d+);/g)) out[m[1]] = Number(m[2]);
  return out;
}

test("object header diagram (assembly/layout.ts) matches its offset constants", () => {
  const src = read("layout.ts");
  const drawn = diagramNamedOffsets(src);
  expect(Object.keys(drawn).sort()).toEqual(["GC_NEXT_OFFSET", "GC_PREV_OFFSET", "INFO_OFFSET", "RC_OFFSET"]);
  const consts = constants(src);
  for (const [name, off] of Object.entries(drawn)) expect(consts[name], name).toBe(off);
  expect(consts.HEADER_SIZE).toBe(8);
  expect(consts.CONTAINER_HEADER_SIZE).toBe(16);
});

test("pool header diagram (assembly/alloc/pools.ts) matches its accessors", () => {
  const src = read("alloc/pools.ts");
  const drawn: Record<string, number> = {};
  for (const m of src.matchAll(/^\/\/ │ (\w+)[: ].*│ pool\+(\d+)\s*$/gm)) drawn[m[1]] = Number(m[2]);
  const accessor: Record<string, number> = {};
  for (const m of src.matchAll(/function P_(\w+)\(p: usize\): \w+ \{ return load<\w+>\(p, (\d+)\)/g)) accessor[m[1]] = Number(m[2]);
  const names: Record<string, string> = {
    count: "COUNT", freeblock: "FREEBLOCK", nextpool: "NEXT", prevpool: "PREV", arenaindex: "ARENA",
    szidx: "SZIDX", nextoffset: "NEXTOFFSET", maxnextoffset: "MAXNEXTOFFSET",
  };
  expect(Object.keys(drawn).sort()).toEqual(Object.keys(names).sort());
  for (const [word, acc] of Object.entries(names)) expect(accessor[acc], word).toBe(drawn[word]);
  expect(drawn.maxnextoffset + 4).toBe(constants(src).POOL_OVERHEAD);
});

test("mimalloc page header diagram (assembly/alloc/mimalloc.ts) matches its accessors", () => {
  const src = read("alloc/mimalloc.ts");
  const drawn: Record<string, number> = {};
  for (const m of src.matchAll(/^\/\/ │ (\w+)[: ].*│ page\+(\d+)\s*$/gm)) drawn[m[1]] = Number(m[2]);
  const accessor: Record<string, number> = {};
  for (const m of src.matchAll(/function PG_(\w+)\(p: usize\): \w+ \{ return load<\w+>\(p, (\d+)\)/g)) accessor[m[1]] = Number(m[2]);
  const names: Record<string, string> = {
    free: "FREE", localFree: "LOCAL", used: "USED", capacity: "CAPACITY", reserved: "RESERVED", blockSize: "BSIZE",
    bin: "BIN", next: "NEXT", prev: "PREV", flags: "FLAGS", delayed: "DELAYED", segment: "SEGMENT",
  };
  expect(Object.keys(drawn).sort()).toEqual(Object.keys(names).sort());
  for (const [word, acc] of Object.entries(names)) expect(accessor[acc], word).toBe(drawn[word]);
  expect(drawn.segment + 4).toBe(Number(/const PAGE_HEADER: usize = (\d+);/.exec(src)![1]));
});

test("type record diagram (assembly/types.ts) matches its accessors", () => {
  const src = read("types.ts");
  const drawn: number[] = [];
  for (const m of src.matchAll(/^\/\/ │ (\w+).*│ \+(\d+)\s*$/gm)) drawn.push(Number(m[2]));
  expect(drawn).toEqual([0, 4, 8, 12, 16, 20, 24, 28]);
  const acc: Record<string, number> = {};
  // the offsets are boundary.json's TR_* constants (the host reads records too)
  for (const m of src.matchAll(/function T_(\w+)\(t: usize\): \w+ \{ return load<\w+>\(t, (\w+)\)/g)) acc[m[1]] = (B as Record<string, number>)[m[2]] ?? Number(m[2]);
  expect(acc).toEqual({ KIND: 0, FLAGS: 4, NREFS: 8, SIZE: 12, REFS: 16, WEAK: 20 });
});

heapSuite("object layout in memory", ({ make }) => {
  test("a container: refcount at +0, type id in the low half of +4, list links at +8/+12, fields from +16", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const a = heap.alloc(Node), b = heap.alloc(Node);
    const u32 = () => heap.raw.u32;
    expect(Node.size).toBe(28); // 16 header + a + b + v
    expect(u32()[a.ptr >>> 2]).toBe(1);
    const extra = b.dup();
    expect(u32()[b.ptr >>> 2]).toBe(2);
    expect(u32()[(a.ptr + 4) >>> 2] & 0xffff).toBe(Node.id);
    expect(u32()[(a.ptr + 4) >>> 2] & (1 << 18)).not.toBe(0); // TRACKED
    expect(u32()[(a.ptr + 8) >>> 2]).toBe(b.ptr); // tracked list: a's gcNext is b
    expect(u32()[(b.ptr + 12) >>> 2]).toBe(a.ptr); // and b's gcPrev is a
    a.set("b", b);
    expect(heap.raw.refOffset(Node, "b")).toBe(20);
    expect(u32()[(a.ptr + 20) >>> 2]).toBe(b.ptr);
    a.setScalar("v", -5);
    expect(heap.raw.i32[(a.ptr + 24) >>> 2]).toBe(-5);
    extra.dispose();
  });

  test("an untracked object has an 8-byte header: bytes keep their length at +8 and data at +12", async () => {
    const heap = await make();
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    const s = heap.alloc(Bytes, "hello");
    expect(heap.raw.u32[(s.ptr + 8) >>> 2]).toBe(5);
    expect(heap.raw.bytesData(s.ptr)).toBe(s.ptr + 12);
    expect(heap.raw.u32[(s.ptr + 4) >>> 2] & (1 << 18)).toBe(0); // never tracked
    const Leaf = heap.defineType({ name: "Leaf", scalars: { x: "f64", n: "i32" } });
    expect(Leaf.size).toBe(24); // 8 header + n (4) + pad (4) + x (8): f64 8-aligned
    expect(heap.raw.scalarOffset(Leaf, "n")).toBe(8);
    expect(heap.raw.scalarOffset(Leaf, "x")).toBe(16);
  });

  test("objects and their f64 fields are 8-byte aligned", async () => {
    const heap = await make();
    const T = heap.defineType({ name: "T", refs: ["r"], scalars: { a: "i32", x: "f64", y: "f64" } });
    for (let i = 0; i < 100; i++) {
      const h = heap.alloc(T);
      expect(h.ptr % 8).toBe(0);
      expect((h.ptr + heap.raw.scalarOffset(T, "x")) % 8).toBe(0);
      h.setScalar("x", i + 0.5);
      expect(h.getScalar("x")).toBe(i + 0.5);
    }
  });
});
