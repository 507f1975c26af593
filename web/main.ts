// The heap explorer: refheap running in the page, its objects drawn as a graph (cytoscape), its
// pools as a map, and a collection replayed step by step from the collector's phase reports.

import cytoscape from "cytoscape";
import { setWasmBaseUrl } from "../src/wasm.js";
import type { AllocatorName, CollectorName } from "../src/heap.js";
import { ALLOCATORS, COLLECTORS, COLLECTOR_INFO, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR } from "../src/strategies.js";
import type { Handle } from "../src/handle.js";
import type { PhaseSnapshot } from "../src/phases.js";
import { readGraph, readPools, type HeapGraph } from "./graph.js";
import { PERMANENT } from "../src/generated/boundary.js";
import { layoutGraph } from "./layout.js";
import { SCENES, type Scene } from "./scenes.js";

setWasmBaseUrl(new URL("/build/", location.href));

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const hex = (p: number) => p.toString(16);

let scene: Scene;
let selected: number | null = null;
let linkField: string | null = null;
/** What the header shows of the heap at one moment. */
interface HeapFigures { liveObjects: number; committedBytes: number; counts: number[]; garbage: number }
/** A collection being replayed: the graph and figures before it, the collector's reports, the figures after. */
let replay: { before: HeapGraph; beforeFigures: HeapFigures; after: HeapFigures; found: number; steps: PhaseSnapshot[]; index: number; generation: number } | null = null;
/** The nodes and edges last laid out: the layout is redone only when they change. */
let laidOut = "";
/** Fitting a small scene would blow it up to the page's size: the fit never zooms in past this. */
const FIT_MAX_ZOOM = 1.25;
const log: string[] = [];

const cy = cytoscape({
  container: $("graph"),
  style: [
    { selector: "node", style: { label: "data(label)", "font-size": 9, "text-wrap": "wrap", "text-valign": "center", "background-color": "data(color)", width: 58, height: 34, shape: "round-rectangle", color: "#111" } },
    { selector: "node.weakref", style: { shape: "ellipse", width: 30, height: 20, "background-color": "#ddd" } },
    { selector: "node.host", style: { shape: "diamond", "background-color": "#333", color: "#fff", width: 40, height: 40 } },
    { selector: "node:selected", style: { "border-width": 3, "border-color": "#e15759" } },
    { selector: "node.unreachable", style: { "border-width": 3, "border-color": "#e15759", "border-style": "dashed" } },
    { selector: "node.freed", style: { opacity: 0.25 } },
    { selector: "edge", style: { width: 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle", "line-color": "#777", "target-arrow-color": "#777", label: "data(label)", "font-size": 8 } },
    { selector: "edge.weak", style: { "line-style": "dashed", "line-color": "#aaa", "target-arrow-color": "#aaa" } },
    { selector: "edge.host", style: { "line-color": "#333", "target-arrow-color": "#333" } },
  ],
});

const GEN_COLORS = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6"];

function roleOf(steps: PhaseSnapshot, id: number): { gcRefs: number | null; role: "A" | "B" | null } {
  const a = steps.listA.find((o) => o.address === id);
  if (a) return { gcRefs: a.gcRefs, role: "A" };
  const b = steps.listB.find((o) => o.address === id);
  if (b) return { gcRefs: b.gcRefs, role: "B" };
  return { gcRefs: null, role: null };
}

function draw(): void {
  const graph = replay ? replay.before : readGraph(scene.heap);
  const step = replay ? replay.steps[replay.index] : undefined;
  aliveNow = replay ? new Set(readGraph(scene.heap).nodes.map((n) => n.id)) : null;
  const previous = cy.nodes().map((n) => [n.id(), { ...n.position() }] as const); // kept where the user dragged them
  const elements: cytoscape.ElementDefinition[] = [{ data: { id: "host", label: "host", color: "#333" }, classes: "host" }];
  for (const n of graph.nodes) {
    const role = step ? roleOf(step, n.id) : null;
    const gcRefs = role?.gcRefs !== null && role?.gcRefs !== undefined ? `\ngc_refs=${role.gcRefs}` : "";
    const gen = n.generation === null ? "" : n.generation === PERMANENT ? " perm" : ` g${n.generation}`;
    const label = n.weakref ? "weakref" : `${n.type}\nrc=${n.refcount}${gen}${gcRefs}`;
    const classes = [n.weakref ? "weakref" : "", role?.role === "B" ? "unreachable" : "", replay && replay.index === replay.steps.length - 1 && replayFreed(n.id) ? "freed" : ""].join(" ");
    elements.push({ data: { id: String(n.id), label, color: n.finalized ? "#ff9da7" : GEN_COLORS[n.generation ?? 0] }, classes });
  }
  for (const [i, e] of graph.edges.entries()) elements.push({ data: { id: `e${i}`, source: String(e.from), target: String(e.to), label: e.name }, classes: e.weak ? "weak" : "" });
  for (const n of graph.nodes) if (n.external > 0) elements.push({ data: { id: `h${n.id}`, source: "host", target: String(n.id), label: n.external > 1 ? `×${n.external}` : "" }, classes: "host" });
  cy.elements().remove();
  cy.add(elements);
  const ids = cy.nodes().map((n) => n.id());
  const edges = cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id(), weak: e.hasClass("weak") }));
  const shape = `${ids.join(",")}|${edges.map((e) => `${e.source}>${e.target}${e.weak ? "~" : ""}`).join(",")}`;
  const positions = shape === laidOut ? new Map(previous) : layoutGraph(ids, edges, "host");
  cy.nodes().forEach((n) => { const p = positions.get(n.id()); if (p) n.position(p); });
  if (shape !== laidOut) {
    laidOut = shape;
    cy.fit(undefined, 30);
    if (cy.zoom() > FIT_MAX_ZOOM) { cy.zoom(FIT_MAX_ZOOM); cy.center(); }
  }
  if (selected !== null) cy.$id(String(selected)).select();
  drawSide(graph);
}

