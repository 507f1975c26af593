// Trace replay (TR): allocation traces recorded from the workloads' shapes, replayed against every
// allocator strategy. Throughput is the allocator's alone (batches of events, no host call per
// event); memory over time and fragmentation come from the replay's samples (src/trace.ts).
// Traces are recorded once per process, outside any timing, on a heap of the default strategies, and
// saved to bench/results/traces/*.rhtrace (the compact format, replayable with `npm run replay`).

import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ALLOCATORS, Heap, TraceRecorder, replayTrace, type AllocationTrace, type ReplayResult } from "../src/index.js";
import type { BenchOptions, Row, Sample, Workload } from "./common.js";
import { rng } from "../tests/helpers.js";
import { scale } from "./shapes.js";
import { shown } from "./keep.js";
import { heaptrackNotes, heaptrackRows } from "./heaptrack.js";

let tracesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "traces");
/** Where recorded traces are saved (the runner's --out DIR/traces). */
export function saveTracesIn(dir: string): void { tracesDir = dir; }

interface TraceSpec { id: string; title: string; record(heap: Heap, o: BenchOptions): void }

const node = (heap: Heap) => heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true });

const TRACES: TraceSpec[] = [
  {
    id: "trees",
    title: "W1's shape: a long-lived tree of depth 14, then trees of depth 12 built and dropped",
    record(heap, o) {
      const raw = heap.raw, N = node(heap).id;
      const build = (d: number): number => {
        const p = raw.alloc(N);
        if (d > 1) { raw.setRefMove(p, 0, build(d - 1)); raw.setRefMove(p, 1, build(d - 1)); }
        return p;
      };
      const long = build(14);
      for (let i = 0; i < scale(o, 100); i++) raw.decref(build(12));
      raw.decref(long);
    },
  },
  {
    id: "rings",
    title: "W2's shape: rings of 4 nodes dropped at once, freed by the collector",
    record(heap, o) {
      const raw = heap.raw, N = node(heap).id;
      for (let r = 0; r < scale(o, 100_000); r++) {
        const first = raw.alloc(N);
        let prev = first;
        for (let k = 1; k < 4; k++) { const n = raw.alloc(N); raw.setRefMove(prev, 0, n); raw.setRef(n, 1, prev); prev = n; }
        raw.setRef(prev, 0, first);
        raw.decref(first);
      }
      heap.gc.collect();
    },
  },
  {
    id: "tasks",
    title: "W5's shape: tasks with 20 subtasks in a list, strong back-pointers, the 1,000 newest kept",
    record(heap, o) {
      const raw = heap.raw;
      const Task = heap.defineType({ name: "Task", refs: ["subtasks"], scalars: { v: "i32" } });
      const Sub = heap.defineType({ name: "Subtask", refs: ["task"] });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const ring = raw.allocList(List.id, 1000);
      for (let t = 0; t < scale(o, 20_000); t++) {
        const task = raw.alloc(Task.id), subs = raw.allocList(List.id, 0);
        for (let s = 0; s < 20; s++) { const st = raw.alloc(Sub.id); raw.setRef(st, 0, task); raw.listAppend(subs, st); raw.decref(st); }
        raw.setRefMove(task, 0, subs);
        raw.listSet(ring, t % 1000, task);
        raw.decref(task);
      }
      raw.decref(ring);
      heap.gc.collect();
    },
  },
  {
    id: "strings",
    title: "a document store: byte strings of 16 B..16 KiB and growing lists, random lifetimes (the fragmentation stress)",
    record(heap, o) {
      const raw = heap.raw;
      const Str = heap.defineType({ name: "Str", kind: "bytes" });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const random = rng(42);
      const live: number[] = [];
      for (let i = 0; i < scale(o, 100_000); i++) {
        const x = random();
        if (x < 0.45 || live.length < 100) {
          // sizes spread log-uniformly: many small strings, a few large ones
          live.push(raw.allocBytes(Str.id, Math.floor(16 * 1024 ** random())));
        } else if (x < 0.55) {
          const l = raw.allocList(List.id, 0);
          for (let k = 0, n = Math.floor(random() * 64); k < n; k++) raw.listAppend(l, 0);
          live.push(l);
        } else {
          const j = Math.floor(random() * live.length);
          raw.decref(live[j]);
          live[j] = live[live.length - 1];
          live.pop();
        }
      }
      for (const p of live) raw.decref(p);
    },
  },
];

