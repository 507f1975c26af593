// Every bad input through the public API gets a clear, typed error and leaves the heap consistent
// (the suite's afterEach runs heap.verify()).
import { expect, test } from "vitest";
import { allocatorCaps, defineNode, heapSuite } from "./helpers.js";
import {
  ALLOCATORS, COLLECTORS, HandleDisposedError, Heap, HeapAbortError, HeapConfigError, HeapIndexError, HeapTypeError,
} from "../src/index.js";

heapSuite("bad input", ({ make, strategy }) => {
  test("use after dispose throws HandleDisposedError; dispose twice is a no-op", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    const other = heap.alloc(Node);
    n.dispose();
    n.dispose();
    n[Symbol.dispose]();
    expect(n.alive).toBe(false);
    expect(() => n.ptr).toThrow(HandleDisposedError);
    expect(() => n.get("a")).toThrow(HandleDisposedError);
    expect(() => n.set("a", other)).toThrow(HandleDisposedError);
    expect(() => n.getScalar("v")).toThrow(HandleDisposedError);
    expect(() => n.setScalar("v", 1)).toThrow(HandleDisposedError);
    expect(() => n.dup()).toThrow(/used after dispose/);
    expect(() => heap.refcount(n)).toThrow(HandleDisposedError);
    expect(() => other.set("a", n)).toThrow(HandleDisposedError); // as a value, too
    expect(heap.refcount(other)).toBe(1);
    expect(String(n)).toBe("<disposed Handle to Node>");
  });

  test("unknown fields and fields of the wrong kind name what exists", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    expect(() => n.get("c")).toThrow(HeapTypeError);
    expect(() => n.get("c")).toThrow(/Node has no reference field 'c' \(reference fields: a, b\)/);
    expect(() => n.get("v")).toThrow(/'v' is a scalar/);
    expect(() => n.getScalar("a")).toThrow(/'a' is a reference/);
    expect(() => n.setScalar("w", 1)).toThrow(/no scalar field 'w'/);
    expect(() => n.get(undefined as never)).toThrow(HeapTypeError);
  });

  test("wrong value types: non-handles, handles of another heap, non-numbers, out-of-range i32", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    const other = await Heap.create({ debug: true, ...strategy });
    const foreign = other.alloc(defineNode(other));
    expect(() => n.set("a", {} as never)).toThrow(/expected a Handle or null, got Object/);
    expect(() => n.set("a", 5 as never)).toThrow(HeapTypeError);
    expect(() => n.set("a", foreign)).toThrow(/another heap/);
    expect(() => heap.refcount(foreign)).toThrow(/another heap/);
    expect(() => n.setScalar("v", "7" as never)).toThrow(/expected a number, got string/);
    expect(() => n.setScalar("v", 1.5)).toThrow(/not an integer/);
    expect(() => n.setScalar("v", 2 ** 31)).toThrow(HeapTypeError);
    expect(() => n.setScalar("v", NaN)).toThrow(HeapTypeError);
    expect(n.getScalar("v")).toBe(0);
    expect(() => heap.alloc(defineNode(other))).toThrow(/belongs to another heap/);
    expect(() => heap.alloc({} as never)).toThrow(/expected a HeapType/);
    expect(() => heap.alloc(Node, 3 as never)).toThrow(/takes no initial value/);
    other.verify();
    other.destroy();
  });

  test("operations of the wrong kind, bad lengths and indexes", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    const n = heap.alloc(Node);
    const l = heap.alloc(List, 2);
    const b = heap.alloc(Bytes, 4);
    expect(() => n.push(null)).toThrow(/Node is a fixed type, not refarray/);
    expect(() => n.length).toThrow(HeapTypeError);
    expect(() => b.at(0)).toThrow(HeapTypeError);
    expect(() => l.bytes()).toThrow(HeapTypeError);
    expect(() => l.get("a" as never)).toThrow(HeapTypeError); // a compile-time error too: List has no fields
    expect(() => l.at(2)).toThrow(HeapIndexError);
    expect(() => l.at(1.5)).toThrow(/integer/);
    expect(() => l.setAt(-3, null)).toThrow(HeapIndexError);
    expect(() => l.push(5 as never)).toThrow(HeapTypeError);
    expect(l.length).toBe(2);
    expect(() => heap.alloc(List, -1)).toThrow(HeapIndexError);
    expect(() => heap.alloc(List, NaN)).toThrow(HeapIndexError);
    expect(() => heap.alloc(List, 2 ** 40)).toThrow(HeapIndexError);
    expect(() => heap.alloc(List, [n, {} as never])).toThrow(HeapTypeError);
    expect(heap.refcount(n)).toBe(1); // nothing was half-built
    expect(() => heap.alloc(Bytes, Infinity)).toThrow(HeapIndexError);
    expect(() => heap.alloc(Bytes, {} as never)).toThrow(HeapTypeError);
  });

  test("bad options are HeapConfigErrors; planned strategies say so", async () => {
    await expect(Heap.create({ allocator: "slab" as never })).rejects.toThrow(`'slab' is unknown; available: ${ALLOCATORS.join(", ")}`);
    await expect(Heap.create({ allocator: "nope" as never })).rejects.toThrow(/is unknown/);
    await expect(Heap.create({ collector: "mark-sweep" as never })).rejects.toThrow(`'mark-sweep' is unknown; available: ${COLLECTORS.join(", ")}`);
    await expect(Heap.create({ finalizerMode: "py2" as never })).rejects.toThrow(HeapConfigError);
    await expect(Heap.create(null as never)).rejects.toThrow(HeapConfigError);
    // the bench's way onto its own module (bench/w7-floor.ts) checks what it is asked before loading anything
    await expect(Heap._createOn("bench", { debug: true })).rejects.toThrow(/release build/);
    await expect(Heap._createOn("core" as never)).rejects.toThrow(/no core build 'core'/);
  });

  test("a destroyed heap's handles are dead", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    heap.destroy();
    expect(n.alive).toBe(false);
    expect(() => n.get("a")).toThrow(/heap was destroyed/);
    expect(() => heap.alloc(Node)).toThrow(HandleDisposedError);
    n.dispose(); // still harmless
  });

  test("debug build: raw calls with bad pointers throw HeapAbortError before changing anything", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const n = heap.alloc(Node);
    const l = heap.alloc(List, 1);
    const r = heap.raw;
    expect(() => r.decref(0)).toThrow(HeapAbortError);
    expect(() => r.incref(n.ptr + 4)).toThrow(/not an object pointer/);
    expect(() => r.setRef(n.ptr, 2, 0)).toThrow(/index out of range/);
    expect(() => r.setRef(n.ptr, 0, 12345)).toThrow(HeapAbortError);
    expect(() => r.listGet(l.ptr, 1)).toThrow(/list index out of range/);
    expect(() => r.listGet(n.ptr, 0)).toThrow(/wrong kind/);
    expect(() => r.alloc(List.id)).toThrow(/wrong kind/);
    expect(() => r.alloc(999)).toThrow(/unknown type id/);
    const dead = r.alloc(Node.id);
    r.decref(dead);
    // allocators with size classes mark a freed block free in place (type id 0): the check sees it
    if (allocatorCaps(strategy.allocator).sizeClasses) expect(() => r.decref(dead)).toThrow(/free block|refcount 0/);
    expect(heap.refcount(n)).toBe(1);
  });
});
