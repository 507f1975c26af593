// Shared types and helpers for the benchmark workloads (bench/w*.ts) and the runner (bench/run.ts).
// A workload is a file exporting a `Workload`: a list of rows (one per strategy or peer), each a
// function that runs one fresh repetition and returns a Sample. The runner does the rest:
// warm-up, interleaved repetitions, medians, ratio columns, checksum checks, table and JSON.

import v8 from "node:v8";
import vm from "node:vm";
import { createHistogram } from "node:perf_hooks";

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
  /** Iterations this row runs when it differs from --iterations (slow rows); per-unit numbers stay comparable. */
  iterations: number;
  /** How bytesPerUnit was obtained: exact accounting, a heap-usage delta, or only an upper bound. */
  bytesKind?: "heap stats" | "heapUsed delta" | "upper bound";
  run(): Promise<Sample>;
}

export interface Workload {
  id: string;
  /** The design's one-line definition. */
  title: string;
  unit: string;
  rows(opts: BenchOptions): Row[];
  /** Reference text printed under the table (methods, unmeasured comparisons). */
  notes(opts: BenchOptions): string[];
  /** How a median is shown (default: "<ns> <unit>"). */
  formatMedian?(nsPerUnit: number): string;
  /** How the min and max of the range are shown (default: ns). */
  formatRange?(nsPerUnit: number): string;
}

/** i32 addition, as the wasm peers and V8's `| 0` checksum do it. */
export const addI32 = (a: number, b: number): number => (a + b) | 0;

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

/** p50 / p99 / max of pauses (ms) through node's histogram (perf_hooks.createHistogram, ns resolution). */
export function pausePercentiles(pausesMs: number[]): { p50: number; p99: number; max: number; count: number } | undefined {
  if (!pausesMs.length) return undefined;
  const h = createHistogram({ lowest: 1, highest: 1e11, figures: 3 });
  for (const ms of pausesMs) h.record(Math.max(1, Math.round(ms * 1e6)));
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, count: h.count };
}

/** Splits {generation, ms} pauses into all-pauses and per-generation lists. */
export function splitPauses(pauses: { generation: number; ms: number }[]): { pausesMs: number[]; pausesByGen: number[][] } {
  const pausesByGen: number[][] = [[], [], []];
  for (const p of pauses) pausesByGen[p.generation].push(p.ms);
  return { pausesMs: pauses.map((p) => p.ms), pausesByGen };
}