const recorded = new Map<string, AllocationTrace>();

async function traceFor(spec: TraceSpec, o: BenchOptions): Promise<AllocationTrace> {
  const key = `${spec.id}@${o.iterations}`;
  let t = recorded.get(key);
  if (!t) {
    const heap = await Heap.create(); // the default strategies: recording does not depend on them
    const rec = new TraceRecorder(heap, `${spec.id}: ${spec.title} (iterations ${o.iterations})`);
    spec.record(heap, o);
    t = rec.stop();
    heap.verify();
    heap.destroy();
    mkdirSync(tracesDir, { recursive: true });
    await t.save(path.join(tracesDir, `${spec.id}.rhtrace`));
    recorded.set(key, t);
  }
  return t;
}

/** Keeps a series short enough for the JSON and the report's charts. */
function thin<T>(xs: T[], most: number): T[] {
  if (xs.length <= most) return xs;
  const step = xs.length / most;
  return Array.from({ length: most }, (_, i) => xs[Math.floor(i * step)]!).concat(xs[xs.length - 1]!);
}

/** A replay's memory over time, as columns (op, heap and live bytes, external fragmentation to 4 digits). */
export interface ReplaySeries { op: number[]; heapBytes: number[]; liveBytes: number[]; externalFragmentation: number[] }

/** A replay as a bench Sample; its checksum is the live bytes at the end (`expectedLive`: 0 when the trace frees everything). */
export function replaySample(r: ReplayResult, trace: AllocationTrace, expectedLive = 0): Sample {
  const points = thin(r.series, 100);
  const series: ReplaySeries = {
    op: points.map((p) => p.op), heapBytes: points.map((p) => p.heapBytes), liveBytes: points.map((p) => p.liveBytes),
    externalFragmentation: points.map((p) => Number(p.externalFragmentation.toFixed(4))),
  };
  return {
    nsPerUnit: (r.ms * 1e6) / r.events, durationMs: r.ms, units: r.events,
    checksum: r.final.liveBytes, expectedChecksum: expectedLive,
    peakBytes: r.peakCommittedBytes,
    extra: {
      trace: trace.note, events: r.events, peakHeapBytes: r.peakHeapBytes, peakLiveBytes: r.peakLiveBytes,
      fragmentationAtPeak: r.fragmentationAtPeak,
      maxExternalFragmentation: Math.max(...r.series.map((s) => s.externalFragmentation)),
      endExternalFragmentation: r.final.externalFragmentation,
      series,
    },
  };
}

export const traceReplay: Workload = {
  id: "TR",
  title: (o) => `TR trace replay: allocation traces of the workloads' shapes and heaptrack recordings of real programs (${o.iterations === 250 ? "full size" : `scale ${Number((o.iterations / 250).toFixed(3))}`}) replayed against every allocator. ns per event (allocation or free).`,
  unit: "ns/event",
  rows: (o) => [...TRACES.flatMap((spec) => ALLOCATORS.map((allocator): Row => ({
    name: `refheap replay ${spec.id} (${allocator})`,
    allocator, driver: "replay", variant: spec.id,
    iterations: o.iterations,
    run: async () => {
      const trace = await traceFor(spec, o);
      return replaySample(await replayTrace(trace, { allocator, samples: 200 }), trace);
    },
  }))), ...heaptrackRows(o, o.iterations / 250, replaySample)],
  notes: (o) => [
    `TR traces (saved to ${shown(tracesDir)}/, replayable with npm run replay): ${TRACES.map((t) => `${t.id} = ${t.title}`).join("; ")}. Sizes scale with --scale (iterations ${o.iterations}).`,
    ...heaptrackNotes(o.iterations / 250),
    "Fragmentation: frag@peak = 1 − peak live bytes / peak heap bytes; external = 1 − largest free block / free bytes, its maximum over the run.",
  ],
};