function figures(): HeapFigures {
  const s = scene.heap.stats(), gc = scene.heap.capabilities.collector.collectsCycles ? scene.heap.gc : null;
  return { liveObjects: s.liveObjects, committedBytes: s.committedBytes, counts: gc ? gc.getCount() : [0, 0, 0], garbage: gc ? gc.garbage.length : 0 };
}

/**
 * The header: the live heap, or during a replay the heap as it was at the step shown (the
 * figures from before the collection until its last step, "promote survivors", which shows the
 * heap after it; the graph drawn is the one from before, with the freed objects faded at the end).
 */
function header(graph: HeapGraph): string {
  const last = replay !== null && replay.index === replay.steps.length - 1;
  const shown = replay && last ? graph.nodes.filter((n) => !replayFreed(n.id)) : graph.nodes;
  const f = !replay ? figures() : last ? replay.after : replay.beforeFigures;
  const step = replay?.steps[replay.index];
  const where = replay && step
    ? `collect(${replay.generation}) step ${replay.index + 1}/${replay.steps.length}, ${step.phase}: ${step.listA.length} in A, ${step.listB.length} unreachable in B · ${last ? `after: ${replay.found} found` : "before the collection"} · `
    : "";
  return `${where}${shown.filter((n) => n.generation !== null).length} tracked, ${shown.filter((n) => n.weakref).length} weakrefs, ${shown.length} objects · ` +
    `${f.liveObjects} live objects, ${f.committedBytes.toLocaleString("en-US")} bytes committed · gc counts ${f.counts.join("/")} · gc.garbage ${f.garbage}`;
}

/** Whether the object drawn (from before a replayed collection) is gone from the heap now. */
let aliveNow: Set<number> | null = null;
const replayFreed = (id: number) => aliveNow !== null && !aliveNow.has(id);

