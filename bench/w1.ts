// W1 trees: keep a depth-16 tree; build and drop 250 trees of depth 14. ns per node.
// A node is a container with reference fields a, b and an i32 v (v = the node's depth); a tree of
// depth d has 2^(d+1) - 1 nodes. Each row builds the long-lived tree (untimed, kept alive), then
// times building, checking (sum of v) and dropping `iterations` short-lived trees.

import { peerRows } from "./peers/rows.js";
import { treeChecksum, treeNodes, w1Checksum } from "./shapes.js";
import { Heap, type AllocatorName, type CollectorName, type Handle, type HeapStats } from "../src/index.js";
import { ALLOCATORS, COLLECTORS, ALLOCATOR_CODES, COLLECTOR_CODES, DEFAULT_ALLOCATOR } from "../src/heap.js";
import { decodeStats } from "../src/stats.js";
import { instantiate, type CoreExports, type Views } from "../src/wasm.js";
import { runV8W1 } from "./peers/v8/w1.js";
import { runIsolated } from "./isolated.js";
import { inFreshIsolate } from "./peers/v8/fresh.js";
import { buildTree, type Node } from "./peers/v8/node.js";
import { REFCOUNT_ONLY, addI32, fullGc, now, settleV8, type BenchOptions, type Row, type Sample, type Workload } from "./common.js";


const PAGES_4GIB = 65536;

// ── stats helpers ──

/** Bytes each live object costs: its header, payload, rounding, and the block layer's 4-byte block header where one is used. */
function objectBytesPerLive(s: HeapStats): number {
  return (s.objectHeaderBytes + s.objectPayloadBytes + s.quantizationBytes + s.largeHeaderBytes) / s.liveObjects;
}

/** The figures worth keeping from a stats snapshot (the full one is 26 fields). */
function statsSummary(s: HeapStats) {
  return {
    liveObjects: s.liveObjects,
    objectHeaderBytes: s.objectHeaderBytes,
    objectPayloadBytes: s.objectPayloadBytes,
    quantizationBytes: s.quantizationBytes,
    committedBytes: s.committedBytes,
    peakCommittedBytes: s.peakCommittedBytes,
    memoryGrows: s.memoryGrows,
  };
}

/** A refheap W1 repetition's sample: per-node time, checksum, bytes per live node, the stats at both ends. */
function w1Sample(o: BenchOptions, ns: number, checksum: number, setup: HeapStats, end: HeapStats, problems: string[]): Sample {
  const units = o.iterations * treeNodes(o.depth);
  return {
    nsPerUnit: ns / units, durationMs: ns / 1e6, units, checksum,
    expectedChecksum: w1Checksum(o.depth, o.iterations),
    bytesPerUnit: objectBytesPerLive(setup),
    peakBytes: end.committedBytes,
    extra: { setup: statsSummary(setup), end: statsSummary(end), ...(problems.length ? { problems } : {}) },
  };
}

// ── refheap in wasm: bench/wasm/w1.ts linked with the core ──

interface W1Exports extends CoreExports {
  w1Setup(longDepth: number): number;
  w1Run(depth: number, iterations: number): number;
  w1Teardown(): void;
  w1Floor(step: number, depth: number, iterations: number): number;
}

/** The floor: the same trees in 16-byte pool blocks with no header, freed recursively (bench/wasm/w1floor.ts step 0). */
async function runFloor(o: BenchOptions): Promise<Sample> {
  const { exports: x } = await instantiate<W1Exports>("bench");
  if (x.init(ALLOCATOR_CODES.pools, PAGES_4GIB, COLLECTOR_CODES[REFCOUNT_ONLY], 0) !== 0) throw new Error("bench.release.wasm: init(pools) failed");
  const t0 = now();
  const checksum = x.w1Floor(0, o.depth, o.iterations);
  const t1 = now();
  const units = o.iterations * treeNodes(o.depth);
  return { nsPerUnit: Number(t1 - t0) / units, durationMs: Number(t1 - t0) / 1e6, units, checksum, expectedChecksum: w1Checksum(o.depth, o.iterations), peakBytes: x.memory.buffer.byteLength };
}

function coreStats(x: CoreExports, views: Views, allocator: AllocatorName): HeapStats {
  const sp = x.stats();
  return decodeStats(views.f64, sp, views.u32, x.classStats(), allocator);
}

