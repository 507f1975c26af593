// console.log / util.inspect of the API's objects: one line each (src/show.ts), never the heap's
// internals, and never an exception (disposed handles, dead proxies, destroyed heaps).
import { expect, test } from "vitest";
import { inspect } from "node:util";
import { readFile } from "node:fs/promises";
import { defineNode, heapSuite } from "./helpers.js";
import { WeakKeyMap, WeakSet, WeakValueMap } from "../src/index.js";

const hex = (n: number) => `0x${n.toString(16)}`;

heapSuite("inspect output", ({ make, strategy }) => {
  test("handles, weakrefs, proxies, types, heaps, weak containers, finalize objects, scopes", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const n = heap.alloc(Node);
    const m = n.dup();
    const p = n.ptr;
    expect(inspect(n)).toBe(`<Handle Node@${hex(p)} rc=2>`);
    expect(inspect([n, { n }])).toBe(`[ <Handle Node@${hex(p)} rc=2>, { n: <Handle Node@${hex(p)} rc=2> } ]`);
    const wr = heap.weakref(n), px = heap.proxy(n);
    expect(inspect(wr)).toBe(`<HeapWeakRef@${hex(wr.ptr)} rc=1 to Node@${hex(p)}>`);
    expect(inspect(px)).toBe(`<WeakProxy@${hex(px.weakref.ptr)} rc=1 to Node@${hex(p)}>`);
    expect(inspect(Node)).toBe("<HeapType Node fixed refs=[a, b] scalars={v: i32} weakrefable>");
    expect(inspect(heap)).toBe(`<Heap #${heap.id} ${strategy.allocator}/${strategy.collector} debug: 3 objects, 4 handles, ${heap.stats().committedBytes} bytes>`);
    const values = new WeakValueMap(heap);
    const maps = [values, new WeakKeyMap(heap), new WeakSet(heap)];
    values.set("k", n);
    expect(maps.map((x) => inspect(x))).toEqual(["<WeakValueMap size=1>", "<WeakKeyMap size=0>", "<WeakSet size=0>"]);
    const fin = heap.finalize(n, function cleanup() {});
    expect(inspect(fin)).toBe("<Finalize cleanup alive, atexit>");
    const scope = heap.scope();
    heap.alloc(Node);
    expect(inspect(scope)).toBe("<Scope 1 handle>");
    scope.dispose();
    expect(inspect(scope)).toBe("<Scope (ended)>");

    m.dispose();
    expect(inspect(m)).toBe("<Handle Node (disposed)>");
    n.dispose(); // the referent dies: the proxy is dead, inspecting it must not throw
    expect(inspect(wr)).toBe(`<HeapWeakRef@${hex(wr.ptr)} rc=1 dead>`);
    expect(inspect(px)).toBe(`<WeakProxy@${hex(px.weakref.ptr)} rc=1 dead>`);
    expect(inspect(fin)).toBe("<Finalize dead>");
    maps[0].dispose();
    expect(inspect(maps[0])).toBe("<WeakValueMap (disposed)>");
    wr.dispose(); px.dispose();
    heap.verify();
    heap.destroy();
    for (const [x, s] of [[n, "<Handle Node (heap destroyed)>"], [px, "<WeakProxy (heap destroyed)>"], [maps[1], "<WeakKeyMap (heap destroyed)>"], [heap, `<Heap #${heap.id} ${strategy.allocator}/${strategy.collector} debug (destroyed)>`]] as const) {
      expect(inspect(x)).toBe(s);
    }
  });
});

test("the inspect hook is found by its registered symbol: no node: import in what the browser bundle loads", async () => {
  for (const f of ["show.ts", "scope.ts", "handle.ts", "types.ts", "weak.ts", "weakmaps.ts"]) {
    const text = await readFile(new URL(`../src/${f}`, import.meta.url), "utf8");
    expect(text, f).not.toMatch(/from "node:/);
  }
  expect(inspect.custom).toBe(Symbol.for("nodejs.util.inspect.custom"));
});
