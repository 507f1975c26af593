// The soak workload: a long random mix of everything the host API does (objects, cycles, lists,
// bytes small and large, weakrefs with callbacks, proxies, finalizers that resurrect or throw,
// finalize objects, the three weak containers, collections, freeze), with heap.verify() every
// `verifyEvery` operations. At the end it drops everything and checks that the heap is back to
// its baseline: no live object, no byte in use, no live handle. Used by `npm run soak` (time
// bound) and by tests/soak.test.ts (operation bound).
import {
  HeapWeakRef, WeakKeyMap, WeakSet, WeakValueMap, type Handle, type Heap, type HeapType, type WeakProxy,
} from "../src/index.js";

export interface SoakOptions {
  /** Stop after this many operations... */
  operations?: number;
  /** ...or at this time (performance.now() milliseconds), whichever comes first. */
  until?: number;
  seed?: number;
  verifyEvery?: number;
  /** Live objects the workload aims at (it drops more than it makes above this). */
  target?: number;
  /** Stop early once this many bytes are committed (the bump floor never reuses memory). Default 1 GiB. */
  maxCommittedBytes?: number;
}

export interface SoakResult {
  operations: number;
  verifies: number;
  collections: number;
  finalizers: number;
  callbacks: number;
  unraisable: number;
  peakLiveObjects: number;
  /** Most bytes in objects (headers, payload, rounding) seen at a verify point. */
  peakObjectBytes: number;
  peakCommittedBytes: number;
  baseline: { liveObjects: number; objectBytes: number };
  final: { liveObjects: number; objectBytes: number; liveHandles: number; committedBytes: number };
  /** Why the run ended before its time or operations: "" or a reason. */
  stoppedEarly: string;
  /** Everything dropped: back to the baseline's objects and bytes, with no handle left. */
  returnedToBaseline: boolean;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function objectBytes(heap: Heap): number {
  const s = heap.stats();
  return s.objectHeaderBytes + s.objectPayloadBytes + s.quantizationBytes;
}

/** Runs the workload on `heap` (which it leaves empty and usable). */
export function runSoak(heap: Heap, opts: SoakOptions = {}): SoakResult {
  const random = rng(opts.seed ?? 1);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: T[]) => xs[int(xs.length)];
  const maxOps = opts.operations ?? Infinity;
  const until = opts.until ?? Infinity;
  const verifyEvery = opts.verifyEvery ?? 1000;
  const target = opts.target ?? 5000;
  const cycles = heap.capabilities.collector.collectsCycles; // without a collector, back links are weak (the seed's pattern)
  const r: SoakResult = {
    operations: 0, verifies: 0, collections: 0, finalizers: 0, callbacks: 0, unraisable: 0,
    peakLiveObjects: 0, peakObjectBytes: 0, peakCommittedBytes: 0,
    baseline: { liveObjects: heap.stats().liveObjects, objectBytes: objectBytes(heap) },
    final: { liveObjects: 0, objectBytes: 0, liveHandles: 0, committedBytes: 0 },
    returnedToBaseline: false, stoppedEarly: "",
  };
  const maxCommitted = opts.maxCommittedBytes ?? 2 ** 30;
  const handlesBefore = heap.liveHandles;
  const previousUnraisable = heap.onUnraisable;
  heap.onUnraisable = () => { r.unraisable++; };
  const gcCallback = (phase: string) => { if (phase === "start") r.collections++; };
  heap.gc.callbacks.push(gcCallback);

  const nodes: Handle[] = [];   // handles to nodes
  const lists: Handle[] = [];
  const others: Handle[] = [];  // bytes
  const weak: (HeapWeakRef | WeakProxy)[] = [];
  const kept: Handle[] = [];    // resurrected by finalizers
  const resurrect = new Set<number>();
  const Node: HeapType = heap.defineType({
    name: "SoakNode", refs: ["a", "b", "back"], scalars: { v: "i32", x: "f64" }, weakrefable: true,
    finalizer: (obj) => {
      r.finalizers++;
      const v = obj.getScalar("v");
      if (resurrect.delete(v) && kept.length < 50) kept.push(obj.dup());
      if (v % 97 === 0) throw new Error("a finalizer that throws");
    },
  });
  const Leaf = heap.defineType({ name: "SoakLeaf", refs: ["a"], scalars: { v: "i32" } });
  const List = heap.defineType({ name: "SoakList", kind: "refarray" });
  const Bytes = heap.defineType({ name: "SoakBytes", kind: "bytes" });
  const cache = new WeakValueMap(heap);
  const attrs = new WeakKeyMap(heap);
  const seen = new WeakSet(heap);
  let serial = 1;

