// The HTML report of a benchmark run: one self-contained file (Chart.js inlined, data embedded),
// viewable offline, drawn from the run's JSON alone. Every allocator and every collector keeps one
// colour in every chart (by its place in the registry). Per workload: medians with min..max
// whiskers along each strategy axis (linear axes), the whole matrix on full runs, and the pause
// distributions as latency-percentile curves (HdrHistogram's plot: percentile on a log axis of
// 1/(1-p), p0..p99.99 and the max). Then memory and fragmentation over time from the trace
// replays, and the tables.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import {
  axes, envTable, esc, fmtMs, generationsTable, headlineTable, htmlTable, optionsTable, outlierSummary, outliersTable, peerChecks, replaysTable, resultsTable,
  strategyOf, summaryLine, variantsOf, type RowJson, type RunJson, type WorkloadJson,
} from "./present.js";
import type { ReplaySeries } from "./traces.js";

// Tableau 10 for allocators, ColorBrewer Dark2 for collectors: fixed by registry order, so a strategy
// added to the registry gets the next colour and the others keep theirs.
const ALLOCATOR_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"];
const COLLECTOR_PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d"];
const PEER_COLOUR: Record<string, string> = { v8: "#7f7f7f", "as-rt": "#c49c94", pyodide: "#3776ab", quickjs: "#d4a017" };
const PEER_NAME: Record<string, string> = { v8: "V8", "as-rt": "AS runtime", pyodide: "pyodide", quickjs: "QuickJS" };

export function palette(run: RunJson) {
  const pick = (list: string[], colours: string[], name: string | undefined) => colours[Math.max(0, list.indexOf(name ?? "")) % colours.length]!;
  return {
    allocator: (name: string | undefined) => pick(run.strategies.allocators, ALLOCATOR_PALETTE, name),
    collector: (name: string | undefined) => pick(run.strategies.collectors, COLLECTOR_PALETTE, name),
    peer: (id: string) => PEER_COLOUR[id] ?? "#999",
  };
}

/** Charts draw ns per unit, except one-off collections, which draw milliseconds. */
const chartValue = (w: WorkloadJson, ns: number) => (w.display === "ms" ? ns / 1e6 : ns);
const chartUnit = (w: WorkloadJson) => (w.display === "ms" ? "ms" : w.unit);

interface Bar { label: string; value: number; min: number; max: number; colour: string; light?: boolean }
interface BarChart { title: string; unit: string; bars: Bar[] }
interface Curve { label: string; colour: string; dashed: boolean; points: { x: number; y: number }[] }

