// What a run's results say, computed from its JSON alone (bench/results/.../results.json): the
// headline (the default configuration, the best point of each strategy axis, the peers), the whole
// table, pauses by generation, the trace replays. One source for the terminal (text), the HTML
// report (bench/report.ts) and docs/benchmarks.md (bench/doc.ts).

import { readFileSync } from "node:fs";
import type { PauseSummary } from "./common.js";
import { OUTLIER_MS, type AnatomySummary } from "./anatomy.js";
import type { Contention, MachineIdentity } from "./machine.js";

export interface SampleJson {
  nsPerUnit: number;
  durationMs: number;
  units: number;
  checksum: number;
  bytesPerUnit?: number;
  peakBytes?: number;
  pauseCount?: number;
  maxPauseMs?: number;
  /** The longest pause's anatomy (refheap rows). */
  maxPause?: PauseWork["maxPause"];
  extra?: Record<string, unknown>;
}

/** What refheap's pauses did over the timed repetitions: objects visited per pause, and the longest pause. */
export interface PauseWork {
  visitedP50: number;
  visitedMax: number;
  maxPause: { ms: number; visited: number; grownBytes: number; hostMs?: number };
}

export interface RowJson {
  workload: string;
  row: string;
  peer?: string;
  baseline?: string;
  allocator?: string;
  collector?: string;
  setting?: string;
  driver?: string;
  variant?: string;
  alternative?: boolean;
  /** The pools allocator alone, no object protocol: a lower bound (bench/common.ts Row.floor). */
  floor?: boolean;
  iterations: number;
  unit: string;
  median: number | null;
  min: number | null;
  max: number | null;
  bytesPerUnit: number | null;
  bytesKind: string | null;
  peakBytes: number | null;
  pauses: PauseSummary | null;
  pausesByGeneration: (PauseSummary | null)[] | null;
  pauseWork?: PauseWork;
  /** The anatomy repetition's findings (bench/anatomy.ts). */
  anatomy?: AnatomySummary;
  ratioV8: number | null;
  ratioAsRuntime: number | null;
  /** The median's 95 % bootstrap interval over the repetitions (bench/stats.ts); absent in results from before intervals were kept. */
  ci?: [number, number] | null;
  /**
   * Against each peer's row of the same workload (and variant): the ratio of medians with its 95 %
   * bootstrap interval, and the same for the repetitions' max pauses where both rows observe pauses.
   */
  vs?: Record<string, PeerRatio>;
  error: string | null;
  warmup: { nsPerUnit: number; durationMs: number } | null;
  samples: SampleJson[];
}

export interface PeerRatio { ratio: number; ci: [number, number] | null; maxPause?: { ratio: number; ci: [number, number] | null } }

export interface WorkloadJson { id: string; title: string; unit: string; display?: "ms" | "rate"; notes: string[] }

export interface RunJson {
  version: 2;
  /** headline: the default configuration and each strategy axis through it; full: every allocator × collector. */
  profile: "headline" | "full";
  env: {
    node: string; v8: string; platform: string; cpu: string; cpuCount: number; totalMemory: number;
    loadAverageAtStart: number[]; loadAverageAtEnd: number[]; date: string; forcedGcBetweenSamples: boolean;
    elapsedSeconds: number; command: string;
    /** bench/machine.ts (runs before 2026-12-02 lack them): the CPU exactly, and the share of the machine the run did not have. */
    machine?: MachineIdentity;
    contention?: Contention | null;
  };
  options: Record<string, unknown>;
  /** The registry's strategies in its order (fixed colours) and the defaults of Heap.create. */
  strategies: { allocators: string[]; collectors: string[]; defaultAllocator: string; defaultCollector: string };
  peers: string[];
  goals: string;
  workloads: WorkloadJson[];
  rows: RowJson[];
  /** About the run as a whole (how the optional peers are timed, what could not be measured). */
  notes: string[];
  problems: string[];
}

// ── formatting ──

