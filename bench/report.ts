// The HTML report of a benchmark run: one self-contained file (Chart.js inlined, data embedded),
// viewable offline. Charts: medians per row for each workload, ns per unit per strategy, pause
// histograms per collector, and memory and fragmentation over time from the trace replays.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ALLOCATORS, DEFAULT_ALLOCATOR } from "../src/strategies.js";

/** One colour per allocator of the registry, in its order. */
const ALLOC_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948", "#9c755f"];

interface RowJson {
  workload: string; row: string; unit: string; median: number; min: number; max: number;
  peer?: string; allocator?: string; collector?: string; driver?: string;
  peakBytes: number | null;
  pauses: { p50: number; p99: number; max: number; count: number } | null;
  samples: { pausesMs?: number[]; extra?: Record<string, unknown> }[];
  error: string | null;
}
export interface RunJson {
  env: Record<string, unknown>;
  options: Record<string, unknown>;
  workloads: { id: string; title: string; unit: string; notes: string[] }[];
  rows: RowJson[];
  problems: string[];
  table: string;
}

/** Log-spaced pause buckets from 1 µs to ~1 s, as counts per row. */
const BUCKET_EDGES_MS = Array.from({ length: 25 }, (_, i) => 0.001 * 10 ** (i / 4));

function histogram(pauses: number[]): number[] {
  const counts = new Array(BUCKET_EDGES_MS.length).fill(0) as number[];
  for (const ms of pauses) {
    let i = BUCKET_EDGES_MS.findIndex((edge) => ms < edge);
    if (i < 0) i = BUCKET_EDGES_MS.length - 1;
    counts[i]++;
  }
  return counts;
}

