// The collector workloads (design.md):
//   W2 cycle churn: 500,000 rings of 4 nodes, each dropped at once. ns per node, pauses.
//   W3 generational pause over ~1M live nodes (1,000 trees of 10 levels): (a) a full collection,
//      (b) the youngest collection after 700 fresh garbage nodes, (c) every automatic pause while
//      1,000,000 rings churn on top of the old heap.
//   W5 tasks/subtasks (the seed talk's REST server): 100,000 tasks with 20 subtasks each pointing
//      back at their task, the 1,000 newest tasks kept; strong vs weak back-pointers.
// Sizes scale with --iterations (250 = the full size). refheap rows cover every allocator and
// collector of the registry (and the recycler with a pause budget); pauses come from the core's
// collection start/stop hooks.

import { peerRows } from "./peers/rows.js";
import {
  KEEP, LEVELS, SUBTASKS, W6_SESSION, W6_WINDOW, oldHeapSum, w2Checksum, w2Rings, w3Rings, w3Trees, w5Checksum, w5Tasks, w6Checksum, w6Live,
  w6Requests, w6Trees,
} from "./shapes.js";
import { Heap } from "../src/index.js";
import { ALLOCATORS, COLLECTORS, ALLOCATOR_CODES, COLLECTOR_CODES, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, type AllocatorName as Allocator } from "../src/heap.js";
import { instantiate, type CoreExports, type HostHooks, type Views } from "../src/wasm.js";
import { BUDGETED, REFCOUNT_ONLY, now, settleV8, splitPauses, type BenchOptions, type Row, type Sample, type Workload } from "./common.js";
import { anatomy, runQueueWaitNs, type PauseRecord } from "./anatomy.js";
import { PHASE_NAMES } from "../src/phases.js";
import { runAsW2, runAsW3, runAsW5 } from "./peers/as-runtime/gc-run.js";
import { runV8W2, runV8W3, runV8W5 } from "./peers/v8/gc.js";
import { inFreshIsolate } from "./peers/v8/fresh.js";

interface GcExports extends CoreExports {
  w2Run(rings: number): number;
  w3Setup(trees: number, levels: number): number;
  w3Churn(rings: number): number;
  w3Teardown(): void;
  w5Run(tasks: number, keep: number, subtasks: number, weak: number): number;
  w6Setup(trees: number, levels: number, window: number): number;
  w6Run(requests: number, session: number, window: number): number;
  w6Peak(): number;
  w6Teardown(): void;
}



/** A point of the collector axis: a collector, with a pause budget for the one that takes one. */
interface Collector { collector: (typeof COLLECTORS)[number]; budgetUs?: number }
/** The budgeted rows' step size: a 100 µs budget at ~25 ns per object examined (0.8 of it, as gc.setPauseBudget). */
const BUDGET_US = 100;
const BUDGET_OBJECTS = Math.floor((BUDGET_US * 1000 * 0.8) / 25);
const COLLECTOR_POINTS: Collector[] = [...COLLECTORS.map((collector) => ({ collector })), { collector: BUDGETED, budgetUs: BUDGET_US }];
const DEFAULT_POINT: Collector = { collector: DEFAULT_COLLECTOR };

/**
 * A bench-module instance whose collections are timed (ms) through the core's start/stop hooks,
 * each with the objects the core visited and the memory committed meanwhile; in anatomy mode
 * (bench/anatomy.ts) also the run-queue wait and the time per step.
 */