/** The data the page draws, computed here so the page holds no logic beyond Chart.js calls. */
export function chartData(run: RunJson) {
  const colour = palette(run);
  const { defaultAllocator: da, defaultCollector: dc } = run.strategies;
  const sections = run.workloads.flatMap((w) => variantsOf(run, w.id).map((variant) => {
    const a = axes(run, w.id, variant);
    const name = `${w.id}${variant ? ` ${variant}` : ""}`;
    const bar = (r: RowJson, label: string, c: string, light = false): Bar => ({
      label, value: chartValue(w, r.median!), min: chartValue(w, r.min!), max: chartValue(w, r.max!), colour: c, light,
    });
    const peerBars = a.peers.map((r) => bar(r, r.row, colour.peer(r.peer!)));
    const driver = a.default?.driver ?? a.allocators[0]?.driver ?? "in-wasm";
    const charts: BarChart[] = [];
    if (a.allocators.length) {
      charts.push({
        title: `${name}: allocators (${a.allocators[0]!.collector ? `collector ${dc}, ` : ""}${driver})`, unit: chartUnit(w),
        bars: [...a.allocators.map((r) => bar(r, r.allocator!, colour.allocator(r.allocator))), ...peerBars],
      });
    }
    if (a.collectors.length) {
      charts.push({
        title: `${name}: collectors (allocator ${da}, ${driver})`, unit: chartUnit(w),
        bars: [
          ...a.collectors.map((r) => bar(r, r.collector! + (r.setting ? `, ${r.setting}` : ""), colour.collector(r.collector), !!r.setting)),
          ...(a.host ? [bar(a.host, `host-driven ${strategyOf(a.host)}`, colour.collector(a.host.collector), true)] : []),
          ...peerBars,
        ],
      });
    }
    if (!charts.length && (a.host || peerBars.length)) {
      charts.push({ title: `${name}: rows`, unit: chartUnit(w), bars: [...(a.host ? [bar(a.host, `host-driven ${strategyOf(a.host)}`, colour.collector(a.host.collector), true)] : []), ...peerBars] });
    }
    // full runs: the whole matrix, one chart per driver (allocators on the axis, a colour per collector)
    const matrices = run.profile !== "full" ? [] : ["in-wasm", "host"].flatMap((d) => {
      const rows = run.rows.filter((r) => r.workload === w.id && r.driver === d && r.collector && !r.alternative && r.median !== null && (variant === undefined || r.variant === variant));
      const allocators = run.strategies.allocators.filter((x) => rows.some((r) => r.allocator === x));
      const points = [...new Set(rows.map((r) => `${r.collector}${r.setting ? `, ${r.setting}` : ""}`))];
      if (allocators.length < 2) return [];
      return [{
        title: `${name}: every allocator × collector (${d})`, unit: chartUnit(w), labels: allocators,
        datasets: points.map((p) => {
          const of = (x: string) => rows.find((r) => r.allocator === x && `${r.collector}${r.setting ? `, ${r.setting}` : ""}` === p);
          const c = rows.find((r) => `${r.collector}${r.setting ? `, ${r.setting}` : ""}` === p)!;
          return {
            label: p, colour: colour.collector(c.collector), light: !!c.setting,
            data: allocators.map((x) => (of(x) ? chartValue(w, of(x)!.median!) : null)),
            whiskers: allocators.map((x) => (of(x) ? [chartValue(w, of(x)!.min!), chartValue(w, of(x)!.max!)] : null)),
          };
        }),
      }];
    });
    // pause distributions: every collector point with the default allocator, host-driven default, peers
    const curve = (r: RowJson, label: string, c: string, dashed: boolean): Curve => ({
      label: `${label} (max ${fmtMs(r.pauses!.max)} ms, ${r.pauses!.count} pause${r.pauses!.count === 1 ? "" : "s"})`, colour: c, dashed,
      points: [...r.pauses!.curve.map(([p, ms]) => ({ x: 1 / (1 - p / 100), y: ms })), { x: r.pauses!.count, y: r.pauses!.max }],
    });
    const paused = (r: RowJson | undefined) => !!r?.pauses && r.pauses.count > 0;
    const curves = [
      ...a.collectors.filter(paused).map((r) => curve(r, `${r.collector}${r.setting ? `, ${r.setting}` : ""} (${r.driver})`, colour.collector(r.collector), !!r.setting)),
      ...(paused(a.host) ? [curve(a.host!, `host-driven ${strategyOf(a.host!)}`, colour.collector(a.host!.collector), true)] : []),
      ...a.peers.filter(paused).map((r) => curve(r, r.row, colour.peer(r.peer!), false)),
    ];
    return { id: name, title: w.title, charts, matrices, curves: curves.length ? { title: `${name}: collection pauses by percentile`, curves } : null };
  }));
  // memory and fragmentation over time: the trace replays, one line per allocator
  const traces = [...new Set(run.rows.filter((r) => r.driver === "replay").map((r) => r.variant!))].map((trace) => {
    const rows = run.rows.filter((r) => r.driver === "replay" && r.variant === trace && r.samples[0]?.extra?.series);
    const seriesOf = (r: RowJson) => r.samples[0]!.extra!.series as ReplaySeries;
    const points = (s: ReplaySeries, ys: number[], k = 1) => s.op.map((x, i) => ({ x, y: ys[i]! * k }));
    const MiB = 2 ** -20;
    return {
      trace,
      heap: rows.map((r) => ({ label: r.allocator!, colour: colour.allocator(r.allocator), data: points(seriesOf(r), seriesOf(r).heapBytes, MiB) }))
        .concat(rows.length ? [{ label: "live bytes", colour: "#000", data: points(seriesOf(rows[0]!), seriesOf(rows[0]!).liveBytes, MiB) }] : []),
      external: rows.map((r) => ({ label: r.allocator!, colour: colour.allocator(r.allocator), data: points(seriesOf(r), seriesOf(r).externalFragmentation) })),
    };
  });
  return { sections, traces };
}

