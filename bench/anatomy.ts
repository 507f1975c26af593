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
// own work when its objects visited explain it at the usual cost per object of its generation's
// pauses and none of its steps took far longer than that step usually does.

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

/** A step of a long pause that took far longer per object than that step usually does. */
export interface SlowStep { name: string; times: number }

export interface Outlier {
  ms: number; cause: Cause; visited: number; generation?: number; runQueueWaitMs?: number; v8GcMs?: number; hostMs?: number; grownBytes: number;
  phases?: Record<string, number>;
  /** The step furthest above its usual cost per object visited, when one is over SLOW_STEP times it. */
  slowStep?: SlowStep;
}

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

/** Work explains a pause when it visited its objects at up to this many times the usual cost per object. */
const WORK_FACTOR = 3;
/** A step counts as slow at this many times its usual cost per object, and only when it took SLOW_STEP_MS or more. */
const SLOW_STEP = 3, SLOW_STEP_MS = OUTLIER_MS / 4;
/** A generation with fewer pauses than this is judged on every generation's pauses (one pause cannot be its own norm). */
const MIN_PAUSES_FOR_NORM = 3;

/** What a pause of one generation usually costs per object visited: in all, and per step (anatomy mode). */
interface Usual { nsPerVisited: number | null; stepNsPerVisited: Map<string, number> }

function usualOf(records: PauseRecord[]): Usual {
  const visiting = records.filter((r) => r.visited > 0);
  const steps = new Map<string, number[]>();
  for (const r of visiting) for (const [name, ms] of Object.entries(r.phases ?? {})) {
    let xs = steps.get(name);
    if (!xs) steps.set(name, (xs = []));
    xs.push((ms * 1e6) / r.visited);
  }
  return {
    nsPerVisited: visiting.length ? medianOf(visiting.map((r) => (r.ms * 1e6) / r.visited)) : null,
    stepNsPerVisited: new Map([...steps].map(([name, xs]) => [name, medianOf(xs)])),
  };
}

/**
 * Each generation's usual costs. A full collection walks the whole heap, out of the caches that a
 * young one stays in: judged against young pauses, every full collection looked unexplained (W5,
 * W6: 33 of 398 long pauses in the run of 2026-12-03 04:15, most of their time clearing garbage).
 */
function usualByGeneration(records: PauseRecord[]): { all: Usual; of: (g: number) => Usual } {
  const all = usualOf(records);
  const byGen = new Map<number, Usual>();
  for (const g of new Set(records.map((r) => r.generation))) {
    const own = records.filter((r) => r.generation === g && r.visited > 0);
    byGen.set(g, own.length >= MIN_PAUSES_FOR_NORM ? usualOf(own) : all);
  }
  return { all, of: (g) => byGen.get(g) ?? all };
}

/** The step of `r` furthest above its usual cost per object, if it is SLOW_STEP times that or more. */
function slowStepOf(r: PauseRecord, usual: Usual): SlowStep | undefined {
  let worst: SlowStep | undefined;
  if (!r.visited) return undefined;
  for (const [name, ms] of Object.entries(r.phases ?? {})) {
    const norm = usual.stepNsPerVisited.get(name);
    if (!norm || ms < SLOW_STEP_MS) continue;
    const times = (ms * 1e6) / r.visited / norm;
    if (times >= SLOW_STEP && (!worst || times > worst.times)) worst = { name, times };
  }
  return worst;
}

/** Why a long pause was long: the largest share of its time among the causes measured. */
function causeOf(r: PauseRecord, usual: Usual, slow: SlowStep | undefined): Cause {
  const shares: [Cause, number][] = [
    ["run-queue wait", r.runQueueWaitMs ?? 0], ["V8 GC", r.v8GcMs ?? 0], ["host callbacks", r.hostMs ?? 0],
  ];
  const [cause, ms] = shares.reduce((m, x) => (x[1] > m[1] ? x : m));
  if (ms >= r.ms / 2) return cause;
  // the work itself: its objects visited at the generation's usual cost per object, within
  // WORK_FACTOR, and no step far slower than it usually is
  if (usual.nsPerVisited && r.visited && (r.ms * 1e6) / r.visited <= WORK_FACTOR * usual.nsPerVisited && !slow) return "collector work";
  if (r.grownBytes > 0) return "memory.grow";
  return "unexplained";
}

export function summariseAnatomy(records: PauseRecord[]): AnatomySummary {
  const usual = usualByGeneration(records);
  const outliers: Partial<Record<Cause, number>> = {};
  const long = records.filter((r) => r.ms >= OUTLIER_MS).sort((a, b) => b.ms - a.ms);
  const worst: Outlier[] = [];
  for (const r of long) {
    const u = usual.of(r.generation);
    const slow = slowStepOf(r, u);
    const cause = causeOf(r, u, slow);
    outliers[cause] = (outliers[cause] ?? 0) + 1;
    if (worst.length < 5) {
      worst.push({
        ms: r.ms, cause, visited: r.visited, generation: r.generation, grownBytes: r.grownBytes,
        ...(r.runQueueWaitMs !== undefined ? { runQueueWaitMs: r.runQueueWaitMs } : {}), ...(r.v8GcMs !== undefined ? { v8GcMs: r.v8GcMs } : {}),
        ...(r.hostMs ? { hostMs: r.hostMs } : {}), ...(r.phases ? { phases: r.phases } : {}), ...(slow && cause === "unexplained" ? { slowStep: slow } : {}),
      });
    }
  }
  return {
    pauses: records.length,
    maxMs: records.reduce((m, r) => Math.max(m, r.ms), 0),
    maxOwnMs: records.reduce((m, r) => Math.max(m, r.ms - (r.runQueueWaitMs ?? 0) - (r.v8GcMs ?? 0)), 0),
    nsPerVisited: usual.all.nsPerVisited, outliers, worst,
  };
}