function drawSide(graph: HeapGraph): void {
  $("stats").textContent = header(graph);
  $("roots").textContent = [...scene.roots.entries()].filter(([, h]) => h.alive).map(([name, h]) => `${name} → 0x${hex(h.ptr)}`).join("  ") || "(no host handles)";
  $("log").textContent = log.slice(-8).join("\n");
  // the selected object, through the inspection tools (src/inspect/): what keeps it alive, what it keeps
  const info = $("inspect-info");
  info.textContent = "";
  if (selected !== null && !replay && graph.nodes.some((n) => n.id === selected)) {
    try {
      const inspect = scene.heap.inspect;
      info.textContent = `retained size ${inspect.retainedSize(selected)} bytes (what dies with it)\n${inspect.whyAlive(selected)}`;
    } catch (e) {
      info.textContent = e instanceof Error ? e.message : String(e);
    }
  }
  // phases
  const phases = $("phases");
  phases.innerHTML = "";
  if (replay) {
    replay.steps.forEach((st, i) => {
      const li = document.createElement("li");
      li.textContent = `${st.phase} (A: ${st.listA.length}, B: ${st.listB.length})`;
      if (i === replay!.index) li.className = "current";
      li.onclick = () => { replay!.index = i; draw(); };
      phases.appendChild(li);
    });
    $("phase-name").textContent = `collect(${replay.generation}) step ${replay.index + 1}/${replay.steps.length}: ${replay.steps[replay.index]?.phase ?? "—"}`;
  } else $("phase-name").textContent = "";
  // the pool map
  const map = $("pools");
  map.innerHTML = "";
  for (const p of readPools(scene.heap)) {
    const cell = document.createElement("div");
    cell.className = "pool";
    const fill = p.capacity ? p.used / p.capacity : 0;
    cell.style.background = p.sizeClass === null ? "#eee" : `hsl(${(p.sizeClass * 37) % 360} 60% ${85 - 45 * fill}%)`;
    cell.title = p.sizeClass === null ? `empty pool 0x${hex(p.address)} (arena ${p.arena})` : `pool 0x${hex(p.address)}, arena ${p.arena}: ${p.blockSize}-byte blocks, ${p.used}/${p.capacity} used`;
    cell.textContent = p.sizeClass === null ? "" : String(p.blockSize);
    map.appendChild(cell);
  }
  if (!map.childElementCount) map.textContent = scene.heap.capabilities.allocator.poolMap ? "(no pools carved yet)" : `(the ${scene.heap.allocator} allocator has no pools)`;
}

function say(text: string): void { log.push(text); }

