// Where a pause's time went. Every refheap row records, per pause, the objects the core visited
// (a work count) and the memory committed meanwhile; after the timed repetitions the runner runs
// each pause-observing row once more in anatomy mode (`anatomy.on`), which adds what costs too
// much to measure in timed repetitions (10 to 20 µs per reading on a loaded machine):
//   run-queue wait   /proc/thread-self/schedstat (Linux): time this thread was runnable but not
//                    running during the pause, i.e. the machine gave the core to another process
//   V8 GC            PerformanceObserver 'gc' entries overlapping the pause (the JS heap's own
//                    collector, in the same thread)
//   steps            the collector's step boundaries (gcObservePhases), milliseconds per step
// A pause longer than OUTLIER_MS is then put down to the largest of these, or to the collector's
// own work when its objects visited explain it at the row's usual cost per object.

import { closeSync, openSync, readSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";

/** Set by the runner around the anatomy repetition. */
export const anatomy = { on: false };

/** Pauses at least this long are explained one by one. */
export const OUTLIER_MS = 1;

export interface PauseRecord {
  generation: number;
  /** performance.now() at the pause's start. */
  t0: number;
  ms: number;
  visited: number;
  grownBytes: number;
  hostMs?: number;
  /** Anatomy mode only. */
  runQueueWaitMs?: number;
  v8GcMs?: number;
  phases?: Record<string, number>;
}

let schedFd: number | null | undefined;
const schedBuf = Buffer.alloc(128);
/** This thread's run-queue wait so far (ns), or null where /proc/thread-self/schedstat is missing. */
export function runQueueWaitNs(): number | null {
  if (schedFd === undefined) {
    try { schedFd = openSync("/proc/thread-self/schedstat", "r"); } catch { schedFd = null; }
  }
  if (schedFd === null) return null;
  const n = readSync(schedFd, schedBuf, 0, schedBuf.length, 0);
  // "<on-cpu ns> <run-queue wait ns> <timeslices>"
  const s = schedBuf.toString("latin1", 0, n);
  const a = s.indexOf(" ");
  return Number(s.slice(a + 1, s.indexOf(" ", a + 1)));
}
export function closeSchedstat(): void { if (schedFd) closeSync(schedFd); schedFd = undefined; }

/** V8's own collections while `fn` runs (entries arrive asynchronously: awaited after it). */
export async function withV8Gcs<T>(fn: () => Promise<T>): Promise<{ result: T; gcs: { start: number; ms: number }[] }> {
  const gcs: { start: number; ms: number }[] = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration }); });
  obs.observe({ entryTypes: ["gc"] });
  try {
    const result = await fn();
    await new Promise((r) => setTimeout(r, 20));
    return { result, gcs };
  } finally {
    obs.disconnect();
  }
}

/** Attributes to each pause the V8 collections overlapping it. */
export function addV8Gcs(records: PauseRecord[], gcs: { start: number; ms: number }[]): void {
  for (const r of records) {
    let ms = 0;
    for (const g of gcs) ms += Math.max(0, Math.min(r.t0 + r.ms, g.start + g.ms) - Math.max(r.t0, g.start));
    r.v8GcMs = ms;
  }
}

export type Cause = "run-queue wait" | "V8 GC" | "host callbacks" | "memory.grow" | "collector work" | "unexplained";

export interface Outlier { ms: number; cause: Cause; visited: number; runQueueWaitMs?: number; v8GcMs?: number; hostMs?: number; grownBytes: number; phases?: Record<string, number> }

export interface AnatomySummary {
  pauses: number;
  maxMs: number;
  /** The longest pause once run-queue wait and V8 GC time inside it are taken out. */
  maxOwnMs: number;
  /** Median nanoseconds per object visited over the pauses that visited any. */
  nsPerVisited: number | null;
  /** Pauses of at least OUTLIER_MS by cause, and the five longest with their anatomy. */
  outliers: Partial<Record<Cause, number>>;
  worst: Outlier[];
}

const medianOf = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1]! : 0; };

/** Why a long pause was long: the largest share of its time among the causes measured. */
function causeOf(r: PauseRecord, nsPerVisited: number | null): Cause {
  const shares: [Cause, number][] = [
    ["run-queue wait", r.runQueueWaitMs ?? 0], ["V8 GC", r.v8GcMs ?? 0], ["host callbacks", r.hostMs ?? 0],
  ];
  const [cause, ms] = shares.reduce((m, x) => (x[1] > m[1] ? x : m));
  if (ms >= r.ms / 2) return cause;
  // the work itself: its objects visited at three times the usual cost per object at most
  if (nsPerVisited && r.visited && (r.ms * 1e6) / r.visited <= 3 * nsPerVisited) return "collector work";
  if (r.grownBytes > 0) return "memory.grow";
  return "unexplained";
}

export function summariseAnatomy(records: PauseRecord[]): AnatomySummary {
  const rates = records.filter((r) => r.visited > 0).map((r) => (r.ms * 1e6) / r.visited);
  const nsPerVisited = rates.length ? medianOf(rates) : null;
  const outliers: Partial<Record<Cause, number>> = {};
  const long = records.filter((r) => r.ms >= OUTLIER_MS).sort((a, b) => b.ms - a.ms);
  const worst: Outlier[] = [];
  for (const r of long) {
    const cause = causeOf(r, nsPerVisited);
    outliers[cause] = (outliers[cause] ?? 0) + 1;
    if (worst.length < 5) {
      worst.push({
        ms: r.ms, cause, visited: r.visited, grownBytes: r.grownBytes,
        ...(r.runQueueWaitMs !== undefined ? { runQueueWaitMs: r.runQueueWaitMs } : {}), ...(r.v8GcMs !== undefined ? { v8GcMs: r.v8GcMs } : {}),
        ...(r.hostMs ? { hostMs: r.hostMs } : {}), ...(r.phases ? { phases: r.phases } : {}),
      });
    }
  }
  return {
    pauses: records.length,
    maxMs: records.reduce((m, r) => Math.max(m, r.ms), 0),
    maxOwnMs: records.reduce((m, r) => Math.max(m, r.ms - (r.runQueueWaitMs ?? 0) - (r.v8GcMs ?? 0)), 0),
    nsPerVisited, outliers, worst,
  };
}
