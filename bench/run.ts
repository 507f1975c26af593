// The benchmark runner: `npm run bench [-- options]`.
//   --workloads W1,W3 run these workloads only (W3 = W3a, W3b, W3c; TR = trace replay)
//   --allocators a,b  refheap rows of these allocators only (default: every allocator of the registry)
//   --collectors a,b  refheap rows of these collectors only (default: every collector of the registry)
//   --peers P         none | default (V8, AssemblyScript's runtime) | all (+ pyodide, QuickJS) | a list
//   --scale F         workload size relative to the design's (default 1; W1 trees = 250 F)
//   --reps N          timed repetitions per row (default 5), after one discarded warm-up
//   --iterations N    trees per repetition for W1 (default 250 × scale); the others scale with it
//   --depth N         W1 short-lived tree depth (default 14)
//   --long-depth N    W1 long-lived tree depth (default 16)
//   --only a[,b]      run only rows whose "workload row" name contains one of these (case-insensitive)
//   --json PATH       where to save samples and medians (default bench/results/latest.json)
//   --report PATH     the HTML report with charts (default bench/results/report.html)
//   --quick           reps 3, iterations 50 (explicit --reps / --iterations win)
// Rows are interleaved (repetition 1 of every row, then repetition 2, ...) so machine noise spreads
// over all of them; every repetition runs in a fresh wasm instance / heap.

import { mkdirSync, writeFileSync } from "node:fs";
import cliProgress from "cli-progress";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ALLOCATORS, COLLECTORS } from "../src/strategies.js";
import { parseArgs } from "node:util";
import { fullGc, pausePercentiles, type Baseline, type BenchOptions, type Row, type Sample, type Workload } from "./common.js";
import { w1 } from "./w1.js";
import { w4 } from "./w4.js";
import { w2, w3a, w3b, w3c, w5 } from "./gc.js";
import { traceReplay } from "./traces.js";
import { writeReport, type RunJson } from "./report.js";

/** Peers, by id; rows of a peer carry its name first. */
const PEERS = ["v8", "as-rt", "pyodide", "quickjs"] as const;

