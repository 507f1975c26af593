// The generational cycle collector with CPython 3.12's semantics, and heap.gc.
import { expect, test } from "vitest";
import { collectorCaps, heapSuite, rng } from "./helpers.js";
import { HeapConfigError, HeapIndexError, WeakValueMap, type Handle, type Heap, type HeapWeakRef, type PhaseSnapshot } from "../src/index.js";

function types(heap: Heap, finalizer?: (obj: Handle) => void) {
  return {
    Node: heap.defineType({ name: "Node", refs: ["next", "prev"], scalars: { v: "i32" }, weakrefable: true, finalizer }),
    List: heap.defineType({ name: "List", kind: "refarray" }),
  };
}

/**
 * 6,000 refarrays as a random tree whose children are allocated before their parents (a full
 * collection leaves such a list scattered), held by its root and 40 more raw references.
 */
function scatteredTree(heap: Heap, List: ReturnType<typeof types>["List"]): { N: number; held: Set<number> } {
  const raw = heap.raw, rand = rng(2026);
  const N = 6000;
  const nodes = Array.from({ length: N }, () => raw.allocList(List.id, 0));
  for (let i = 0; i < N - 1; i++) {
    const parent = nodes[i + 1 + Math.floor(rand() * (N - 1 - i))]!;
    raw.listAppend(parent, nodes[i]!);
  }
  const held = new Set([nodes[N - 1]!]);
  for (let k = 0; k < 40; k++) { const p = nodes[Math.floor(rand() * (N - 1))]!; raw.incref(p); held.add(p); }
  for (let i = 0; i < N - 1; i++) if (!held.has(nodes[i]!) || raw.refcount(nodes[i]!) > 2) raw.decref(nodes[i]!);
  return { N, held };
}

/** Garbage: n rings of 3 nodes, dropped. */
function garbageRings(heap: Heap, Node: ReturnType<typeof types>["Node"], n: number): void {
  const raw = heap.raw;
  for (let r = 0; r < n; r++) {
    const a = raw.alloc(Node.id), b = raw.alloc(Node.id), c = raw.alloc(Node.id);
    raw.setRefMove(a, 0, b); raw.setRefMove(b, 0, c); raw.setRef(c, 0, a); raw.decref(a);
  }
}

/** A ring of n nodes (next and prev links), returned with one handle to its first node. */
function ring(heap: Heap, Node: ReturnType<typeof types>["Node"], n: number): Handle {
  const first = heap.alloc(Node);
  let last = first.dup();
  for (let i = 1; i < n; i++) {
    const x = heap.alloc(Node);
    x.setScalar("v", i);
    last.set("next", x);
    x.set("prev", last);
    last.dispose();
    last = x;
  }
  last.set("next", first);
  first.set("prev", last);
  last.dispose();
  return first;
}

