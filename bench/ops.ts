// Per-operation microbenchmarks: `npm run bench:ops [-- options]`, with benchmark.js (its
// calibrated cycles and statistics: mean, relative margin of error at 95 %, samples).
//   alloc+free of byte strings per payload size (the pools allocator's size classes, and a large
//   block) and of a small container, for every allocator of the registry that reuses freed memory;
//   incref+decref; weakref create+drop and deref (raw and through the API); handle operations.
//   --max-time S      seconds benchmark.js spends per operation (default 0.5; its own default is 5)
//   --allocators a,b  these allocators only
//   --only TEXT[,..]  operations whose name contains one of these
//   --out DIR         where runs are kept (default bench/results/ops): DIR/runs/<time>/ops.json and DIR/latest
// Every operation runs on a release heap; heaps are verified and destroyed after their operations.

import Benchmark from "benchmark";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ALLOCATORS, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, type AllocatorName } from "../src/heap.js";
import { Heap, type Handle } from "../src/index.js";
import { textTable, type Table } from "./present.js";
import { keepRun, runStamp, shown } from "./keep.js";

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/** Payload sizes: byte strings whose blocks fall in small, middle and the largest size classes of pools, and one past them. */
const BYTE_SIZES = [8, 48, 112, 240, 480, 4000];

export interface OpResult {
  op: string;
  allocator: string;
  meanNs: number;
  rmePercent: number;
  samples: number;
  opsPerSecond: number;
}

interface Op { name: string; allocator: string; fn: () => void }

/** A heap of one allocator with the types the operations use. */
async function opHeap(allocator: AllocatorName) {
  const heap = await Heap.create({ allocator, collector: DEFAULT_COLLECTOR });
  const Str = heap.defineType({ name: "Str", kind: "bytes" });
  const Node = heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true });
  return { heap, Str, Node };
}

/**
 * Whether the allocator reuses freed blocks: 20,000 alloc/free pairs of the largest payload must not
 * grow the heap. One that never reuses (a bump allocator, the floor) would exhaust memory in the
 * millions of calls benchmark.js makes, and its cost is in the workloads instead.
 */
async function reusesMemory(allocator: AllocatorName): Promise<boolean> {
  const { heap, Str } = await opHeap(allocator);
  const raw = heap.raw;
  const p0 = raw.allocBytes(Str.id, BYTE_SIZES.at(-1)!);
  raw.decref(p0);
  const before = heap.stats().committedBytes;
  for (let i = 0; i < 20_000; i++) raw.decref(raw.allocBytes(Str.id, BYTE_SIZES.at(-1)!));
  const grew = heap.stats().committedBytes - before;
  heap.destroy();
  return grew < 1 << 20;
}

/**
 * The size class each payload lands in, where the default allocator has size classes (stats'
 * sizeClasses): "bytes[8] (32 B class)"; a payload past the largest class says "large".
 */
async function classLabels(): Promise<Map<number, string>> {
  const { heap, Str } = await opHeap(DEFAULT_ALLOCATOR);
  const labels = new Map<number, string>();
  const inUse = () => new Map(heap.stats().sizeClasses.map((c) => [c.size, c.blocksInUse]));
  heap.raw.allocBytes(Str.id, 0); // kept: a heap with size classes then always lists one
  for (const n of BYTE_SIZES) {
    const before = inUse();
    const p = heap.raw.allocBytes(Str.id, n);
    const after = inUse();
    heap.raw.decref(p);
    if (!after.size) continue; // no size classes (or the allocator keeps none in use)
    const grown = [...after].find(([size, used]) => used > (before.get(size) ?? 0));
    labels.set(n, grown ? `${grown[0]} B class` : "large");
  }
  heap.destroy();
  return labels;
}

