// Inspection: objgraph's census, growth and chains, heapy's partitions and dominators.
import { expect, test } from "vitest";
import { collectorCaps, heapSuite, rng } from "./helpers.js";
import { HeapConfigError, HeapIndexError, HeapTypeError, type Handle, type Heap } from "../src/index.js";
import { dominos, ROOT, UNREACHABLE } from "../src/inspect/index.js";
import { EVENT_CAPACITY } from "../src/generated/boundary.js";

function types(heap: Heap) {
  return {
    Node: heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true }),
    List: heap.defineType({ name: "List", kind: "refarray" }),
    Bytes: heap.defineType({ name: "Bytes", kind: "bytes" }),
  };
}

heapSuite("inspect: census", ({ make }) => {
  test("count, typestats and mostCommonTypes see every live object, bytes and weakrefs included", async () => {
    const heap = await make();
    const { Node, List, Bytes } = types(heap);
    const list = heap.alloc(List);
    for (let i = 0; i < 7; i++) {
      const n = heap.alloc(Node);
      const b = heap.alloc(Bytes, `payload ${i}`);
      n.set("a", b);
      list.push(n);
      b.dispose(); n.dispose();
    }
    const first = list.at(0)!;
    const wr = heap.weakref(first);
    first.dispose();
    const ins = heap.inspect;
    expect(ins.typestats()).toEqual({ List: 1, Node: 7, Bytes: 7, weakref: 1 });
    expect(ins.count("Node")).toBe(7);
    expect(ins.count("Nope")).toBe(0);
    // objgraph's view: only what the collector tracks
    expect(ins.typestats({ trackedOnly: true })).toEqual({ List: 1, Node: 7 });
    expect(ins.mostCommonTypes(2)).toEqual([["Bytes", 7], ["Node", 7]]);
    expect(ins.showMostCommonTypes(1)).toBe("Bytes 7");
    // the census sums to the allocator's own accounting (a list's items block counted with its list)
    const g = ins.graph();
    const s = heap.stats();
    expect([...g.size].reduce((a, b) => a + b, 0)).toBe(s.objectHeaderBytes + s.objectPayloadBytes);
    expect(() => ins.count(3 as unknown as string)).toThrow(HeapTypeError);
    // not from inside an allocation events listener delivered mid-allocation (each event as it happens)
    const errors: unknown[] = [];
    heap.onUnraisable = (err) => errors.push(err);
    const off = heap.onAllocationEvents(() => ins.graph());
    heap.core.eventsSetBatchSize(1);
    heap.alloc(Node).dispose();
    heap.core.eventsSetBatchSize(EVENT_CAPACITY);
    off();
    heap.flushUnraisable();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(HeapConfigError);
    expect(String(errors[0])).toMatch(/not from an allocation events listener/);
    wr.dispose(); list.dispose();
    expect(ins.typestats()).toEqual({});
  });

  test("describe() reports the generation the collector keeps an object in (its lists, not a header bit)", async () => {
    const heap = await make();
    const { Node, Bytes } = types(heap);
    using n = heap.alloc(Node);
    using b = heap.alloc(Bytes, 4);
    expect(heap.inspect.describe(b).generation).toBeNull(); // untracked
    const gen = () => heap.inspect.describe(n).generation;
    if (collectorCaps(heap.collector).generations) {
      expect(gen()).toBe(0);
      heap.gc.collect(0);
      expect(gen()).toBe(1);
      heap.gc.collect(1);
      expect(gen()).toBe(2);
      heap.gc.freeze();
      expect(gen()).toBe(3);
      heap.gc.unfreeze();
      expect(gen()).toBe(2);
    } else if (collectorCaps(heap.collector).candidates) {
      expect(gen()).toBe(1); // the recycler keeps generation 0 for its candidates
    } else {
      expect(gen()).toBe(0);
    }
  });

  test("byType and at return new handles; getLeakingObjects returns what no heap object refers to", async () => {
    const heap = await make();
    const { Node, List } = types(heap);
    const root = heap.alloc(List);
    const kept = heap.alloc(Node);
    root.push(kept);
    const lone = heap.alloc(Node); // held by the host only
    const nodes = heap.inspect.byType("Node");
    expect(nodes.map((h) => h.ptr).sort()).toEqual([kept.ptr, lone.ptr].sort());
    expect(heap.refcount(lone)).toBe(2); // the new handle owns a reference
    nodes.forEach((h) => h.dispose());
    const again = heap.inspect.at(lone.ptr)!;
    expect(again.is(lone)).toBe(true);
    again.dispose();
    expect(heap.inspect.at(lone.ptr + 4)).toBeNull();
    expect(() => heap.inspect.at(-1)).toThrow(HeapTypeError);
    const leaking = heap.inspect.getLeakingObjects();
    expect(leaking.map((h) => h.ptr).sort()).toEqual([root.ptr, lone.ptr].sort());
    leaking.forEach((h) => h.dispose());
    root.dispose(); kept.dispose(); lone.dispose();
  });

  test("partition tables by type, generation, size and referrer classification", async () => {
    const heap = await make();
    const { Node, List } = types(heap);
    const list = heap.alloc(List);
    const a = heap.alloc(Node), b = heap.alloc(Node);
    list.push(a);
    a.set("a", b); // b: referred to by a Node and held by the host
    const rows = heap.inspect.partition("referrers");
    expect(Object.fromEntries(rows.map((r) => [r.key, r.count]))).toEqual({ "{<host>}": 1, "{<host>, List}": 1, "{<host>, Node}": 1 });
    expect(heap.inspect.referrerClass(a)).toBe("{List}"); // its argument handle is not counted
    const byType = heap.inspect.partition("type");
    expect(byType.reduce((x, r) => x + r.count, 0)).toBe(3);
    expect(byType[byType.length - 1].cumulativePct).toBeCloseTo(100);
    const gens = heap.inspect.partition("generation");
    expect(gens.reduce((x, r) => x + r.count, 0)).toBe(3);
    expect(heap.inspect.showPartition("size")).toMatch(/^Partition of a set of 3 objects\. Total size = \d+ bytes\./);
    expect(() => heap.inspect.partition("colour" as never)).toThrow(HeapTypeError);
    list.dispose(); a.dispose(); b.dispose();
  });
});