export const fmtNs = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
export const fmtMs = (x: number) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3));
const fmtBytes = (x: number) => (Math.abs(x - Math.round(x)) < 0.05 ? String(Math.round(x)) : x.toFixed(1));
const fmtRatio = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? "—" : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);
const fmtR = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
/** A ratio with its 95 % interval: 1.23× (1.10–1.40). */
export const fmtRatioCI = (x: number | null | undefined, ci: [number, number] | null | undefined) =>
  x == null || !Number.isFinite(x) ? "—" : ci ? `${fmtRatio(x)} (${fmtR(ci[0])}–${fmtR(ci[1])})` : fmtRatio(x);
/** What a ratio's interval says (lower is better for every figure the bench keeps). */
export function verdictOf(ci: [number, number] | null | undefined): string {
  if (!ci) return "no interval (one repetition)";
  return ci[1] < 1 ? "ahead" : ci[0] > 1 ? "behind" : "not told apart by this run";
}
const msOf = (ns: number) => (ns / 1e6).toFixed(ns < 1e5 ? 4 : 2);

/** A median as the workload shows it: per unit, milliseconds, or a rate. */
export function fmtValue(w: WorkloadJson, v: number, withUnit = true): string {
  if (w.display === "ms") return `${msOf(v)}${withUnit ? " ms" : ""}`;
  if (w.display === "rate") return withUnit ? `${fmtNs(v)} ns (${(1e3 / v).toFixed(2)} M/s)` : fmtNs(v);
  return `${fmtNs(v)}${withUnit ? ` ${w.unit}` : ""}`;
}
/** The same, short, for the headline: ms, M lookups/s, or the number in the workload's unit. */
function fmtHeadline(w: WorkloadJson, v: number): string {
  if (w.display === "ms") return `${msOf(v)} ms`;
  if (w.display === "rate") return `${(1e3 / v).toFixed(2)} M/s`;
  return fmtNs(v);
}
const headlineUnit = (w: WorkloadJson) => (w.display === "ms" ? "time" : w.display === "rate" ? "lookups/s" : w.unit);

export const strategyOf = (r: RowJson) => [r.allocator, r.collector].filter(Boolean).join("/") + (r.setting ? `, ${r.setting}` : "");

// ── tables: header, alignment, cells; rendered as text, Markdown or HTML ──

export interface Table { header: string[]; right: boolean[]; rows: string[][] }

export function textTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (t.right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(t.header), widths.map((w) => "-".repeat(w)).join("  "), ...t.rows.map(line)].join("\n");
}

