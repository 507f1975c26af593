// Pauses you can trust: each collection reports its anatomy (objects visited, a deterministic work
// count from the core; time in host callbacks; memory growth; time per step on request), and the
// core is compiled at the optimizing tier before anything runs. Work is bounded here by counts,
// never by time (timing lives in bench/: the P1 probe).
import { expect, test } from "vitest";
import { collectInfo, collectorCaps, heapSuite } from "./helpers.js";
import { Heap, HeapTypeError, type GcInfo, type PhaseObject, type PhaseSnapshot } from "../src/index.js";
import { lastCompile } from "../src/compile.js";

const PAGE = 65536;

/** N rings of k nodes linked through `next` only, each dropped at once; nothing else is tracked. */
function rings(heap: Heap, n: number, k: number, finalizer?: () => void): void {
  const Node = heap.types.find((t) => t?.name === "Ring") ?? heap.defineType({ name: "Ring", refs: ["next"], scalars: { v: "i32" }, finalizer });
  const raw = heap.raw;
  for (let r = 0; r < n; r++) {
    const first = raw.alloc(Node.id);
    let prev = first;
    for (let i = 1; i < k; i++) {
      const x = raw.alloc(Node.id);
      raw.setRefMove(prev, 0, x);
      prev = x;
    }
    raw.setRef(prev, 0, first);
    raw.decref(first);
  }
}

/**
 * W3a's old heap in small: `trees` binary trees of `levels` levels (each node allocated before its
 * children), their roots kept in a list and candidate roots (their counts went 2 -> 1). Returns the
 * list, the roots, each node's tree, and the containers (nodes and the list).
 */
function forest(heap: Heap, trees: number, levels: number) {
  const Tree = heap.types.find((t) => t?.name === "Tree") ?? heap.defineType({ name: "Tree", refs: ["a", "b"] });
  const Forest = heap.types.find((t) => t?.name === "Forest") ?? heap.defineType({ name: "Forest", kind: "refarray" });
  const raw = heap.raw;
  const treeOf = new Map<number, number>();
  const build = (l: number, t: number): number => {
    const p = raw.alloc(Tree.id);
    treeOf.set(p, t);
    if (l > 1) { raw.setRefMove(p, 0, build(l - 1, t)); raw.setRefMove(p, 1, build(l - 1, t)); }
    return p;
  };
  const list = raw.allocList(Forest.id, 0);
  const roots: number[] = [];
  for (let t = 0; t < trees; t++) { const r = build(levels, t); raw.listAppend(list, r); raw.decref(r); roots.push(r); }
  return { list, roots, treeOf, containers: trees * (2 ** levels - 1) + 1 };
}

/** Steps from one tree to another along a list of objects: the locality of a pass in that order. */
function treeSwitches(objects: PhaseObject[], treeOf: Map<number, number>): number {
  let switches = 0, last = -1;
  for (const o of objects) {
    const t = treeOf.get(o.address);
    if (t === undefined) continue;
    if (last >= 0 && t !== last) switches++;
    last = t;
  }
  return switches;
}

/** gc.collect(g) observed: its stop report and its step snapshots by name. */
function observed(heap: Heap, g: number): { info: GcInfo; at: (phase: string) => PhaseSnapshot } {
  const steps: PhaseSnapshot[] = [];
  heap.gc.observePhases((s) => steps.push(s));
  try {
    const info = collectInfo(heap, g);
    return { info, at: (phase) => steps.find((s) => s.phase === phase)! };
  } finally { heap.gc.observePhases(null); }
}

