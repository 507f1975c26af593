// The box diagrams at the top of the files that define a layout must match the code, and the
// code must match what is really in memory.
import { readFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { expect, test } from "vitest";
import { collectorCaps, defineNode, heapSuite } from "./helpers.js";
import * as B from "../src/generated/boundary.js";
import type { Handle } from "../src/index.js";

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
  const consts = B as unknown as Record<string, number>; // boundary.json's (layout.ts re-exports them)
  for (const [name, off] of Object.entries(drawn)) expect(consts[name], name).toBe(off);
  expect(consts.HEADER_SIZE).toBe(8);
  expect(consts.CONTAINER_HEADER_SIZE).toBe(16);
});

/** The info word's bit fields as drawn: the cell under bit k of the `bits` ruler holds its letter. */
function diagramInfoBits(src: string): Record<string, number[]> {
  const lines = src.split("\n");
  const ruler = lines.find((l) => /^\/\/\s+1 0 9 8 7 6 5 4 3 2 1 0 9 8/.test(l) && l.trimEnd().endsWith("bits"))!;
  const col = (bit: number) => ruler.indexOf("1 0 9") + 2 * (31 - bit); // bit 31's digit, then 2 columns a bit
  const row = lines.find((l) => l.includes("INFO_OFFSET") && l.startsWith("// │"))!;
  const out: Record<string, number[]> = {};
  for (let bit = 31; bit >= 0; bit--) {
    const ch = row[col(bit)];
    if (/[A-Z]/.test(ch) && row[col(bit) + 1] === "│" && row[col(bit) - 1] === "│") (out[ch] ??= []).push(bit);
  }
  return out;
}