  const drop = (xs: Handle[]) => { if (xs.length) xs.splice(int(xs.length), 1)[0].dispose(); };
  const newNode = () => {
    const n = heap.alloc(Node);
    const v = serial++;
    n.setScalar("v", v);
    n.setScalar("x", v / 3);
    if (random() < 0.05) resurrect.add(v);
    return n;
  };
  const ops: (() => void)[] = [
    () => { nodes.push(newNode()); },
    () => { // link two nodes; a back link makes a cycle (weak without a collector)
      if (nodes.length < 2) return;
      let a = pick(nodes), b = pick(nodes);
      // without a collector, strong links only go from newer to older nodes: no strong cycle
      if (!cycles && a.getScalar("v") < b.getScalar("v")) [a, b] = [b, a];
      if (!cycles && a === b) return;
      a.set(random() < 0.5 ? "a" : "b", b);
      if (cycles) b.set("back", a);
      else { const w = heap.weakref(a); b.set("back", w); w.dispose(); }
    },
    () => { // a ring of garbage (collector only) or a chain
      const first = newNode();
      let last = first.dup();
      for (let i = 0, n = 2 + int(6); i < n; i++) { const x = newNode(); last.set("a", x); last.dispose(); last = x; }
      if (cycles) last.set("a", first);
      last.dispose(); first.dispose();
    },
    () => { const l = heap.alloc(List); for (let i = 0, n = int(20); i < n; i++) l.push(nodes.length ? pick(nodes) : null); lists.push(l); },
    () => { if (lists.length) { const l = pick(lists); if (l.length) l.pop()?.dispose(); } },
    () => { others.push(heap.alloc(Bytes, random() < 0.05 ? 600 + int(64 * 1024) : int(200))); },
    () => { const leaf = heap.alloc(Leaf); if (nodes.length) leaf.set("a", pick(nodes)); leaf.dispose(); },
    () => { if (nodes.length) weak.push(heap.weakref(pick(nodes), () => { r.callbacks++; })); },
    () => { if (nodes.length) weak.push(heap.proxy(pick(nodes))); },
    () => { // use a weakref or proxy: deref, or read through the proxy
      if (!weak.length) return;
      const w = pick(weak);
      if (w instanceof HeapWeakRef) w.deref()?.dispose();
      else if (!w.weakref.dead) w.getScalar("v");
    },
    () => { if (nodes.length) heap.finalize(pick(nodes), () => { r.callbacks++; }); },
    () => { if (nodes.length) { const n = pick(nodes); cache.set(int(500), n); if (random() < 0.3) cache.set(`k${int(100)}`, n); } },
    () => { cache.get(int(500))?.dispose(); },
    () => { if (nodes.length) attrs.set(pick(nodes), nodes.length > 1 ? pick(nodes) : null); },
    () => { if (nodes.length) seen.add(pick(nodes)); },
    () => { drop(nodes); },
    () => { drop(random() < 0.5 ? others : random() < 0.5 ? lists : weak); },
    () => { drop(kept); },
    () => { if (cycles && random() < 0.2) heap.gc.collect(int(3)); },
    () => { if (random() < 0.02) { heap.gc.freeze(); heap.gc.unfreeze(); } },
  ];
  const weights = [12, 8, 3, 2, 2, 3, 2, 3, 2, 3, 1, 3, 2, 2, 2, 10, 6, 1, 1, 1];
  const table: number[] = weights.flatMap((w, i) => Array<number>(w).fill(i));

  const sample = () => {
    const s = heap.stats();
    r.peakLiveObjects = Math.max(r.peakLiveObjects, s.liveObjects);
    r.peakObjectBytes = Math.max(r.peakObjectBytes, s.objectHeaderBytes + s.objectPayloadBytes + s.quantizationBytes);
  };
  try {
    let over = false;
    while (r.operations < maxOps && (r.operations % 256 !== 0 || performance.now() < until)) {
      if (r.operations % 64 === 0) {
        const s = heap.stats();
        over = s.liveObjects > target;
        if (s.committedBytes > maxCommitted) { r.stoppedEarly = `${s.committedBytes} bytes committed (the ${heap.allocator} allocator)`; break; }
      }
      ops[over && random() < 0.5 ? 15 + int(2) : table[int(table.length)]]();
      r.operations++;
      if (r.operations % verifyEvery === 0) { heap.verify(); r.verifies++; sample(); }
    }
    sample();
  } finally {
    // drop everything; without a collector nothing made a strong cycle, so refcounting frees it all
    resurrect.clear();
    for (const h of [...nodes, ...lists, ...others, ...weak, ...kept.splice(0)]) h.dispose();
    cache.dispose(); attrs.dispose(); seen.dispose();
    if (cycles) heap.gc.collect();
    heap.flushUnraisable();
    heap.gc.callbacks.splice(heap.gc.callbacks.indexOf(gcCallback), 1);
    heap.onUnraisable = previousUnraisable;
  }
  heap.verify();
  r.verifies++;
  const s = heap.stats();
  r.peakCommittedBytes = s.peakCommittedBytes;
  r.final = { liveObjects: s.liveObjects, objectBytes: objectBytes(heap), liveHandles: heap.liveHandles - handlesBefore, committedBytes: s.committedBytes };
  r.returnedToBaseline = r.final.liveObjects === r.baseline.liveObjects && r.final.objectBytes === r.baseline.objectBytes && r.final.liveHandles === 0;
  return r;
}