heapSuite("inspect: growth and chains", ({ make, strategy }) => {
  test("a leak only showGrowth and findBackrefChain explain: listeners left on a bus", async () => {
    const heap = await make();
    const Bus = heap.defineType({ name: "Bus", refs: ["listeners"] });
    const Session = heap.defineType({ name: "Session", refs: ["data"] });
    const Listener = heap.defineType({ name: "Listener", refs: ["session"] });
    const { List, Bytes } = types(heap);
    const bus = heap.alloc(Bus);
    const listeners = heap.alloc(List);
    bus.set("listeners", listeners);
    listeners.dispose();
    // each request makes a session and subscribes to the bus; the handler cleans up its own
    // handles, and forgets to unsubscribe
    const request = () => {
      const s = heap.alloc(Session);
      const data = heap.alloc(Bytes, 256);
      s.set("data", data);
      const l = heap.alloc(Listener);
      l.set("session", s);
      const ls = bus.get("listeners")!;
      ls.push(l);
      ls.dispose(); l.dispose(); data.dispose(); s.dispose();
    };
    for (let i = 0; i < 5; i++) request(); // warm up
    heap.inspect.growth();
    heap.inspect.getNewIds();
    const handlesBefore = heap.liveHandles;
    for (let i = 0; i < 10; i++) request();
    const rows = heap.inspect.growth();
    expect(rows).toEqual([
      { type: "Bytes", count: 15, delta: 10 },
      { type: "Listener", count: 15, delta: 10 },
      { type: "Session", count: 15, delta: 10 },
    ]);
    expect(heap.inspect.showGrowth()).toBe(""); // nothing grew since
    const fresh = heap.inspect.getNewIds();
    expect(Object.fromEntries(Object.entries(fresh).map(([t, ids]) => [t, ids.length]))).toEqual({ Session: 10, Listener: 10, Bytes: 10 });
    const newest = heap.inspect.at(fresh.Session[9])!;
    expect(newest.type).toBe(Session);
    newest.dispose();
    expect(heap.inspect.getNewIds()).toEqual({});
    // what the usual tools say: no garbage, no leaked handle, refcounts that look normal
    if (collectorCaps(strategy.collector).collectsCycles) expect(heap.gc.collect()).toBe(0);
    expect(heap.liveHandles).toBe(handlesBefore);
    const victim = heap.inspect.byType("Session")[0];
    expect(heap.refcount(victim)).toBe(2); // its listener, and this handle
    // why is it alive?
    const chain = heap.inspect.findBackrefChain(victim);
    expect(chain.map((l) => [l.type, l.via])).toEqual([["Bus", null], ["List", "listeners"], ["Listener", chain[2].via], ["Session", "session"]]);
    expect(typeof chain[2].via).toBe("number");
    expect(chain[0].address).toBe(bus.ptr);
    expect(chain[0].externalRefs).toBe(1);
    expect(heap.inspect.whyAlive(victim)).toMatch(/^<host> → Bus@0x[0-9a-f]+ -\.listeners→ List@0x[0-9a-f]+ -\[\d+\]→ Listener@0x[0-9a-f]+ -\.session→ Session@0x[0-9a-f]+$/);
    // forward: from the bus to the first Session
    const fwd = heap.inspect.findRefChain(bus, (o) => o.type === "Session");
    expect(fwd.map((l) => l.type)).toEqual(["Bus", "List", "Listener", "Session"]);
    expect(heap.inspect.findRefChain(bus, (o) => o.type === "Session", { maxDepth: 2 }).map((l) => l.type)).toEqual(["Bus"]);
    // ignoring the list: no chain
    const list = bus.get("listeners")!;
    expect(heap.inspect.findBackrefChain(victim, undefined, { extraIgnore: [list] }).map((l) => l.type)).toEqual(["Session"]);
    expect(() => heap.inspect.findBackrefChain(victim, undefined, { maxDepth: -1 })).toThrow(HeapIndexError);
    expect(() => heap.inspect.findRefChain(victim, "x" as never)).toThrow(HeapTypeError);
    list.dispose(); victim.dispose(); bus.dispose();
  });

  test("growth does not collect unless asked (objgraph#61), and a chain can be 100,000 references long", async () => {
    const heap = await make();
    const { Node } = types(heap);
    if (collectorCaps(strategy.collector).collectsCycles) {
      heap.gc.disable();
      heap.inspect.growth();
      for (let i = 0; i < 20; i++) { const a = heap.alloc(Node), b = heap.alloc(Node); a.set("a", b); b.set("a", a); a.dispose(); b.dispose(); }
      expect(heap.inspect.growth()).toEqual([{ type: "Node", count: 40, delta: 40 }]);
      expect(heap.inspect.count("Node")).toBe(40); // the leaking cycles are still there to study
      expect(heap.inspect.growth({ collect: 2 })).toEqual([]);
      expect(heap.inspect.count("Node")).toBe(0);
      heap.gc.enable();
    }
    // a long linked list: the searches are iterative
    const head = heap.alloc(Node);
    let tail = head.dup();
    for (let i = 0; i < 100_000; i++) { const n = heap.alloc(Node); tail.set("a", n); tail.dispose(); tail = n; }
    const chain = heap.inspect.findBackrefChain(tail, undefined, { maxDepth: 200_000 });
    expect(chain.length).toBe(100_001);
    expect(chain[0].address).toBe(head.ptr);
    const d = heap.inspect.dominators();
    expect(d.retained[d.graph.indexOf(head.ptr)]).toBe(100_000 * Node.size); // the tail is held by its own handle
    tail.dispose(); head.dispose();
  });
});