/** What a row measures: a peer, or refheap with an allocator and collector (named in its "(allocator/collector" part). */
export function rowMeta(row: Row): { peer?: string; allocator?: string; collector?: string; driver?: string } {
  if (row.peer) return { peer: row.peer };
  if (row.baseline) return { peer: row.baseline };
  if (/^V8\b/.test(row.name)) return { peer: "v8" };
  if (/^AS runtime/.test(row.name)) return { peer: "as-rt" };
  const m = /\(([\w-]+)\/([\w-]+)/.exec(row.name);
  const known = m && (ALLOCATORS as readonly string[]).includes(m[1]!) && (COLLECTORS as readonly string[]).includes(m[2]!);
  return { allocator: known ? m[1] : undefined, collector: known ? m[2] : undefined, driver: row.name.includes("in-wasm") ? "in-wasm" : "host" };
}

/** The workload registry: one file per workload. */
const WORKLOADS: Workload[] = [w1, w2, w3a, w3b, w3c, w4, w5, traceReplay];

const GOALS = "Goals: in-wasm ≤ 30 ns/node; host-driven ≤ 2× V8; ≤ 32 bytes/node";
const benchDir = path.dirname(fileURLToPath(import.meta.url));

// ── options ──

function parseOptions() {
  const { values } = parseArgs({
    options: {
      reps: { type: "string" },
      iterations: { type: "string" },
      depth: { type: "string" },
      "long-depth": { type: "string" },
      only: { type: "string" },
      workloads: { type: "string" },
      allocators: { type: "string" },
      collectors: { type: "string" },
      peers: { type: "string" },
      scale: { type: "string" },
      json: { type: "string" },
      report: { type: "string" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    const head = readUsage();
    process.stdout.write(head + "\n");
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, dflt: number, min: number, max: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got ${v}`);
    return n;
  };
  const quick = values.quick!;
  const scale = values.scale === undefined ? (quick ? 0.2 : 1) : Number(values.scale);
  if (!(scale > 0 && scale <= 100)) throw new UsageError(`--scale must be a number in (0, 100], got ${values.scale}`);
  const list = (v: string | undefined, name: string, allowed: readonly string[]): string[] => {
    if (v === undefined) return [];
    const xs = v.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean);
    for (const x of xs) if (!allowed.some((a) => a.toLowerCase().startsWith(x))) throw new UsageError(`--${name}: unknown '${x}'; one of ${allowed.join(", ")}`);
    return xs;
  };
  const peersArg = values.peers ?? "default";
  const peers = peersArg === "all" ? [...PEERS] : peersArg === "default" ? ["v8", "as-rt"] : peersArg === "none" ? [] : list(peersArg, "peers", PEERS);
  const bench: BenchOptions = {
    iterations: int("iterations", values.iterations, Math.max(1, Math.round(250 * scale)), 1, 1_000_000),
    depth: int("depth", values.depth, 14, 0, 22),
    longDepth: int("long-depth", values["long-depth"], 16, 0, 22),
  };
  return {
    bench,
    reps: int("reps", values.reps, quick ? 3 : 5, 1, 1000),
    only: values.only ? values.only.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean) : [],
    workloads: list(values.workloads, "workloads", WORKLOADS.map((w) => w.id)),
    allocators: list(values.allocators, "allocators", ALLOCATORS),
    collectors: list(values.collectors, "collectors", COLLECTORS),
    peers,
    scale,
    json: path.resolve(values.json ?? path.join(benchDir, "results", "latest.json")),
    report: path.resolve(values.report ?? path.join(benchDir, "results", "report.html")),
    quick,
  };
}

class UsageError extends Error {}

function readUsage(): string {
  return [
    "usage: npm run bench -- [--workloads W1,W3] [--allocators a,b] [--collectors a,b] [--peers none|default|all|v8,as-rt,pyodide,quickjs]",
    "                        [--scale F] [--reps N] [--iterations N] [--depth N] [--long-depth N] [--only text[,text]]",
    "                        [--json PATH] [--report PATH] [--quick]",
    `workloads: ${WORKLOADS.map((w) => w.id).join(", ")}`,
  ].join("\n");
}

// ── statistics ──

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ── progress: a bar on a terminal (cli-progress), one line per sample otherwise (CI logs) ──

const tty = process.stderr.isTTY === true;
let bar: cliProgress.SingleBar | undefined;
function progressStart(total: number): void {
  if (!tty) return;
  bar = new cliProgress.SingleBar({
    format: "{bar} {value}/{total} samples | {eta_formatted} left | {row}",
    stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 40,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { row: "" });
}
function progress(text: string, advance = false): void {
  if (bar) { if (advance) bar.increment(1, { row: text }); else bar.update({ row: text }); }
  else if (advance) process.stderr.write(text + "\n");
}
function progressDone(): void { bar?.stop(); bar = undefined; }

// ── running ──

interface RowState {
  workload: Workload;
  row: Row;
  warmup?: Sample;
  samples: Sample[];
  error?: string;
}

async function runOne(st: RowState, label: string): Promise<Sample | undefined> {
  if (st.error) return undefined;
  fullGc(); // the previous sample's garbage (and dropped instances) is not this one's cost
  progress(`${label}  ${st.workload.id} ${st.row.name} …`);
  try {
    const s = await st.row.run();
    progress(`${label}  ${st.workload.id} ${st.row.name}: ${s.nsPerUnit.toFixed(1)} ${st.workload.unit}`, true);
    return s;
  } catch (e) {
    st.error = e instanceof Error ? e.message : String(e);
    progress(`${label}  ${st.workload.id} ${st.row.name}: FAILED: ${st.error}`, true);
    return undefined;
  }
}

// ── table ──

const fmtNs = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtMs = (x: number) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3));
const fmtBytes = (x: number) => (Math.abs(x - Math.round(x)) < 0.05 ? String(Math.round(x)) : x.toFixed(1));
const fmtRatio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "—" : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);

function renderTable(header: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

// ── main ──

async function main(): Promise<number> {
  let opts: ReturnType<typeof parseOptions>;
  try {
    opts = parseOptions();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${readUsage()}\n`);
    return 2;
  }

  const states: RowState[] = [];
  for (const w of WORKLOADS) {
    if (opts.workloads.length && !opts.workloads.some((id) => w.id.toLowerCase().startsWith(id))) continue;
    for (const row of w.rows(opts.bench)) {
      const key = `${w.id} ${row.name}`.toLowerCase();
      if (opts.only.length && !opts.only.some((o) => key.includes(o))) continue;
      const meta = rowMeta(row);
      if (meta.peer) {
        if (!opts.peers.includes(meta.peer)) continue;
      } else {
        if (opts.allocators.length && !opts.allocators.some((a) => meta.allocator?.startsWith(a))) continue;
        if (opts.collectors.length && !opts.collectors.some((c) => meta.collector?.startsWith(c))) continue;
      }
      states.push({ workload: w, row, samples: [] });
    }
  }
  if (!states.length) {
    process.stderr.write("the options select no row\n");
    return 2;
  }

  const gcAvailable = fullGc();
  const started = new Date();
  const cpus = os.cpus();
  const env = {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus[0]?.model ?? "unknown",
    cpuCount: cpus.length,
    totalMemory: os.totalmem(),
    loadAverageAtStart: os.loadavg(),
    date: started.toISOString(),
    forcedGcBetweenSamples: gcAvailable,
  };

  const t0 = performance.now();
  progressStart(states.length * (opts.reps + 1));
  for (const st of states) st.warmup = await runOne(st, "warm-up  ");
  for (let r = 1; r <= opts.reps; r++) {
    for (const st of states) {
      const s = await runOne(st, `rep ${r}/${opts.reps}`);
      if (s) st.samples.push(s);
    }
  }
  progressDone();
  const elapsedS = (performance.now() - t0) / 1000;

  // ── summarise ──
  const problems: string[] = [];
  const summaries = states.map((st) => {
    const ns = st.samples.map((s) => s.nsPerUnit);
    const bytes = st.samples.map((s) => s.bytesPerUnit).filter((b): b is number => b !== undefined);
    const peaks = st.samples.map((s) => s.peakBytes).filter((b): b is number => b !== undefined);
    const pauses = st.samples.some((s) => s.pausesMs) ? st.samples.flatMap((s) => s.pausesMs ?? []) : undefined;
    const byGen = st.samples.some((s) => s.pausesByGen)
      ? [0, 1, 2].map((g) => pausePercentiles(st.samples.flatMap((s) => s.pausesByGen?.[g] ?? [])))
      : undefined;
    for (const [i, s] of [st.warmup, ...st.samples].entries()) {
      if (!s) continue;
      const which = i === 0 ? "warm-up" : `rep ${i}`;
      if (s.checksum !== s.expectedChecksum) {
        problems.push(`${st.workload.id} ${st.row.name} ${which}: checksum ${s.checksum}, expected ${s.expectedChecksum}`);
      }
      const ps = (s.extra?.problems as string[] | undefined) ?? [];
      for (const p of ps) problems.push(`${st.workload.id} ${st.row.name} ${which}: ${p}`);
    }
    if (st.error) problems.push(`${st.workload.id} ${st.row.name}: ${st.error}`);
    return {
      st,
      median: ns.length ? median(ns) : NaN,
      min: ns.length ? Math.min(...ns) : NaN,
      max: ns.length ? Math.max(...ns) : NaN,
      bytesPerUnit: bytes.length ? median(bytes) : undefined,
      peakBytes: peaks.length ? Math.max(...peaks) : undefined,
      pauses: pauses ? pausePercentiles(pauses) ?? { p50: 0, p99: 0, max: 0, count: 0 } : undefined,
      pausesByGen: byGen,
    };
  });
  // Checksums per tree must agree across rows (rows may run different numbers of iterations).
  for (const w of WORKLOADS) {
    const byIter = new Map<number, Set<number>>();
    for (const st of states.filter((s) => s.workload === w)) {
      for (const s of st.samples) {
        const set = byIter.get(st.row.iterations) ?? new Set<number>();
        set.add(s.checksum);
        byIter.set(st.row.iterations, set);
      }
    }
    for (const [it, set] of byIter) {
      if (set.size > 1) problems.push(`${w.id}: rows with ${it} iterations disagree on the checksum: ${[...set].join(", ")}`);
    }
  }

  const baselineOf = (w: Workload, b: Baseline) => summaries.find((s) => s.st.workload === w && s.st.row.baseline === b && Number.isFinite(s.median));

  // pyodide's row of the same variant (W5: strong / weak), when --peers ran it
  const pyodideOf = (st: RowState) => {
    const rows = summaries.filter((s) => s.st.workload === st.workload && rowMeta(s.st.row).peer === "pyodide" && Number.isFinite(s.median));
    const variant = / (strong|weak) /.exec(st.row.name)?.[1];
    return rows.find((s) => variant && s.st.row.name.includes(` ${variant} `)) ?? rows[0];
  };
  const withPyodide = opts.peers.includes("pyodide");
  const header = ["workload", "row", `median`, "min..max", "bytes/node", "×V8", "×AS-rt", ...(withPyodide ? ["×pyodide"] : []), "peak MiB", "pauses p50/p99/max ms"];
  const tableRows: string[][] = [];
  const jsonRows: unknown[] = [];
  for (const s of summaries) {
    const { st } = s;
    const v8 = baselineOf(st.workload, "v8");
    const asrt = baselineOf(st.workload, "as-rt");
    const ratioV8 = v8 ? s.median / v8.median : undefined;
    const ratioAs = asrt ? s.median / asrt.median : undefined;
    const bytes = s.bytesPerUnit === undefined
      ? "—"
      : `${st.row.bytesKind === "upper bound" ? "≤" : ""}${fmtBytes(s.bytesPerUnit)}`;
    tableRows.push([
      st.workload.id,
      st.row.name + (st.error ? " (FAILED)" : ""),
      Number.isFinite(s.median) ? (st.workload.formatMedian?.(s.median) ?? `${fmtNs(s.median)} ${st.workload.unit}`) : "—",
      Number.isFinite(s.min) ? `${(st.workload.formatRange ?? fmtNs)(s.min)}..${(st.workload.formatRange ?? fmtNs)(s.max)}` : "—",
      bytes,
      fmtRatio(ratioV8),
      fmtRatio(ratioAs),
      ...(withPyodide ? [fmtRatio(pyodideOf(st) ? s.median / pyodideOf(st)!.median : undefined)] : []),
      s.peakBytes === undefined ? "—" : (s.peakBytes / 2 ** 20).toFixed(1),
      s.pauses === undefined ? "—" : s.pauses.count === 0 ? "none" : `${fmtMs(s.pauses.p50)}/${fmtMs(s.pauses.p99)}/${fmtMs(s.pauses.max)} (${s.pauses.count})`,
    ]);
    jsonRows.push({
      workload: st.workload.id,
      row: st.row.name,
      ...rowMeta(st.row),
      baseline: st.row.baseline ?? null,
      iterations: st.row.iterations,
      unit: st.workload.unit,
      median: s.median,
      min: s.min,
      max: s.max,
      bytesPerUnit: s.bytesPerUnit ?? null,
      bytesKind: st.row.bytesKind ?? null,
      peakBytes: s.peakBytes ?? null,
      pauses: s.pauses ?? null,
      pausesByGeneration: s.pausesByGen ?? null,
      ratioV8: ratioV8 ?? null,
      ratioAsRuntime: ratioAs ?? null,
      error: st.error ?? null,
      warmup: st.warmup ?? null,
      samples: st.samples,
    });
  }

  const out: string[] = [];
  out.push(`refheap benchmarks — node ${env.node} (V8 ${env.v8}), ${env.platform}, ${env.cpu} ×${env.cpuCount}, ${started.toISOString()}`);
  out.push(GOALS);
  out.push(`${opts.reps} repetition${opts.reps === 1 ? "" : "s"} per row (+1 warm-up), interleaved, fresh instance/heap each${opts.quick ? " [--quick]" : ""}; ${elapsedS.toFixed(1)} s`);
  for (const w of WORKLOADS) if (states.some((s) => s.workload === w)) out.push(w.title);
  out.push("");
  out.push(renderTable(header, tableRows, header.map((_, i) => i >= 2)));
  out.push("");
  // Issue 6's goals, checked on this run: the default configuration (pools/generational, in-wasm)
  // against AssemblyScript's runtime and pyodide on throughput and max pause, and V8 on max pause.
  const goalLines: string[] = [];
  for (const w of WORKLOADS) {
    const defaults = summaries.filter((x) => x.st.workload === w && x.st.row.name.includes("in-wasm") && x.st.row.name.includes("(pools/generational)") && Number.isFinite(x.median));
    for (const d of defaults) {
      const variant = / (strong|weak) /.exec(d.st.row.name)?.[1];
      const peer = (id: string) => summaries.find((x) => x.st.workload === w && rowMeta(x.st.row).peer === id && Number.isFinite(x.median)
        && (!variant || !/ (strong|weak)/.test(x.st.row.name) || x.st.row.name.includes(variant)));
      const parts: string[] = [];
      const fmtV = (v: number) => (w.formatMedian ? w.formatMedian(v) : `${fmtNs(v)} ${w.unit}`);
      for (const id of ["as-rt", "pyodide"]) {
        const p = peer(id);
        if (!p) continue;
        parts.push(`throughput vs ${id} ${fmtV(p.median)}: ${d.median < p.median ? "beats" : "LOSES"}`);
        if (d.pauses && p.pauses && p.pauses.count) parts.push(`max pause vs ${id} ${fmtMs(p.pauses.max)} ms: ${d.pauses.max < p.pauses.max ? "beats" : "LOSES"}`);
      }
      const v8 = peer("v8");
      if (v8 && d.pauses && v8.pauses && v8.pauses.count) parts.push(`max pause vs v8 ${fmtMs(v8.pauses.max)} ms: ${d.pauses.max < v8.pauses.max ? "beats" : "LOSES"}`);
      if (parts.length) goalLines.push(`  ${w.id} ${d.st.row.name.replace("refheap in-wasm ", "")} = ${fmtV(d.median)}${d.pauses?.count ? `, max pause ${fmtMs(d.pauses.max)} ms` : ""}: ${parts.join("; ")}`);
    }
  }
  if (goalLines.length) out.push("Goals (issue 6), default configuration in wasm, this run:", ...goalLines, "");
  const genLines = summaries.filter((s) => s.pausesByGen?.some((g) => g)).map((s) => {
    const parts = s.pausesByGen!.map((g, i) => (g ? `gen${i} ${fmtMs(g.p50)}/${fmtMs(g.p99)}/${fmtMs(g.max)} (${g.count})` : `gen${i} none`));
    return `  ${s.st.workload.id} ${s.st.row.name}: ${parts.join("  ")}`;
  });
  if (genLines.length) out.push("Pauses by generation collected, p50/p99/max ms (count):", ...genLines, "");
  const replays = summaries.filter((s) => s.st.workload === traceReplay && s.st.samples.length);
  if (replays.length) {
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const mib = (x: number) => (x / 2 ** 20).toFixed(2);
    out.push("Trace replays: memory and fragmentation (first repetition; the same every repetition)");
    out.push(renderTable(["trace (allocator)", "events", "peak heap MiB", "peak live MiB", "frag@peak", "max external", "end external"],
      replays.map((s) => {
        const e = s.st.samples[0]!.extra as { events: number; peakHeapBytes: number; peakLiveBytes: number; fragmentationAtPeak: number; maxExternalFragmentation: number; series: { externalFragmentation: number }[] };
        return [s.st.row.name.replace("refheap replay ", ""), e.events.toLocaleString("en-US"), mib(e.peakHeapBytes), mib(e.peakLiveBytes), pct(e.fragmentationAtPeak), pct(e.maxExternalFragmentation), pct(e.series.at(-1)?.externalFragmentation ?? 0)];
      }), [false, true, true, true, true, true, true]));
    out.push("");
  }
  for (const w of WORKLOADS) if (states.some((s) => s.workload === w)) for (const n of w.notes(opts.bench)) out.push(n);
  if (states.some((st) => rowMeta(st.row).peer === "pyodide")) {
    out.push("pyodide: CPython 3.14 in wasm, loaded once per process (untimed, ~3 s); each repetition runs in a fresh Python namespace after gc.collect(),",
      "  timed inside Python (time.perf_counter_ns); pauses from gc.callbacks (3.14's collector: every automatic collection reports generation 1).",
      "  Slow rows run fewer iterations (W1 ÷5, W2 ÷2, W4 ÷5; see bench/peers/pyodide/shapes.ts): per-unit figures stay comparable.");
  }
  if (states.some((st) => rowMeta(st.row).peer === "quickjs")) {
    out.push("QuickJS (quickjs-emscripten): a fresh runtime per repetition; it has no GC hooks, so its pauses are the timed steps during which a",
      "  collection ran (an upper bound including the step's own work); no W3a row: quickjs-emscripten exposes no way to start a collection.");
  }
  if (!gcAvailable) out.push("note: could not force V8 GCs between samples (V8 bytes/node left blank).");
  process.stdout.write(out.join("\n") + "\n");

  mkdirSync(path.dirname(opts.json), { recursive: true });
  const result = {
    version: 1,
    env: { ...env, loadAverageAtEnd: os.loadavg(), elapsedSeconds: elapsedS },
    options: { reps: opts.reps, quick: opts.quick, only: opts.only, workloads: opts.workloads, allocators: opts.allocators, collectors: opts.collectors, peers: opts.peers, scale: opts.scale, ...opts.bench },
    goals: GOALS,
    workloads: WORKLOADS.filter((w) => states.some((s) => s.workload === w)).map((w) => ({ id: w.id, title: w.title, unit: w.unit, notes: w.notes(opts.bench) })),
    rows: jsonRows,
    problems,
    table: out.join("\n"),
  };
  writeFileSync(opts.json, JSON.stringify(result, null, 2) + "\n");
  writeReport(result as unknown as RunJson, opts.report);
  const shown = (f: string) => { const rel = path.relative(process.cwd(), f); return rel && !rel.startsWith("..") ? rel : f; };
  process.stdout.write(`\nsaved ${shown(opts.json)} and ${shown(opts.report)}\n`);

  if (problems.length) {
    process.stderr.write(`\nERROR: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
