// Every type kind: fixed records (references, i32, f64, weakrefable slot), growable lists, bytes.
import { expect, test } from "vitest";
import { heapSuite } from "./helpers.js";
import { HeapIndexError, HeapTypeError } from "../src/index.js";

heapSuite("type kinds", ({ make }) => {
  test("fixed: references, i32 and f64 scalars start zero/null and round-trip", async () => {
    const heap = await make();
    const P = heap.defineType({ name: "Point", refs: ["next"], scalars: { x: "f64", y: "f64", tag: "i32" } });
    const p = heap.alloc(P);
    expect(p.get("next")).toBeNull();
    expect(p.getScalar("x")).toBe(0);
    expect(p.getScalar("tag")).toBe(0);
    p.setScalar("x", Math.PI);
    p.setScalar("y", -1e300);
    p.setScalar("tag", -2147483648);
    expect(p.getScalar("x")).toBe(Math.PI);
    expect(p.getScalar("y")).toBe(-1e300);
    expect(p.getScalar("tag")).toBe(-2147483648);
    p.setScalar("x", NaN);
    expect(p.getScalar("x")).toBeNaN();
    p.set("next", p); // self-reference is fine
    expect(p.get("next")!.is(p)).toBe(true);
  });

  test("fixed types without references are not containers: 8-byte header, untracked", async () => {
    const heap = await make();
    const Leaf = heap.defineType({ name: "Leaf", scalars: { v: "i32" } });
    expect(Leaf.size).toBe(12);
    heap.alloc(Leaf);
    const s = heap.stats();
    expect(s.liveContainers).toBe(0);
    expect(s.objectHeaderBytes).toBe(8);
  });

  test("weakrefable adds one word, the weak-list slot (the __weakref__ idea); other types pay nothing", async () => {
    const heap = await make();
    const A = heap.defineType({ name: "A", refs: ["x"], scalars: { v: "i32" } });
    const W = heap.defineType({ name: "W", refs: ["x"], scalars: { v: "i32" }, weakrefable: true });
    expect(W.size - A.size).toBe(4);
    const WL = heap.defineType({ name: "WL", kind: "refarray", weakrefable: true });
    const L = heap.defineType({ name: "L", kind: "refarray" });
    expect(WL.size - L.size).toBe(4);
  });

  test("refarray: append, pop, get, set, negative indexes, growth and shrinking keep items", async () => {
    const heap = await make();
    const Leaf = heap.defineType({ name: "Leaf", scalars: { v: "i32" } });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const l = heap.alloc(List);
    expect(l.length).toBe(0);
    for (let i = 0; i < 1000; i++) {
      const x = heap.alloc(Leaf);
      x.setScalar("v", i);
      l.push(x);
      x.dispose();
    }
    expect(l.length).toBe(1000);
    expect(l.at(0)!.getScalar("v")).toBe(0);
    expect(l.at(-1)!.getScalar("v")).toBe(999);
    l.setAt(5, null);
    expect(l.at(5)).toBeNull();
    for (let i = 999; i >= 10; i--) {
      const x = l.pop()!;
      expect(x.getScalar("v")).toBe(i);
      x.dispose();
    }
    expect(l.length).toBe(10);
    expect(l.at(9)!.getScalar("v")).toBe(9);
    const pre = heap.alloc(List, 3);
    expect(pre.length).toBe(3);
    expect(pre.at(2)).toBeNull();
    expect(() => pre.at(3)).toThrow(HeapIndexError);
    expect(() => pre.at(-4)).toThrow(HeapIndexError);
    const empty = heap.alloc(List);
    expect(() => empty.pop()).toThrow(HeapIndexError);
  });

  test("refarray storage follows CPython's over-allocation and is freed with the list", async () => {
    const heap = await make();
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const l = heap.alloc(List);
    const before = heap.stats().liveObjects;
    l.push(null);
    expect(heap.stats().liveObjects).toBe(before + 1); // the items block
    // list_resize: newsize 1 -> (1 + 0 + 6) & ~3 = 4 slots. The list's payload is length, capacity
    // and items (12 bytes); the items block is [owner, info] (its header) and 4 slots.
    expect(heap.stats().objectPayloadBytes).toBe((28 - 16) + 4 * 4);
    l.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("bytes: from a string, a Uint8Array or a length; data round-trips", async () => {
    const heap = await make();
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    expect(heap.alloc(Bytes, "héllo").text()).toBe("héllo");
    const data = new Uint8Array(1000).map((_, i) => i & 255);
    expect([...heap.alloc(Bytes, data).bytes()]).toEqual([...data]);
    const z = heap.alloc(Bytes, 16);
    expect([...z.bytes()]).toEqual(new Array(16).fill(0));
    z.write(new Uint8Array([1, 2, 3]), 13);
    expect([...z.bytes()].slice(12)).toEqual([0, 1, 2, 3]);
    expect(() => z.write(new Uint8Array(4), 13)).toThrow(HeapIndexError);
    expect(heap.alloc(Bytes).length).toBe(0);
  });

  test("defineType rejects bad specs with the exact problem", async () => {
    const heap = await make();
    expect(() => heap.defineType({ name: "" })).toThrow(HeapTypeError);
    expect(() => heap.defineType({ name: "X", refs: ["a", "a"] })).toThrow(/defined twice/);
    expect(() => heap.defineType({ name: "X", refs: ["a"], scalars: { a: "i32" } })).toThrow(/defined twice/);
    expect(() => heap.defineType({ name: "X", scalars: { v: "u8" as never } })).toThrow(/'i32' or 'f64'/);
    expect(() => heap.defineType({ name: "X", refs: ["not valid"] })).toThrow(/bad field name/);
    expect(() => heap.defineType({ name: "X", kind: "list" as never })).toThrow(/unknown kind/);
    expect(() => heap.defineType({ name: "X", kind: "refarray", refs: ["a"] })).toThrow(/no named fields/);
    expect(() => heap.defineType({ name: "X", kind: "bytes", weakrefable: true })).toThrow(/weakrefable/);
    expect(() => heap.defineType({ name: "X", finalizer: 5 as never })).toThrow(/finalizer must be a function/);
    expect(() => heap.defineType({ name: "X", kind: "bytes", finalizer: () => {} })).toThrow(/cannot have finalizers/);
    expect(() => heap.defineType(null as never)).toThrow(HeapTypeError);
    const many = Array.from({ length: 70_000 }, (_, i) => `f${i}`);
    expect(() => heap.defineType({ name: "Huge", refs: many })).toThrow(/too many or too large/);
  });
});