export function markdownTable(t: Table): string {
  const cell = (c: string) => c.replace(/\|/g, "\\|");
  return [
    `| ${t.header.map(cell).join(" | ")} |`,
    `|${t.right.map((r) => (r ? "---:" : "---")).join("|")}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function htmlTable(t: Table, cls = ""): string {
  const td = (c: string, i: number, tag: "td" | "th") => `<${tag}${t.right[i] ? ' class="num"' : ""}>${esc(c)}</${tag}>`;
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${t.header.map((h, i) => td(h, i, "th")).join("")}</tr></thead>\n<tbody>\n${t.rows
    .map((r) => `<tr>${r.map((c, i) => td(c, i, "td")).join("")}</tr>`).join("\n")}\n</tbody></table>`;
}

// ── what the run says ──

const ok = (r: RowJson): r is RowJson & { median: number; min: number; max: number } => r.median !== null && Number.isFinite(r.median);

/** The workload's groups of comparable rows: one per variant (W5 strong / weak, TR per trace), else one. */
export function variantsOf(run: RunJson, w: string): (string | undefined)[] {
  const vs = [...new Set(run.rows.filter((r) => r.workload === w).map((r) => r.variant))];
  const named = vs.filter((v): v is string => v !== undefined);
  return named.length ? named : [undefined];
}
const inVariant = (r: RowJson, v: string | undefined) => v === undefined || r.variant === undefined || r.variant === v;

/** The driver whose rows carry a workload's strategy axes: the in-wasm mutator, else the replay. */
function axisDriver(rows: RowJson[]): string | undefined {
  return rows.some((r) => r.driver === "in-wasm") ? "in-wasm" : rows.some((r) => r.driver === "replay") ? "replay" : undefined;
}

export interface Axes {
  /** The default configuration's row on the axis driver. */
  default?: RowJson;
  /** Every allocator with the default collector (no setting), in registry order. */
  allocators: RowJson[];
  /** Every collector point (with settings) on the default allocator, in registry order. */
  collectors: RowJson[];
  bestAllocator?: RowJson;
  bestCollector?: RowJson;
  /** The default configuration driven from the host. */
  host?: RowJson;
  peers: RowJson[];
}

/** The rows of one workload (variant) along each strategy axis through the default configuration. */
export function axes(run: RunJson, w: string, variant: string | undefined): Axes {
  const { defaultAllocator: da, defaultCollector: dc, allocators, collectors } = run.strategies;
  const rows = run.rows.filter((r) => r.workload === w && inVariant(r, variant) && ok(r));
  const driver = axisDriver(rows);
  const onAxis = rows.filter((r) => r.allocator && r.driver === driver && !r.alternative);
  const isDefaultCollector = (r: RowJson) => (r.collector ?? dc) === dc && !r.setting;
  const byAlloc = onAxis.filter(isDefaultCollector).sort((a, b) => allocators.indexOf(a.allocator!) - allocators.indexOf(b.allocator!));
  const byColl = onAxis.filter((r) => r.allocator === da && r.collector)
    .sort((a, b) => collectors.indexOf(a.collector!) - collectors.indexOf(b.collector!) || Number(!!a.setting) - Number(!!b.setting));
  const best = (xs: RowJson[]) => (xs.length > 1 ? xs.reduce((m, r) => (r.median! < m.median! ? r : m)) : undefined);
  return {
    default: onAxis.find((r) => r.allocator === da && isDefaultCollector(r)),
    allocators: byAlloc,
    collectors: byColl,
    bestAllocator: best(byAlloc),
    bestCollector: best(byColl),
    host: rows.find((r) => r.driver === "host" && r.allocator === da && (r.collector ?? dc) === dc && !r.setting && !r.alternative),
    peers: rows.filter((r) => r.peer),
  };
}

const withPause = (r: RowJson, s: string) => (r.pauses && r.pauses.count ? `${s} (max ${fmtMs(r.pauses.max)} ms)` : s);

/** The headline: per workload (variant), the default, the best allocator and collector, host-driven, the peers. */
export function headlineTable(run: RunJson): Table {
  const peerIds = ["as-rt", "v8", "pyodide", "quickjs"].filter((p) => run.rows.some((r) => r.peer === p));
  const peerName: Record<string, string> = { "as-rt": "AS runtime", v8: "V8", pyodide: "pyodide", quickjs: "QuickJS" };
  const { defaultAllocator: da, defaultCollector: dc } = run.strategies;
  const header = ["workload", "unit", `default (${da}/${dc})`, "best allocator", "best collector", "host-driven (default)", ...peerIds.map((p) => peerName[p]!)];
  const rows: string[][] = [];
  for (const w of run.workloads) {
    for (const v of variantsOf(run, w.id)) {
      const a = axes(run, w.id, v);
      if (!a.default && !a.peers.length) continue;
      const cell = (r: RowJson | undefined) => (r ? withPause(r, fmtHeadline(w, r.median!)) : "—");
      const named = (r: RowJson | undefined) => (r ? `${strategyOf(r)}: ${cell(r)}` : "—");
      const peer = (p: string) => a.peers.find((r) => r.peer === p && (r.baseline || !a.peers.some((x) => x.peer === p && x.baseline)));
      rows.push([v ? `${w.id} ${v}` : w.id, headlineUnit(w), cell(a.default), named(a.bestAllocator), named(a.bestCollector), cell(a.host), ...peerIds.map((p) => cell(peer(p)))]);
    }
  }
  return { header, right: header.map((_, i) => i >= 2), rows };
}

/** Every row that ran: median, min..max, bytes, ratios to the baselines, peak memory, pauses. */
export function resultsTable(run: RunJson, workload?: string): Table {
  const withPyodide = run.rows.some((r) => r.peer === "pyodide");
  const header = ["workload", "row", "median", "95 % CI", "min..max", "bytes/node", "×V8 (95 % CI)", "×AS-rt (95 % CI)", ...(withPyodide ? ["×pyodide (95 % CI)"] : []), "peak MiB", "pauses p50/p99/max ms (count)"];
  const rows: string[][] = [];
  for (const r of run.rows) {
    if (workload && r.workload !== workload) continue;
    const w = run.workloads.find((x) => x.id === r.workload)!;
    const pyodide = withPyodide ? run.rows.find((x) => x.workload === r.workload && x.peer === "pyodide" && inVariant(x, r.variant) && ok(x)) : undefined;
    const range = (x: number) => (w.display === "ms" ? msOf(x) : fmtNs(x));
    rows.push([
      r.workload,
      r.row + (r.error ? " (FAILED)" : ""),
      ok(r) ? fmtValue(w, r.median) : "—",
      ok(r) && r.ci ? `${range(r.ci[0])}–${range(r.ci[1])}` : "—",
      ok(r) ? `${range(r.min)}..${range(r.max)}` : "—",
      r.bytesPerUnit === null ? "—" : `${r.bytesKind === "upper bound" ? "≤" : ""}${fmtBytes(r.bytesPerUnit)}`,
      fmtRatioCI(r.ratioV8, r.vs?.v8?.ci),
      fmtRatioCI(r.ratioAsRuntime, r.vs?.["as-rt"]?.ci),
      ...(withPyodide ? [r.vs?.pyodide ? fmtRatioCI(r.vs.pyodide.ratio, r.vs.pyodide.ci) : fmtRatio(pyodide && ok(r) ? r.median / pyodide.median! : null)] : []),
      r.peakBytes === null ? "—" : (r.peakBytes / 2 ** 20).toFixed(1),
      !r.pauses ? "—" : r.pauses.count === 0 ? "none" : `${fmtMs(r.pauses.p50)}/${fmtMs(r.pauses.p99)}/${fmtMs(r.pauses.max)} (${r.pauses.count})`,
    ]);
  }
  return { header, right: header.map((_, i) => i >= 2), rows };
}

const n0 = (x: number) => x.toLocaleString("en-US");

/**
 * refheap's pauses of OUTLIER_MS or more, explained: the longest pause of the timed repetitions
 * with the objects it visited beside a typical pause's, and what the anatomy repetition found for
 * each long pause it saw (run-queue wait, V8 GC, host callbacks, memory.grow, the work itself).
 */
export function outliersTable(run: RunJson): Table | undefined {
  const rows = run.rows.filter((r) => !r.peer && r.pauses && r.pauses.count && (r.pauses.max >= OUTLIER_MS || (r.anatomy?.maxMs ?? 0) >= OUTLIER_MS)).map((r) => {
    const w = r.pauseWork, a = r.anatomy;
    const causes = a ? Object.entries(a.outliers).map(([c, k]) => `${k} ${c}`).join(", ") || "none" : "—";
    const worst = a?.worst[0];
    const why = worst
      ? `${fmtMs(worst.ms)} ms: ${worst.cause} (visited ${n0(worst.visited)}${worst.runQueueWaitMs !== undefined ? `, run-queue wait ${fmtMs(worst.runQueueWaitMs)} ms` : ""}${worst.v8GcMs ? `, V8 GC ${fmtMs(worst.v8GcMs)} ms` : ""}${worst.hostMs ? `, host ${fmtMs(worst.hostMs)} ms` : ""}${worst.grownBytes ? `, grew ${(worst.grownBytes / 2 ** 20).toFixed(1)} MiB` : ""}${worst.slowStep ? `; ${worst.slowStep.name} took ${worst.slowStep.times.toFixed(0)}× its usual time per object` : ""})`
      : "—";
    return [
      r.workload + (r.variant ? ` ${r.variant}` : ""), strategyOf(r) + (r.driver === "host" ? " (host)" : ""),
      `${fmtMs(r.pauses!.p99)} / ${fmtMs(r.pauses!.max)}`,
      w ? `${n0(w.maxPause.visited)} (p50 ${n0(w.visitedP50)})${w.maxPause.grownBytes ? `, grew ${(w.maxPause.grownBytes / 2 ** 20).toFixed(1)} MiB` : ""}` : "—",
      a ? `${a.pauses} pauses; ≥ ${OUTLIER_MS} ms: ${causes}` : "—",
      a ? `${fmtMs(a.maxMs)} / ${fmtMs(a.maxOwnMs)}` : "—",
      why,
    ];
  });
  if (!rows.length) return undefined;
  const header = ["workload", "strategy", "p99 / max ms", "max pause visited (p50 pause)", "anatomy repetition", "its max / max without wait ms", "its longest pause"];
  return { header, right: header.map((_, i) => i === 2 || i === 5), rows };
}

/** What the anatomy repetition found over all rows, in sentences (docs/benchmarks.md, the report). */
export function outlierSummary(run: RunJson): string[] {
  const rows = run.rows.filter((r) => !r.peer && r.anatomy);
  if (!rows.length) return [];
  const byCause = new Map<string, number>();
  for (const r of rows) for (const [c, k] of Object.entries(r.anatomy!.outliers)) byCause.set(c, (byCause.get(c) ?? 0) + k!);
  const total = [...byCause.values()].reduce((a, b) => a + b, 0);
  const pauses = rows.reduce((a, r) => a + r.anatomy!.pauses, 0);
  const own = rows.reduce((m, r) => (r.anatomy!.maxOwnMs > m.anatomy!.maxOwnMs ? r : m));
  const timedSame = rows.filter((r) => r.pauseWork && r.pauses && r.pauses.max >= OUTLIER_MS && r.pauseWork.maxPause.visited <= 1.5 * r.pauseWork.visitedP50);
  const timedLong = rows.filter((r) => r.pauseWork && r.pauses && r.pauses.max >= OUTLIER_MS);
  const lines = [
    `The anatomy repetition ran ${rows.length} rows once more (${n0(pauses)} pauses): ${total} pauses of ${OUTLIER_MS} ms or more, ` +
      (total ? [...byCause].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${k} ${c}`).join(", ") : "none") + ".",
    `Without the run-queue wait and V8 GC time inside them, the longest pause of any row was ${fmtMs(own.anatomy!.maxOwnMs)} ms (${own.workload}${own.variant ? ` ${own.variant}` : ""} ${strategyOf(own)}${own.driver === "host" ? ", host-driven" : ""}).`,
  ];
  if (timedLong.length) {
    lines.push(`In the timed repetitions, ${timedSame.length} of the ${timedLong.length} rows whose longest pause reached ${OUTLIER_MS} ms visited no more objects in that pause than 1.5 × their median pause: the work was not larger, the time was taken elsewhere.`);
  }
  return lines;
}

/** Pauses split by the generation collected (refheap rows that observed any). */
export function generationsTable(run: RunJson): Table | undefined {
  const rows = run.rows.filter((r) => r.pausesByGeneration?.some((g) => g)).map((r) => [
    r.workload, r.row,
    ...r.pausesByGeneration!.map((g) => (g ? `${fmtMs(g.p50)}/${fmtMs(g.p99)}/${fmtMs(g.max)} (${g.count})` : "none")),
  ]);
  if (!rows.length) return undefined;
  const header = ["workload", "row", "gen 0 p50/p99/max ms (count)", "gen 1", "gen 2"];
  return { header, right: header.map((_, i) => i >= 2), rows };
}

interface ReplayExtra { events: number; peakHeapBytes: number; peakLiveBytes: number; fragmentationAtPeak: number; maxExternalFragmentation: number; endExternalFragmentation?: number }

/** The trace replays' memory and fragmentation (the first repetition; every repetition replays the same events). */
export function replaysTable(run: RunJson): Table | undefined {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const mib = (x: number) => (x / 2 ** 20).toFixed(2);
  const rows = run.rows.filter((r) => r.driver === "replay" && r.samples.length).map((r) => {
    const e = r.samples[0]!.extra as unknown as ReplayExtra;
    return [`${r.variant} (${r.allocator})`, e.events.toLocaleString("en-US"), mib(e.peakHeapBytes), mib(e.peakLiveBytes), pct(e.fragmentationAtPeak), pct(e.maxExternalFragmentation), e.endExternalFragmentation === undefined ? "—" : pct(e.endExternalFragmentation)];
  });
  if (!rows.length) return undefined;
  const header = ["trace (allocator)", "events", "peak heap MiB", "peak live MiB", "frag@peak", "max external", "end external"];
  return { header, right: header.map((_, i) => i >= 1), rows };
}

/** The default configuration against the peers on throughput and max pause (the goals the project set itself). */
export function peerChecks(run: RunJson): string[] {
  const lines: string[] = [];
  for (const w of run.workloads) {
    for (const v of variantsOf(run, w.id)) {
      const a = axes(run, w.id, v);
      const d = a.default;
      if (!d || a.peers.length === 0) continue;
      const parts: string[] = [];
      const peer = (id: string) => a.peers.find((r) => r.peer === id);
      // each comparison: the ratio of medians over the repetitions and its 95 % bootstrap interval
      const said = (x: PeerRatio | undefined, fallback: number) => (x ? `${fmtRatioCI(x.ratio, x.ci)}: ${verdictOf(x.ci)}` : `${fmtRatio(fallback)}`);
      for (const id of ["as-rt", "pyodide"]) {
        const p = peer(id);
        if (!p) continue;
        parts.push(`throughput vs ${id} ${fmtValue(w, p.median!)}: ${said(d.vs?.[id], d.median! / p.median!)}`);
        if (d.pauses && p.pauses?.count) parts.push(`max pause vs ${id} ${fmtMs(p.pauses.max)} ms: ${said(d.vs?.[id]?.maxPause, d.pauses.max / p.pauses.max)}`);
      }
      const v8 = peer("v8");
      if (v8 && d.pauses && v8.pauses?.count) parts.push(`max pause vs v8 ${fmtMs(v8.pauses.max)} ms: ${said(d.vs?.v8?.maxPause, d.pauses.max / v8.pauses.max)}`);
      if (parts.length) lines.push(`${w.id}${v ? ` ${v}` : ""} ${strategyOf(d)} = ${fmtValue(w, d.median!)}${d.pauses?.count ? `, max pause ${fmtMs(d.pauses.max)} ms` : ""}: ${parts.join("; ")}`);
    }
  }
  return lines;
}

/** The options a run was made with, one line each. */
export function optionsTable(run: RunJson): Table {
  const show = (k: string, v: unknown) => (Array.isArray(v) ? (v.length ? v.join(", ") : k === "peers" ? "none" : "all") : String(v));
  return { header: ["option", "value"], right: [false, false], rows: [["profile", run.profile], ...Object.entries(run.options).map(([k, v]) => [k, show(k, v)])] };
}

/** The CPU as a run saw it: its name and count, and where known its generation, a VM, transparent huge pages. */
export function cpuLine(e: RunJson["env"]): string {
  const m = e.machine;
  const more = m ? [m.cpuId, m.virtual ? "a virtual machine" : m.virtual === false ? "no hypervisor" : null, m.transparentHugePages ? `transparent huge pages: ${m.transparentHugePages}` : null].filter(Boolean) : [];
  return `${e.cpu} ×${e.cpuCount}${more.length ? ` (${more.join("; ")})` : ""}`;
}

/** What else ran during the run, where it was measured. */
export function contentionLine(e: RunJson["env"]): string | null {
  const c = e.contention;
  return c ? `other processes used ${c.otherProcessesPercent} % of the CPUs' time during the run, and the hypervisor took ${c.stealPercent} % (steal)` : null;
}

/** A clause as the start of a sentence. */
export const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The run's conditions in a clause: the load at its start and, where measured, what else ran. */
export function conditionsLine(e: RunJson["env"]): string {
  const busy = contentionLine(e);
  return `load average ${e.loadAverageAtStart.map((x) => x.toFixed(1)).join(" / ")} at the start${busy ? `; ${busy}` : ""}`;
}

/** The machine and the run's duration. */
export function envTable(run: RunJson): Table {
  const e = run.env;
  const load = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" / ");
  return {
    header: ["", ""], right: [false, false],
    rows: [
      ["command", e.command], ["date", e.date], ["duration", `${e.elapsedSeconds.toFixed(1)} s (timed rows, without the build)`],
      ["node", `${e.node} (V8 ${e.v8})`], ["platform", e.platform], ["cpu", cpuLine(e)],
      ["memory", `${(e.totalMemory / 2 ** 30).toFixed(1)} GiB`], ["load average 1/5/15 min, start → end", `${load(e.loadAverageAtStart)} → ${load(e.loadAverageAtEnd)}`],
      ...(e.contention !== undefined ? [["contention during the run", contentionLine(e) ?? "not measured (no /proc/stat, or a run of under a CPU-second)"]] : []),
    ],
  };
}

/** The run's description in a line: profile, repetitions, sizes. */
export function summaryLine(run: RunJson): string {
  const o = run.options as { reps: number; scale: number; iterations: number };
  return `${run.profile === "full" ? "full matrix (every allocator × collector)" : "headline (the default configuration and each strategy axis through it)"}; ` +
    `${o.reps} repetition${o.reps === 1 ? "" : "s"} per row after a warm-up, interleaved, fresh instance/heap each; scale ${o.scale}${run.workloads.some((w) => w.id === "W1") ? ` (W1: ${o.iterations} trees)` : ""}`;
}

/** The whole run as the terminal shows it. */
export function renderText(run: RunJson): string {
  const out: string[] = [];
  const e = run.env;
  out.push(`refheap benchmarks — node ${e.node} (V8 ${e.v8}), ${e.platform}, ${cpuLine(e)}, ${e.date}`);
  const busy = contentionLine(e);
  if (busy) out.push(capitalized(busy));
  out.push(`${summaryLine(run)}; ${e.elapsedSeconds.toFixed(1)} s`);
  out.push(run.goals);
  for (const w of run.workloads) out.push(w.title);
  out.push("", "Headline: default configuration, best allocator and best collector on the strategy axes, host-driven, peers", textTable(headlineTable(run)), "");
  out.push(textTable(resultsTable(run)), "");
  const checks = peerChecks(run);
  if (checks.length) out.push("The default configuration against the peers, this run:", ...checks.map((l) => `  ${l}`), "");
  const outl = outliersTable(run);
  if (outl) out.push(`Pauses of ${OUTLIER_MS} ms or more, explained (anatomy repetition: bench/anatomy.ts)`, textTable(outl), ...outlierSummary(run), "");
  const gens = generationsTable(run);
  if (gens) out.push("Pauses by generation collected", textTable(gens), "");
  const replays = replaysTable(run);
  if (replays) out.push("Trace replays: memory and fragmentation (first repetition; every repetition replays the same events)", textTable(replays), "");
  for (const w of run.workloads) for (const n of w.notes) out.push(n);
  out.push(...run.notes);
  return out.join("\n");
}

/** Reads a results JSON (bench:doc, tests), checking it is one the runner writes; bounded: it is a file from anywhere. */
export function readRun(file: string): RunJson {
  const text = readFileSync(file, "utf8");
  if (text.length > 64 * 2 ** 20) throw new Error(`${file}: ${(text.length / 2 ** 20).toFixed(0)} MiB, more than a results JSON can be`);
  const run = JSON.parse(text) as RunJson;
  if (run?.version !== 2 || !Array.isArray(run.rows) || !Array.isArray(run.workloads) || !run.strategies || !run.env) {
    throw new Error(`${file}: not a results JSON of bench/run.ts (version 2)`);
  }
  return run;
}