heapSuite("pause anatomy", ({ make, strategy }) => {
  const caps = collectorCaps(strategy.collector);
  if (!caps.collectsCycles) {
    test("refcounting alone pauses for nothing: no collection, no pause, rings stay", async () => {
      const heap = await make();
      rings(heap, 600, 4);
      expect(heap.gc.takePauses()).toEqual([]);
      expect(heap.stats().liveObjects).toBe(2400);
    });
    return;
  }

  // the gathering from candidate roots walks each object it gathers: every ring node under the recycler; under the
  // hybrid only the candidate (one per ring), whose children are young, in the set already
  // the recycler gathers every ring from its candidate; the hybrid walks every member of its set (the
  // young too: a young object's old child joins it), subtracting in that same walk (youngGeneration)
  const gathered = (n: number, k: number) => (caps.candidates && !caps.youngGeneration ? k * n : 0);
  // clearing starts once per ring; garbage freed at once is scanned whole for references outside it
  const cleared = (n: number, k: number) => (caps.freesGarbageAtOnce ? k * n : n);
  test("info.visited: N unreachable rings of k in generation 0 visit k·N (subtract) + N (clearing starts once per ring; k·N when freed at once), + what is gathered from candidate roots", async () => {
    const heap = await make();
    heap.gc.disable();
    for (const [n, k] of [[50, 3], [200, 4], [7, 10]] as const) {
      rings(heap, n, k);
      const info = collectInfo(heap, 0);
      expect(info.collected).toBe(n * k);
      expect(info.visited).toBe(k * n + cleared(n, k) + gathered(n, k));
    }
    heap.gc.enable();
  });

  test("info.visited is the same work count for the same program, zero at start, and in every Pause", async () => {
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const heap = await make();
      const seen: number[] = [];
      heap.gc.callbacks.push((phase, info) => { if (phase === "start") expect(info.visited).toBe(0); else seen.push(info.visited); });
      rings(heap, 600, 4); // automatic collections on the way
      heap.gc.collect();
      const pauses = heap.gc.takePauses();
      expect(pauses.map((p) => p.visited)).toEqual(seen);
      counts.push(seen.reduce((a, b) => a + b, 0));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });

  test("a young collection's visits follow the young garbage, not the old heap", async () => {
    const alone = await make();
    alone.gc.disable();
    rings(alone, 100, 4);
    const without = collectInfo(alone, 0).visited;
    const heap = await make();
    heap.gc.disable();
    const Keep = heap.defineType({ name: "Keep", kind: "refarray" });
    const old = heap.raw.allocList(Keep.id, 0);
    rings(heap, 1, 2); // defines Ring first: the same type ids as `alone`
    heap.gc.collect(2);
    for (let i = 0; i < 5000; i++) { const p = heap.raw.allocList(Keep.id, 0); heap.raw.listAppend(old, p); heap.raw.decref(p); }
    heap.gc.collect(2); // the 5,000 are old now
    rings(heap, 100, 4);
    expect(collectInfo(heap, 0).visited).toBe(without);
    heap.raw.decref(old);
  });

  // Issue 16 (W3a): the recycler's full collection took 3.5x the generational one because its
  // passes walked the heap breadth first across every tree (a cache miss per object): its
  // gathering took all candidates at once, and a full collection put the candidates first, so
  // that moveUnreachable set every tree aside and took it back breadth first.
  // (the hybrid's step takes its young generation whole, and gathers only what candidates reach beyond it)
  test.runIf(caps.candidates && !caps.youngGeneration)("a candidate step gathers one candidate's subgraph after another, not all interleaved", async () => {
    const heap = await make();
    heap.gc.disable();
    const trees = 40, levels = 7;
    const { list, treeOf, containers } = forest(heap, trees, levels);
    const { info, at } = observed(heap, 0);
    const gathered = at("gather candidates' subgraph").listA;
    expect(gathered.length).toBe(containers - 1); // every tree, not the list (nothing reaches it)
    expect(treeSwitches(gathered, treeOf)).toBe(trees - 1);
    expect(info.visited).toBe(3 * (containers - 1)); // gathered, subtracted, found reachable
    heap.raw.decref(list);
  });

  test.runIf(caps.candidates)("a full collection walks its set in address order, whatever steps and candidates did to the lists", async () => {
    const heap = await make();
    heap.gc.disable();
    const trees = 40, levels = 7;
    const { list, roots, treeOf, containers } = forest(heap, trees, levels);
    heap.gc.collect(0); // the trees, gathered: back at the end of the list, breadth first
    for (const r of roots) { heap.raw.incref(r); heap.raw.decref(r); } // every root a candidate again
    expect(heap.gc.getCandidateCount()).toBe(trees);
    for (const pass of [0, 1]) {
      // pass 0: the trees left breadth first, more than one object in 16 out of place: the set is
      // rebuilt from the heap in address order (one pass); pass 1: nothing moved since, kept as it is
      // breadth first across the trees would switch trees × levels times (279 here); in address
      // order, once per tree, plus where an allocator put a node in an earlier hole
      const { info, at } = observed(heap, 2);
      expect(treeSwitches(at("copy refcounts").listA, treeOf), `pass ${pass}`).toBeLessThanOrEqual(2 * trees);
      // nothing set aside and taken back breadth first: the survivors stay in that order
      expect(treeSwitches(at("move unreachable").listA, treeOf), `pass ${pass}`).toBeLessThanOrEqual(2 * trees);
      expect(info.visited, `pass ${pass}`).toBe((pass ? 2 : 3) * containers); // (walked,) subtracted, found reachable
    }
    heap.raw.decref(list);
  });

  test.runIf(caps.candidates)("a full collection over a heap of leaves merges the lists instead of walking every block", async () => {
    const heap = await make();
    heap.gc.disable();
    const { list, containers } = forest(heap, 2, 3);
    const Blob = heap.defineType({ name: "Blob", kind: "bytes" });
    const leaves = Array.from({ length: 4 * containers }, () => heap.raw.allocBytes(Blob.id, 16));
    const { info } = observed(heap, 2);
    expect(info.visited).toBe(2 * containers); // subtracted, found reachable: no pass to gather
    for (const p of leaves) heap.raw.decref(p);
    // containers are most of the heap again, and the last collection set objects aside before their
    // referrers (the trees are built children first): walked
    expect(collectInfo(heap, 2).visited).toBe(3 * containers);
    heap.raw.decref(list);
  });

  test("info.hostMs: the time finalizers take inside the collection, part of its duration", async () => {
    const heap = await make();
    heap.gc.disable();
    let runs = 0;
    rings(heap, 3, 2, () => { runs++; const t = performance.now(); while (performance.now() - t < 2); });
    const info = collectInfo(heap, 0);
    expect(runs).toBe(6);
    expect(info.hostMs).toBeGreaterThanOrEqual(12);
    expect(info.hostMs).toBeLessThanOrEqual(info.duration);
    // without finalizers to run: no host time
    const quiet = await make();
    quiet.gc.disable();
    rings(quiet, 3, 2);
    expect(collectInfo(quiet, 0).hostMs).toBe(0);
  });

  test("info.grownBytes: the linear memory committed during the collection (a finalizer that allocates), 0 otherwise", async () => {
    const heap = await make();
    heap.gc.disable();
    const Blob = heap.defineType({ name: "Blob", kind: "bytes" });
    const kept: number[] = [];
    rings(heap, 1, 2, () => { if (!kept.length) for (let i = 0; i < 8; i++) kept.push(heap.raw.allocBytes(Blob.id, 256 * 1024)); });
    const before = heap.core.memory.buffer.byteLength;
    const info = collectInfo(heap, 0);
    expect(info.grownBytes).toBe(heap.core.memory.buffer.byteLength - before);
    expect(info.grownBytes).toBeGreaterThan(0);
    expect(info.grownBytes % PAGE).toBe(0);
    for (const p of kept) heap.raw.decref(p);
    rings(heap, 5, 3);
    const quiet = collectInfo(heap, 0);
    expect(quiet.grownBytes).toBe(0);
  });

  test("gc.setPhaseTiming: milliseconds per step, host time excluded; absent when off", async () => {
    const heap = await make();
    heap.gc.disable();
    rings(heap, 50, 3);
    expect(collectInfo(heap, 0).phases).toBeUndefined();
    expect(() => heap.gc.setPhaseTiming(1 as unknown as boolean)).toThrow(HeapTypeError);
    heap.gc.setPhaseTiming(true);
    expect(heap.gc.getPhaseTiming()).toBe(true);
    rings(heap, 50, 3);
    const info = collectInfo(heap, 0);
    const steps = Object.keys(info.phases!);
    for (const s of ["copy refcounts", "subtract internal references", "move unreachable", "clear garbage", "promote survivors"]) expect(steps).toContain(s);
    if (caps.candidates) expect(steps).toContain("gather candidates' subgraph");
    const sum = Object.values(info.phases!).reduce((a, b) => a + b!, 0);
    for (const ms of Object.values(info.phases!)) expect(ms).toBeGreaterThanOrEqual(0);
    expect(sum).toBeLessThanOrEqual(info.duration + 1e-6);
    expect(heap.gc.takePauses().at(-1)!.phases).toEqual(info.phases);
    // a phase listener keeps working beside the timing, and turning timing off leaves it on
    const seen: string[] = [];
    heap.gc.observePhases((s) => seen.push(s.phase));
    heap.gc.setPhaseTiming(false);
    rings(heap, 5, 3);
    expect(collectInfo(heap, 0).phases).toBeUndefined();
    expect(seen).toContain("move unreachable");
    heap.gc.observePhases(null);
  });
});

test("the core is compiled at the optimizing tier before anything runs (node:v8 flags for that compile)", async () => {
  (await Heap.create()).destroy();
  expect(lastCompile.eager).toBe(true);
});
