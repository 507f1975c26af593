// Shared types and helpers for the benchmark workloads (bench/w*.ts) and the runner (bench/run.ts).
// A workload is a file exporting a `Workload`: a list of rows (one per strategy or peer), each a
// function that runs one fresh repetition and returns a Sample. The runner does the rest:
// warm-up, interleaved repetitions, medians, ratio columns, checksum checks, table and JSON.

import v8 from "node:v8";
import type { AllocatorName, CollectorName } from "../src/heap.js";
import { collectorsWith, type CollectorCapability } from "../src/strategies.js";
import vm from "node:vm";
import { createHistogram } from "node:perf_hooks";
import type { PauseRecord } from "./anatomy.js";

/** Parameters from the command line; each workload reads the ones it uses. */
export interface BenchOptions {
  /** Timed repetitions of the workload loop (e.g. W1: trees built and dropped). */
  iterations: number;
  /** W1: depth of the short-lived trees. */
  depth: number;
  /** W1: depth of the long-lived tree. */
  longDepth: number;
}

/** One repetition of one row, in a fresh instance / heap. */
export interface Sample {
  /** The workload's unit (ns per node for W1). */
  nsPerUnit: number;
  /** Timed region only. */
  durationMs: number;
  /** Units of work in the timed region (W1: nodes built, checked and dropped). */
  units: number;
  checksum: number;
  expectedChecksum: number;
  /** Bytes per live object, measured (or bounded, see Row.bytesKind) while the long-lived data is alive. */
  bytesPerUnit?: number;
  /** Linear memory committed at the end of the timed region (wasm rows). */
  peakBytes?: number;
  /** Every collector pause in the timed region, in milliseconds (rows that can observe them). */
  pausesMs?: number[];
  /** The same pauses split by the generation collected (refheap rows). */
  pausesByGen?: number[][];
  /** The same pauses with their anatomy (refheap rows): objects visited, memory grown, and more in anatomy mode. */
  pauseRecords?: PauseRecord[];
  /** Anything else worth keeping in the JSON (stats snapshots, etc.). */
  extra?: Record<string, unknown>;
}

export type Baseline = "v8" | "as-rt";

export interface Row {
  name: string;
  /** Marks the rows the ratio columns divide by. */
  baseline?: Baseline;
  /** A peer's id (v8, as-rt, pyodide, quickjs), for rows that are not refheap's and not a baseline. */
  peer?: string;
  /** refheap rows: the strategies measured (no collector: the row does not collect, e.g. a trace replay). */
  allocator?: AllocatorName;
  collector?: CollectorName;
  /** A collector setting beyond its name (a pause budget): a point on the collector axis of its own. */
  setting?: string;
  /** How the mutator reaches the heap: AssemblyScript linked with the core, TypeScript through the host API, or a trace replay. */
  driver?: Driver;
  /** The workload's variant (W5: strong, weak); rows are compared with their own variant's. */
  variant?: string;
  /** A second host API measured beside the main one (W1 setRefMove and Handles, W4 WeakValueMap): full runs only. */
  alternative?: boolean;
  /**
   * A lower bound, not a strategy: the pools allocator alone, with no object protocol and nothing
   * to find (bench/wasm/w1floor.ts, w2floor.ts, step 0). Never on a strategy axis; it runs whatever
   * the allocator and collector filters say, and the goals page (bench/goals.ts) calls a goal out of
   * reach on the machine when even this row misses it.
   */
  floor?: boolean;
  /** Iterations this row runs when it differs from --iterations (slow rows); per-unit numbers stay comparable. */
  iterations: number;
  /** How bytesPerUnit was obtained: exact accounting, a heap-usage delta, or only an upper bound. */
  bytesKind?: "heap stats" | "heapUsed delta" | "upper bound";
  run(): Promise<Sample>;
}

export type Driver = "in-wasm" | "host" | "replay";

/** The registry's first collector with (or without) a capability; the bench cannot run without one. */
function collectorWith(cap: CollectorCapability, has = true): CollectorName {
  const c = collectorsWith(cap, has)[0];
  if (c === undefined) throw new Error(`bench: the registry has no collector ${has ? "with" : "without"} ${cap}`);
  return c;
}
/** The collector that collects nothing (refcounting alone): W3a/W3b have nothing to time on it. */
export const REFCOUNT_ONLY: CollectorName = collectorWith("collectsCycles", false);
/** The collector whose pauses gc.setPauseBudget bounds (src/gc.ts). */
export const BUDGETED: CollectorName = collectorWith("boundedPauses");