function legend(run: RunJson): string {
  const colour = palette(run);
  const chip = (c: string, label: string) => `<span class="chip"><i style="background:${c}"></i>${esc(label)}</span>`;
  const peers = [...new Set(run.rows.map((r) => r.peer).filter((p): p is string => !!p))];
  return `<p class="legend">allocators: ${run.strategies.allocators.map((a) => chip(colour.allocator(a), a)).join(" ")}
 &nbsp; collectors: ${run.strategies.collectors.map((c) => chip(colour.collector(c), c)).join(" ")}
 ${peers.length ? `&nbsp; peers: ${peers.map((p) => chip(colour.peer(p), PEER_NAME[p] ?? p)).join(" ")}` : ""}
 &nbsp; <span class="small">(lighter: a collector setting, or the host-driven row)</span></p>`;
}

export function renderReport(run: RunJson): string {
  const require = createRequire(import.meta.url);
  const chartJs = readFileSync(path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
  const data = JSON.stringify(chartData(run)).replace(/</g, "\\u003c");
  const gens = generationsTable(run), replays = replaysTable(run), checks = peerChecks(run), outl = outliersTable(run);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>refheap benchmarks, ${esc(run.env.date)}</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; padding: 0 1em; }
 h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1em; margin: 1.5em 0 0.3em; }
 table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0; } th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
 th { background: #f4f4f4; position: sticky; top: 0; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
 .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; } .chart { position: relative; }
 .small { color: #666; font-size: 12px; } .problems { color: #a00; }
 .chip { white-space: nowrap; margin-right: 0.6em; } .chip i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; vertical-align: -0.1em; border-radius: 2px; }
 details summary { cursor: pointer; margin: 0.5em 0; }