async function runInWasm(allocator: AllocatorName, o: BenchOptions, collector: CollectorName = REFCOUNT_ONLY): Promise<Sample> {
  const { exports: x, views } = await instantiate<W1Exports>("bench");
  if (x.init(ALLOCATOR_CODES[allocator], PAGES_4GIB, COLLECTOR_CODES[collector], 0) !== 0) throw new Error(`bench.release.wasm: init(${allocator}) failed`);
  const problems: string[] = [];

  const longSum = x.w1Setup(o.longDepth);
  if (longSum === -1) throw new Error("in-wasm W1: out of memory building the long-lived tree");
  if (longSum !== treeChecksum(o.longDepth)) problems.push(`long-lived tree checksum ${longSum}, expected ${treeChecksum(o.longDepth)}`);
  const setup = coreStats(x, views, allocator);
  settleV8();

  const t0 = now();
  const checksum = x.w1Run(o.depth, o.iterations);
  const t1 = now();
  if (checksum === -1) throw new Error("in-wasm W1: out of memory in w1Run");

  const end = coreStats(x, views, allocator);
  x.w1Teardown();
  const after = coreStats(x, views, allocator);
  if (after.liveObjects !== 0) problems.push(`${after.liveObjects} objects still live after teardown`);
  if (end.liveObjects !== setup.liveObjects) problems.push(`${end.liveObjects - setup.liveObjects} short-lived objects not freed`);

  return w1Sample(o, Number(t1 - t0), checksum, setup, end, problems);
}

// ── refheap driven from the host ──

const NODE_SPEC = { name: "Node", refs: ["a", "b"], scalars: { v: "i32" } } as const;

function heapProblems(heap: Heap, setup: HeapStats, end: HeapStats): string[] {
  const problems: string[] = [];
  if (end.liveObjects !== setup.liveObjects) problems.push(`${end.liveObjects - setup.liveObjects} short-lived objects not freed`);
  const after = heap.stats();
  if (after.liveObjects !== 0) problems.push(`${after.liveObjects} objects still live after teardown`);
  if (heap.liveHandles !== 0) problems.push(`${heap.liveHandles} handles still live after teardown`);
  return problems;
}

type RawMode = "setRefMove" | "allocInit";

/**
 * The host-driven mutators, as source. Each heap gets them compiled afresh (new Function): a fresh
 * heap is a fresh wasm instance, and a closure reused across instances sees several instances'
 * exports at its call sites, which V8 then treats as polymorphic (measured: ~+15 ns/node). A
 * program with one heap, the case being measured, has monomorphic call sites.
 *   setRefMove: alloc, then store v and move each child's reference into its field (3 calls per inner node)
 *   allocInit:  children first, then write a, b, v into the staging area and make one call per node
 */
const MUTATORS: Record<RawMode, string> = {
  setRefMove: `
    const { alloc, setRefMove } = raw.exports;
    function build(d) {
      const p = alloc(tid);
      if (p === 0) throw new Error("host raw W1: out of memory");
      raw.i32[(p + offV) >>> 2] = d; // re-read the view after an alloc: memory may have grown
      if (d > 0) {
        setRefMove(p, iA, build(d - 1));
        setRefMove(p, iB, build(d - 1));
      }
      return p;
    }`,
  allocInit: `
    const { allocInit } = raw.exports;
    const sA = (raw.staging + offA) >>> 2, sB = (raw.staging + offB) >>> 2, sV = (raw.staging + offV) >>> 2;
    function build(d) {
      if (d > 0) {
        const a = build(d - 1), b = build(d - 1);
        const i32 = raw.i32; // after the children's allocations
        i32[sA] = a; i32[sB] = b; i32[sV] = d;
      }
      const p = allocInit(tid); // the staging area is cleared by the call: a leaf needs no writes
      if (p === 0) throw new Error("host raw W1: out of memory");
      return p;
    }`,
};
const CHECK_SRC = `
    // no allocation during a walk, so one pair of views serves it
    function check(u32, i32, p) {
      let s = i32[(p + offV) >>> 2];
      const a = u32[(p + offA) >>> 2];
      if (a) s = (s + check(u32, i32, a) + check(u32, i32, u32[(p + offB) >>> 2])) | 0;
      return s;
    }`;

type Mutator = { build(d: number): number; check(u32: Uint32Array, i32: Int32Array, p: number): number };

function compileMutator(mode: RawMode, env: Record<string, unknown>): Mutator {
  const names = Object.keys(env);
  const body = `${MUTATORS[mode]}\n${CHECK_SRC}\n    return { build, check };`;
  return new Function(...names, body)(...names.map((n) => env[n])) as Mutator;
}