function guarded(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    say(`error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  scene.heap.flushUnraisable();
  draw();
}

async function loadScene(id: string, collector: CollectorName, allocator: AllocatorName = DEFAULT_ALLOCATOR): Promise<void> {
  const spec = SCENES.find((s) => s.id === id)!;
  if (scene) { for (const h of scene.roots.values()) if (h.alive) h.dispose(); scene.heap.destroy(); }
  scene = await spec.build(collector, allocator);
  ($("scene") as HTMLSelectElement).value = id;
  ($("collector") as HTMLSelectElement).value = collector;
  ($("allocator") as HTMLSelectElement).value = allocator;
  scene.heap.onUnraisable = (err, context) => say(`unraisable in ${context}: ${(err as Error)?.message ?? err}`);
  replay = null; selected = null; log.length = 0;
  say(`${spec.title} on ${scene.heap.allocator}/${collector}`);
  $("note").textContent = scene.note;
  ($("script") as HTMLTextAreaElement).value = spec.script;
  cy.elements().remove();
  draw();
}

/** Runs collect(g) with the phase observer on; the page then steps through what it reported. */
function collectStepwise(g: number): void {
  const before = readGraph(scene.heap), beforeFigures = figures();
  const steps: PhaseSnapshot[] = [];
  scene.heap.gc.observePhases((s) => steps.push(s));
  let found = 0;
  try { found = scene.heap.gc.collect(g); } finally { scene.heap.gc.observePhases(null); }
  say(`collect(${g}): ${found} unreachable, ${steps.length} steps`);
  replay = { before, beforeFigures, after: figures(), found, steps, index: 0, generation: g };
  draw();
}

function handleFor(id: number): Handle | null {
  for (const h of scene.roots.values()) if (h.alive && h.ptr === id) return h;
  return null;
}

let nextName = 1;
function newObject(): void {
  const type = scene.heap.types.find((t) => t && t.kind === "fixed" && t.refs.length > 0);
  if (!type) throw new Error("this scene has no container type");
  const h = scene.heap.alloc(type);
  const name = `n${nextName++}`;
  scene.roots.set(name, h);
  selected = h.ptr;
  say(`${name} = alloc(${type.name}) at 0x${hex(h.ptr)}`);
}

function selectedHandle(what: string): Handle {
  if (selected === null) throw new Error(`${what}: select an object first`);
  const h = handleFor(selected);
  if (h) return h.dup();
  // no host handle: borrow one through a referrer-free path (gc.getObjects would make many)
  const wrapped = (scene.heap as unknown as { wrapBorrowed(p: number): Handle | null }).wrapBorrowed(selected);
  if (!wrapped) throw new Error(`${what}: the object is gone`);
  return wrapped;
}

function wire(): void {
  const sceneSel = $("scene") as HTMLSelectElement;
  for (const s of SCENES) { const o = document.createElement("option"); o.value = s.id; o.textContent = s.title; sceneSel.appendChild(o); }
  // the strategies come from the registry (strategies.json, and any --allocator file the build had)
  const collectorSel = $("collector") as HTMLSelectElement;
  for (const c of COLLECTORS) { const o = document.createElement("option"); o.value = o.textContent = c; o.title = COLLECTOR_INFO[c].doc; collectorSel.appendChild(o); }
  const allocatorSel = $("allocator") as HTMLSelectElement;
  for (const a of ALLOCATORS) { const o = document.createElement("option"); o.value = o.textContent = a; allocatorSel.appendChild(o); }
  const reload = () => loadScene(sceneSel.value, collectorSel.value as CollectorName, allocatorSel.value as AllocatorName);
  sceneSel.onchange = reload;
  collectorSel.onchange = reload;
  allocatorSel.onchange = reload;
  cy.on("tap", "node", (ev) => {
    const id = Number(ev.target.id());
    if (!Number.isFinite(id)) return;
    if (linkField && selected !== null && !replay) {
      const field = linkField;
      linkField = null;
      guarded(() => {
        using src = selectedHandle("link");
        const target = (scene.heap as unknown as { wrapBorrowed(p: number): Handle | null }).wrapBorrowed(id);
        try { src.set(field, target); } finally { target?.dispose(); }
        say(`0x${hex(src.ptr)}.${field} = 0x${hex(id)}`);
      });
      return;
    }
    selected = id;
    $("selection").textContent = `selected 0x${hex(id)}`;
    draw();
  });
  $("new").onclick = () => guarded(newObject);
  for (const f of ["a", "b"]) $(`link-${f}`).onclick = () => { linkField = f; say(`click the object to store in .${f}`); draw(); };
  $("unlink").onclick = () => guarded(() => { using h = selectedHandle("unlink"); for (const f of h.type.refs) h.set(f, null); say(`cleared the fields of 0x${hex(h.ptr)}`); });
  $("drop").onclick = () => guarded(() => {
    for (const [name, h] of scene.roots) if (h.alive && h.ptr === selected) { h.dispose(); scene.roots.delete(name); say(`dropped the host's handle ${name}`); return; }
    throw new Error("the host holds no handle to the selected object");
  });
  $("weak").onclick = () => guarded(() => { using h = selectedHandle("weakref"); const wr = scene.heap.weakref(h, () => say(`callback: weakref to 0x${hex(h.ptr)} died`)); scene.roots.set(`w${nextName++}`, wr); say(`weakref to 0x${hex(h.ptr)}`); });
  for (const g of [0, 1, 2]) $(`collect-${g}`).onclick = () => guarded(() => { replay = null; say(`collect(${g}) → ${scene.heap.gc.collect(g)}`); });
  $("step-collect").onclick = () => guarded(() => collectStepwise(2));
  $("prev").onclick = () => { if (replay && replay.index > 0) { replay.index--; draw(); } };
  $("next").onclick = () => { if (replay && replay.index < replay.steps.length - 1) { replay.index++; draw(); } };
  $("done").onclick = () => { replay = null; draw(); };
  $("run").onclick = () => guarded(() => {
    const code = ($("script") as HTMLTextAreaElement).value;
    const fn = new Function("heap", "roots", "types", code) as (...a: unknown[]) => unknown;
    const types = Object.fromEntries(scene.heap.types.filter(Boolean).map((t) => [t.name, t]));
    const out = fn(scene.heap, scene.roots, types);
    say(`script → ${out === undefined ? "done" : String(out)}`);
  });
}

// The page's API, for scripts in the console and the end-to-end tests.
const api = {
  get heap() { return scene.heap; },
  get roots() { return scene.roots; },
  graph: () => readGraph(scene.heap),
  pools: () => readPools(scene.heap),
  loadScene,
  collectStepwise,
  get replay() { return replay; },
  /** The viewport and where each node is drawn (graph coordinates). */
  view: () => ({
    zoom: cy.zoom(), fitMaxZoom: FIT_MAX_ZOOM,
    positions: Object.fromEntries(cy.nodes().map((n) => [n.id(), { ...n.position() }])),
    rendered: Object.fromEntries(cy.nodes().map((n) => [n.id(), { w: n.renderedWidth(), h: n.renderedHeight() }])),
  }),
  /** Runs the script box (as the Run button does). */
  runScript: () => $("run").click(),
  /** Clicks an object (as the mouse does on the graph). */
  tap: (id: number) => { cy.$id(String(id)).emit("tap"); },
  scenes: SCENES.map((s) => s.id),
};
(window as unknown as { explorer: typeof api }).explorer = api;

wire();
await loadScene("tasks-strong", DEFAULT_COLLECTOR);
document.body.dataset.ready = "1";