async function pausedInstance(allocator: Allocator, collector: Collector = DEFAULT_POINT) {
  const pauses: PauseRecord[] = [];
  let t0 = 0, step = 0, wait0 = 0, bytes0 = 0, visitedAt = 0;
  let phases: Record<string, number> | undefined;
  const deep = anatomy.on;
  let memory: { buffer: ArrayBuffer } | undefined;
  let views: Views | undefined;
  const hooks: HostHooks = {
    finalize() {}, weakrefCallback() {}, weakrefFreed() {}, gcGarbage() {}, allocationEvents() {},
    // performance.now() allocates nothing (hrtime.bigint() does, and could start a V8 GC inside the pause)
    gcPhase(phase, generation) {
      if (phase === 0) {
        bytes0 = memory!.buffer.byteLength;
        if (deep) { wait0 = runQueueWaitNs() ?? 0; phases = {}; }
        t0 = step = performance.now();
      } else if (phase === 1) {
        const t1 = performance.now();
        const r: PauseRecord = { generation, t0, ms: t1 - t0, visited: views!.u32[visitedAt]!, grownBytes: memory!.buffer.byteLength - bytes0 };
        if (deep) { r.runQueueWaitMs = ((runQueueWaitNs() ?? 0) - wait0) / 1e6; r.phases = phases; }
        pauses.push(r);
      } else if (phases) {
        const t = performance.now();
        const name = PHASE_NAMES[phase]!;
        phases[name] = (phases[name] ?? 0) + t - step;
        step = t;
      }
    },
  };
  const inst = await instantiate<GcExports>("bench", undefined, hooks);
  const x = inst.exports;
  views = inst.views; // refreshed on every grow
  memory = x.memory;
  visitedAt = x.gcVisited() >>> 2;
  if (x.init(ALLOCATOR_CODES[allocator], 65536, COLLECTOR_CODES[collector.collector], 0) !== 0) throw new Error("init failed");
  if (collector.budgetUs) x.gcSetStepWorkLimit(BUDGET_OBJECTS);
  if (deep) x.gcObservePhases(1);
  return { x, pauses };
}

function check(value: number, what: string): number {
  if (value < 0) throw new Error(`${what}: out of memory`);
  return value;
}

// ── W2 ──

async function w2InWasm(o: BenchOptions, allocator: Allocator, collector: Collector): Promise<Sample> {
  const rings = w2Rings(o);
  const { x, pauses } = await pausedInstance(allocator, collector);
  const t0 = now();
  const sum = check(x.w2Run(rings), "W2");
  const t1 = now();
  const timed = pauses.splice(0);
  x.gcCollect(2);
  const left = x.verify() === 0 ? 0 : -1;
  if (left) throw new Error("verify failed after W2");
  return {
    nsPerUnit: Number(t1 - t0) / (rings * 4), durationMs: Number(t1 - t0) / 1e6, units: rings * 4,
    checksum: sum, expectedChecksum: w2Checksum(rings), peakBytes: x.memory.buffer.byteLength, ...splitPauses(timed),
  };
}

/** The floor: the same rings in 16-byte pool blocks with no header, each freed at once (bench/wasm/w2floor.ts step 0). */
async function w2Floor(o: BenchOptions): Promise<Sample> {
  const rings = w2Rings(o);
  const { exports: x } = await instantiate<CoreExports & { w2Floor(step: number, rings: number): number }>("bench");
  if (x.init(ALLOCATOR_CODES.pools, 65536, COLLECTOR_CODES[REFCOUNT_ONLY], 0) !== 0) throw new Error("bench.release.wasm: init(pools) failed");
  const t0 = now();
  const sum = x.w2Floor(0, rings);
  const t1 = now();
  return { nsPerUnit: Number(t1 - t0) / (rings * 4), durationMs: Number(t1 - t0) / 1e6, units: rings * 4, checksum: sum, expectedChecksum: w2Checksum(rings), peakBytes: x.memory.buffer.byteLength };
}