</style></head><body>
<h1>refheap benchmarks</h1>
<p>${esc(summaryLine(run))}. ${esc(run.goals)}.</p>
${run.problems.length ? `<p class="problems">Problems:<br>${run.problems.map(esc).join("<br>")}</p>` : ""}
<h2>Headline</h2>
<p class="small">Per workload: the default configuration (in wasm), the fastest allocator with the default collector and the fastest collector with the default allocator (medians), the default configuration driven from the host, the peers. Max pause in parentheses where the row observes pauses.</p>
${htmlTable(headlineTable(run), "headline")}
${checks.length ? `<h3>The default configuration against the peers</h3><ul>${checks.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : ""}
<h2>Charts</h2>
${legend(run)}
<p class="small">Bars: the median over the repetitions; whiskers: min..max. Pause curves: every collection in the timed regions of all repetitions, by percentile (x: 1/(1-p), log), to the max.</p>
<div id="charts"></div>
<h2>Every row</h2>
${htmlTable(resultsTable(run), "results")}
${outl ? `<h3>Pauses of 1 ms or more, explained</h3><p class="small">The anatomy repetition (bench/anatomy.ts): run-queue wait, V8 GCs and step times per pause.</p>${htmlTable(outl)}<ul>${outlierSummary(run).map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : ""}
${gens ? `<h3>Pauses by generation collected</h3>${htmlTable(gens)}` : ""}
${replays ? `<h3>Trace replays: memory and fragmentation</h3><p class="small">The first repetition (every repetition replays the same events). frag@peak = 1 − peak live bytes / peak heap bytes; external = 1 − largest free block / free bytes.</p>${htmlTable(replays)}` : ""}
<h2>Workloads and notes</h2>
<ul>${run.workloads.map((w) => `<li><b>${esc(w.title)}</b>${w.notes.length ? `<br><span class="small">${w.notes.map(esc).join("<br>")}</span>` : ""}</li>`).join("\n")}</ul>
${run.notes.length ? `<p class="small">${run.notes.map(esc).join("<br>")}</p>` : ""}
<h2>Run</h2>
<div class="grid"><div><h3>Machine</h3>${htmlTable(envTable(run))}</div><div><h3>Options</h3>${htmlTable(optionsTable(run))}</div></div>
<script>${chartJs}</script>
<script>
const DATA = ${data};
const root = document.getElementById("charts");
function el(tag, cls, parent) { const e = document.createElement(tag); if (cls) e.className = cls; (parent || root).appendChild(e); return e; }
function canvas(parent, height) { const d = el("div", "chart", parent); d.style.height = height + "px"; return el("canvas", "", d); }
const light = (c) => c + "80";
// min..max whiskers over horizontal or vertical bars (datasets with a "whiskers" array of [min, max])
const whiskers = { id: "whiskers", afterDatasetsDraw(chart) {
  const ctx = chart.ctx, horizontal = chart.options.indexAxis === "y", scale = horizontal ? chart.scales.x : chart.scales.y;
  chart.data.datasets.forEach((ds, i) => {
    const meta = chart.getDatasetMeta(i);
    if (!ds.whiskers || meta.hidden) return;
    meta.data.forEach((bar, j) => {
      const w = ds.whiskers[j];
      if (!w) return;
      const a = scale.getPixelForValue(w[0]), b = scale.getPixelForValue(w[1]), c = horizontal ? bar.y : bar.x;
      ctx.save(); ctx.strokeStyle = "#222"; ctx.lineWidth = 1.2; ctx.beginPath();
      if (horizontal) { ctx.moveTo(a, c); ctx.lineTo(b, c); ctx.moveTo(a, c - 4); ctx.lineTo(a, c + 4); ctx.moveTo(b, c - 4); ctx.lineTo(b, c + 4); }
      else { ctx.moveTo(c, a); ctx.lineTo(c, b); ctx.moveTo(c - 4, a); ctx.lineTo(c + 4, a); ctx.moveTo(c - 4, b); ctx.lineTo(c + 4, b); }
      ctx.stroke(); ctx.restore();
    });
  });
} };
const fmt = (v) => v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
const PCT_TICKS = [1, 2, 10, 100, 1000, 10000, 100000, 1000000];
const pct = (x) => x <= 1 ? "0%" : Number((100 * (1 - 1 / x)).toPrecision(6)) + "%";

function barChart(parent, c) {
  new Chart(canvas(parent, Math.max(130, 50 + 22 * c.bars.length)), {
    type: "bar", plugins: [whiskers],
    data: { labels: c.bars.map((b) => b.label), datasets: [{ label: c.unit, data: c.bars.map((b) => b.value), whiskers: c.bars.map((b) => [b.min, b.max]),
      backgroundColor: c.bars.map((b) => b.light ? light(b.colour) : b.colour), borderColor: c.bars.map((b) => b.colour), borderWidth: 1 }] },
    options: { indexAxis: "y", maintainAspectRatio: false, animation: false,
      plugins: { title: { display: true, text: c.title }, legend: { display: false },
        tooltip: { callbacks: { label: (x) => fmt(c.bars[x.dataIndex].value) + " " + c.unit + " (" + fmt(c.bars[x.dataIndex].min) + ".." + fmt(c.bars[x.dataIndex].max) + ")" } } },
      scales: { x: { type: "linear", beginAtZero: true, suggestedMax: Math.max(...c.bars.map((b) => b.max)), title: { display: true, text: c.unit + ", median with min..max" } }, y: { ticks: { autoSkip: false, font: { size: 11 } } } } },
  });
}

function matrixChart(parent, m) {
  new Chart(canvas(parent, 300), {
    type: "bar", plugins: [whiskers],
    data: { labels: m.labels, datasets: m.datasets.map((d) => ({ label: d.label, data: d.data, whiskers: d.whiskers, skipNull: true,
      backgroundColor: d.light ? light(d.colour) : d.colour, borderColor: d.colour, borderWidth: 1 })) },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: m.title } },
      scales: { x: { title: { display: true, text: "allocator" } }, y: { type: "linear", beginAtZero: true, suggestedMax: Math.max(...m.datasets.flatMap((d) => d.whiskers.filter(Boolean).map((w) => w[1]))), title: { display: true, text: m.unit } } } },
  });
}