/** The data the page's script draws, computed here so the page holds no logic beyond Chart.js calls. */
function chartData(run: RunJson) {
  const byWorkload = run.workloads.map((w) => {
    const rows = run.rows.filter((r) => r.workload === w.id && Number.isFinite(r.median));
    return { id: w.id, title: w.title, unit: w.unit, labels: rows.map((r) => r.row), medians: rows.map((r) => r.median), mins: rows.map((r) => r.min), maxs: rows.map((r) => r.max), peers: rows.map((r) => r.peer ?? null), allocators: rows.map((r) => r.allocator ?? null) };
  });
  // ns per unit per strategy: in-wasm rows, allocator on the x axis, one dataset per collector
  const strategy = run.workloads.map((w) => {
    const rows = run.rows.filter((r) => r.workload === w.id && r.driver === "in-wasm" && r.allocator && Number.isFinite(r.median) && !r.row.includes("budget") && !r.row.includes(" weak "));
    const allocators = [...new Set(rows.map((r) => r.allocator!))];
    const collectors = [...new Set(rows.map((r) => r.collector!))];
    return { id: w.id, unit: w.unit, allocators, datasets: collectors.map((c) => ({ label: c, data: allocators.map((a) => rows.find((r) => r.allocator === a && r.collector === c)?.median ?? null) })) };
  }).filter((s) => s.allocators.length > 1);
  // pause histograms: rows that observed pauses, the default allocator's collectors and the peers
  const pauses = run.workloads.map((w) => {
    const rows = run.rows.filter((r) => r.workload === w.id && r.pauses && r.pauses.count > 0 && (r.peer || r.allocator === DEFAULT_ALLOCATOR));
    return { id: w.id, title: w.title, datasets: rows.map((r) => ({ label: r.row, data: histogram(r.samples.flatMap((s) => s.pausesMs ?? [])), max: r.pauses!.max })) };
  }).filter((p) => p.datasets.length);
  // memory and fragmentation over time: the trace replays
  const traces = [...new Set(run.rows.filter((r) => r.workload === "TR").map((r) => /replay (\S+)/.exec(r.row)?.[1] ?? r.row))].map((trace) => {
    const rows = run.rows.filter((r) => r.workload === "TR" && r.row.includes(`replay ${trace} `));
    const seriesOf = (r: RowJson) => (r.samples[0]?.extra?.series ?? []) as { op: number; heapBytes: number; liveBytes: number; externalFragmentation: number }[];
    const live = rows.length ? seriesOf(rows[0]!).map((s) => ({ x: s.op, y: s.liveBytes / 2 ** 20 })) : [];
    return {
      trace,
      heap: rows.map((r) => ({ label: r.allocator ?? r.row, data: seriesOf(r).map((s) => ({ x: s.op, y: s.heapBytes / 2 ** 20 })) })).concat([{ label: "live bytes", data: live }]),
      external: rows.map((r) => ({ label: r.allocator ?? r.row, data: seriesOf(r).map((s) => ({ x: s.op, y: s.externalFragmentation })) })),
    };
  });
  return { byWorkload, strategy, pauses, traces, buckets: BUCKET_EDGES_MS };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderReport(run: RunJson): string {
  const require = createRequire(import.meta.url);
  const chartJs = readFileSync(path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
  const data = JSON.stringify(chartData(run)).replace(/</g, "\\u003c");
  const env = run.env as { node?: string; cpu?: string; cpuCount?: number; date?: string };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>refheap benchmarks ${esc(String(env.date ?? ""))}</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; }
 h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
 pre { font-size: 11px; overflow-x: auto; background: #f7f7f7; padding: 1em; }
 .chart { position: relative; margin: 1em 0; } .small { color: #666; font-size: 12px; }
 .problems { color: #a00; }
</style></head><body>
<h1>refheap benchmarks</h1>
<p class="small">node ${esc(String(env.node))}, ${esc(String(env.cpu))} ×${esc(String(env.cpuCount))}, ${esc(String(env.date))}. Options: ${esc(JSON.stringify(run.options))}</p>
${run.problems.length ? `<p class="problems">Problems: ${run.problems.map(esc).join("<br>")}</p>` : ""}
<div id="charts"></div>
<h2>The table</h2>
<pre>${esc(run.table)}</pre>
<script>${chartJs}</script>
<script>
const DATA = ${data};
const root = document.getElementById("charts");
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const PEER_COLOR = { v8: "#888", "as-rt": "#c49c94", pyodide: "#3776ab", quickjs: "#d4a017" };
const ALLOC_COLOR = ${JSON.stringify(Object.fromEntries(ALLOCATORS.map((a, i) => [a, ALLOC_PALETTE[i % ALLOC_PALETTE.length]])))};
function section(title, note) { const h = document.createElement("h2"); h.textContent = title; root.appendChild(h); if (note) { const p = document.createElement("p"); p.className = "small"; p.textContent = note; root.appendChild(p); } }
function canvas(height) { const d = document.createElement("div"); d.className = "chart"; d.style.height = height + "px"; const c = document.createElement("canvas"); d.appendChild(c); root.appendChild(d); return c; }
const fmt = (v) => v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);

section("Medians per row", "Each workload's rows: median over repetitions (bar), with min..max in the tooltip. Colour: allocator for refheap rows, grey/brown/blue/gold for V8, AssemblyScript's runtime, pyodide, QuickJS.");
for (const w of DATA.byWorkload) {
  if (!w.labels.length) continue;
  new Chart(canvas(60 + 16 * w.labels.length), {
    type: "bar",
    data: { labels: w.labels, datasets: [{ label: w.unit, data: w.medians, backgroundColor: w.labels.map((_, i) => w.peers[i] ? PEER_COLOR[w.peers[i]] || "#999" : ALLOC_COLOR[w.allocators[i]] || "#4e79a7") }] },
    options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: w.title }, legend: { display: false },
      tooltip: { callbacks: { label: (c) => fmt(w.medians[c.dataIndex]) + " " + w.unit + " (" + fmt(w.mins[c.dataIndex]) + ".." + fmt(w.maxs[c.dataIndex]) + ")" } } },
      scales: { x: { type: "logarithmic", title: { display: true, text: w.unit + " (log scale)" } }, y: { ticks: { autoSkip: false, font: { size: 10 } } } } },
  });
}

section("Per strategy (in-wasm)", "Median per unit for each allocator (x) and collector (colour), in-wasm mutators.");
for (const s of DATA.strategy) {
  new Chart(canvas(260), {
    type: "bar",
    data: { labels: s.allocators, datasets: s.datasets.map((d, i) => ({ ...d, backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: s.id + ": " + s.unit + " per strategy" } }, scales: { y: { title: { display: true, text: s.unit } } } },
  });
}

section("Pause histograms per collector", "Every collector pause in the timed regions of all repetitions, in log-spaced buckets (upper edge shown). Default allocator's rows and the peers.");
for (const p of DATA.pauses) {
  new Chart(canvas(300), {
    type: "bar",
    data: { labels: DATA.buckets.map((b) => "<" + (b < 1 ? Number((b * 1000).toPrecision(2)) + " µs" : Number(b.toPrecision(2)) + " ms")), datasets: p.datasets.map((d, i) => ({ label: d.label + " (max " + fmt(d.max) + " ms)", data: d.data, backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: p.title } }, scales: { y: { type: "logarithmic", title: { display: true, text: "pauses (log scale)" } } } },
  });
}

section("Memory over time (trace replays)", "Heap bytes (committed minus the static region) while each trace replays, per allocator, and the live bytes every allocator must hold; then external fragmentation (1 - largest free block / free bytes).");
for (const t of DATA.traces) {
  new Chart(canvas(280), {
    type: "line",
    data: { datasets: t.heap.map((d) => ({ ...d, borderColor: ALLOC_COLOR[d.label] || "#000", pointRadius: 0, borderWidth: d.label === "live bytes" ? 2 : 1.5, borderDash: d.label === "live bytes" ? [4, 3] : [] })) },
    options: { maintainAspectRatio: false, animation: false, parsing: true, plugins: { title: { display: true, text: "trace " + t.trace + ": MiB over events" } }, scales: { x: { type: "linear", title: { display: true, text: "events replayed" } }, y: { title: { display: true, text: "MiB" } } } },
  });
  new Chart(canvas(200), {
    type: "line",
    data: { datasets: t.external.map((d) => ({ ...d, borderColor: ALLOC_COLOR[d.label] || "#000", pointRadius: 0, borderWidth: 1.5 })) },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: "trace " + t.trace + ": external fragmentation" } }, scales: { x: { type: "linear", title: { display: true, text: "events replayed" } }, y: { min: 0, max: 1 } } },
  });
}
</script>
</body></html>
`;
}

export function writeReport(run: RunJson, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderReport(run));
}
