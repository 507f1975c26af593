// The benchmark runner: `npm run bench [-- options]`.
//   (default)         the headline: every workload's default configuration and each strategy axis
//                     through it (every allocator with the default collector, every collector with
//                     the default allocator) in wasm, the default configuration host-driven, the
//                     peers; --reps 3, --scale 0.2. About 4 minutes on 2 cores (2026-12-03).
//   --full            the whole matrix: every allocator × collector, in wasm and host-driven, every
//                     host API; --reps 5, --scale 1
//   --workloads W1,W3 run these workloads only (W3 = W3a, W3b, W3c; TR = trace replay; P1 = first-pause probe)
//   --allocators a,b  refheap rows of these allocators only (the registry's: ALLOCATORS in src/heap.ts)
//   --collectors a,b  refheap rows of these collectors only (COLLECTORS)
//   --peers P         none | default (V8, AssemblyScript's runtime) | all (+ pyodide, QuickJS) | a list
//   --scale F         workload size relative to the design's (W1 trees = 250 F)
//   --reps N          timed repetitions per row, after one discarded warm-up
//   --iterations N    trees per repetition for W1 (default 250 × scale); the others scale with it
//   --depth N         W1 short-lived tree depth (default 14)
//   --long-depth N    W1 long-lived tree depth (default 16)
//   --only a[,b]      run only rows whose "workload row" name contains one of these (case-insensitive)
//   --out DIR         where runs are kept (default bench/results): DIR/runs/<time>/ and DIR/latest
//   --json PATH       also save the results JSON here
//   --report PATH     also save the HTML report here
//   --quick           reps 3, scale 0.2 (explicit --reps / --scale / --iterations win)
//   --no-anatomy      skip the anatomy repetition (each row observing refheap's pauses runs once more,
//                     untimed, reading run-queue wait, V8 GCs and step times per pause: bench/anatomy.ts)
// Rows are interleaved (repetition 1 of every row, then repetition 2, ...) so machine noise spreads
// over all of them; every repetition runs in a fresh wasm instance / heap.

import { mkdirSync, writeFileSync } from "node:fs";
import cliProgress from "cli-progress";
import os from "node:os";
import { machineIdentity, watchContention } from "./machine.js";
import path from "node:path";
import { optionGivenTwice } from "../src/args.js";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ALLOCATORS, COLLECTORS, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR } from "../src/heap.js";
import { fullGc, pausePercentiles, type BenchOptions, type Row, type Sample, type Workload } from "./common.js";
import { w1 } from "./w1.js";
import { w4 } from "./w4.js";
import { w2, w3a, w3b, w3c, w5, w6 } from "./gc.js";
import { saveTracesIn, traceReplay } from "./traces.js";
import { p1 } from "./probe.js";
import { w7 } from "./w7.js";
import { fmtValue, renderText, type RowJson, type RunJson, type SampleJson } from "./present.js";
import { renderReport, writeReport } from "./report.js";
import { keepRun, runStamp, shown } from "./keep.js";
import { medianInterval, ratioInterval } from "./stats.js";
import { addV8Gcs, anatomy, summariseAnatomy, withV8Gcs, type AnatomySummary } from "./anatomy.js";

/** Peers, by id; rows of a peer carry its name first. */
const PEERS = ["v8", "as-rt", "pyodide", "quickjs"] as const;

/** The workload registry: one file per workload. */
export const WORKLOADS: Workload[] = [w1, w2, w3a, w3b, w3c, w4, w5, w6, traceReplay, w7, p1];

const GOALS = "Goals: in-wasm ≤ 30 ns/node; host-driven ≤ 2× V8; ≤ 32 bytes/node (W1)";
const benchDir = path.dirname(fileURLToPath(import.meta.url));

/** A peer's id for a row, or undefined for refheap's rows. */
function peerOf(row: Row): string | undefined {
  return row.peer ?? row.baseline;
}

/**
 * The headline's rows: the peers, and refheap's rows on a strategy axis through the default
 * configuration (every allocator with the default collector, every collector point with the
 * default allocator) for the in-wasm and replay drivers; host-driven only the default configuration.
 */
export function inHeadline(row: Row): boolean {
  if (peerOf(row) || row.floor) return true;
  if (!row.allocator || row.alternative) return false;
  const defaultCollector = (row.collector ?? DEFAULT_COLLECTOR) === DEFAULT_COLLECTOR && !row.setting;
  if (row.driver === "host") return row.allocator === DEFAULT_ALLOCATOR && defaultCollector;
  return row.allocator === DEFAULT_ALLOCATOR || defaultCollector;
}

