// Runs the collector workloads W2 (cycle churn), W3 (generational pause) and W5 (tasks/subtasks) on
// the AssemblyScript-runtime peer (AS managed classes + its incremental GC), build/peer-as-gc.wasm.
// Each call instantiates a fresh module instance so repetitions do not share heap state; the
// compiled Module is cached per process (keyed on the file's mtime). Mirrors ./run.ts (W1), except
// that it builds the .wasm (via ./build.mjs) only when the file is missing.
import { instantiatePeer } from "./load.js";
import { settleV8 } from "../../common.js";

interface GcPeerExports {
  memory: WebAssembly.Memory;
  w2Run(rings: number): number;
  w3Setup(trees: number, levels: number): number;
  w3Churn(rings: number): number;
  w3Teardown(): void;
  w5Run(tasks: number, keep: number, subtasks: number): number;
  collect(): void;
}

const instantiate = () => instantiatePeer<GcPeerExports>("peer-as-gc.wasm", "buildAsGcPeer");

const now = (): bigint => process.hrtime.bigint();
const msBetween = (a: bigint, b: bigint): number => Number(b - a) / 1e6;

// ---- W2 ----

export interface W2Options {
  /** Rings of 4 nodes built and dropped (default 500,000). */
  rings?: number;
}

export interface AsW2Result {
  /** Timed region / (rings * 4); the timed region is w2Run plus a final full collection. */
  nsPerNode: number;
  durationMs: number;
  /** Σ v, node k of ring r has v = (r + k) & 255, i32 wrapping. */
  checksum: number;
  /** Linear memory at the end (it never shrinks, so this is the peak). */
  memoryBytes: number;
}

/** W2 cycle churn on AS's own runtime. */
export async function runAsW2(opts: W2Options = {}): Promise<AsW2Result> {
  const rings = opts.rings ?? 500_000;
  const peer = await instantiate();
  const start = now();
  const checksum = peer.w2Run(rings);
  // Include the collection debt the run created, so the GC cost is not deferred out of the timing.
  peer.collect();
  const end = now();
  const durationMs = msBetween(start, end);
  return {
    nsPerNode: (durationMs * 1e6) / (rings * 4),
    durationMs,
    checksum,
    memoryBytes: peer.memory.buffer.byteLength,
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

export interface AsW3Result {
  /** One full collection (__collect) with the old heap live; a first, untimed one precedes it. */
  fullMs: number;
  /** Youngest-generation collection alone: AS's runtime has no generations, so NaN. */
  youngMs: number;
  /** Churn time / (churnRings * 4); the timed region is w3Churn plus a final full collection. */
  churnNsPerNode: number;
  /** The part of the churn time spent in that final full collection (ms). */
  churnCollectMs: number;
  /** Σ v over the old heap (v = level) + Σ v over the churned rings, i32 wrapping. */
  checksum: number;
  memoryBytes: number;
}

/** W3 generational pause on AS's own runtime (non-generational: every cycle marks the old heap). */
export async function runAsW3(opts: W3Options = {}): Promise<AsW3Result> {
  const trees = opts.trees ?? 1000;
  const levels = opts.levels ?? 10;
  const churnRings = opts.churnRings ?? 1_000_000;
  const peer = await instantiate();

  const oldSum = peer.w3Setup(trees, levels);
  peer.collect(); // untimed: finishes whatever incremental cycle the setup left running
  settleV8(); // and V8's, which the setup's memory growth may have started (bench/common.ts)
  const f0 = now();
  peer.collect();
  const f1 = now();

  const c0 = now();
  const churnSum = peer.w3Churn(churnRings);
  const c1 = now();
  peer.collect(); // the churn's collection debt, counted in the churn time
  const c2 = now();
  const memoryBytes = peer.memory.buffer.byteLength;
  peer.w3Teardown();

  return {
    fullMs: msBetween(f0, f1),
    youngMs: Number.NaN,
    churnNsPerNode: Number(c2 - c0) / (churnRings * 4),
    churnCollectMs: msBetween(c1, c2),
    checksum: (oldSum + churnSum) | 0,
    memoryBytes,
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
  /** AS has no weak references: only `false` (strong back-pointers) is supported. */
  weak?: boolean;
}

export interface AsW5Result {
  /** w5Run plus a final full collection. */
  durationMs: number;
  /** The part of durationMs spent in that final full collection. */
  collectMs: number;
  /** Σ over tasks of (index & 1023) + subtasks created, i32 wrapping. */
  checksum: number;
  /** Linear memory at the end (never shrinks, so the peak). */
  memoryBytes: number;
}

/** W5 tasks/subtasks (strong back-pointers, i.e. cycles) on AS's own runtime. */
export async function runAsW5(opts: W5Options = {}): Promise<AsW5Result> {
  if (opts.weak) throw new Error("AS-runtime peer: W5 weak variant unsupported (AssemblyScript has no weak references)");
  const tasks = opts.tasks ?? 100_000;
  const keep = opts.keep ?? 1000;
  const subtasks = opts.subtasks ?? 20;
  const peer = await instantiate();
  const start = now();
  const checksum = peer.w5Run(tasks, keep, subtasks);
  const mid = now();
  peer.collect();
  const end = now();
  return {
    durationMs: msBetween(start, end),
    collectMs: msBetween(mid, end),
    checksum,
    memoryBytes: peer.memory.buffer.byteLength,
  };
}