/** The host-driven ring, compiled per heap (see bench/w1.ts for why). */
const RING_SRC = `
  const { allocInit, setRefMove, setRef, decref } = raw.exports;
  const sV = (raw.staging + offV) >>> 2;
  return function rings(n, first0) {
    let sum = 0;
    for (let r = first0; r < first0 + n; r++) {
      raw.i32[sV] = r & 255;
      const first = allocInit(tid);
      if (!first) throw new Error("out of memory");
      let prev = first;
      sum = (sum + (r & 255)) | 0;
      for (let k = 1; k < 4; k++) {
        raw.i32[sV] = (r + k) & 255;
        const node = allocInit(tid);
        if (!node) throw new Error("out of memory");
        sum = (sum + ((r + k) & 255)) | 0;
        setRefMove(prev, 0, node);
        setRef(node, 1, prev);
        prev = node;
      }
      setRef(prev, 0, first);
      setRef(first, 1, prev);
      decref(first);
    }
    return sum;
  };`;

/** A host heap of the given strategy; the budget variant sets gc.setPauseBudget as a user would. */
async function hostHeap(allocator: Allocator, collector: Collector): Promise<Heap> {
  const heap = await Heap.create({ allocator, collector: collector.collector });
  if (collector.budgetUs) heap.gc.setPauseBudget(collector.budgetUs);
  if (anatomy.on && heap.capabilities.collector.collectsCycles) {
    // the anatomy repetition: step times, and the run-queue wait read around each pause by gc callbacks
    heap.gc.setPhaseTiming(true);
    const marks: { t0: number; wait: number }[] = [];
    let t0 = 0, w0 = 0;
    heap.gc.callbacks.push((phase) => {
      if (phase === "start") { w0 = runQueueWaitNs() ?? 0; t0 = performance.now(); }
      else marks.push({ t0, wait: ((runQueueWaitNs() ?? 0) - w0) / 1e6 });
    });
    pauseMarks.set(heap, marks);
  }
  return heap;
}

const pauseMarks = new WeakMap<Heap, { t0: number; wait: number }[]>();

/** The heap's pauses since the last call, with their anatomy (gc.takePauses, and the anatomy repetition's marks). */
function takePauses(heap: Heap): PauseRecord[] {
  const marks = pauseMarks.get(heap)?.splice(0);
  return heap.gc.takePauses().map((p, i) => ({
    ...p, t0: marks?.[i]?.t0 ?? 0, ...(marks?.[i] ? { runQueueWaitMs: marks[i]!.wait } : {}),
    ...(p.phases ? { phases: p.phases as Record<string, number> } : {}),
  }));
}

async function hostRingHeap(allocator: Allocator, collector: Collector) {
  const heap = await hostHeap(allocator, collector);
  const Node = heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true });
  const rings = new Function("raw", "tid", "offV", RING_SRC)(heap.raw, Node.id, heap.raw.scalarOffset(Node, "v")) as (n: number, first: number) => number;
  return { heap, Node, rings };
}

/** Ends a host-driven row outside its timed region: its pauses, a full collection, verify(), peak memory. */
function hostSample(heap: Heap, ns: number, units: number, checksum: number, expectedChecksum: number): Sample {
  const collects = heap.collector !== REFCOUNT_ONLY;
  const paused = splitPauses(collects ? takePauses(heap) : []);
  if (collects) heap.gc.collect();
  heap.verify();
  const peakBytes = heap.stats().peakCommittedBytes;
  heap.destroy();
  return { nsPerUnit: ns / units, durationMs: ns / 1e6, units, checksum, expectedChecksum, peakBytes, ...paused };
}

async function w2Host(o: BenchOptions, allocator: Allocator, collector: Collector): Promise<Sample> {
  const n = w2Rings(o);
  const { heap, rings } = await hostRingHeap(allocator, collector);
  const t0 = now();
  const sum = rings(n, 0);
  const t1 = now();
  return hostSample(heap, Number(t1 - t0), n * 4, sum, w2Checksum(n));
}

// ── W3 ──