heapSuite("inspect: dominators", ({ make, strategy }) => {
  test("retained sizes agree with removing each object and seeing what dies (random graphs with cycles)", async () => {
    const heap = await make();
    const { Node, List, Bytes } = types(heap);
    const random = rng(7 + strategy.allocator.length);
    const objs: Handle[] = [];
    for (let i = 0; i < 60; i++) objs.push(random() < 0.2 ? heap.alloc(List) : random() < 0.2 ? heap.alloc(Bytes, Math.floor(random() * 40)) : heap.alloc(Node));
    const refHolders = objs.filter((h) => h.type !== Bytes);
    for (let k = 0; k < 90; k++) {
      const from = refHolders[Math.floor(random() * refHolders.length)], to = objs[Math.floor(random() * objs.length)];
      if (from.type === List) from.push(to); else from.set(random() < 0.5 ? "a" : "b", to);
    }
    if (collectorCaps(strategy.collector).collectsCycles) heap.gc.disable(); // keep the unreachable cycles for the test
    objs.forEach((h, i) => { if (i % 6 !== 0) h.dispose(); }); // a few host roots remain
    const d = heap.inspect.dominators();
    const g = d.graph;
    let reachable = 0;
    for (let i = 0; i < g.count; i++) {
      if (!d.reachable[i]) { expect(d.idom[i] === UNREACHABLE || !d.reachable[d.idom[i]]).toBe(true); continue; }
      reachable++;
      const dead = dominos(g, [i]);
      expect(d.retained[i]).toBe(dead.reduce((a, x) => a + g.size[x], 0));
      expect(d.dominated(i).sort((a, b) => a - b)).toEqual(dead);
      if (d.idom[i] !== ROOT) expect(dead).not.toContain(d.idom[i]);
    }
    expect(reachable).toBeGreaterThan(0);
    const total = [...g.size].reduce((a, b) => a + b, 0);
    expect(d.rootRetained + d.unreachableRetained).toBe(total);
    const top = d.top(1)[0];
    expect(d.retained[top]).toBe(Math.max(...d.retained));
    // the Inspector's own helpers
    const held = objs.filter((h) => h.alive);
    expect(heap.inspect.domisize(held)).toBe(dominos(g, held.map((h) => g.indexOf(h.ptr))).reduce((a, x) => a + g.size[x], 0));
    held.forEach((h) => h.dispose());
    if (collectorCaps(strategy.collector).collectsCycles) { heap.gc.enable(); heap.gc.collect(); expect(heap.stats().liveObjects).toBe(0); }
  });

  test("retainedSize of a tree, weak references hold nothing, handle arguments are discounted", async () => {
    const heap = await make();
    const { Node } = types(heap);
    const root = heap.alloc(Node), left = heap.alloc(Node), right = heap.alloc(Node), shared = heap.alloc(Node);
    root.set("a", left); root.set("b", right); left.set("a", shared); right.set("a", shared);
    const wr = heap.weakref(left); // a weakref to left is no path to it
    left.dispose(); right.dispose(); shared.dispose();
    expect(heap.inspect.retainedSize(root)).toBe(4 * Node.size);
    const l = root.get("a")!;
    expect(heap.inspect.retainedSize(l)).toBe(Node.size); // shared is also reachable through right
    expect(heap.inspect.dominos([l]).map((o) => o.address)).toEqual([l.ptr]);
    expect(heap.inspect.describe(l)).toMatchObject({ type: "Node", refcount: 2, externalRefs: 0 });
    l.dispose(); wr.dispose(); root.dispose();
  });
});