export interface Workload {
  id: string;
  /** The design's one-line definition, with this run's sizes. */
  title(opts: BenchOptions): string;
  unit: string;
  rows(opts: BenchOptions): Row[];
  /** Reference text printed under the table (methods, unmeasured comparisons). */
  notes(opts: BenchOptions): string[];
  /** How medians are shown: per unit (default), as milliseconds (one-off collections), or as a rate (lookups per second). */
  display?: "ms" | "rate";
}

/** i32 addition, as the wasm peers and V8's `| 0` checksum do it. */
export const addI32 = (a: number, b: number): number => (a + b) | 0;

/**
 * Between a row's setup and its timed region: a full V8 collection. A setup that grows linear memory
 * adds external memory, for which V8 starts incremental marking; the marking was then finalised on
 * the main thread during the timed region, at an interrupt check (wasm's loops and the pause hooks'
 * calls make them), hence inside pauses: --trace-gc showed a Mark-Compact begun during W3's setup
 * ending in the churn. W3c in wasm, 6 runs of 3 repetitions each way, alternated (2026-12-03): the
 * longest pause of a run was 1.9 to 4.5 ms without this (generational and hybrid), 0.09 to 2.0 ms
 * with it, shorter in 12 of 12.
 */
export function settleV8(): void { fullGc(); }

let gcFn: (() => void) | null | undefined;

/**
 * A full V8 collection, when it can be had: enables --expose-gc at run time and fetches `gc` from a
 * fresh context. Used between samples (outside timed regions) so each repetition starts without the
 * previous one's garbage — including dropped wasm instances, whose memory reservations are large.
 */
export function fullGc(): boolean {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === "function") gcFn = g;
    else {
      try {
        v8.setFlagsFromString("--expose-gc");
        gcFn = vm.runInNewContext("gc") as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  if (!gcFn) return false;
  gcFn();
  return true;
}

export const now = (): bigint => process.hrtime.bigint();

/** A pause distribution as HdrHistogram prints it: percentiles up to the largest the count resolves, and the max. */
export interface PauseSummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** [percentile, ms] at 100 (1 - 10^(-k/10)), k = 0, 1, ... while (1 - p) × count ≥ 1 (log-spaced towards the tail). */
  curve: [number, number][];
}

/** Four significant digits: the histogram's own precision is three. */
const sig = (x: number): number => Number(x.toPrecision(4));

/** Percentiles of pauses (ms) through node's HdrHistogram (perf_hooks.createHistogram, ns resolution, 3 figures). */
export function pausePercentiles(pausesMs: number[]): PauseSummary | undefined {
  if (!pausesMs.length) return undefined;
  const h = createHistogram({ lowest: 1, highest: 1e11, figures: 3 });
  for (const ms of pausesMs) h.record(Math.max(1, Math.round(ms * 1e6)));
  const at = (p: number) => sig((p <= 0 ? h.min : h.percentile(p)) / 1e6);
  const curve: [number, number][] = [];
  for (let k = 0; k <= 50; k++) {
    const tail = 10 ** (-k / 10);
    if (tail * h.count < 1 - 1e-9) break; // 10 ** -4 is 0.00009999999999999999
    const p = Number((100 * (1 - tail)).toPrecision(6));
    curve.push([p, at(p)]);
  }
  return { count: h.count, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: sig(h.max / 1e6), curve };
}

/** Splits {generation, ms} pauses into all-pauses and per-generation lists; keeps their anatomy (refheap's pauses). */
export function splitPauses(pauses: (PauseRecord | { generation: number; ms: number; visited?: number; grownBytes?: number; hostMs?: number })[]): Pick<Sample, "pausesMs" | "pausesByGen" | "pauseRecords"> {
  const pausesByGen: number[][] = [[], [], []];
  for (const p of pauses) pausesByGen[p.generation].push(p.ms);
  const records = pauses.every((p) => typeof p.visited === "number")
    ? pauses.map((p): PauseRecord => ({ t0: 0, visited: 0, grownBytes: 0, ...p }))
    : undefined;
  return { pausesMs: pauses.map((p) => p.ms), pausesByGen, ...(records ? { pauseRecords: records } : {}) };
}