async function w3InWasm(o: BenchOptions, part: "a" | "b" | "c", allocator: Allocator, collector: Collector): Promise<Sample> {
  const collects = collector.collector !== REFCOUNT_ONLY;
  if (!collects && part !== "c") throw new Error("W3a/W3b time a collection");
  const trees = w3Trees(o);
  const { x, pauses } = await pausedInstance(allocator, collector);
  const live = check(x.w3Setup(trees, LEVELS), "W3 setup");
  if (collects) x.gcCollect(2); // settle: the old heap is in generation 2
  settleV8();
  pauses.length = 0;
  // W3a/W3b time one collection: nothing to checksum (0); W3c checksums the churn
  let ns = 0, units = 1, sum = 0;
  let expected = 0;
  if (part === "a") {
    const t0 = now();
    x.gcCollect(2);
    ns = Number(now() - t0);
  } else if (part === "b") {
    x.gcSetEnabled(0);
    check(x.w2Run(175), "W3b garbage"); // 700 fresh garbage nodes (175 rings of 4)
    const t0 = now();
    const found = x.gcCollect(0);
    ns = Number(now() - t0);
    if (found !== 700) throw new Error(`W3b: the collection found ${found} objects, not 700`);
    x.gcSetEnabled(1);
  } else {
    const rings = w3Rings(o);
    const t0 = now();
    sum = check(x.w3Churn(rings), "W3c churn");
    ns = Number(now() - t0);
    units = rings * 4;
    expected = w2Checksum(rings);
  }
  const timed = pauses.splice(0);
  x.w3Teardown();
  return {
    nsPerUnit: ns / units, durationMs: ns / 1e6, units, checksum: sum, expectedChecksum: expected,
    peakBytes: x.memory.buffer.byteLength, ...(part === "c" ? splitPauses(timed) : {}),
    extra: { liveNodes: live },
  };
}

async function w3cHost(o: BenchOptions, allocator: Allocator, collector: Collector): Promise<Sample> {
  const trees = w3Trees(o);
  const { heap, rings } = await hostRingHeap(allocator, collector);
  // the old heap, built in wasm-equivalent shape through the raw API
  const raw = heap.raw;
  const List = heap.defineType({ name: "List", kind: "refarray" });
  const Node = heap.types.find((t) => t?.name === "Node")!;
  const old = raw.allocList(List.id, 0);
  const build = (levels: number): number => {
    const p = raw.alloc(Node.id);
    if (levels > 1) { raw.setRefMove(p, 0, build(levels - 1)); raw.setRefMove(p, 1, build(levels - 1)); }
    return p;
  };
  for (let i = 0; i < trees; i++) { const t = build(LEVELS); raw.listAppend(old, t); raw.decref(t); }
  if (collector.collector !== REFCOUNT_ONLY) { heap.gc.collect(); takePauses(heap); }
  settleV8();
  const n = w3Rings(o);
  const t0 = now();
  const sum = rings(n, 0);
  const t1 = now();
  raw.decref(old); // frees by refcounting only: no collection, so the pauses stay the timed region's
  return hostSample(heap, Number(t1 - t0), n * 4, sum, w2Checksum(n));
}

// ── W5 ──

async function w5InWasm(o: BenchOptions, weak: boolean, allocator: Allocator, collector: Collector): Promise<Sample> {
  const tasks = w5Tasks(o);
  const { x, pauses } = await pausedInstance(allocator, collector);
  const t0 = now();
  const sum = check(x.w5Run(tasks, KEEP, SUBTASKS, weak ? 1 : 0), "W5");
  const t1 = now();
  const timed = pauses.splice(0);
  x.gcCollect(2);
  if (x.verify() !== 0) throw new Error("verify failed after W5");
  return {
    nsPerUnit: Number(t1 - t0) / tasks, durationMs: Number(t1 - t0) / 1e6, units: tasks,
    checksum: sum, expectedChecksum: w5Checksum(tasks), peakBytes: x.memory.buffer.byteLength, ...splitPauses(timed),
  };
}

