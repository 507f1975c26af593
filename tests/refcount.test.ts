// CPython-like refcount scenarios: binding, containers, argument passing, immediate deallocation.
import { expect, test } from "vitest";
import { collectorCaps, defineNode, heapSuite } from "./helpers.js";
import type { Handle, HeapWeakRef } from "../src/index.js";

heapSuite("refcounts", ({ make, strategy }) => {
  test("a new object has one reference: the handle's", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const n = heap.alloc(Node);
    expect(heap.refcount(n)).toBe(1);
    expect(heap.stats().liveObjects).toBe(1);
    n.dispose();
    expect(heap.stats().liveObjects).toBe(0); // freed the moment the count reached zero
  });

  test("binding: another name for the object is another reference (dup), and dropping it gives it back", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const x = heap.alloc(Node);
    const y = x.dup(); // y = x
    expect(heap.refcount(x)).toBe(2);
    expect(y.is(x)).toBe(true);
    y.dispose(); // del y
    expect(heap.refcount(x)).toBe(1);
    x.dispose();
  });

  test("containers: storing in a field or a list adds a reference; overwriting and removing release it", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const child = heap.alloc(Node);
    const parent = heap.alloc(Node);
    parent.set("a", child);
    expect(heap.refcount(child)).toBe(2);
    parent.set("b", child);
    expect(heap.refcount(child)).toBe(3);
    const l = heap.alloc(List, [child, child, null]);
    expect(heap.refcount(child)).toBe(5);
    expect(l.length).toBe(3);
    parent.set("a", null);
    expect(heap.refcount(child)).toBe(4);
    l.setAt(0, parent);
    expect(heap.refcount(child)).toBe(3);
    expect(heap.refcount(parent)).toBe(2);
    const popped = l.pop();
    expect(popped).toBeNull();
    const last = l.pop()!;
    expect(last.is(child)).toBe(true);
    expect(heap.refcount(child)).toBe(3); // moved from the list to the new handle
    last.dispose();
    expect(heap.refcount(child)).toBe(2);
    l.dispose(); // the list's reference to parent goes with it
    expect(heap.refcount(parent)).toBe(1);
    parent.dispose();
    expect(heap.refcount(child)).toBe(1);
    child.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("argument passing: a callee that keeps its argument takes its own reference", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const kept: Handle[] = [];
    const keep = (h: Handle) => { kept.push(h.dup()); return heap.refcount(h); };
    const look = (h: Handle) => heap.refcount(h);
    const n = heap.alloc(Node);
    expect(look(n)).toBe(1); // borrowing costs nothing
    expect(keep(n)).toBe(2);
    expect(heap.refcount(n)).toBe(2);
    n.dispose();
    expect(heap.refcount(kept[0])).toBe(1); // still alive through the callee's reference
    kept[0].dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("get() returns a new handle with its own reference", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const p = heap.alloc(Node);
    const c = heap.alloc(Node);
    p.set("a", c);
    c.dispose();
    const g = p.get("a")!;
    expect(heap.refcount(g)).toBe(2);
    expect(p.get("b")).toBeNull();
    p.dispose(); // the child survives through g
    expect(heap.refcount(g)).toBe(1);
    expect(heap.stats().liveObjects).toBe(1);
    g.dispose();
  });

  test("self-references and cycles are not freed by refcounting alone (the collectors' job)", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const a = heap.alloc(Node);
    const b = heap.alloc(Node);
    a.set("a", b);
    b.set("a", a);
    a.set("b", a);
    a.dispose();
    b.dispose();
    expect(heap.stats().liveObjects).toBe(2);
    const report = heap.verify();
    expect(report.externalRefs).toBe(0); // nothing outside holds them: garbage a cycle collector would find
  });

  test("freeing a whole tree releases every node at once, in a worklist", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const build = (d: number): Handle => {
      const n = heap.alloc(Node);
      n.setScalar("v", d);
      if (d > 0) {
        const l = build(d - 1), r = build(d - 1);
        n.set("a", l); n.set("b", r);
        l.dispose(); r.dispose();
      }
      return n;
    };
    const t = build(10);
    expect(heap.stats().liveObjects).toBe(2047);
    t.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("a 10,000,000-node chain frees without stack overflow", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    // CPython 3.14.0's increments rescan a chain held only from the host once per pass, and a pass
    // ends every few increments when nothing marks it (docs/collectors.md): quadratic, hours at 10M
    if (collectorCaps(strategy.collector).oldSpaces) heap.gc.disable();
    const { alloc, setRefMove } = heap.raw;
    let head = heap.raw.alloc(Node.id);
    for (let i = 1; i < 10_000_000; i++) {
      const n = alloc(Node.id);
      setRefMove(n, 0, head);
      head = n;
    }
    expect(heap.stats().liveObjects).toBe(10_000_000);
    heap.raw.decref(head);
    const s = heap.stats();
    expect(s.liveObjects).toBe(0);
    expect(s.deallocations).toBe(10_000_000);
  });

  // CPython frees nested: a container's first reference dies whole before the second is released.
  // Each expected order is what CPython 3.11 printed for the same objects (class N with fields a, b;
  // class F with a __del__ and a field a; lists release their last item first). Before the
  // worklist turned a release's deaths over, the first printed ["b.x", "a.x"] and the second ["b", "a.x"].
  test("deaths run depth first in CPython's order: a container's first reference dies whole before the second", async () => {
    const heap = await make();
    const log: string[] = [];
    const names = new Map<number, string>();
    const N = heap.defineType({ name: "N", refs: ["a", "b"] });
    const F = heap.defineType({ name: "F", refs: ["a"], finalizer: (h) => { log.push(names.get(h.ptr)!); } });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const n = (a: Handle | null = null, b: Handle | null = null) => {
      const o = heap.alloc(N);
      if (a) o.setTake("a", a);
      if (b) o.setTake("b", b);
      return o;
    };
    const f = (name: string, a: Handle | null = null) => {
      const o = heap.alloc(F);
      names.set(o.ptr, name);
      if (a) o.setTake("a", a);
      return o;
    };
    const orderOf = (root: Handle) => { log.length = 0; root.dispose(); return [...log]; };
    expect(orderOf(n(n(f("a.x")), n(f("b.x"))))).toEqual(["a.x", "b.x"]);
    expect(orderOf(n(n(f("a.x")), f("b")))).toEqual(["a.x", "b"]);
    const items = [f("0"), n(f("1.x")), f("2")];
    const list = heap.alloc(List, items);
    for (const h of items) h.dispose();
    expect(orderOf(list)).toEqual(["2", "1.x", "0"]);
    expect(orderOf(n(f("a", n(f("a.a.x"))), n(f("b.x"))))).toEqual(["a", "a.a.x", "b.x"]);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("a release does the same with allocation events on or off: deaths, callbacks, and frees in one order", async () => {
    // With events off, rc.ts releases fixed-layout containers in its fast loop (releaseFast); with
    // them on, always in the general one. The addresses of the next allocations show the order of
    // the frees (every allocator reuses freed blocks by a deterministic rule).
    const run = async (events: boolean) => {
      const heap = await make();
      const log: string[] = [];
      if (events) heap.onAllocationEvents(() => {});
      const N = heap.defineType({ name: "N", refs: ["a", "b", "c"], scalars: { v: "i32" } });
      const W = heap.defineType({ name: "W", refs: ["a", "b"], weakrefable: true });
      const F = heap.defineType({ name: "F", refs: ["a"], finalizer: (h) => { log.push(`fin ${h.ptr}`); } });
      const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
      const weak: HeapWeakRef[] = [];
      let i = 0;
      const build = (d: number): Handle => {
        const k = i++;
        if (d === 0) return k % 5 === 1 ? heap.alloc(Bytes, 8) : heap.alloc(N);
        if (k % 7 === 3) { const o = heap.alloc(F); o.setTake("a", build(d - 1)); return o; }
        if (k % 11 === 5) {
          const o = heap.alloc(W);
          o.setTake("a", build(d - 1));
          o.setTake("b", build(d - 1));
          weak.push(heap.weakref(o, () => { log.push(`wr ${k}`); }));
          return o;
        }
        const o = heap.alloc(N);
        o.setTake("a", build(d - 1));
        if (k % 13 === 2) { const a = o.get("a")!; o.set("b", a); a.dispose(); o.setTake("c", build(d - 1)); } // a shared child: one decrement, then its death
        else { o.setTake("b", build(d - 1)); o.setTake("c", build(d - 1)); }
        return o;
      };
      const root = build(6);
      root.dispose();
      const next: number[] = [];
      for (let j = 0; j < 400; j++) next.push(heap.alloc(j % 3 ? N : Bytes, j % 3 ? undefined : 8).ptr);
      for (const w of weak) w.dispose();
      return { log, next, live: heap.stats().liveObjects, built: i };
    };
    const off = await run(false), on = await run(true);
    expect(off.built).toBeGreaterThan(300);
    expect(off.log.filter((e) => e.startsWith("fin")).length).toBeGreaterThan(10);
    expect(off.log.filter((e) => e.startsWith("wr")).length).toBeGreaterThan(5);
    expect(off).toEqual(on);
  });
});