async function allocatorOps(allocator: AllocatorName, heaps: Heap[], labels: Map<number, string>): Promise<Op[]> {
  const { heap, Str, Node } = await opHeap(allocator);
  heaps.push(heap);
  const { allocBytes, alloc, decref } = heap.raw;
  const ops: Op[] = BYTE_SIZES.map((n) => ({
    name: `alloc+free bytes[${n}]${labels.has(n) ? ` (${DEFAULT_ALLOCATOR}: ${labels.get(n)})` : ""}`, allocator,
    fn: () => { const p = allocBytes(Str.id, n); if (p === 0) throw new Error("out of memory"); decref(p); },
  }));
  ops.push({ name: "alloc+free Node {a, b, v}", allocator, fn: () => { const p = alloc(Node.id); if (p === 0) throw new Error("out of memory"); decref(p); } });
  return ops;
}

async function objectOps(heaps: Heap[]): Promise<Op[]> {
  const a = DEFAULT_ALLOCATOR;
  const { heap, Node } = await opHeap(a);
  heaps.push(heap);
  const raw = heap.raw;
  const { incref, decref, alloc } = raw;
  const { weakrefNew, weakrefGet } = raw.exports;
  const target = alloc(Node.id);
  const wr = weakrefNew(target, 0, 0);
  const h = heap.alloc(Node);
  const child = heap.alloc(Node);
  h.set("a", child);
  const apiRef = heap.weakref(h);
  let sink = 0;
  const ops: Op[] = [
    { name: "incref+decref", allocator: a, fn: () => { incref(target); decref(target); } },
    { name: "weakref create+drop (raw)", allocator: a, fn: () => { decref(weakrefNew(target, 0, 0)); } },
    { name: "weakref deref (raw)", allocator: a, fn: () => { sink ^= weakrefGet(wr); } },
    { name: "heap.weakref(h) + dispose", allocator: a, fn: () => { heap.weakref(h).dispose(); } },
    { name: "weakref.deref() + dispose", allocator: a, fn: () => { apiRef.deref()!.dispose(); } },
    { name: "heap.alloc(type) + dispose", allocator: a, fn: () => { heap.alloc(Node).dispose(); } },
    { name: "handle.get(field) + dispose", allocator: a, fn: () => { (h.get("a") as Handle).dispose(); } },
    { name: "handle.set(field, h)", allocator: a, fn: () => { h.set("a", child); } },
    { name: "handle.getScalar(field)", allocator: a, fn: () => { sink ^= h.getScalar("v"); } },
    { name: "handle.setScalar(field, v)", allocator: a, fn: () => { h.setScalar("v", sink & 0xff); } },
    { name: "handle.dup() + dispose", allocator: a, fn: () => { h.dup().dispose(); } },
  ];
  void sink;
  return ops;
}

/** Runs one operation through benchmark.js and returns its statistics. */
function measure(op: Op, maxTime: number): Promise<OpResult> {
  return new Promise((resolve, reject) => {
    const b = new Benchmark(op.name, op.fn, {
      maxTime, minSamples: 10, initCount: 1000,
      onComplete() {
        if (b.error) reject(b.error);
        else resolve({ op: op.name, allocator: op.allocator, meanNs: b.stats.mean * 1e9, rmePercent: b.stats.rme, samples: b.stats.sample.length, opsPerSecond: b.hz });
      },
      onError(e: { target: { error: unknown } }) { reject(e.target.error); },
    });
    b.run({ async: false });
  });
}