const W5_HOST_SRC = `
  const { allocInit, allocList, listSet, decref, incref, weakrefNew } = raw.exports;
  const sSubs = (raw.staging + offSubs) >>> 2, sV = (raw.staging + offV) >>> 2, sTask = (raw.staging + offTask) >>> 2;
  return function run(tasks, keep, subtasks, weak) {
    const ring = allocList(listId, keep);
    let sum = 0, pos = 0;
    for (let t = 0; t < tasks; t++) {
      const subs = allocList(listId, subtasks);
      const i32 = raw.i32;
      i32[sSubs] = subs; i32[sV] = t & 1023;
      const task = allocInit(taskId);
      if (!subs || !task) throw new Error("out of memory");
      const back = weak ? weakrefNew(task, 0, 0) : task;
      for (let s = 0; s < subtasks; s++) {
        incref(back);
        raw.i32[sTask] = back;
        const st = allocInit(subtaskId);
        listSet(subs, s, st);
        decref(st);
      }
      if (weak) decref(back);
      listSet(ring, pos, task);
      decref(task);
      if (++pos === keep) pos = 0;
      sum = (sum + (t & 1023) + subtasks) | 0;
    }
    decref(ring);
    return sum;
  };`;

async function w5Host(o: BenchOptions, weak: boolean, allocator: Allocator, collector: Collector): Promise<Sample> {
  const tasks = w5Tasks(o);
  const heap = await hostHeap(allocator, collector);
  const Task = heap.defineType({ name: "Task", refs: ["subtasks"], scalars: { v: "i32" }, weakrefable: true });
  const Subtask = heap.defineType({ name: "Subtask", refs: ["task"] });
  const List = heap.defineType({ name: "List", kind: "refarray" });
  const raw = heap.raw;
  const run = new Function("raw", "taskId", "subtaskId", "listId", "offSubs", "offV", "offTask", W5_HOST_SRC)(
    raw, Task.id, Subtask.id, List.id, raw.refOffset(Task, "subtasks"), raw.scalarOffset(Task, "v"), raw.refOffset(Subtask, "task"),
  ) as (tasks: number, keep: number, subtasks: number, weak: boolean) => number;
  const t0 = now();
  const sum = run(tasks, KEEP, SUBTASKS, weak);
  const t1 = now();
  return hostSample(heap, Number(t1 - t0), tasks, sum, w5Checksum(tasks));
}

// ── peers (bench/peers/): AssemblyScript's --runtime incremental and V8, same workloads ──

async function w2As(o: BenchOptions): Promise<Sample> {
  const rings = w2Rings(o);
  const r = await runAsW2({ rings });
  return { nsPerUnit: r.nsPerNode, durationMs: r.durationMs, units: rings * 4, checksum: r.checksum, expectedChecksum: w2Checksum(rings), peakBytes: r.memoryBytes };
}
/** V8's W2 (run by inFreshIsolate: exported). */
export async function w2V8(o: BenchOptions): Promise<Sample> {
  const rings = w2Rings(o);
  const r = await runV8W2({ rings });
  return { nsPerUnit: r.nsPerNode, durationMs: r.durationMs, units: rings * 4, checksum: r.checksum, expectedChecksum: w2Checksum(rings), pausesMs: r.pausesMs };
}
/** W3 on a peer (V8's run by inFreshIsolate: exported). */
export async function w3Peer(o: BenchOptions, peer: "as" | "v8", part: "a" | "c"): Promise<Sample> {
  const trees = w3Trees(o), churnRings = w3Rings(o);
  const r = peer === "as" ? await runAsW3({ trees, levels: LEVELS, churnRings }) : await runV8W3({ trees, levels: LEVELS, churnRings });
  // the peers' checksum is old heap + churn: keep the churn part, as the refheap rows report
  const churnSum = (r.checksum - oldHeapSum(trees)) | 0;
  if (part === "a") return { nsPerUnit: r.fullMs * 1e6, durationMs: r.fullMs, units: 1, checksum: 0, expectedChecksum: 0, peakBytes: "memoryBytes" in r ? r.memoryBytes : undefined };
  return {
    nsPerUnit: r.churnNsPerNode, durationMs: (r.churnNsPerNode * churnRings * 4) / 1e6, units: churnRings * 4,
    checksum: churnSum, expectedChecksum: w2Checksum(churnRings),
    peakBytes: "memoryBytes" in r ? r.memoryBytes : undefined, pausesMs: "pausesMs" in r ? r.pausesMs : undefined,
  };
}
/** W5 on a peer (V8's run by inFreshIsolate: exported). */
export async function w5Peer(o: BenchOptions, peer: "as" | "v8", weak: boolean): Promise<Sample> {
  const tasks = w5Tasks(o);
  if (peer === "as") {
    const r = await runAsW5({ tasks, keep: KEEP, subtasks: SUBTASKS });
    return { nsPerUnit: (r.durationMs * 1e6) / tasks, durationMs: r.durationMs, units: tasks, checksum: r.checksum, expectedChecksum: w5Checksum(tasks), peakBytes: r.memoryBytes };
  }
  // a server yields between requests; without it V8 keeps every WeakRef target alive until the job ends
  const r = await runV8W5({ tasks, keep: KEEP, subtasks: SUBTASKS, weak, yieldEvery: 1000 });
  return { nsPerUnit: (r.durationMs * 1e6) / tasks, durationMs: r.durationMs, units: tasks, checksum: r.checksum, expectedChecksum: w5Checksum(tasks), peakBytes: r.peakBytes, pausesMs: r.pausesMs };
}