heapSuite("raw allocInit", ({ make }) => {
  test("fields come from the staging area, references are stolen, and the area is cleared", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const r = heap.raw;
    const child = r.alloc(Node.id);
    const sA = (r.staging + r.refOffset(Node, "a")) >>> 2;
    const sV = (r.staging + r.scalarOffset(Node, "v")) >>> 2;
    r.i32[sA] = child;
    r.i32[sV] = 42;
    const p = r.allocInit(Node.id);
    expect(r.refcount(child)).toBe(1); // moved, not copied
    expect(r.getRef(p, 0)).toBe(child);
    expect(r.i32[(p + r.scalarOffset(Node, "v")) >>> 2]).toBe(42);
    expect(r.i32[sA]).toBe(0);
    const leaf = r.allocInit(Node.id); // nothing staged: all fields zero
    expect(r.getRef(leaf, 0)).toBe(0);
    expect(r.i32[(leaf + r.scalarOffset(Node, "v")) >>> 2]).toBe(0);
    r.decref(leaf);
    r.i32[sA] = 12345; // the checked build refuses a staged non-object, before allocating
    expect(() => r.allocInit(Node.id)).toThrow(/not an object pointer/);
    r.i32[sA] = 0;
    r.decref(p);
    expect(heap.stats().liveObjects).toBe(0);
  });
});