/** heap.raw through a mutator compiled for this heap. */
async function runHostRaw(allocator: AllocatorName, mode: RawMode, o: BenchOptions, collector: CollectorName = REFCOUNT_ONLY): Promise<Sample> {
  const heap = await Heap.create({ allocator, collector });
  const Node = heap.defineType({ ...NODE_SPEC, refs: [...NODE_SPEC.refs] });
  const raw = heap.raw;
  const { decref } = raw.exports;
  const { build, check } = compileMutator(mode, {
    raw, tid: Node.id,
    iA: raw.refIndex(Node, "a"), iB: raw.refIndex(Node, "b"),
    offA: raw.refOffset(Node, "a"), offB: raw.refOffset(Node, "b"), offV: raw.scalarOffset(Node, "v"),
  });

  return timeTrees(heap, o, build, (t) => check(raw.u32, raw.i32, t), decref);
}

/**
 * The measured part of a host-driven W1 row, whatever the API: build and check the long-lived tree,
 * then time building, checking and dropping the short-lived ones; report with the heap's stats.
 */
function timeTrees<T>(heap: Heap, o: BenchOptions, build: (d: number) => T, check: (t: T) => number, drop: (t: T) => void): Sample {
  const problems: string[] = [];
  const long = build(o.longDepth);
  const longSum = check(long);
  if (longSum !== treeChecksum(o.longDepth)) problems.push(`long-lived tree checksum ${longSum}, expected ${treeChecksum(o.longDepth)}`);
  const setup = heap.stats();
  settleV8();

  const t0 = now();
  let checksum = 0;
  for (let i = 0; i < o.iterations; i++) {
    const t = build(o.depth);
    checksum = addI32(checksum, check(t));
    drop(t);
  }
  const t1 = now();

  const end = heap.stats();
  drop(long);
  problems.push(...heapProblems(heap, setup, end));
  heap.destroy();

  return w1Sample(o, Number(t1 - t0), checksum, setup, end, problems);
}

/**
 * The Handles API: every node passes through a Handle (leak release by a FinalizationRegistry,
 * src/host/handles.ts). Exported for runIsolated: the row runs each repetition in a fresh isolate.
 */
export async function runHostHandles(allocator: AllocatorName, collector: CollectorName, o: BenchOptions): Promise<Sample> {
  const heap = await Heap.create({ allocator, collector });
  const Node = heap.defineType({ ...NODE_SPEC, refs: [...NODE_SPEC.refs] });

  const build = (d: number): Handle => {
    const n = heap.alloc(Node);
    n.setScalar("v", d);
    if (d > 0) {
      n.setTake("a", build(d - 1));
      n.setTake("b", build(d - 1));
    }
    return n;
  };
  const check = (n: Handle): number => {
    let s = n.getScalar("v");
    const a = n.get("a");
    if (a) {
      s = (s + check(a)) | 0;
      a.dispose();
      const b = n.get("b")!;
      s = (s + check(b)) | 0;
      b.dispose();
    }
    return s;
  };

  return timeTrees(heap, o, build, check, (t) => t.dispose());
}

// ── peers ──

// Imported on first use: the peer's module pulls in the AssemblyScript compiler (binaryen), which
// takes seconds to load even when the peer is already built.
let asPeer: Promise<typeof import("./peers/as-runtime/run.js")> | undefined;

async function runAsPeer(o: BenchOptions): Promise<Sample> {
  const { runAsRuntimeW1 } = await (asPeer ??= import("./peers/as-runtime/run.js"));
  const r = await runAsRuntimeW1({ longDepth: o.longDepth, depth: o.depth, iterations: o.iterations });
  // Memory at the end holds the long-lived tree, at least the last short tree, and whatever the
  // collector had not yet reused: dividing by the fewest nodes that were live at once bounds the
  // bytes per node from above (r.memoryBytes / r.nodes would divide by every node ever built).
  const minPeakLive = treeNodes(o.longDepth) + treeNodes(o.depth);
  return {
    nsPerUnit: r.nsPerNode, durationMs: r.durationMs, units: r.nodes, checksum: r.checksum,
    expectedChecksum: w1Checksum(o.depth, o.iterations),
    bytesPerUnit: r.memoryBytes / minPeakLive,
    peakBytes: r.memoryBytes,
    extra: { peer: r.peer },
  };
}

// The V8 peer's node class, repeated here (it is not exported) to weigh a tree of them.
let v8Held: Node | null = null;

/** heapUsed growth across building (and keeping) a long-lived tree, between full collections. */
function v8BytesPerNode(longDepth: number): number | undefined {
  if (!fullGc()) return undefined;
  fullGc();
  const before = process.memoryUsage().heapUsed;
  v8Held = buildTree(longDepth);
  fullGc();
  fullGc();
  const after = process.memoryUsage().heapUsed;
  const held = v8Held;
  v8Held = null;
  if (!held) return undefined;
  return (after - before) / treeNodes(longDepth);
}