const row = (name: string, o: BenchOptions, run: () => Promise<Sample>, extra: Partial<Row> = {}): Row => ({ name, iterations: o.iterations, run, ...extra });

/** A row name's "(allocator/collector)" part, which the runner's --only filter and readers see. */
const strategyLabel = (a: Allocator, c: Collector) => (c.budgetUs ? `${a}/${c.collector}, ${c.budgetUs} µs budget` : `${a}/${c.collector}`);
/**
 * The strategy matrix of a workload: every allocator x collector, in wasm and host-driven (the
 * pause-budget variant on the default allocator only: it is a collector setting).
 */
function matrixRows(o: BenchOptions, collectors: Collector[], inWasm: (a: Allocator, c: Collector) => Promise<Sample>,
  host?: (a: Allocator, c: Collector) => Promise<Sample>, variant?: string, what = variant): Row[] {
  const rows: Row[] = [];
  const w = what ? `${what} ` : "";
  const drivers = host ? (["in-wasm", "host"] as const) : (["in-wasm"] as const);
  for (const driver of drivers) {
    for (const c of collectors) {
      for (const a of c.budgetUs ? [DEFAULT_ALLOCATOR] : ALLOCATORS) {
        rows.push(row(`refheap ${driver === "host" ? "host raw" : driver} ${w}(${strategyLabel(a, c)})`, o, () => (driver === "host" ? host! : inWasm)(a, c), {
          allocator: a, collector: c.collector, driver, variant, ...(c.budgetUs ? { setting: `${c.budgetUs} µs budget` } : {}),
        }));
      }
    }
  }
  return rows;
}
/** Collectors that collect: W3a and W3b time one collection. */
const COLLECTING = COLLECTOR_POINTS.filter((c) => c.collector !== REFCOUNT_ONLY && !c.budgetUs);

const fmt = (n: number) => n.toLocaleString("en-US");