function percentileChart(parent, p) {
  const most = Math.max(10, ...p.curves.flatMap((c) => c.points.map((q) => q.x)));
  new Chart(canvas(parent, 260 + 18 * p.curves.length), {
    type: "line",
    data: { datasets: p.curves.map((c) => ({ label: c.label, data: c.points, borderColor: c.colour, backgroundColor: c.colour, borderDash: c.dashed ? [5, 3] : [], pointRadius: 1.5, borderWidth: 1.5, stepped: false })) },
    options: { maintainAspectRatio: false, animation: false, parsing: true,
      plugins: { title: { display: true, text: p.title }, legend: { position: "bottom", labels: { boxWidth: 18, font: { size: 11 } } }, tooltip: { callbacks: { label: (x) => x.dataset.label.split(" (")[0] + ": " + pct(x.parsed.x) + " " + fmt(x.parsed.y) + " ms" } } },
      scales: {
        x: { type: "logarithmic", min: 1, max: PCT_TICKS.find((t) => t >= most) || most, title: { display: true, text: "percentile (the last point of each curve: its max)" },
          afterBuildTicks: (axis) => { axis.ticks = PCT_TICKS.filter((t) => t <= axis.max).map((value) => ({ value })); },
          ticks: { callback: (v) => pct(v) } },
        y: { type: "logarithmic", title: { display: true, text: "pause, ms (log)" } },
      } },
  });
}

// one heading per workload, then every chart of its variants (W5 strong/weak, TR's traces) in a grid
let grid = null, title = null;
for (const s of DATA.sections) {
  if (s.title !== title) { title = s.title; const h = el("h3"); h.textContent = s.title; grid = el("div", "grid"); }
  for (const c of s.charts) barChart(el("div", "", grid), c);
  for (const m of s.matrices) matrixChart(el("div", "", grid), m);
  if (s.curves) percentileChart(el("div", "", grid), s.curves);
}

if (DATA.traces.length) { const h = el("h3"); h.textContent = "Memory and fragmentation over time (trace replays)"; }
for (const t of DATA.traces) {
  const grid = el("div", "grid");
  new Chart(canvas(el("div", "", grid), 260), {
    type: "line",
    data: { datasets: t.heap.map((d) => ({ label: d.label, data: d.data, borderColor: d.colour, backgroundColor: d.colour, pointRadius: 0, borderWidth: d.label === "live bytes" ? 2 : 1.5, borderDash: d.label === "live bytes" ? [4, 3] : [] })) },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: "trace " + t.trace + ": heap MiB over events (dashed: live bytes)" } },
      scales: { x: { type: "linear", title: { display: true, text: "events replayed" } }, y: { beginAtZero: true, title: { display: true, text: "MiB" } } } },
  });
  new Chart(canvas(el("div", "", grid), 260), {
    type: "line",
    data: { datasets: t.external.map((d) => ({ label: d.label, data: d.data, borderColor: d.colour, backgroundColor: d.colour, pointRadius: 0, borderWidth: 1.5 })) },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: true, text: "trace " + t.trace + ": external fragmentation" } },
      scales: { x: { type: "linear", title: { display: true, text: "events replayed" } }, y: { min: 0, max: 1 } } },
  });
}
document.body.dataset.ready = "1";
</script>
</body></html>
`;
}

export function writeReport(run: RunJson, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderReport(run));
}
