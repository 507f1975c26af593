// CPython 3.14.0's incremental collector (assembly/collect/incremental.ts): what an increment
// holds, how work_to_do sizes it, marking from gc.setRoot (with gh-141890's double count), the
// space invariants verify() checks; and gc.setRoot on every collector.
import { expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import { HeapVerifyError, type GcInfo, type Handle, type Heap, type HeapWeakRef } from "../src/index.js";

/** CPython 3.14.0's assess_work_to_do: new objects plus a share of the heap, at most 3/2 of the new objects. */
const assess = (young: number, heapSize: number, threshold1 = 10) => young + Math.min(Math.floor(Math.floor(heapSize / 10) / Math.max(threshold1, 2)), Math.floor(young * 3 / 2));
/** Header bit 27: the object's old space (incremental.ts). */
const OLD_SPACE_1 = 1 << 27;

function setup(heap: Heap) {
  const Node = heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" } });
  const List = heap.defineType({ name: "List", kind: "refarray" });
  /** Each automatic or manual collection's stop info, in order. */
  const stops: GcInfo[] = [];
  heap.gc.callbacks.push((phase, info) => { if (phase === "stop") stops.push({ ...info }); });
  heap.gc.setThreshold(0); // collections only when the test asks
  /** n two-node cycles held by one list; returns the list. */
  const pairs = (n: number): Handle => {
    const list = heap.alloc(List);
    for (let i = 0; i < n; i++) {
      const x = heap.alloc(Node), y = heap.alloc(Node);
      x.set("a", y); y.set("a", x);
      list.push(x);
      x.dispose(); y.dispose();
    }
    return list;
  };
  return { Node, List, stops, pairs };
}

/** n two-node cycles, each held by a handle to one of its nodes. */
function twoCycles(heap: Heap, Node: ReturnType<typeof setup>["Node"], n: number): Handle[] {
  const held: Handle[] = [];
  for (let i = 0; i < n; i++) {
    const x = heap.alloc(Node), y = heap.alloc(Node);
    x.set("a", y); y.set("a", x); y.dispose();
    held.push(x);
  }
  return held;
}

heapSuite("the incremental collector (CPython 3.14.0)", ({ make, strategy }) => {
  const incrementalOnly = collectorCaps(strategy.collector).oldSpaces ? test : test.skip;

  incrementalOnly("an increment is the young generation plus pending objects, each with all it reaches, until work_to_do", async () => {
    const heap = await make();
    const { Node, stops } = setup(heap);
    const held = twoCycles(heap, Node, 150); // 300 containers
    heap.gc.collect(2);      // all visited; the pass ends: the spaces swap, so all are pending; work_to_do = 0
    expect(heap.gc.collect(1)).toBe(0); // the pass's first increment marks (no root: nothing) and stops
    expect(stops.at(-1)).toMatchObject({ generation: 1, candidates: 0 });
    held[0].dispose(); held[1].dispose(); // the pending list's first two cycles become garbage
    const young = Array.from({ length: 10 }, () => heap.alloc(Node));
    // work_to_do = 10 + min(310 / 10 / 10, 2 * 10) = 13: the 10 young, then pending objects each
    // with what it reaches (its partner) until 13 are in: two cycles, 14 objects
    expect(assess(10, 310)).toBe(13);
    expect(heap.gc.collect(1)).toBe(4);
    expect(stops.at(-1)).toMatchObject({ generation: 1, candidates: 14, collected: 4 });
    // work_to_do = 13 + 306 / 10 / 10 - 14 = 2: with no young objects, the next increment takes one cycle
    expect(assess(0, 306)).toBe(0);
    expect(heap.gc.collect(1)).toBe(0);
    expect(stops.at(-1)).toMatchObject({ generation: 1, candidates: 2 });
    for (const h of [...young, ...held.slice(2)]) h.dispose();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("a pending cycle is collected whole by the increment that reaches it, and not before", async () => {
    const heap = await make();
    const { Node, stops } = setup(heap);
    const held = twoCycles(heap, Node, 400);
    heap.gc.collect(2);
    heap.gc.collect(1); // the marking step
    for (const h of held.splice(200)) h.dispose(); // the pending list's last 200 cycles become garbage
    // one young object per increment, then pending objects in list order, each with its partner
    const extra: Handle[] = [];
    let taken = 0;
    while (taken < 800) {
      extra.push(heap.alloc(Node));
      heap.gc.collect(1);
      const { candidates, collected } = stops.at(-1)!;
      const before = taken;
      taken += candidates - 1;
      expect(taken % 2).toBe(0);
      expect(collected).toBe(Math.max(0, taken - Math.max(before, 400))); // the garbage: pending objects 400 on
    }
    expect(extra.length).toBeGreaterThan(100); // many small increments, not one large one
    expect(heap.stats().liveObjects).toBe(400 + extra.length);
    for (const h of [...held, ...extra]) h.dispose();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("assess_work_to_do caps the heap's share at 3/2 of the new objects (3.14.0; 3.14.1 doubled them)", async () => {
    const heap = await make();
    const { Node, stops } = setup(heap);
    const held = Array.from({ length: 1000 }, () => heap.alloc(Node));
    heap.gc.collect(2); // the pass ends: all 1000 pending, work_to_do = 0
    heap.gc.collect(1); // the marking step (no root: nothing marked)
    const young = [heap.alloc(Node), heap.alloc(Node)];
    // work_to_do = 2 + min(1002 / 10 / 10, 2 * 3 / 2) = 5: the 2 young and 3 pending objects
    expect(assess(2, 1002)).toBe(5);
    heap.gc.collect(1);
    expect(stops.at(-1)).toMatchObject({ generation: 1, candidates: 5, collected: 0 });
    for (const h of [...held, ...young]) h.dispose();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("the pass starts by marking from gc.setRoot; the marked objects count twice against work_to_do (gh-141890)", async () => {
    const heap = await make();
    const { Node, List, stops } = setup(heap);
    const root = heap.alloc(List);
    for (let i = 0; i < 1000; i++) { const n = heap.alloc(Node); root.push(n); n.dispose(); }
    heap.gc.setRoot(root);
    root.dispose();
    const loose = twoCycles(heap, Node, 50); // 100 objects no root reaches
    heap.gc.collect(2); // work_to_do = 0, the next increment marks
    heap.gc.collect(1);
    expect(stops.at(-1)).toMatchObject({ generation: 1, candidates: 1001, collected: 0 }); // the root and its 1000 nodes
    // work_to_do as 3.14.0 keeps it: 2 new objects an increment over a heap of 1103, 1101 after it
    let work = assess(0, 1101) - 2 * 1001, debt = 0;
    for (;;) { work += assess(2, 1103); if (work > 2) break; work += Math.floor(110 / 10) - 2; debt++; }
    expect(debt).toBe(143);
    // in debt, an increment examines the young generation alone: each new garbage cycle is found at once
    const cycle = () => { const x = heap.alloc(Node), y = heap.alloc(Node); x.set("a", y); y.set("a", x); x.dispose(); y.dispose(); };
    for (let i = 0; i < debt; i++) {
      cycle();
      expect(heap.gc.collect(1)).toBe(2);
      expect(stops.at(-1)).toMatchObject({ candidates: 2 });
    }
    // then it takes pending objects too
    cycle();
    expect(heap.gc.collect(1)).toBe(2);
    expect(stops.at(-1)!.candidates).toBeGreaterThan(2);
    for (const h of loose) h.dispose();
    heap.gc.setRoot(null);
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("after an increment work_to_do gains the heap's share again (gc_collect_increment, 3.14.0)", async () => {
    const heap = await make();
    const { Node, stops } = setup(heap);
    const held = Array.from({ length: 1000 }, () => heap.alloc(Node));
    heap.gc.collect(2);
    heap.gc.collect(1); // the marking step
    const young = [heap.alloc(Node), heap.alloc(Node)];
    heap.gc.collect(1);
    expect(stops.at(-1)).toMatchObject({ candidates: 5 }); // work_to_do = 2 + min(10, 3) = 5
    // work_to_do = 5 + 1002 / 10 / 10 - 5 = 10; then 10 + 5 = 15: 2 young and 13 pending objects
    young.push(heap.alloc(Node), heap.alloc(Node));
    heap.gc.collect(1);
    expect(stops.at(-1)).toMatchObject({ candidates: 15 });
    for (const h of [...held, ...young]) h.dispose();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("the marking step is reported to the callbacks but not counted in get_stats (gc_collect_increment, 3.14.0)", async () => {
    const heap = await make();
    const { Node, List, stops } = setup(heap);
    const root = heap.alloc(List);
    const n = heap.alloc(Node);
    root.push(n);
    heap.gc.setRoot(root);
    heap.gc.collect(1); // a fresh heap's first increment: the marking step
    expect(stops).toEqual([expect.objectContaining({ generation: 1, collected: 0, uncollectable: 0, candidates: 2 })]);
    expect(heap.gc.getStats()[1].collections).toBe(0);
    heap.gc.collect(1); // an increment that collects
    expect(heap.gc.getStats()[1].collections).toBe(1);
    n.dispose();
    root.dispose();
    heap.gc.setRoot(null);
  });

  incrementalOnly("a collection's survivors join the visited space when it ends: its finalizers find them on no list (gc_collect_young, gc_collect_increment)", async () => {
    const heap = await make();
    let seen: boolean[] = [];
    let keep: Handle | null = null;
    const Fin = heap.defineType({
      name: "Fin", refs: ["a"],
      finalizer: () => {
        const all = heap.gc.getObjects();
        seen.push(all.some((h) => keep !== null && h.is(keep)));
        for (const h of all) h.dispose();
      },
    });
    heap.gc.setThreshold(0);
    for (const g of [0, 1]) {
      heap.gc.collect(2);
      heap.gc.collect(1); // the marking step: the next increment collects
      keep = heap.alloc(Fin); // young and held: it survives
      const x = heap.alloc(Fin), y = heap.alloc(Fin);
      x.set("a", y); y.set("a", x); x.dispose(); y.dispose();
      seen = [];
      expect(heap.gc.collect(g)).toBe(2);
      expect(seen).toEqual([false, false]);
      const old = heap.gc.getObjects(2);
      expect(old.some((h) => h.is(keep!))).toBe(true);
      for (const h of old) h.dispose();
      const k = keep;
      keep = null;
      k.dispose();
    }
  });

  incrementalOnly("getReferrers walks the visited space before the pending one, whichever list holds it (_PyGC_GetReferrers)", async () => {
    const heap = await make();
    const { Node } = setup(heap);
    const t = heap.alloc(Node);
    const a = heap.alloc(Node);
    a.set("a", t);
    heap.gc.collect(2); // the pass ends: the spaces swap, a is pending (old space 0)
    heap.gc.collect(1); // the marking step
    const b = heap.alloc(Node);
    b.set("a", t);
    heap.gc.collect(0); // b joins the visited space (old space 1)
    expect(heap.gc.getObjects(2).map((h) => { const i = [a, b, t].findIndex((x) => x.is(h)); h.dispose(); return i; })).toEqual([2, 0, 1]); // old space 0, then 1
    const refs = heap.gc.getReferrers(t);
    expect(refs.map((h) => (h.is(b) ? "b" : h.is(a) ? "a" : "?"))).toEqual(["b", "a"]);
    for (const h of [...refs, a, b, t]) h.dispose();
  });

  incrementalOnly("weakrefs without a callback to the garbage are cleared after its finalizers, those with one before (handle_weakref_callbacks, clear_weakrefs: gh-135552)", async () => {
    const heap = await make();
    const events: string[] = [];
    let plain: HeapWeakRef | null = null;
    const Node = heap.defineType({
      name: "Node", refs: ["a"], weakrefable: true,
      finalizer: () => {
        const h = plain!.deref();
        events.push(`finalizer: ${h === null ? "cleared" : "alive"}`);
        h?.dispose();
      },
    });
    heap.gc.setThreshold(0);
    const x = heap.alloc(Node), y = heap.alloc(Node);
    x.set("a", y); y.set("a", x);
    plain = heap.weakref(y);
    const withCallback = heap.weakref(y, (wr) => { events.push(`callback: ${wr.deref() === null ? "cleared" : "alive"}`); });
    x.dispose(); y.dispose();
    expect(heap.gc.collect(0)).toBe(2);
    expect(events).toEqual(["callback: cleared", "finalizer: alive", "finalizer: alive"]);
    expect(plain.deref()).toBeNull();
    plain.dispose();
    withCallback.dispose();
  });

  incrementalOnly("an increment in debt still examines the young generation (3.14.0; 3.14.1 skipped it)", async () => {
    const heap = await make();
    const { Node, stops } = setup(heap);
    heap.gc.collect(1); // a fresh heap's first increment marks (no root: nothing); work_to_do = -5000
    const x = heap.alloc(Node), y = heap.alloc(Node);
    x.set("a", y); y.set("a", x); x.dispose(); y.dispose();
    expect(heap.gc.collect(1)).toBe(2);
    expect(stops.at(-1)).toMatchObject({ generation: 1, candidates: 2, collected: 2 });
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("a pass that ends with frozen objects moves visited back to pending instead of swapping", async () => {
    const heap = await make();
    const { Node, pairs } = setup(heap);
    const frozen = heap.alloc(Node);
    heap.gc.freeze();
    const list = pairs(20);
    for (let i = 0; i < 30; i++) {
      heap.alloc(Node).dispose();
      const x = heap.alloc(Node);
      heap.gc.collect(i % 3 === 2 ? 0 : 1);
      x.dispose();
      heap.verify(); // the space invariants (checkSpaces) hold after every step
    }
    expect(heap.gc.getFreezeCount()).toBe(1);
    heap.gc.unfreeze();
    heap.verify();
    list.dispose();
    frozen.dispose();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  incrementalOnly("verify() finds a young object in the visited space", async () => {
    const heap = await make();
    const { Node } = setup(heap);
    const x = heap.alloc(Node);
    const info = (x.ptr + 4) >>> 2;
    heap.views.u32[info] ^= OLD_SPACE_1;
    expect(() => heap.verify()).toThrow(HeapVerifyError);
    expect(() => heap.verify()).toThrow(/young object is in the visited space/);
    heap.views.u32[info] ^= OLD_SPACE_1;
    heap.verify();
    x.dispose();
  });

  // rc.ts's finalize() re-tracks a deposited death (one that began while host code ran): it once
  // kept the space bit the object had before, so a resurrected old object sat in the young
  // generation marked visited (verify: checkSpaces)
  incrementalOnly("a finalizer that resurrects an old object leaves it young and not visited", async () => {
    const heap = await make();
    let saved: Handle | null = null;
    let x: Handle | null = null;
    const Node = heap.defineType({
      name: "Node", refs: ["a"], scalars: { v: "i32" },
      finalizer: (obj) => {
        if (obj.getScalar("v") === 1) { x!.dispose(); x = null; } // x's death begins inside this finalizer: deposited
        else saved = obj.dup();                                     // x's finalizer resurrects it
      },
    });
    heap.gc.setThreshold(0);
    x = heap.alloc(Node);
    heap.gc.collect(0); // x is old, in the visited space
    const h = heap.alloc(Node);
    h.setScalar("v", 1);
    h.dispose();
    expect(saved).not.toBeNull();
    heap.verify();
    saved!.dispose();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });
});

heapSuite("gc.setRoot", ({ make, strategy }) => {
  test("the heap holds its root until it is replaced", async () => {
    const heap = await make();
    const Node = heap.defineType({ name: "Node", refs: ["a"] });
    expect(heap.gc.getRoot()).toBeNull();
    const r = heap.alloc(Node);
    const child = heap.alloc(Node);
    r.set("a", child); child.dispose();
    heap.gc.setRoot(r);
    r.dispose();
    expect(heap.stats().liveObjects).toBe(2);
    const again = heap.gc.getRoot()!;
    const c = again.get("a");
    expect(c).not.toBeNull();
    c!.dispose();
    if (collectorCaps(strategy.collector).collectsCycles) heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(2);
    heap.gc.setRoot(again); // the same object again: still one reference held
    again.dispose();
    heap.gc.setRoot(null);
    expect(heap.stats().liveObjects).toBe(0);
    expect(heap.gc.getRoot()).toBeNull();
  });
});