export const w2: Workload = {
  id: "W2",
  title: (o) => `W2 cycle churn: ${fmt(w2Rings(o))} rings of 4 nodes, each dropped at once. ns per node.`,
  unit: "ns/node",
  rows: (o) => [
    ...matrixRows(o, COLLECTOR_POINTS, (a, c) => w2InWasm(o, a, c), (a, c) => w2Host(o, a, c)),
    row("refheap floor: the pools allocator alone, no object protocol", o, () => w2Floor(o), { floor: true, driver: "in-wasm" }),
    row("AS runtime (incremental GC)", o, () => w2As(o), { baseline: "as-rt" }),
    row("V8 plain JS", o, () => inFreshIsolate(import.meta.url, "w2V8", o), { baseline: "v8" }),
    ...peerRows("W2", o),
  ],
  notes: () => [
    "Goal: in-wasm ≤ 40 ns/node.",
    "AS runtime: its timed region ends with a full __collect(); its pauses cannot be observed from outside. V8 pauses: PerformanceObserver 'gc' entries.",
  ],
};

const oldHeap = (o: BenchOptions) => `${fmt(w3Trees(o) * (2 ** LEVELS - 1))} live nodes (${fmt(w3Trees(o))} trees of ${LEVELS} levels)`;

export const w3a: Workload = {
  id: "W3a",
  title: (o) => `W3a full collection with ${oldHeap(o)}.`,
  unit: "ns",
  display: "ms",
  rows: (o) => [
    ...matrixRows(o, COLLECTING, (a, c) => w3InWasm(o, "a", a, c), undefined, undefined, "collect(2)"),
    row("AS runtime (incremental GC) __collect()", o, () => w3Peer(o, "as", "a"), { baseline: "as-rt" }),
    row("V8 full gc()", o, () => inFreshIsolate(import.meta.url, "w3Peer", o, "v8", "a"), { baseline: "v8" }),
    ...peerRows("W3a", o, "gc.collect()"),
  ],
  notes: () => ["Goal: ≤ 20 ms over the full-size heap of ~1M nodes (AssemblyScript's mark-sweep ~30-50 ms, CPython ~410 ms, pyodide ~285 ms)."],
};

export const w3b: Workload = {
  id: "W3b",
  title: (o) => `W3b youngest collection after 700 fresh garbage nodes, over ${oldHeap(o)}.`,
  unit: "ns",
  display: "ms",
  rows: (o) => matrixRows(o, COLLECTING, (a, c) => w3InWasm(o, "b", a, c), undefined, undefined, "collect(0)"),
  notes: () => ["Goal: ≤ 0.03 ms (CPython native ~0.06 ms). Neither V8 nor AssemblyScript can time a young collection alone. The recycler's collect(0) examines its candidates' subgraph."],
};

export const w3c: Workload = {
  id: "W3c",
  title: (o) => `W3c automatic pauses while ${fmt(w3Rings(o))} rings of 4 churn over ${oldHeap(o)}.`,
  unit: "ns/node",
  rows: (o) => [
    ...matrixRows(o, COLLECTOR_POINTS, (a, c) => w3InWasm(o, "c", a, c), (a, c) => w3cHost(o, a, c)),
    row("AS runtime (incremental GC)", o, () => w3Peer(o, "as", "c"), { baseline: "as-rt" }),
    row("V8 plain JS", o, () => inFreshIsolate(import.meta.url, "w3Peer", o, "v8", "c"), { baseline: "v8" }),
    ...peerRows("W3c", o),
  ],
  notes: () => [
    `Goals (recycler): max pause ≤ 1 ms, p99 ≤ 0.2 ms, peak bytes ≤ 110 % of the generational collector's. Budget rows: a step gathers at most ${BUDGET_OBJECTS} objects (${BUDGET_US} µs at ~25 ns/object, as gc.setPauseBudget derives it).`,
    "The rows without a collector are the floor: no cycle is ever freed, so their peak memory is the price.",
  ],
};

