// Freeing a collection's garbage at once (assembly/collect/atonce.ts, capability freesGarbageAtOnce):
// the only difference a program can see is the order of the deaths the garbage causes outside
// itself. Collectors without the capability keep CPython's order (delete_garbage clears object by
// object); garbage with a finalizer or a weakref takes CPython's path on every collector.
import { expect, test } from "vitest";
import { collectInfo, collectorCaps, heapSuite } from "./helpers.js";
import type { Heap } from "../src/index.js";

/** Two nodes in a cycle (a first on every collector's list), each holding a leaf whose finalizer logs its v (1 for a's, 2 for b's). */
function twoNodeCycle(heap: Heap, log: (number | string)[], nodeFinalizer = false) {
  const Leaf = heap.defineType({ name: "Leaf", scalars: { v: "i32" }, finalizer: (o) => { log.push(o.getScalar("v") as number); } });
  const Node = heap.defineType({ name: "Node", refs: ["next", "leaf"] });
  const NodeF = heap.defineType({ name: "NodeF", refs: ["next", "leaf"], finalizer: () => { log.push("a"); } });
  heap.gc.disable();
  const a = heap.alloc(nodeFinalizer ? NodeF : Node), b = heap.alloc(Node);
  const x = heap.alloc(Leaf), y = heap.alloc(Leaf); // no references: not containers, never in a collection's set
  x.setScalar("v", 1);
  y.setScalar("v", 2);
  a.set("next", b); a.set("leaf", x);
  b.set("next", a); b.set("leaf", y);
  x.dispose(); y.dispose();
  a.dispose(); b.dispose(); // a, then b: the candidate list's order too
}

heapSuite("freeing the garbage at once", ({ make, strategy }) => {
  const caps = collectorCaps(strategy.collector);
  if (!caps.collectsCycles) {
    test("(only collectors that collect cycles)", () => {});
    return;
  }

  test("deaths outside the garbage: in list order with freesGarbageAtOnce, in CPython's clearing order without", async () => {
    const heap = await make();
    const log: (number | string)[] = [];
    twoNodeCycle(heap, log);
    expect(heap.gc.collect()).toBe(2);
    // CPython clears a first: dropping a.next frees b, whose death frees y (2); then a.leaf, x (1).
    // At once: a.next and b.next are dropped, then a dies (x), then b (y).
    expect(log).toEqual(caps.freesGarbageAtOnce ? [1, 2] : [2, 1]);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("garbage with a finalizer takes CPython's path on every collector: finalizers first, then the clearing order", async () => {
    const heap = await make();
    const log: (number | string)[] = [];
    twoNodeCycle(heap, log, true);
    expect(heap.gc.collect()).toBe(2);
    expect(log).toEqual(["a", 2, 1]);
    expect(heap.stats().liveObjects).toBe(0);
  });

  for (const outside of [false, true]) {
    test(`rings through a node and a list${outside ? ", each holding an object outside the garbage" : ""}: freed whole, counts outside exact`, async () => {
      const heap = await make();
      const Node = heap.defineType({ name: "Node", refs: ["next", "keep"] });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      heap.gc.disable();
      const raw = heap.raw;
      const kept = raw.alloc(Node.id);
      heap.gc.collect(2);
      for (let r = 0; r < 50; r++) {
        // node -> list -> [node, node?] (the list's items: the node back, and sometimes null)
        const node = raw.alloc(Node.id), list = raw.allocList(List.id, 2);
        raw.listSet(list, 0, node);
        raw.setRefMove(node, 0, list);
        if (outside) raw.setRef(node, 1, kept);
        raw.decref(node);
      }
      expect(raw.refcount(kept)).toBe(outside ? 51 : 1);
      const info = collectInfo(heap, 0);
      expect(info.collected).toBe(100);
      expect(raw.refcount(kept)).toBe(1);
      expect(heap.stats().liveObjects).toBe(1); // kept (the lists' storage blocks are freed with them)
      // a decrement to non-zero makes a candidate, whichever path freed the garbage
      if (caps.candidates) expect(heap.gc.getCandidateCount()).toBe(outside ? 1 : 0);
      raw.decref(kept);
    });
  }
});