// ── options ──

class UsageError extends Error {}

export function parseOptions(argv: string[]) {
  const { values, tokens } = parseArgs({
    args: argv,
    tokens: true,
    options: {
      full: { type: "boolean", default: false },
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
      out: { type: "string" },
      json: { type: "string" },
      report: { type: "string" },
      quick: { type: "boolean", default: false },
      "no-anatomy": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  // nothing silently dropped or defaulted: an option given twice kept only its last value, and
  // --depth "" read as 0, --allocators "" (or ",") as every allocator
  const twice = optionGivenTwice(tokens);
  if (twice !== undefined) throw new UsageError(`--${twice} given twice`);
  const int = (name: string, v: string | undefined, dflt: number, min: number, max: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got '${v}'`);
    return n;
  };
  // an empty path resolves to the working directory: the results would fail to save after the whole run
  for (const name of ["out", "json", "report"] as const) if (values[name] === "") throw new UsageError(`--${name}: an empty path`);
  const full = values.full!;
  const quick = values.quick!;
  const small = quick || !full;
  const scale = values.scale === undefined ? (small ? 0.2 : 1) : Number(values.scale);
  if (!(scale > 0 && scale <= 100)) throw new UsageError(`--scale must be a number in (0, 100], got ${values.scale}`);
  /** A comma-separated list, each item a prefix of one of `allowed` (null: any text). */
  const list = (v: string | undefined, name: string, allowed: readonly string[] | null): string[] => {
    if (v === undefined) return [];
    const xs = v.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean);
    if (!xs.length) throw new UsageError(`--${name}: an empty list${allowed ? `; one or more of ${allowed.join(", ")}` : ""}`);
    if (allowed) for (const x of xs) if (!allowed.some((a) => a.toLowerCase().startsWith(x))) throw new UsageError(`--${name}: unknown '${x}'; one of ${allowed.join(", ")}`);
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
    help: values.help!,
    profile: full ? ("full" as const) : ("headline" as const),
    bench,
    reps: int("reps", values.reps, small ? 3 : 5, 1, 1000),
    only: values.only === undefined ? [] : list(values.only, "only", null),
    workloads: list(values.workloads, "workloads", WORKLOADS.map((w) => w.id)),
    allocators: list(values.allocators, "allocators", ALLOCATORS),
    collectors: list(values.collectors, "collectors", COLLECTORS),
    peers,
    scale,
    out: path.resolve(values.out ?? path.join(benchDir, "results")),
    json: values.json === undefined ? undefined : path.resolve(values.json),
    report: values.report === undefined ? undefined : path.resolve(values.report),
    quick,
    anatomy: !values["no-anatomy"],
  };
}
export type Options = ReturnType<typeof parseOptions>;

function usage(): string {
  return [
    "usage: npm run bench -- [--full] [--workloads W1,W3] [--allocators a,b] [--collectors a,b]",
    "                        [--peers none|default|all|v8,as-rt,pyodide,quickjs] [--scale F] [--reps N] [--iterations N]",
    "                        [--depth N] [--long-depth N] [--only text[,text]] [--out DIR] [--json PATH] [--report PATH] [--quick]",
    "default: the headline (default configuration and each strategy axis through it, reps 3, scale 0.2); --full: the whole matrix (reps 5, scale 1)",
    `workloads: ${WORKLOADS.map((w) => w.id).join(", ")}; allocators: ${ALLOCATORS.join(", ")}; collectors: ${COLLECTORS.join(", ")}`,
  ].join("\n");
}

/** The rows the options select, in workload order. */
export function selectRows(opts: Options): { workload: Workload; row: Row }[] {
  const out: { workload: Workload; row: Row }[] = [];
  for (const w of WORKLOADS) {
    if (opts.workloads.length && !opts.workloads.some((id) => w.id.toLowerCase().startsWith(id))) continue;
    for (const row of w.rows(opts.bench)) {
      if (opts.profile === "headline" && !inHeadline(row)) continue;
      const key = `${w.id} ${row.name}`.toLowerCase();
      if (opts.only.length && !opts.only.some((o) => key.includes(o))) continue;
      const peer = peerOf(row);
      if (peer) {
        if (!opts.peers.includes(peer)) continue;
      } else if (row.floor) {
        // the pools allocator alone: whatever the collectors, unless the allocators leave pools out
        if (opts.allocators.length && !opts.allocators.some((a) => "pools".startsWith(a))) continue;
      } else {
        if (opts.allocators.length && !opts.allocators.some((a) => row.allocator?.startsWith(a))) continue;
        if (opts.collectors.length && !opts.collectors.some((c) => row.collector?.startsWith(c))) continue;
      }
      out.push({ workload: w, row });
    }
  }
  return out;
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
  anatomy?: AnatomySummary;
}

async function runOne(st: RowState, label: string): Promise<Sample | undefined> {
  if (st.error) return undefined;
  fullGc(); // the previous sample's garbage (and dropped instances) is not this one's cost
  progress(`${label}  ${st.workload.id} ${st.row.name} …`);
  try {
    const s = await st.row.run();
    progress(`${label}  ${st.workload.id} ${st.row.name}: ${fmtValue({ id: st.workload.id, title: "", unit: st.workload.unit, display: st.workload.display, notes: [] }, s.nsPerUnit)}`, true); // W7's display in ms showed ns as "ms"
    return s;
  } catch (e) {
    st.error = e instanceof Error ? e.message : String(e);
    progress(`${label}  ${st.workload.id} ${st.row.name}: FAILED: ${st.error}`, true);
    return undefined;
  }
}

// ── the JSON: summaries, and samples without their raw pauses (percentiles keep the distribution) ──

/** A sample as kept: its figures, its pauses as a count and a max, a replay's series on the first repetition only. */
function sampleJson(s: Sample, first: boolean): SampleJson {
  const { pausesMs, pausesByGen: _byGen, pauseRecords, extra, ...rest } = s;
  void _byGen;
  const kept: SampleJson = { ...rest };
  if (pausesMs) { kept.pauseCount = pausesMs.length; if (pausesMs.length) kept.maxPauseMs = pausesMs.reduce((m, x) => (x > m ? x : m), -Infinity); } // a spread of tens of thousands of pauses overflowed the stack
  if (pauseRecords?.length) {
    const max = pauseRecords.reduce((m, r) => (r.ms > m.ms ? r : m));
    kept.maxPause = { ms: max.ms, visited: max.visited, grownBytes: max.grownBytes, ...(max.hostMs ? { hostMs: max.hostMs } : {}) };
  }
  if (extra) {
    const { series, ...others } = extra;
    kept.extra = { ...others, ...(series && first ? { series } : {}) };
  }
  return kept;
}

function summarise(states: RowState[]): { rows: RowJson[]; problems: string[] } {
  const problems: string[] = [];
  const rows: RowJson[] = states.map((st) => {
    const ns = st.samples.map((s) => s.nsPerUnit);
    const bytes = st.samples.map((s) => s.bytesPerUnit).filter((b): b is number => b !== undefined);
    const peaks = st.samples.map((s) => s.peakBytes).filter((b): b is number => b !== undefined);
    const observed = st.samples.some((s) => s.pausesMs);
    const pauses = observed ? st.samples.flatMap((s) => s.pausesMs ?? []) : undefined;
    const byGen = st.samples.some((s) => s.pausesByGen)
      ? [0, 1, 2].map((g) => pausePercentiles(st.samples.flatMap((s) => s.pausesByGen?.[g] ?? [])) ?? null)
      : null;
    for (const [i, s] of [st.warmup, ...st.samples].entries()) {
      if (!s) continue;
      const which = i === 0 ? "warm-up" : `rep ${i}`;
      if (s.checksum !== s.expectedChecksum) problems.push(`${st.workload.id} ${st.row.name} ${which}: checksum ${s.checksum}, expected ${s.expectedChecksum}`);
      for (const p of (s.extra?.problems as string[] | undefined) ?? []) problems.push(`${st.workload.id} ${st.row.name} ${which}: ${p}`);
    }
    if (st.error) problems.push(`${st.workload.id} ${st.row.name}: ${st.error}`);
    const r = st.row;
    const records = st.samples.flatMap((s) => s.pauseRecords ?? []);
    const visited = records.map((p) => p.visited).sort((a, b) => a - b);
    const maxRec = records.length ? records.reduce((m, p) => (p.ms > m.ms ? p : m)) : undefined;
    return {
      workload: st.workload.id, row: r.name,
      ...(peerOf(r) ? { peer: peerOf(r) } : {}), ...(r.baseline ? { baseline: r.baseline } : {}),
      ...(r.allocator ? { allocator: r.allocator } : {}), ...(r.collector ? { collector: r.collector } : {}),
      ...(r.setting ? { setting: r.setting } : {}), ...(r.driver ? { driver: r.driver } : {}),
      ...(r.variant ? { variant: r.variant } : {}), ...(r.alternative ? { alternative: true } : {}), ...(r.floor ? { floor: true } : {}),
      iterations: r.iterations, unit: st.workload.unit,
      median: ns.length ? median(ns) : null, min: ns.length ? Math.min(...ns) : null, max: ns.length ? Math.max(...ns) : null,
      ci: medianInterval(ns),
      bytesPerUnit: bytes.length ? median(bytes) : null, bytesKind: r.bytesKind ?? null,
      peakBytes: peaks.length ? Math.max(...peaks) : null,
      pauses: pauses ? pausePercentiles(pauses) ?? { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, curve: [] } : null,
      pausesByGeneration: byGen,
      ...(maxRec ? {
        pauseWork: {
          visitedP50: visited[visited.length >> 1]!, visitedMax: visited[visited.length - 1]!,
          maxPause: { ms: maxRec.ms, visited: maxRec.visited, grownBytes: maxRec.grownBytes, ...(maxRec.hostMs ? { hostMs: maxRec.hostMs } : {}) },
        },
      } : {}),
      ...(st.anatomy ? { anatomy: st.anatomy } : {}),
      ratioV8: null, ratioAsRuntime: null,
      error: st.error ?? null,
      warmup: st.warmup ? { nsPerUnit: st.warmup.nsPerUnit, durationMs: st.warmup.durationMs } : null,
      samples: st.samples.map((s, i) => sampleJson(s, i === 0)),
    };
  });
  // ratios to the baselines of the same workload (and variant, where the baseline has one)
  for (const r of rows) {
    if (r.median === null) continue;
    const base = (b: string) => rows.find((x) => x.workload === r.workload && x.baseline === b && x.median !== null && (!x.variant || !r.variant || x.variant === r.variant));
    const v8 = base("v8"), as = base("as-rt");
    const reps = (x: RowJson) => x.samples.map((s) => s.nsPerUnit);
    r.ratioV8 = v8 ? r.median / v8.median! : null;
    r.ratioAsRuntime = as ? r.median / as.median! : null;
    // against every peer's row of the workload (and variant): ratios of medians and of the repetitions' max pauses, with intervals
    const maxPauses = (x: RowJson) => x.samples.map((s) => s.maxPauseMs ?? 0);
    for (const p of rows) {
      if (p === r || !p.peer || p.workload !== r.workload || p.median === null || (p.variant && r.variant && p.variant !== r.variant)) continue;
      if (r.vs?.[p.peer] && !p.baseline) continue; // the peer's baseline row first (V8 strong, not weak)
      if (r.baseline === p.peer) continue; // a baseline is 1.00× its own peer (W7: not a ratio to V8's stored row)
      const paused = r.pauses?.count && p.pauses?.count;
      (r.vs ??= {})[p.peer] = {
        ratio: r.median / p.median, ci: ratioInterval(reps(r), reps(p)),
        ...(paused ? { maxPause: { ratio: r.pauses!.max / p.pauses!.max, ci: ratioInterval(maxPauses(r), maxPauses(p)) } } : {}),
      };
    }
  }
  // checksums per repetition must agree across the rows of a workload that run the same iterations
  for (const w of new Set(states.map((s) => s.workload))) {
    const byIter = new Map<string, Set<number>>();
    for (const st of states.filter((s) => s.workload === w && s.row.driver !== "replay")) {
      const key = `${st.row.variant ?? ""}@${st.row.iterations}`;
      for (const s of st.samples) byIter.set(key, (byIter.get(key) ?? new Set()).add(s.checksum));
    }
    for (const [key, set] of byIter) if (set.size > 1) problems.push(`${w.id}: rows with ${key.split("@")[1]} iterations disagree on the checksum: ${[...set].join(", ")}`);
  }
  return { rows, problems };
}

// ── main ──

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${usage()}\n`);
    return 2;
  }
  if (opts.help) { process.stdout.write(usage() + "\n"); return 0; }

  saveTracesIn(path.join(opts.out, "traces"));
  const states: RowState[] = selectRows(opts).map(({ workload, row }) => ({ workload, row, samples: [] }));
  if (!states.length) {
    process.stderr.write("the options select no row\n");
    return 2;
  }

  const gcAvailable = fullGc();
  const started = new Date();
  const cpus = os.cpus();
  const loadAverageAtStart = os.loadavg();
  const contention = watchContention();

  const t0 = performance.now();
  progressStart(states.length * (opts.reps + 1));
  for (const st of states) st.warmup = await runOne(st, "warm-up  ");
  for (let r = 1; r <= opts.reps; r++) {
    for (const st of states) {
      const s = await runOne(st, `rep ${r}/${opts.reps}`);
      if (s) st.samples.push(s);
    }
  }
  // the anatomy repetition (untimed): where the pauses of each row observing refheap's pauses went
  if (opts.anatomy) {
    for (const st of states.filter((x) => !x.error && x.samples.some((s) => s.pauseRecords?.length))) {
      fullGc();
      progress(`anatomy  ${st.workload.id} ${st.row.name} …`);
      anatomy.on = true;
      try {
        const { result, gcs } = await withV8Gcs(() => st.row.run());
        addV8Gcs(result.pauseRecords ?? [], gcs);
        st.anatomy = summariseAnatomy(result.pauseRecords ?? []);
      } catch (e) {
        st.error ??= `anatomy repetition: ${e instanceof Error ? e.message : String(e)}`;
      } finally {
        anatomy.on = false;
      }
    }
  }
  progressDone();
  const elapsedSeconds = (performance.now() - t0) / 1000;

  const { rows, problems } = summarise(states);
  const ran = WORKLOADS.filter((w) => states.some((s) => s.workload === w));
  const notes: string[] = [];
  if (states.some((st) => peerOf(st.row) === "pyodide")) {
    notes.push("pyodide: CPython 3.14 in wasm, loaded once per process (untimed, ~3 s); each repetition runs in a fresh Python namespace after gc.collect(),",
      "  timed inside Python (time.perf_counter_ns); pauses from gc.callbacks (3.14's collector: every automatic collection reports generation 1).",
      "  Slow rows run fewer iterations (W1 ÷5, W2 ÷2, W4 ÷5; see bench/shapes.ts): per-unit figures stay comparable.");
  }
  if (states.some((st) => peerOf(st.row) === "quickjs")) {
    notes.push("QuickJS (quickjs-emscripten): a fresh runtime per repetition; it has no GC hooks, so its pauses are the timed steps during which a",
      "  collection ran (an upper bound including the step's own work); no W3a row: quickjs-emscripten exposes no way to start a collection.");
  }
  if (!gcAvailable) notes.push("note: could not force V8 GCs between samples (V8 bytes/node left blank).");
  const run: RunJson = {
    version: 2,
    profile: opts.profile,
    env: {
      node: process.version, v8: process.versions.v8, platform: `${process.platform} ${process.arch}`,
      cpu: cpus[0]?.model ?? "unknown", cpuCount: cpus.length, totalMemory: os.totalmem(),
      loadAverageAtStart, loadAverageAtEnd: os.loadavg(), date: started.toISOString(), forcedGcBetweenSamples: gcAvailable,
      elapsedSeconds, command: ["npm run bench", ...(argv.length ? ["--", ...argv] : [])].join(" "),
      machine: machineIdentity(), contention: contention(),
    },
    options: {
      reps: opts.reps, scale: opts.scale, ...opts.bench, workloads: opts.workloads, allocators: opts.allocators,
      collectors: opts.collectors, peers: opts.peers, only: opts.only,
    },
    strategies: { allocators: [...ALLOCATORS], collectors: [...COLLECTORS], defaultAllocator: DEFAULT_ALLOCATOR, defaultCollector: DEFAULT_COLLECTOR },
    peers: opts.peers,
    goals: GOALS,
    workloads: ran.map((w) => ({ id: w.id, title: w.title(opts.bench), unit: w.unit, ...(w.display ? { display: w.display } : {}), notes: w.notes(opts.bench) })),
    rows,
    notes,
    problems,
  };

  const text = renderText(run);
  process.stdout.write(text + "\n");

  const json = JSON.stringify(run) + "\n";
  const kept = keepRun(opts.out, `${runStamp(started)}${opts.profile === "full" ? "-full" : ""}`, {
    "results.json": json, "report.html": renderReport(run), "table.txt": text + "\n",
  });
  if (opts.json) { mkdirSync(path.dirname(opts.json), { recursive: true }); writeFileSync(opts.json, json); }
  if (opts.report) writeReport(run, opts.report);
  process.stdout.write(`\nsaved ${shown(kept.dir)}/ (results.json ${(json.length / 1024).toFixed(0)} KiB, report.html, table.txt); ${shown(kept.latest)} points to it\n`);
  for (const extra of [opts.json, opts.report]) if (extra) process.stdout.write(`saved ${shown(extra)}\n`);

  if (problems.length) {
    process.stderr.write(`\nERROR: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