test("object header diagram (assembly/layout.ts): every info bit drawn, in its legend (who sets and clears it) and defined there", () => {
  const src = read("layout.ts");
  const drawn = diagramInfoBits(src);
  // the legend: `//   T  bit 18 FLAG_TRACKED  ... set: ... clear: ...` (or "never cleared")
  const legend: Record<string, { bit: number; name: string; text: string }> = {};
  const lines = src.split("\n");
  lines.forEach((l, i) => {
    const m = /^\/\/\s+([A-Z])\s+bit (\d+) (FLAG_[A-Z_]+)/.exec(l);
    if (!m) return;
    let text = l;
    for (let j = i + 1; j < lines.length && /^\/\/\s{10,}/.test(lines[j]); j++) text += " " + lines[j];
    legend[m[1]] = { bit: Number(m[2]), name: m[3], text };
  });
  // the bits are boundary.json's (generated constants); layout.ts draws them and re-exports every one
  const flags: Record<string, number> = {};
  for (const [name, v] of Object.entries(B)) if (name.startsWith("FLAG_")) flags[name] = Math.log2(v as number);
  const reexported = /export \{([^}]*)\};/.exec(src.slice(src.indexOf('from "./generated/boundary"')))?.[1] ?? "";
  for (const name of Object.keys(flags)) expect(reexported, `layout.ts re-exports ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
  expect(Object.keys(drawn).sort()).toEqual(Object.keys(legend).sort());
  for (const [letter, bits] of Object.entries(drawn)) {
    const { bit, name, text } = legend[letter];
    expect(bits, `${letter} (${name}) is one bit`).toEqual([bit]);
    expect(flags[name], `${name} = 1 << ${bit} (boundary.json)`).toBe(bit);
    expect(text, `${name}: who sets it`).toMatch(/set: /);
    expect(text, `${name}: who clears it`).toMatch(/clear: |never cleared/);
  }
  // every FLAG_ bit of the header is in the diagram, and none is defined anywhere else
  expect(Object.keys(flags).sort()).toEqual(Object.values(legend).map((l) => l.name).sort());
  const elsewhere = execSync("grep -rlE 'export const FLAG_[A-Z_]+: u32 = 1 <<' assembly --include=*.ts || true", { cwd: new URL("..", import.meta.url).pathname }).toString().trim().split("\n").filter(Boolean);
  expect(elsewhere).toEqual(["assembly/generated/boundary.ts"]);
  // the type id is the low 16 bits, the reserved generation bits G are drawn over 16..17
  expect(B.TYPE_ID_MASK).toBe(0xffff);
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
  for (const m of src.matchAll(/function T_(\w+)\(t: usize\): \w+ \{ return load<\w+>\(t, (\w+)\)/g)) acc[m[1]] = (B as unknown as Record<string, number>)[m[2]] ?? Number(m[2]);
  expect(acc).toEqual({ KIND: 0, FLAGS: 4, NREFS: 8, SIZE: 12, REFS: 16, WEAK: 20 });
});

/** The FLAG_X header bits (boundary.json). */
const FLAG = Object.fromEntries(Object.entries(B).filter(([name]) => name.startsWith("FLAG_"))) as Record<string, number>;

heapSuite("object layout in memory", ({ make, strategy }) => {
  test("the header bits layout.ts defines are the bits the core sets: TRACKED, FROZEN, CANDIDATE", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const a = heap.alloc(Node);
    const info = () => heap.raw.u32[(a.ptr + 4) >>> 2]!;
    expect(info() & FLAG.FLAG_TRACKED).not.toBe(0);
    expect(info() & FLAG.FLAG_CONTAINER).not.toBe(0);
    expect(info() & (FLAG.FLAG_FROZEN | FLAG.FLAG_CANDIDATE | FLAG.FLAG_COLLECTING | FLAG.FLAG_DYING)).toBe(0);
    heap.gc.freeze();
    expect(info() & FLAG.FLAG_FROZEN).not.toBe(0);
    heap.gc.unfreeze();
    expect(info() & FLAG.FLAG_FROZEN).toBe(0);
    // a decrement that leaves the count above zero: a candidate root, if the collector asks for the hook
    const extra = a.dup();
    extra.dispose();
    expect((info() & FLAG.FLAG_CANDIDATE) !== 0).toBe(collectorCaps(strategy.collector).needsDecrementHook);
    expect(heap.gc.getCandidateCount()).toBe(collectorCaps(strategy.collector).needsDecrementHook ? 1 : 0);
    a.dispose();
  });

  test("verify() refuses an info word with a bit no flag defines (G, rsv), on a container and a leaf", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const Leaf = heap.defineType({ name: "Leaf", scalars: { v: "i32" } });
    const objects = [heap.alloc(Node), heap.alloc(Leaf)];
    const defined = Object.values(FLAG).reduce((m, f) => m | f, B.TYPE_ID_MASK);
    const undefinedBits = [...Array(32).keys()].filter((bit) => !(defined & (2 ** bit)));
    expect(undefinedBits).toEqual([16, 17, 29, 30, 31]);
    for (const o of objects) {
      const at = (o.ptr + B.INFO_OFFSET) >>> 2;
      for (const bit of undefinedBits) {
        const info = heap.raw.u32[at]!;
        heap.raw.u32[at] = (info | (2 ** bit)) >>> 0;
        expect(() => heap.verify(), `bit ${bit}`).toThrow(/info word has a bit set that no flag defines/);
        heap.raw.u32[at] = info;
      }
      heap.verify();
      o.dispose();
    }
  });

  test("verify() refuses flags that disagree with the type: FINALIZER, FINALIZED without it, a collector's bit on a leaf", async () => {
    const heap = await make();
    const Leaf = heap.defineType({ name: "Leaf", scalars: { v: "i32" } });
    const Fin = heap.defineType({ name: "Fin", refs: ["a"], finalizer: () => {} });
    const leaf = heap.alloc(Leaf), fin = heap.alloc(Fin);
    const cases: [Handle, number, RegExp][] = [
      [leaf, FLAG.FLAG_FINALIZER, /FINALIZER flag disagrees with the type/],
      [fin, -FLAG.FLAG_FINALIZER, /FINALIZER flag disagrees with the type/],
      [leaf, FLAG.FLAG_FINALIZED, /FINALIZED on an object whose type has no finalizer/],
      ...[FLAG.FLAG_COLLECTING, FLAG.FLAG_CANDIDATE, FLAG.FLAG_FROZEN, FLAG.FLAG_OLD_SPACE, FLAG.FLAG_DEFERRED].map(
        (f): [Handle, number, RegExp] => [leaf, f, /a collector's bit on an object that is not a container/]),
    ];
    for (const [o, change, message] of cases) {
      const at = (o.ptr + B.INFO_OFFSET) >>> 2;
      const info = heap.raw.u32[at]!;
      heap.raw.u32[at] = change > 0 ? (info | change) >>> 0 : (info & ~-change) >>> 0;
      expect(() => heap.verify(), `${o.type.name} ${change}`).toThrow(message);
      heap.raw.u32[at] = info;
      heap.verify();
    }
    leaf.dispose();
    fin.dispose();
  });

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