export const w5: Workload = {
  id: "W5",
  title: (o) => `W5 tasks/subtasks: ${fmt(w5Tasks(o))} tasks, ${SUBTASKS} subtasks each pointing back at their task, the ${fmt(KEEP)} newest kept.`,
  unit: "ns/task",
  rows: (o) => [
    ...matrixRows(o, COLLECTOR_POINTS, (a, c) => w5InWasm(o, false, a, c), (a, c) => w5Host(o, false, a, c), "strong"),
    ...matrixRows(o, COLLECTOR_POINTS, (a, c) => w5InWasm(o, true, a, c), (a, c) => w5Host(o, true, a, c), "weak"),
    row("AS runtime strong (incremental GC)", o, () => w5Peer(o, "as", false), { baseline: "as-rt", variant: "strong" }),
    row("V8 strong", o, () => inFreshIsolate(import.meta.url, "w5Peer", o, "v8", false), { baseline: "v8", variant: "strong" }),
    row("V8 weak (WeakRef)", o, () => inFreshIsolate(import.meta.url, "w5Peer", o, "v8", true), { peer: "v8", variant: "weak" }),
    ...peerRows("W5-strong", o, "strong"),
    ...peerRows("W5-weak", o, "weak"),
  ],
  notes: () => ["Strong back-pointers make cycles (the collector frees them); weak ones let refcounting free each task at eviction.",
    "V8 rows yield to the event loop every 1,000 tasks (a server between requests): V8 keeps WeakRef targets alive until the job ends. AssemblyScript has no weak references.",
    "peak MiB: wasm rows, linear memory (never shrinks); V8 rows, the largest heapUsed sampled every 1,000 tasks.",
  ],
};

// ── W6 ──

/**
 * One W6 repetition in wasm: the old heap made the root (gc.setRoot), a full collection (as the
 * pyodide row: the pass starts afresh), then the requests. The value is the peak of live + not yet
 * collected objects, as a percentage of the live set (100 = every garbage cycle freed at once).
 */
async function w6InWasm(o: BenchOptions, allocator: Allocator, collector: Collector): Promise<Sample> {
  const { x, pauses } = await pausedInstance(allocator, collector);
  check(x.w6Setup(w6Trees(o), LEVELS, W6_WINDOW), "W6 setup");
  const collects = collector.collector !== REFCOUNT_ONLY;
  if (collects) x.gcCollect(2);
  settleV8();
  pauses.length = 0;
  const requests = w6Requests(o);
  const t0 = now();
  const sum = check(x.w6Run(requests, W6_SESSION, W6_WINDOW), "W6");
  const ns = Number(now() - t0);
  const timed = pauses.splice(0);
  const peakObjects = x.w6Peak();
  const live = w6Live(o);
  x.w6Teardown();
  if (collects) x.gcCollect(2);
  if (x.verify() !== 0) throw new Error("verify failed after W6");
  return {
    nsPerUnit: (100 * peakObjects) / live, durationMs: ns / 1e6, units: requests, checksum: sum, expectedChecksum: w6Checksum(requests),
    peakBytes: x.memory.buffer.byteLength, ...splitPauses(timed),
    extra: { peakObjects, liveObjects: live, nsPerRequest: ns / requests },
  };
}

export const w6: Workload = {
  id: "W6",
  title: (o) => `W6 old cycles: ${fmt(w6Requests(o))} requests, each a ring of ${W6_SESSION} nodes kept among the ${fmt(W6_WINDOW)} newest, over ${fmt(w6Trees(o) * (2 ** LEVELS - 1))} long-lived nodes, all reachable from the root. Peak objects, % of the live set.`,
  unit: "% of live",
  rows: (o) => [
    ...matrixRows(o, COLLECTOR_POINTS, (a, c) => w6InWasm(o, a, c)),
    ...peerRows("W6", o),
  ],
  notes: () => [
    "The value is the peak count of objects (live + garbage not yet collected) over the live set once the window is full: 100 % means every dropped session was freed at once. Peak MiB is the wasm memory at the end.",
    "Why the incremental rows and CPython 3.14 (pyodide) differ from the generational ones: docs/collectors.md, 'The incremental collector and its memory'.",
    "pyodide: objects counted with len(gc.get_objects()) (every tracked object: all of W6's), sampled every 500 requests, less the interpreter's own; peak MiB is the process's wasm memory so far.",
  ],
};
