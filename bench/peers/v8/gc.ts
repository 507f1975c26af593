// Collector workloads W2 (cycle churn), W3 (generational pause) and W5 (tasks/subtasks) on plain JS
// objects, i.e. V8's own allocator and generational GC, as a peer for the wasm heaps. Same shapes
// and checksums as bench/peers/as-runtime/gc.ts.
//
// GC pauses come from a PerformanceObserver on 'gc' entries. Node creates those entries from a
// native SetImmediate after each GC, so a synchronous timed region never sees them: takeRecords()
// right after it returns nothing. The runners therefore are async: after the timed region they
// let the event loop turn (outside the timing), then takeRecords() and keep the entries whose
// startTime lies inside the timed region.
import { Node } from "./node.js";
import { PerformanceObserver, performance, constants as perfConstants } from "node:perf_hooks";
import type { PerformanceEntry } from "node:perf_hooks";
import { fullGc } from "../../common.js";

export type GcKind = "minor" | "major" | "incremental" | "weakcb" | "unknown";

export interface GcPause {
  ms: number;
  kind: GcKind;
}

function kindOf(entry: PerformanceEntry): GcKind {
  const e = entry as PerformanceEntry & { detail?: { kind?: number }; kind?: number };
  const k = e.detail?.kind ?? e.kind;
  switch (k) {
    case perfConstants.NODE_PERFORMANCE_GC_MINOR:
      return "minor";
    case perfConstants.NODE_PERFORMANCE_GC_MAJOR:
      return "major";
    case perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return "incremental";
    case perfConstants.NODE_PERFORMANCE_GC_WEAKCB:
      return "weakcb";
    default:
      return "unknown";
  }
}

const turnEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records V8 GC pauses between begin() and end(); collect() (async) returns them. */
class GcPauseRecorder {
  private readonly entries: PerformanceEntry[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    this.entries.push(...list.getEntries());
  });
  private t0 = 0;
  private t1 = Number.POSITIVE_INFINITY;

  begin(): void {
    this.observer.observe({ entryTypes: ["gc"] });
    this.t0 = performance.now();
  }

  end(): void {
    this.t1 = performance.now();
  }

  /** Call after end(), outside the timed region. */
  async collect(): Promise<GcPause[]> {
    // The entries are queued from a native immediate; two turns leave a margin.
    await turnEventLoop();
    await turnEventLoop();
    this.entries.push(...this.observer.takeRecords());
    this.observer.disconnect();
    return this.entries
      .filter((e) => e.startTime >= this.t0 && e.startTime <= this.t1)
      .sort((x, y) => x.startTime - y.startTime)
      .map((e) => ({ ms: e.duration, kind: kindOf(e) }));
  }
}


/**
 * A ring of 4 nodes (a = next, b = prev, closed), node k of ring r has v = (r + k) & 255. Returns
 * Σ v read back by walking the ring; the ring is unreachable once this returns.
 */
function ring4(r: number): number {
  const first = new Node(null, null, r & 255);
  let prev = first;
  for (let k = 1; k < 4; k++) {
    const n = new Node(null, prev, (r + k) & 255);
    prev.a = n;
    prev = n;
  }
  prev.a = first;
  first.b = prev;
  let sum = 0;
  let n = first;
  for (let k = 0; k < 4; k++) {
    sum = (sum + n.v) | 0;
    n = n.a!;
  }
  return sum;
}

function churn(rings: number): number {
  let sum = 0;
  for (let r = 0; r < rings; r++) sum = (sum + ring4(r)) | 0;
  return sum;
}

const msBetween = (a: bigint, b: bigint): number => Number(b - a) / 1e6;

// ---- W2 ----

export interface W2Options {
  /** Rings of 4 nodes built and dropped (default 500,000). */
  rings?: number;
}

export interface V8W2Result {
  nsPerNode: number;
  durationMs: number;
  /** Σ v, node k of ring r has v = (r + k) & 255, i32 wrapping. */
  checksum: number;
  /** GC pause durations (ms) that started inside the timed region. */
  pausesMs: number[];
  /** The same pauses with their kind. */
  pauses: GcPause[];
}