export function opsTable(results: OpResult[], allocators: string[], skipped: Record<string, string>): Table {
  const names = [...new Set(results.map((r) => r.op))];
  const header = ["operation", ...allocators];
  const rows = names.map((n) => [n, ...allocators.map((a) => {
    const r = results.find((x) => x.op === n && x.allocator === a);
    if (r) return `${r.meanNs >= 100 ? r.meanNs.toFixed(0) : r.meanNs.toFixed(1)} ns ±${r.rmePercent.toFixed(1)}% (${r.samples})`;
    return n.startsWith("alloc+free") && skipped[a] ? "not run" : "";
  })]);
  return { header, right: header.map((_, i) => i > 0), rows };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "max-time": { type: "string" }, allocators: { type: "string" }, only: { type: "string" }, out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true, allowPositionals: false,
  });
  if (values.help) { process.stdout.write("usage: npm run bench:ops -- [--max-time S] [--allocators a,b] [--only text[,text]] [--out DIR]\n"); return 0; }
  const maxTime = values["max-time"] === undefined ? 0.5 : Number(values["max-time"]);
  if (!(maxTime > 0 && maxTime <= 60)) { process.stderr.write(`--max-time must be a number of seconds in (0, 60], got ${values["max-time"]}\n`); return 2; }
  const wanted = values.allocators?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  for (const a of wanted) if (!ALLOCATORS.includes(a as AllocatorName)) { process.stderr.write(`unknown allocator '${a}' (${ALLOCATORS.join(", ")})\n`); return 2; }
  const allocators = ALLOCATORS.filter((a) => !wanted.length || wanted.includes(a));
  const only = values.only?.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean) ?? [];

  const heaps: Heap[] = [];
  const skipped: Record<string, string> = {};
  const ops: Op[] = [];
  const labels = await classLabels();
  for (const a of allocators) {
    if (await reusesMemory(a)) ops.push(...(await allocatorOps(a, heaps, labels)));
    else skipped[a] = "does not reuse freed blocks: alloc/free would exhaust memory here (its cost shows in the workloads)";
  }
  ops.push(...(await objectOps(heaps)));
  const selected = ops.filter((o) => !only.length || only.some((t) => `${o.name} ${o.allocator}`.toLowerCase().includes(t)));
  if (!selected.length) { process.stderr.write("the options select no operation\n"); return 2; }

  const started = new Date();
  const t0 = performance.now();
  const results: OpResult[] = [];
  for (const [i, op] of selected.entries()) {
    const r = await measure(op, maxTime);
    results.push(r);
    process.stderr.write(`[${i + 1}/${selected.length}] ${op.allocator} ${op.name}: ${r.meanNs.toFixed(1)} ns ±${r.rmePercent.toFixed(1)}% (${r.samples} samples)\n`);
  }
  for (const h of heaps) { h.verify(); h.destroy(); }
  const elapsedSeconds = (performance.now() - t0) / 1000;

  const shownAllocators = allocators.filter((a) => results.some((r) => r.allocator === a) || skipped[a]);
  const table = textTable(opsTable(results, shownAllocators, skipped));
  const out: string[] = [
    `refheap per-operation benchmarks (benchmark.js ${Benchmark.version}) — node ${process.version}, ${os.cpus()[0]?.model ?? "?"} ×${os.cpus().length}, ${started.toISOString()}, ${elapsedSeconds.toFixed(1)} s`,
    `mean time per operation ±relative margin of error (95 %), (samples); max ${maxTime} s per operation; release build, collector ${DEFAULT_COLLECTOR}; the non-allocator rows on ${DEFAULT_ALLOCATOR}`,
    "",
    table,
    ...Object.entries(skipped).map(([a, why]) => `${a}: ${why}.`),
  ];
  process.stdout.write(out.join("\n") + "\n");

  const json = {
    version: 1, date: started.toISOString(), elapsedSeconds, maxTime, benchmarkJs: Benchmark.version,
    env: { node: process.version, v8: process.versions.v8, cpu: os.cpus()[0]?.model ?? "unknown", cpuCount: os.cpus().length, loadAverage: os.loadavg() },
    allocators: shownAllocators, skipped, results,
  };
  const kept = keepRun(path.resolve(values.out ?? path.join(benchDir, "results", "ops")), runStamp(started), {
    "ops.json": JSON.stringify(json, null, 1) + "\n", "ops.txt": out.join("\n") + "\n",
  });
  process.stdout.write(`\nsaved ${shown(kept.dir)}/ops.json; ${shown(kept.latest)} points to it\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