/** V8's W1 (run by inFreshIsolate: exported). */
export async function runV8Peer(o: BenchOptions): Promise<Sample> {
  const r = runV8W1({ longDepth: o.longDepth, depth: o.depth, iterations: o.iterations });
  return {
    nsPerUnit: r.nsPerNode, durationMs: r.durationMs, units: r.nodes, checksum: r.checksum,
    expectedChecksum: w1Checksum(o.depth, o.iterations),
    bytesPerUnit: v8BytesPerNode(o.longDepth),
    extra: { peer: r.peer },
  };
}

// ── the workload ──

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const w1: Workload = {
  id: "W1",
  title: (o) => `W1 trees: keep a depth-${o.longDepth} tree; build and drop ${plural(o.iterations, "tree")} of depth ${o.depth}. ns per node.`,
  unit: "ns/node",
  rows(o: BenchOptions): Row[] {
    const rows: Row[] = [];
    const strategies = COLLECTORS.flatMap((collector) => ALLOCATORS.map((allocator) => ({ allocator, collector })));
    for (const { allocator: a, collector: c } of strategies) {
      rows.push({ name: `refheap in-wasm (${a}/${c})`, allocator: a, collector: c, driver: "in-wasm", iterations: o.iterations, bytesKind: "heap stats", run: () => runInWasm(a, o, c) });
    }
    for (const { allocator: a, collector: c } of strategies) {
      rows.push({ name: `refheap host raw allocInit (${a}/${c})`, allocator: a, collector: c, driver: "host", iterations: o.iterations, bytesKind: "heap stats", run: () => runHostRaw(a, "allocInit", o, c) });
    }
    // the other host APIs on refcounting alone (the cost of the API, not of a collector)
    const a = DEFAULT_ALLOCATOR, c: CollectorName = REFCOUNT_ONLY;
    rows.push({ name: `refheap host raw setRefMove (${a}/${c})`, allocator: a, collector: c, driver: "host", alternative: true, iterations: o.iterations, bytesKind: "heap stats", run: () => runHostRaw(a, "setRefMove", o, c) });
    rows.push({
      name: `refheap host Handles (${a}/${c})`, allocator: a, collector: c, driver: "host", alternative: true, iterations: o.iterations, bytesKind: "heap stats",
      run: () => runIsolated<Sample>(import.meta.url, "runHostHandles", [a, c, { iterations: o.iterations, depth: o.depth, longDepth: o.longDepth }]),
    });
    rows.push({ name: "refheap floor: the pools allocator alone, no object protocol", floor: true, driver: "in-wasm", iterations: o.iterations, run: () => runFloor(o) });
    rows.push({ name: "AS runtime (incremental GC)", baseline: "as-rt", iterations: o.iterations, bytesKind: "upper bound", run: () => runAsPeer(o) });
    rows.push({ name: "V8 plain JS", baseline: "v8", iterations: o.iterations, bytesKind: "heapUsed delta", run: () => inFreshIsolate(import.meta.url, "runV8Peer", o) });
    rows.push(...peerRows("W1", o));
    return rows;
  },
  notes(o: BenchOptions): string[] {
    return [
      `W1 parameters: long-lived depth ${o.longDepth} (${treeNodes(o.longDepth)} nodes), ${plural(o.iterations, "tree")} of depth ${o.depth} (${treeNodes(o.depth)} nodes each); timed: build + check + drop.`,
      "Handles row (full runs): every node through a Handle (alloc, setTake, get, dispose); short-lived handles wait in a nursery and never reach the FinalizationRegistry (src/host/handles.ts);",
      "  each repetition in a fresh isolate (a worker thread, bench/isolated.ts): a program with one heap, without V8 recompiling the Handle code as earlier repetitions' heaps are collected.",
      "bytes/node: refheap = (object headers + payload + size-class rounding + block headers) / live objects, from heap stats with the long-lived tree alive;",
      "  V8 = process.memoryUsage().heapUsed growth across building the long-lived tree of an identical class, between forced full GCs;",
      `  AS runtime = "≤" upper bound: final linear memory / (long-lived + one short-lived tree's nodes).`,
      "  CPython reference (not measured): 64 bytes per such object (documented: 16-byte PyGC_Head + 16-byte object header + __slots__ a,b,v).",
      "peak MiB: linear memory committed at the end of the timed run (wasm rows; V8's heap is not comparable).",
    ];
  },
};