/** W2 cycle churn on V8 (no forced collection: V8 frees the dead rings in its scavenges). */
export async function runV8W2(opts: W2Options = {}): Promise<V8W2Result> {
  const rings = opts.rings ?? 500_000;
  const recorder = new GcPauseRecorder();
  recorder.begin();
  const start = process.hrtime.bigint();
  const checksum = churn(rings);
  const end = process.hrtime.bigint();
  recorder.end();
  const pauses = await recorder.collect();
  const durationMs = msBetween(start, end);
  return {
    nsPerNode: (durationMs * 1e6) / (rings * 4),
    durationMs,
    checksum,
    pausesMs: pauses.map((p) => p.ms),
    pauses,
  };
}

// ---- W3 ----

export interface W3Options {
  /** Trees in the old heap (default 1,000). */
  trees?: number;
  /** Levels per tree, a leaf is level 1 (default 10: 1023 nodes). */
  levels?: number;
  /** Rings of 4 churned while the old heap is alive (default 1,000,000). */
  churnRings?: number;
}

export interface V8W3Result {
  /** One full gc() with the old heap live (a first, untimed one precedes it); NaN without gc(). */
  fullMs: number;
  /** A youngest-generation collection alone cannot be triggered and timed from JS: NaN. */
  youngMs: number;
  churnNsPerNode: number;
  churnMs: number;
  /** GC pause durations (ms) that started during the churn. */
  pausesMs: number[];
  pauses: GcPause[];
  /** Σ v over the old heap (v = level) + Σ v over the churned rings, i32 wrapping. */
  checksum: number;
}

/** A full binary tree of `levels` levels (a leaf is level 1), v = level. */
function tree(levels: number): Node {
  return levels > 1 ? new Node(tree(levels - 1), tree(levels - 1), levels) : new Node(null, null, levels);
}

function treeSum(n: Node): number {
  let s = n.v;
  if (n.a) s = (s + treeSum(n.a) + treeSum(n.b!)) | 0;
  return s;
}

// Module-level root: the old heap stays reachable for the whole measurement (a local that is dead
// after setup could be collected early by optimised code).
let oldHeap: Node[] | null = null;

/** W3 generational pause on V8. */
export async function runV8W3(opts: W3Options = {}): Promise<V8W3Result> {
  const trees = opts.trees ?? 1000;
  const levels = opts.levels ?? 10;
  const churnRings = opts.churnRings ?? 1_000_000;

  const heap: Node[] = [];
  oldHeap = heap;
  let oldSum = 0;
  for (let i = 0; i < trees; i++) {
    const t = tree(levels);
    heap.push(t);
    oldSum = (oldSum + treeSum(t)) | 0;
  }

  // (a) one full collection with the old heap live; the first, untimed one promotes it to old space.
  let fullMs = Number.NaN;
  if (fullGc()) {
    const f0 = process.hrtime.bigint();
    fullGc();
    fullMs = msBetween(f0, process.hrtime.bigint());
  }

  // (c) churn over the old heap.
  const recorder = new GcPauseRecorder();
  recorder.begin();
  const c0 = process.hrtime.bigint();
  const churnSum = churn(churnRings);
  const c1 = process.hrtime.bigint();
  recorder.end();
  const pauses = await recorder.collect();
  oldHeap = null;

  const churnMs = msBetween(c0, c1);
  return {
    fullMs,
    youngMs: Number.NaN,
    churnNsPerNode: (churnMs * 1e6) / (churnRings * 4),
    churnMs,
    pausesMs: pauses.map((p) => p.ms),
    pauses,
    checksum: (oldSum + churnSum) | 0,
  };
}

// ---- W5 ----

export interface W5Options {
  /** Tasks created (default 100,000). */
  tasks?: number;
  /** Newest tasks kept alive in a ring (default 1,000). */
  keep?: number;
  /** Subtasks per task (default 20). */
  subtasks?: number;
  /** Subtasks point back at their task through a WeakRef (true) or strongly, forming cycles (false). */
  weak: boolean;
  /**
   * Let the event loop turn (await setImmediate, inside the timed region) every this many tasks, as
   * a server does between requests; 0 (default) runs all tasks as one synchronous job. Matters for
   * `weak`: V8 keeps every WeakRef target created or deref'ed during a job alive until the job ends.
   */
  yieldEvery?: number;
}