heapSuite("the cycle collectors", ({ make, strategy, reuses }) => {
  if (!collectorCaps(strategy.collector).collectsCycles) {
    test("collector 'none' refuses gc.collect(): cycles are its users' business", async () => {
      const heap = await make();
      expect(() => heap.gc.collect()).toThrow(HeapConfigError);
      expect(() => heap.gc.setPauseBudget(100)).toThrow(/only the .* can bound its pauses/);
    });

    test("seed: the Task/Subtask server frees everything without a collector when back-pointers are weak", async () => {
      const heap = await make();
      const Task = heap.defineType({ name: "Task", refs: ["subtasks"], weakrefable: true });
      const Subtask = heap.defineType({ name: "Subtask", refs: ["task"] });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const recent: Handle[] = [];
      for (let t = 0; t < 300; t++) {
        const task = heap.alloc(Task);
        const subs = heap.alloc(List);
        task.set("subtasks", subs);
        const back = heap.weakref(task);
        for (let s = 0; s < 20; s++) { const st = heap.alloc(Subtask); st.set("task", back); subs.push(st); st.dispose(); }
        back.dispose(); subs.dispose();
        recent.push(task);
        if (recent.length > 10) recent.shift()!.dispose();
      }
      for (const t of recent) t.dispose();
      expect(heap.stats().liveObjects).toBe(0); // no cycle was ever made
    });
    return;
  }

  test("a cycle is freed only by the collector; collect() returns the unreachable objects found", async () => {
    const heap = await make();
    if (collectorCaps(strategy.collector).generations) expect(() => heap.gc.setPauseBudget(100)).toThrow(HeapConfigError);
    if (collectorCaps(strategy.collector).boundedPauses) expect(() => heap.gc.setPauseBudget(-1)).toThrow(/microseconds >= 0/);
    const { Node } = types(heap);
    ring(heap, Node, 10).dispose();
    expect(heap.stats().liveObjects).toBe(10); // refcounting alone cannot free it
    expect(heap.gc.collect()).toBe(10);
    expect(heap.stats().liveObjects).toBe(0);
    expect(heap.gc.collect()).toBe(0);
  });

  test("reachable cycles survive; a cycle reachable only from garbage is garbage", async () => {
    const heap = await make();
    const { Node, List } = types(heap);
    const kept = ring(heap, Node, 5);
    const garbage = ring(heap, Node, 3);
    const inner = ring(heap, Node, 4);
    garbage.set("v" === "v" ? "prev" : "next", inner); // the garbage ring also holds another ring
    inner.dispose();
    garbage.dispose();
    const selfList = heap.alloc(List);
    selfList.push(selfList); // a list containing itself
    selfList.dispose();
    expect(heap.gc.collect()).toBe(3 + 4 + 1);
    expect(heap.stats().liveObjects).toBe(5);
    expect(kept.get("next")!.get("next")!.getScalar("v")).toBe(2);
  });

  test("seed: a circular doubly linked list of 10,000 nodes is freed by gc.collect", async () => {
    const heap = await make();
    const { Node } = types(heap);
    heap.gc.disable();
    ring(heap, Node, 10_000).dispose();
    expect(heap.gc.collect()).toBe(10_000);
    expect(heap.stats().liveObjects).toBe(0);
  });

  const generationalOnly = collectorCaps(strategy.collector).generations ? test : test.skip;
  /** CPython 3.14's layout: every automatic collection is an increment (generation 1). */
  const oldSpaces = collectorCaps(strategy.collector).oldSpaces;
  const autoGen = oldSpaces ? 1 : 0;

  generationalOnly("generations: new containers start in gen 0, survivors move up; counts and thresholds", async () => {
    const heap = await make();
    const { Node } = types(heap);
    expect(heap.gc.getThreshold()).toEqual([700, 10, 10]);
    heap.gc.disable();
    const a = heap.alloc(Node);
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    const s = heap.alloc(Bytes, "x");
    expect(heap.gc.isTracked(a)).toBe(true);
    expect(heap.gc.isTracked(s)).toBe(false); // bytes are never tracked
    expect(heap.gc.getCount()[0]).toBe(1);
    expect(heap.gc.getObjects(0).map((h) => { const same = h.is(a); h.dispose(); return same; })).toEqual([true]);
    heap.gc.collect(0);
    expect(heap.gc.getCount()).toEqual([0, 1, 0]);
    const in1 = heap.gc.getObjects(1);
    expect(in1.length).toBe(1);
    in1[0].dispose();
    heap.gc.collect(1);
    expect(heap.gc.getCount()).toEqual([0, 0, 1]);
    expect(heap.gc.getObjects(2).length).toBe(1);
    expect(heap.gc.getObjects(0).length).toBe(0);
    expect(() => heap.gc.collect(3)).toThrow(HeapIndexError);
    expect(heap.gc.getStats().map((g) => g.collections)).toEqual([1, 1, 0]);
    for (const h of heap.gc.getObjects()) h.dispose();
  });

  test("automatic collection: over threshold0 container allocations trigger one (gen 0, or an increment); disable() stops it", async () => {
    const heap = await make();
    const { Node } = types(heap);
    heap.gc.setThreshold(100, 10, 10);
    for (let i = 0; i < 10; i++) ring(heap, Node, 50).dispose(); // 500 cyclic nodes, 5 thresholds' worth
    // (CPython 3.14.0: every other increment here is a pass's marking step, which get_stats() does
    // not count: each increment that collects empties the pending space and ends the pass)
    expect(heap.gc.getStats()[autoGen].collections).toBeGreaterThanOrEqual(oldSpaces ? 2 : 4);
    // rings still held when a collection ran survived it; the rest are gone (CPython 3.14.0's
    // increments examine the young generation even 5000 objects in debt, as a fresh heap is)
    expect(heap.stats().liveObjects).toBeLessThan(500);
    heap.gc.disable();
    expect(heap.gc.isEnabled()).toBe(false);
    const before = heap.gc.getStats()[autoGen].collections;
    for (let i = 0; i < 10; i++) ring(heap, Node, 50).dispose();
    expect(heap.gc.getStats()[autoGen].collections).toBe(before);
    heap.gc.enable();
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });

  generationalOnly("the 25% rule: a full collection waits until the objects pending for it reach a quarter of the long-lived ones", async () => {
    const heap = await make();
    const { Node, List } = types(heap);
    const keep = heap.alloc(List);
    for (let i = 0; i < 2000; i++) { const n = heap.alloc(Node); keep.push(n); n.dispose(); }
    heap.gc.collect(); // 2001 long-lived objects in gen 2
    heap.gc.setThreshold(10, 1, 1);
    const full = () => heap.gc.getStats()[2].collections;
    const base = full();
    // small batches of survivors: gen 2's count passes its threshold, but pending stays < 2001 / 4
    for (let i = 0; i < 40; i++) { const n = heap.alloc(Node); keep.push(n); n.dispose(); }
    expect(full()).toBe(base);
    for (let i = 0; i < 1000; i++) { const n = heap.alloc(Node); keep.push(n); n.dispose(); }
    expect(full()).toBeGreaterThan(base); // > 25% pending: now it runs
  });

  test("a full collection's copy and subtraction in one walk of a scattered list leave the counts of two passes", async () => {
    // A full collection copies and subtracts in one walk of its list (trial.ts copyAndSubtract): a
    // child met before the walk reaches it joins the set then. Rings at the head of the list each
    // hold an object the host holds too, which must survive (its decrement counted once), as the
    // rings must not; behind them a scattered tree, its children met before their parents.
    const heap = await make();
    const { Node, List } = types(heap);
    const raw = heap.raw;
    const K = 40;
    const anchors: number[] = [], outside: number[] = [];
    for (let k = 0; k < K; k++) {
      const x = raw.alloc(Node.id);
      const a = raw.alloc(Node.id), b = raw.alloc(Node.id), c = raw.alloc(Node.id);
      raw.setRefMove(a, 0, b); raw.setRefMove(b, 0, c); raw.setRef(c, 0, a);
      raw.setRef(a, 1, x); // x: count 2, one of them internal
      anchors.push(a); outside.push(x);
    }
    const { held } = scatteredTree(heap, List);
    expect(heap.gc.collect(2)).toBe(0); // leaves the list scattered (the test above)
    for (const a of anchors) raw.decref(a);
    garbageRings(heap, Node, 50);
    expect(heap.gc.collect(2)).toBe(3 * K + 150);
    for (const x of outside) expect(raw.refcount(x)).toBe(1);
    heap.verify();
    for (const x of outside) raw.decref(x);
    for (const p of held) raw.decref(p);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("a full collection over a scattered list finds exactly the garbage, with every gc_refs as trial deletion defines it", async () => {
    // Children allocated before their parents: the first full collection's moveUnreachable sets each
    // aside and takes it back at the end of the list, so the oldest generation ends up in a scattered
    // order (as W7's real graphs); the counts after each step and the garbage found must be trial
    // deletion's whatever the order (assembly/collect/trial.ts).
    const heap = await make();
    const { Node, List } = types(heap);
    const raw = heap.raw;
    const { N, held } = scatteredTree(heap, List);
    const rings = (n: number) => garbageRings(heap, Node, n);
    rings(100);
    expect(heap.gc.collect(2)).toBe(300);
    rings(150);
    const steps: PhaseSnapshot[] = [];
    heap.gc.observePhases((s) => { if (s.phase === "copy refcounts" || s.phase === "subtract internal references") steps.push(s); });
    try {
      expect(heap.gc.collect(2)).toBe(450);
    } finally { heap.gc.observePhases(null); }
    if (collectorCaps(strategy.collector).generations) {
      const [copied, subtracted] = steps;
      const set = copied!.listA;
      expect(set.length).toBe(N + 450);
      // the premise: consecutive objects of the set's list are more than a page apart most of the time
      const far = set.slice(1).filter((o, i) => Math.abs(o.address - set[i]!.address) > 4096).length;
      expect(far).toBeGreaterThan(set.length / 4);
      for (const o of set) expect(o.gcRefs).toBe(o.refcount);
      // after subtracting internal references, what the host holds: the root and the held nodes
      const outside = subtracted!.listA.filter((o) => o.gcRefs !== 0).map((o) => o.address).sort((a, b) => a - b);
      expect(outside).toEqual([...held].sort((a, b) => a - b));
    }
    for (const p of held) raw.decref(p);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("callbacks see start and stop with generation, collected, uncollectable, duration; their errors are unraisable", async () => {
    const heap = await make();
    const { Node } = types(heap);
    const seen: string[] = [];
    const errors: unknown[] = [];
    heap.onUnraisable = (err) => errors.push(err);
    heap.gc.callbacks.push((phase, info) => {
      seen.push(`${phase} g${info.generation} c${info.collected} u${info.uncollectable}`);
      if (phase === "stop") expect(info.duration).toBeGreaterThanOrEqual(0);
    });
    heap.gc.callbacks.push(() => { throw new Error("callback boom"); });
    heap.gc.callbacks.push(() => { expect(heap.gc.collect()).toBe(0); }); // re-entrant collect: refused
    ring(heap, Node, 3).dispose();
    heap.gc.collect(2);
    expect(seen).toEqual(["start g2 c0 u0", "stop g2 c3 u0"]);
    expect(errors.length).toBe(2);
    expect(heap.gc.getStats()[2].duration).toBeGreaterThan(0);
  });

  test("DEBUG_SAVEALL keeps the garbage in gc.garbage instead of freeing it", async () => {
    const heap = await make();
    const { Node } = types(heap);
    heap.gc.setDebug(heap.gc.DEBUG_SAVEALL);
    ring(heap, Node, 4).dispose();
    expect(heap.gc.collect()).toBe(4);
    expect(heap.gc.garbage.length).toBe(4);
    expect(heap.stats().liveObjects).toBe(4);
    heap.gc.setDebug(0);
    for (const g of heap.gc.garbage.splice(0)) g.dispose();
    expect(heap.gc.collect()).toBe(4);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("freeze moves everything to the permanent generation, which collections ignore", async () => {
    const heap = await make();
    const { Node } = types(heap);
    ring(heap, Node, 6).dispose();
    heap.gc.freeze();
    expect(heap.gc.getFreezeCount()).toBe(6);
    expect(heap.gc.getCount()).toEqual([0, 0, 0]);
    expect(heap.gc.collect()).toBe(0);
    expect(heap.gc.getObjects().length).toBe(0); // the permanent generation is not listed
    heap.gc.unfreeze();
    expect(heap.gc.getFreezeCount()).toBe(0);
    expect(heap.gc.collect()).toBe(6);
  });

  test("getReferrers and getReferents follow the references the collector traverses", async () => {
    const heap = await make();
    const { Node, List } = types(heap);
    const a = heap.alloc(Node), b = heap.alloc(Node);
    const l = heap.alloc(List, [b, a, b]);
    a.set("next", b);
    const referrers = heap.gc.getReferrers(b);
    expect(referrers.map((h) => h.type.name).sort()).toEqual(["List", "Node"]);
    for (const h of referrers) h.dispose();
    const referents = heap.gc.getReferents(l);
    expect(referents.map((h) => (h.is(a) ? "a" : "b"))).toEqual(["b", "a", "b"]);
    for (const h of referents) h.dispose();
  });

  test("weakrefs to garbage are cleared; a callback runs only if its weakref is not garbage too", async () => {
    const heap = await make();
    const { Node } = types(heap);
    const calls: string[] = [];
    const r = ring(heap, Node, 3);
    const outside = heap.weakref(r, () => calls.push("outside"));
    const inside = heap.weakref(r, () => calls.push("inside")); // this weakref object will live inside the garbage
    const second = r.get("next")!;
    second.set("prev", inside); // replaces the link: ring stays a cycle through next
    inside.dispose();
    second.dispose();
    const cache = new WeakValueMap(heap);
    cache.set(1, r);
    r.dispose();
    expect(cache.size).toBe(1);
    heap.gc.collect();
    expect(calls).toEqual(["outside"]);
    expect(outside.dead).toBe(true);
    expect(cache.size).toBe(0); // the container's entry went with the garbage
    cache.dispose();
    expect(heap.stats().liveObjects).toBe(1); // the outside weakref
  });

  test("PEP 442 in cycles: finalizers run once, before clearing; a resurrected cycle survives and is not finalized again", async () => {
    const heap = await make();
    const List = heap.defineType({ name: "Holder", kind: "refarray" });
    const holder = heap.alloc(List);
    let runs = 0;
    let resurrect = true;
    const { Node } = types(heap, (obj) => {
      runs++;
      const next = obj.get("next"); // the cycle is intact while finalizers run
      expect(next).not.toBeNull();
      next!.dispose();
      if (resurrect) { holder.push(obj); resurrect = false; }
    });
    ring(heap, Node, 3).dispose();
    expect(heap.gc.collect()).toBe(0); // all three finalized, then found reachable again (bpo-38379)
    expect(runs).toBe(3);
    expect(heap.stats().liveObjects).toBe(1 + 1 + 3); // holder, its items, the ring
    holder.pop()!.dispose();
    expect(heap.gc.collect()).toBe(3);
    expect(runs).toBe(3); // never finalized twice
    expect(heap.stats().liveObjects).toBe(1);
  });

  test("finalizers in a collection may allocate, make new cycles, drop references and call collect()", async () => {
    const heap = await make();
    let made = 0;
    const { Node } = types(heap, (obj) => {
      if (obj.getScalar("v") < 0) return;
      expect(heap.gc.collect()).toBe(0); // refused while collecting
      const fresh = ring(heap, Node, 2); // a new cycle, made during the collection
      fresh.setScalar("v", -1);
      const second = fresh.get("next")!;
      second.setScalar("v", -1);
      second.dispose();
      fresh.dispose();
      made++;
      obj.set("prev", null); // breaking links of the garbage while it is being collected
    });
    ring(heap, Node, 4).dispose();
    heap.gc.collect();
    expect(made).toBe(4);
    heap.verify();
    heap.gc.collect(); // the cycles the finalizers made
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("isFinalized tells whether the finalizer has run; weakrefs a finalizer makes to garbage are called back when it is freed (3.12, before gh-91636)", async () => {
    const heap = await make();
    const made: HeapWeakRef[] = [];
    let calls = 0;
    const { Node } = types(heap, (obj) => { made.push(heap.weakref(obj, () => { calls++; })); });
    const survivor = heap.alloc(Node);
    expect(heap.gc.isFinalized(survivor)).toBe(false);
    ring(heap, Node, 2).dispose();
    heap.gc.collect();
    expect(made.length).toBe(2);
    expect(made.every((w) => w.dead)).toBe(true);
    // 3.14.0's clear_weakrefs clears them without callbacks (lateWeakrefClearing)
    expect(calls).toBe(collectorCaps(strategy.collector).lateWeakrefClearing ? 0 : 2);
    const keep = heap.alloc(Node);
    const holder = heap.alloc(Node);
    holder.set("next", keep);
    keep.set("next", holder); // a cycle kept alive by our handles: finalized only once it is garbage
    heap.gc.collect();
    expect(heap.gc.isFinalized(keep)).toBe(false);
    keep.dispose(); holder.dispose();
    for (const w of made) w.dispose();
  });

  test("debug flags print what CPython prints", async () => {
    const heap = await make();
    const { Node } = types(heap);
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => { lines.push(args.join(" ")); };
    try {
      heap.gc.setDebug(heap.gc.DEBUG_STATS | heap.gc.DEBUG_COLLECTABLE);
      ring(heap, Node, 2).dispose();
      heap.gc.collect(2);
    } finally {
      console.error = original;
      heap.gc.setDebug(0);
    }
    expect(lines[0]).toBe("gc: collecting generation 2...");
    // show_stats_each_generations: the ring is young (or the candidates, list 0)
    expect(lines[1]).toBe("gc: objects in each generation: 2 0 0");
    expect(lines[2]).toBe("gc: objects in permanent generation: 0");
    expect(lines.filter((l) => /^gc: collectable <Node 0x[0-9a-f]+>$/.test(l)).length).toBe(2);
    // CPython 3.14.0's _PyGC_Collect prints no "done" line
    if (oldSpaces) expect(lines.at(-1)).toMatch(/^gc: collectable/);
    else expect(lines.at(-1)).toMatch(/^gc: done, 2 unreachable, 0 uncollectable, \d+\.\d{4}s elapsed$/);
    expect(heap.gc.DEBUG_LEAK).toBe(2 | 4 | 32);
  });

  test("a collection triggered by raw allocInit keeps the staged fields, even if a finalizer uses allocInit", async () => {
    const heap = await make();
    const raw = heap.raw;
    let finalizerAllocs = 0;
    const { Node } = types(heap, (obj) => {
      if (obj.getScalar("v") === -99) return; // the finalizer's own objects (else it never ends)
      const sV = (raw.staging + raw.scalarOffset(Node, "v")) >>> 2;
      raw.i32[sV] = -99;
      raw.decref(raw.allocInit(Node.id)); // uses and clears the staging area inside the collection
      finalizerAllocs++;
    });
    heap.gc.setThreshold(50);
    // CPython 3.14: clear the initial debt (work_to_do -5000) and do the pass's marking step first
    if (oldSpaces) { heap.gc.collect(2); heap.gc.collect(1); }
    for (let i = 0; i < 20; i++) ring(heap, Node, 5).dispose(); // garbage with finalizers, just under a collection
    const child = raw.alloc(Node.id);
    const sNext = (raw.staging + raw.refOffset(Node, "next")) >>> 2;
    const sV = (raw.staging + raw.scalarOffset(Node, "v")) >>> 2;
    let made = 0;
    while (heap.gc.getStats()[autoGen].collections === 0 && made < 1000) {
      raw.incref(child);
      raw.i32[sNext] = child;
      raw.i32[sV] = 12345;
      const p = raw.allocInit(Node.id); // may collect first: the staged fields must survive it
      expect(raw.i32[(p + raw.scalarOffset(Node, "v")) >>> 2]).toBe(12345);
      expect(raw.getRef(p, 0)).toBe(child);
      raw.decref(p);
      made++;
    }
    expect(heap.gc.getStats()[autoGen].collections).toBeGreaterThan(0);
    expect(finalizerAllocs).toBeGreaterThan(0);
    raw.decref(child);
    heap.gc.collect();
  });

  test("legacy finalizer mode: a cycle holding a finalizer is uncollectable and lands in gc.garbage", async () => {
    const heap = await make({ finalizerMode: "legacy" });
    let runs = 0;
    const { Node } = types(heap, () => { runs++; });
    const Plain = heap.defineType({ name: "Plain", refs: ["x"] });
    const r = ring(heap, Node, 2);
    const p = heap.alloc(Plain);
    r.set("prev", p); // r.prev: a plain object reachable from the finalizer cycle
    p.dispose();
    r.dispose();
    expect(heap.gc.collect()).toBe(3);
    expect(runs).toBe(0);
    expect(heap.gc.getStats()[2].uncollectable).toBe(3);
    expect(heap.gc.garbage.map((h) => h.type.name).sort()).toEqual(["Node", "Node"]); // what has a finalizer
    expect(heap.stats().liveObjects).toBe(3);
    for (const g of heap.gc.garbage.splice(0)) g.dispose();
    // DEBUG_STATS: "unreachable" counts the uncollectable too (gc_collect_main prints n + m)
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => { lines.push(args.join(" ")); };
    try {
      heap.gc.setDebug(heap.gc.DEBUG_STATS);
      ring(heap, Node, 2).dispose();
      heap.gc.collect();
    } finally {
      console.error = original;
      heap.gc.setDebug(0);
    }
    // (the 3 already in gc.garbage, still a cycle, are found again)
    if (!oldSpaces) expect(lines.at(-1)).toMatch(/^gc: done, 5 unreachable, 5 uncollectable, /);
    for (const g of heap.gc.garbage.splice(0)) g.dispose();
  });

  test("seed: Task/Subtask with strong back-pointers needs the collector; weak ones do not", async () => {
    const heap = await make();
    heap.gc.disable();
    const Task = heap.defineType({ name: "Task", refs: ["subtasks"], weakrefable: true });
    const Subtask = heap.defineType({ name: "Subtask", refs: ["task"] });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const serve = (weak: boolean) => {
      for (let t = 0; t < 200; t++) {
        const task = heap.alloc(Task);
        const subs = heap.alloc(List);
        task.set("subtasks", subs);
        const back: Handle = weak ? heap.weakref(task) : task.dup();
        for (let s = 0; s < 20; s++) { const st = heap.alloc(Subtask); st.set("task", back); subs.push(st); st.dispose(); }
        back.dispose(); subs.dispose(); task.dispose();
      }
    };
    serve(true);
    expect(heap.stats().liveObjects).toBe(0);
    serve(false);
    expect(heap.stats().liveObjects).toBe(200 * 23); // task, list, its items block, 20 subtasks
    expect(heap.gc.collect()).toBe(200 * 22); // the containers (items blocks are not tracked)
    expect(heap.stats().liveObjects).toBe(0);
  });

  const recyclerOnly = collectorCaps(strategy.collector).candidates ? test : test.skip;

  recyclerOnly("recycler: a count decremented to non-zero makes a candidate; a candidate collection frees its garbage", async () => {
    const heap = await make();
    const { Node } = types(heap);
    heap.gc.disable();
    const kept = ring(heap, Node, 3);
    const dropped = ring(heap, Node, 4);
    heap.gc.collect(0); // building them dropped handles (decrements to non-zero): clear those candidates
    expect(heap.gc.getCandidateCount()).toBe(0);
    const extra = kept.dup();
    extra.dispose(); // 2 -> 1: a candidate, though still reachable
    expect(heap.gc.getCandidateCount()).toBe(1);
    dropped.dispose(); // the ring's last outside reference: its first node is a candidate
    expect(heap.gc.getCandidateCount()).toBe(2);
    expect(heap.gc.collect(0)).toBe(4);
    expect(heap.gc.getCandidateCount()).toBe(0);
    expect(heap.stats().liveObjects).toBe(3);
    heap.alloc(Node).dispose(); // a death (1 -> 0) is not a candidate
    expect(heap.gc.getCandidateCount()).toBe(0);
  });

  recyclerOnly("recycler: a collection examines the candidates' subgraph, not the heap", async () => {
    const heap = await make();
    const { Node, List } = types(heap);
    heap.gc.disable();
    const old = heap.alloc(List);
    for (let i = 0; i < 20_000; i++) { const n = heap.alloc(Node); old.push(n); n.dispose(); }
    const rings = Array.from({ length: 10 }, () => ring(heap, Node, 4));
    heap.gc.collect(0); // every dispose so far left a count at 1: those candidates are examined once here
    for (const r of rings) r.dispose(); // 10 candidates
    const examined: number[] = [];
    heap.gc.callbacks.push((phase, info) => { if (phase === "stop") examined.push(info.candidates); });
    expect(heap.gc.collect(0)).toBe(40);
    expect(examined[0]).toBe(40); // the rings' nodes only: none of the 20,001 old objects
    expect(heap.gc.collect(2)).toBe(0);
    expect(examined[1]).toBe(20_001); // a full collection gathers everything
  });

  (collectorCaps(strategy.collector).boundedPauses ? test : test.skip)("pause budget: bounded steps while the mutator keeps mutating; nothing is lost, memory stays bounded", async () => {
    /** Churns rings (a third kept alive) under a budget; returns what the steps and the buffer did. */
    const churn = async (budgetUs: number) => {
      const heap = await make();
      const { Node, List } = types(heap);
      const old = heap.alloc(List);
      heap.gc.setThreshold(100);
      if (budgetUs) heap.gc.setPauseBudget(budgetUs);
      expect(heap.gc.getPauseBudget()).toBe(budgetUs);
      const examined: number[] = [];
      heap.gc.callbacks.push((phase, info) => { if (phase === "stop" && info.generation === 0) examined.push(info.candidates); });
      let maxBuffered = 0, maxLive = 0;
      for (let i = 0; i < 3000; i++) {
        const r = ring(heap, Node, 4);
        if (i % 3 === 0) old.push(r); // some rings live on
        r.dispose();
        maxBuffered = Math.max(maxBuffered, heap.gc.getCandidateCount());
        if (i % 100 === 0) maxLive = Math.max(maxLive, heap.stats().liveObjects);
      }
      heap.gc.setPauseBudget(0);
      old.dispose();
      heap.gc.collect(0);
      heap.gc.collect(2);
      expect(heap.stats().liveObjects).toBe(0); // nothing was lost: everything buffered was found
      const sorted = [...examined].sort((a, b) => a - b);
      return { median: sorted[sorted.length >> 1], steps: examined.length, maxBuffered, maxLive };
    };
    const free = await churn(0);
    const bounded = await churn(2); // µs: a handful of objects per step (the checked build is slow)
    expect(bounded.median).toBeLessThan(free.median / 2); // smaller steps...
    expect(bounded.steps).toBeGreaterThan(free.steps); // ...more of them, while the mutator runs on
    expect(bounded.maxBuffered).toBeLessThanOrEqual(16 * 100 + 8); // past 16 × threshold0 a step takes everything
    expect(bounded.maxLive).toBeLessThan(1000 * 4 + 1 + (16 * 100 + 8) * 4 * 4); // the kept rings + bounded garbage
  });

  recyclerOnly("recycler: automatic collections run when candidates pass threshold0", async () => {
    const heap = await make();
    const { Node } = types(heap);
    heap.gc.setThreshold(50);
    for (let i = 0; i < 500; i++) ring(heap, Node, 4).dispose();
    expect(heap.gc.getStats()[0].collections).toBeGreaterThanOrEqual(9);
    expect(heap.stats().liveObjects).toBeLessThanOrEqual(51 * 4);
  });

  test("out of memory is raised only after a full collection has been tried", async () => {
    const heap = await make({ maxBytes: 8 << 20 });
    const { Node } = types(heap);
    heap.gc.disable();
    const churn = () => { for (let i = 0; i < 10_000; i++) ring(heap, Node, 40).dispose(); }; // 400,000 cyclic nodes: 12.8 MB, more than fits
    if (!reuses) {
      expect(churn).toThrow(/out of memory/); // the floor frees but never reuses
      return;
    }
    churn();
    expect(heap.gc.getStats()[2].collections).toBeGreaterThan(0); // the allocations succeeded by collecting
    heap.gc.collect();
    expect(heap.stats().liveObjects).toBe(0);
  });
});

test("weakref callbacks of a collection get their weakref; exceptions are unraisable", async () => {
  const { Heap } = await import("../src/index.js");
  const heap = await Heap.create({ debug: true });
  const { Node } = types(heap);
  const errors: string[] = [];
  heap.onUnraisable = (e, ctx) => errors.push(`${(e as Error).message} in ${ctx}`);
  const r = ring(heap, Node, 2);
  let got: HeapWeakRef | null = null;
  const wr = heap.weakref(r, (w) => { got = w; throw new Error("cb"); });
  r.dispose();
  heap.gc.collect();
  expect(got).not.toBeNull();
  expect(errors[0]).toMatch(/^cb in weakref callback/);
  wr.dispose();
  heap.verify();
});

// Issue 14, item 17: what docs/gc.md says the gc API reports, pinned on every strategy and both builds.
heapSuite("what gc.getCount() and gc.getObjects() report", ({ make, strategy }) => {
  for (const debug of [true, false]) {
    test(`${debug ? "debug" : "release"}: as docs/gc.md says for '${strategy.collector}'`, async () => {
      const heap = await make({ debug });
      const Node = heap.defineType({ name: "Node", refs: ["a"] });
      const lengths = () => [0, 1, 2].map((g) => {
        const objs = heap.gc.getObjects(g);
        for (const o of objs) o.dispose();
        return objs.length;
      });
      const a = heap.alloc(Node), b = heap.alloc(Node), c = heap.alloc(Node);
      expect(heap.gc.getCount()).toEqual([3, 0, 0]);
      a.set("a", b); b.set("a", a);
      b.dispose();
      if (collectorCaps(strategy.collector).candidates) {
        expect(heap.gc.getCandidateCount()).toBe(1);
        expect(lengths()).toEqual([1, 2, 0]);        // the candidate buffer; every other container; nothing
        expect(heap.gc.getCandidateCount()).toBe(3); // disposing getObjects' handles made candidates
        expect(lengths()).toEqual([3, 0, 0]);
        a.dispose();
        expect(heap.gc.collect(1)).toBe(2);          // collect(0) and collect(1): the same step
        expect(heap.gc.getCount()).toEqual([0, 0, 0]);
        // the survivor: back among the others (recycler), or old (hybrid: list 2, examined again only from a candidate)
        const young = collectorCaps(strategy.collector).youngGeneration;
        expect([heap.gc.getCandidateCount(), ...lengths()]).toEqual(young ? [0, 0, 0, 1] : [0, 0, 1, 0]);
        const d = heap.alloc(Node);
        expect(heap.gc.getCount()).toEqual([1, 0, 0]); // count0 counts (it triggers the hybrid, never the recycler)
        d.dispose();
        heap.gc.collect(2);
        expect(heap.gc.getCount()).toEqual([0, 0, 0]);
        heap.gc.freeze();
        expect([heap.gc.getCandidateCount(), ...lengths(), heap.gc.getFreezeCount()]).toEqual([0, 0, 0, 0, 1]);
        heap.gc.unfreeze();
        expect(lengths()).toEqual([0, 1, 0]);
      } else if (collectorCaps(strategy.collector).generations) {
        expect(lengths()).toEqual([3, 0, 0]);          // new containers in generation 0
        a.dispose();
        expect(heap.gc.collect(0)).toBe(2);
        expect(heap.gc.getCount()).toEqual([0, 1, 0]);
        expect(lengths()).toEqual([0, 1, 0]);          // the survivor moved up
        heap.gc.collect(1);
        expect(heap.gc.getCount()).toEqual([0, 0, 1]);
        expect(lengths()).toEqual([0, 0, 1]);
      } else if (collectorCaps(strategy.collector).oldSpaces) {
        expect(heap.gc.getThreshold()).toEqual([2000, 10, 0]);
        heap.gc.setThreshold(2000, 10, 7);
        expect(heap.gc.getThreshold()).toEqual([2000, 10, 0]); // the third is kept, never used or reported
        expect(lengths()).toEqual([3, 0, 0]);          // new containers are young
        a.dispose();
        expect(heap.gc.collect(0)).toBe(2);
        expect(heap.gc.getCount()).toEqual([0, 1, 0]); // young collections into the visited space
        expect(lengths()).toEqual([0, 0, 1]);          // no generation 1: getObjects(2) is both old spaces
        expect(heap.gc.collect(1)).toBe(0);            // a pass's first increment marks (no root: nothing)
        expect(heap.gc.getStats()[1].collections).toBe(0); // and is not counted (3.14.0's gc_collect_increment)
        heap.gc.collect(1);
        expect(heap.gc.getStats()[1].collections).toBe(1);
        heap.gc.collect(2);
        expect(heap.gc.getCount()).toEqual([0, 0, 0]);
        expect(lengths()).toEqual([0, 0, 1]);          // the pass ended: the spaces swapped
        heap.gc.freeze();
        expect([...lengths(), heap.gc.getFreezeCount()]).toEqual([0, 0, 0, 1]);
        heap.gc.unfreeze();
        expect(lengths()).toEqual([0, 0, 1]);
      } else {
        expect(lengths()).toEqual([3, 0, 0]);          // 'none': tracked in generation 0 for good
        a.set("a", null);                              // b dies with its last reference (no collector)
        expect(heap.gc.getCount()).toEqual([2, 0, 0]); // allocations minus deallocations, never reset
        a.dispose();
        expect([heap.gc.getCount(), lengths()]).toEqual([[1, 0, 0], [1, 0, 0]]);
      }
      c.dispose();
      expect(heap.stats().liveObjects).toBe(0);
    });
  }
});