export interface V8W5Result {
  durationMs: number;
  /** GC pause durations (ms) that started inside the timed region. */
  pausesMs: number[];
  pauses: GcPause[];
  /** Max of process.memoryUsage().heapUsed, sampled every 1,000 tasks (and at the end). */
  peakBytes: number;
  /** heapUsed just before the timed region. */
  baselineBytes: number;
  /** Σ over tasks of (index & 1023) + subtasks found pointing back at their task, i32 wrapping. */
  checksum: number;
}

class Task {
  subtasks: Subtask[];
  v: number;
  constructor(v: number) {
    this.subtasks = [];
    this.v = v;
  }
}

class StrongSubtask {
  task: Task;
  constructor(task: Task) {
    this.task = task;
  }
}

class WeakSubtask {
  task: WeakRef<Task>;
  constructor(task: WeakRef<Task>) {
    this.task = task;
  }
}

type Subtask = StrongSubtask | WeakSubtask;

const SAMPLE_EVERY = 1000;

/** A task with `subtasks` subtasks pointing back at it, strongly or through one shared WeakRef. */
function makeTask(t: number, subtasks: number, weak: boolean): Task {
  const task = new Task(t & 1023);
  const subs = task.subtasks;
  if (weak) {
    const ref = new WeakRef(task);
    for (let s = 0; s < subtasks; s++) subs.push(new WeakSubtask(ref));
  } else {
    for (let s = 0; s < subtasks; s++) subs.push(new StrongSubtask(task));
  }
  return task;
}

/** Subtasks of `task` whose back-pointer leads to it. */
function countBack(task: Task, weak: boolean): number {
  const subs = task.subtasks;
  let count = 0;
  if (weak) {
    for (let s = 0; s < subs.length; s++) if ((subs[s] as WeakSubtask).task.deref() === task) count++;
  } else {
    for (let s = 0; s < subs.length; s++) if ((subs[s] as StrongSubtask).task === task) count++;
  }
  return count;
}

/**
 * W5 tasks/subtasks on V8. By default the whole run is one synchronous job, so with `weak` every
 * task stays in V8's kept-objects set (WeakRef creation and deref() keep the target alive until the
 * job ends, per the spec's AddToKeptObjects): nothing evicted is freed until the run ends, which
 * the sampled heapUsed shows. `yieldEvery` ends the job periodically, as a server would.
 */
export async function runV8W5(opts: W5Options): Promise<V8W5Result> {
  const tasks = opts.tasks ?? 100_000;
  const keep = opts.keep ?? 1000;
  const subtasks = opts.subtasks ?? 20;
  const weak = opts.weak;
  const yieldEvery = opts.yieldEvery ?? 0;

  const baselineBytes = process.memoryUsage().heapUsed;
  let peakBytes = baselineBytes;
  const recorder = new GcPauseRecorder();
  recorder.begin();
  const start = process.hrtime.bigint();
  let ring: (Task | null)[] = new Array<Task | null>(keep).fill(null);
  let pos = 0;
  let checksum = 0;
  for (let t = 0; t < tasks; t++) {
    const task = makeTask(t, subtasks, weak);
    checksum = (checksum + task.v + countBack(task, weak)) | 0;
    ring[pos] = task; // evicts the oldest task
    if (++pos === keep) pos = 0;
    if ((t + 1) % SAMPLE_EVERY === 0) {
      const used = process.memoryUsage().heapUsed;
      if (used > peakBytes) peakBytes = used;
    }
    if (yieldEvery > 0 && (t + 1) % yieldEvery === 0) await turnEventLoop();
  }
  const used = process.memoryUsage().heapUsed;
  if (used > peakBytes) peakBytes = used;
  ring = [];
  const end = process.hrtime.bigint();
  recorder.end();
  const pauses = await recorder.collect();
  return {
    durationMs: msBetween(start, end),
    pausesMs: pauses.map((p) => p.ms),
    pauses,
    peakBytes,
    baselineBytes,
    checksum,
  };
}
