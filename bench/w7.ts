// W7 real graphs: heap snapshots of real programs (bench/snapshots/*.heapsnapshot.gz, made by
// bench/snapshots/take.mjs, described in bench/snapshots/README.md) imported with
// importHeapSnapshot, then, per collector of the registry that collects cycles: a full collection
// (the median figure), the youngest collection after churn on top, the automatic pauses during
// that churn, and the dominator tree. Beside them, V8's own full gc() of the process that made the
// snapshot, measured when it was taken and stored with it (not in this run: a stored figure).

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Heap, importHeapSnapshot, type ImportHeapSnapshotOptions } from "../src/index.js";
import { DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, type CollectorName } from "../src/heap.js";
import { collectorsWith } from "../src/strategies.js";
import { fullGc, splitPauses, type Row, type Sample, type Workload } from "./common.js";
import { strongGraphOf } from "../src/import/heapsnapshot.js";
import { runIsolated } from "./isolated.js";
import { threadId } from "node:worker_threads";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "snapshots");

interface Fixture {
  program: string; what: string; command: string; nodes: number; edges: number; node: string; date: string;
  /** measuredBy and date: set when `take.mjs PROGRAM --measure-only` re-measured it after the snapshot was written. */
  v8FullGcMs: { median: number; min: number; max: number; samples: number[]; measuredBy?: string; date?: string };
}

/** The fixtures present (a clone has them all; the bench runs without any). */
export function fixtures(): (Fixture & { file: string })[] {
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((f) => f.endsWith(".json") && names.includes(f.replace(/\.json$/, ".heapsnapshot.gz")))
    .map((f) => ({ ...(JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Fixture), file: path.join(dir, f.replace(/\.json$/, ".heapsnapshot.gz")) }))
    .sort((a, b) => a.nodes - b.nodes);
}

/** Rings of 4 nodes dropped at once, with every 50th kept in a list: the churn on top of the imported graph. */
const CHURN_RINGS = 25_000, CHURN_KEEP_EVERY = 50;
const FULL_REPEATS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A full collection after one that moved everything to the oldest generation (the steady state of a long-running program), FULL_REPEATS times. */
function fullCollections(heap: Heap): number[] {
  heap.gc.collect();
  heap.gc.takePauses();
  const full: number[] = [];
  for (let i = 0; i < FULL_REPEATS; i++) {
    heap.gc.collect(2);
    full.push(heap.gc.takePauses().reduce((a, p) => a + p.ms, 0));
  }
  return full;
}

/** Drops the imported graph's root, collects, verifies and destroys the heap: the objects left over (0 when all went). */
function dropGraph(heap: Heap, root: { dispose(): void }): number {
  root.dispose();
  heap.gc.collect();
  const left = heap.stats().liveObjects;
  heap.verify();
  heap.destroy();
  return left;
}

/** The full collections alone, of the graph imported in another order (importHeapSnapshot's `order`). */
export async function w7FullRun(fx: Fixture & { file: string }, collector: CollectorName, order: ImportHeapSnapshotOptions["order"]): Promise<Sample> {
  const heap = await Heap.create({ allocator: DEFAULT_ALLOCATOR, collector });
  const imp = await importHeapSnapshot(heap, fx.file, { order });
  const full = fullCollections(heap);
  const left = dropGraph(heap, imp.root);
  const ms = median(full);
  return {
    nsPerUnit: ms * 1e6, durationMs: ms, units: 1, checksum: left, expectedChecksum: 0,
    extra: { program: fx.program, order, objects: imp.objects, fullMs: full.map((x) => Number(x.toFixed(3))), v8FullGcMs: fx.v8FullGcMs.median },
  };
}

export async function w7Run(fx: Fixture & { file: string }, collector: CollectorName): Promise<Sample> {
  const heap = await Heap.create({ allocator: DEFAULT_ALLOCATOR, collector });
  const t0 = performance.now();
  const imp = await importHeapSnapshot(heap, fx.file);
  const importMs = performance.now() - t0;
  const full = fullCollections(heap);
  // churn on top, automatic collections on: their pauses
  const raw = heap.raw;
  const Node = heap.defineType({ name: "Churn", refs: ["next", "prev"] });
  const List = heap.defineType({ name: "ChurnList", kind: "refarray" });
  const kept = raw.allocList(List.id, 0);
  for (let r = 0; r < CHURN_RINGS; r++) {
    const first = raw.alloc(Node.id);
    let prev = first;
    for (let k = 1; k < 4; k++) { const n = raw.alloc(Node.id); raw.setRefMove(prev, 0, n); raw.setRef(n, 1, prev); prev = n; }
    raw.setRef(prev, 0, first);
    if (r % CHURN_KEEP_EVERY === 0) raw.listAppend(kept, first);
    raw.decref(first);
  }
  const churn = splitPauses(heap.gc.takePauses());
  heap.gc.collect(0);
  const young = heap.gc.takePauses().reduce((a, p) => a + p.ms, 0);
  const t1 = performance.now();
  const dom = heap.inspect.dominators();
  const dominatorMs = performance.now() - t1;
  const live = heap.stats().liveObjects;
  raw.decref(kept);
  imp.root.dispose();
  heap.gc.collect();
  const left = heap.stats().liveObjects;
  heap.verify();
  const peakBytes = heap.stats().peakCommittedBytes;
  heap.destroy();
  const ms = median(full);
  return {
    nsPerUnit: ms * 1e6, durationMs: ms, units: 1,
    checksum: left, expectedChecksum: 0, // the graph and the churn all freed once the root is dropped
    peakBytes, ...churn,
    extra: {
      program: fx.program, objects: imp.objects, references: imp.references, weakrefs: imp.weakrefs, types: imp.types.size,
      importMs: Number(importMs.toFixed(1)), fullMs: full.map((x) => Number(x.toFixed(3))), youngAfterChurnMs: Number(young.toFixed(4)),
      dominatorMs: Number(dominatorMs.toFixed(1)), dominatorNodes: dom.graph.count, liveAfterChurn: live, v8FullGcMs: fx.v8FullGcMs.median,
    },
  };
}

/** The floor row's walks, each timed: bench/wasm/w7floor.ts mode 2, one read-only pass over the graph. */
const FLOOR_WALKS = 5;

/**
 * The floor: one walk over the imported graph that reads what a collection pass reads (each
 * object, its references, each referenced object's info word) and writes nothing, in a heap on the
 * bench module; the median of FLOOR_WALKS. A full collection in CPython's algorithm is two such
 * passes that also write (bench/w7-floor.ts sets them side by side).
 */
export async function w7FloorRun(fx: Fixture & { file: string }): Promise<Sample> {
  const heap = await Heap._createOn("bench", { allocator: DEFAULT_ALLOCATOR, collector: DEFAULT_COLLECTOR });
  const imp = await importHeapSnapshot(heap, fx.file);
  heap.gc.collect();
  const walker = heap.core as unknown as { w7Walk(mode: number): number };
  const ms: number[] = [];
  for (let i = 0; i < FLOOR_WALKS; i++) { const t0 = performance.now(); walker.w7Walk(2); ms.push(performance.now() - t0); }
  const left = dropGraph(heap, imp.root);
  const m = median(ms);
  return { nsPerUnit: m * 1e6, durationMs: m, units: 1, checksum: left, expectedChecksum: 0, extra: { program: fx.program, walkMs: ms.map((x) => Number(x.toFixed(3))) } };
}

/** Full gc() calls timed for the V8 row, with the graph and without it. */
const V8_GCS = 9;

/** Milliseconds of each of `n` full gc() calls, after two untimed ones. */
function timedGcs(n: number): number[] {
  fullGc(); fullGc();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); fullGc(); ms.push(performance.now() - t0); }
  return ms;
}

/** The graph, as plain JS objects, held from here while the V8 row times it. */
let heldGraph: unknown = null;

/**
 * V8's own full collection of the same graph, in this run: the objects importHeapSnapshot would
 * make, rebuilt as plain JS objects (one array per object holding its strong references, in the
 * import's order), held from the root while gc() is timed; the figure is the median of V8_GCS
 * full gc() calls less the median of as many once the graph is dropped (the bench process's own
 * heap). The same graph, machine and moment as the refheap rows beside it, where the stored row is
 * the whole process that made the snapshot, measured when it was made.
 */
export async function w7V8Run(fx: Fixture & { file: string }): Promise<Sample> {
  if (!fullGc()) throw new Error("W7 V8 row: gc() is not available (node --expose-gc, or v8.setFlagsFromString)");
  const g = await strongGraphOf(fx.file);
  const objs: unknown[][] = new Array(g.count);
  for (let i = 0; i < g.count; i++) objs[i] = new Array(g.edgeStart[i + 1]! - g.edgeStart[i]!);
  for (let i = 0; i < g.count; i++) {
    const o = objs[i]!;
    for (let e = g.edgeStart[i]!, k = 0; e < g.edgeStart[i + 1]!; e++, k++) o[k] = objs[g.edgeTo[e]!];
  }
  heldGraph = objs[0]; // the root: everything else is reachable from it, as in the heap
  objs.length = 0;
  const withGraph = timedGcs(V8_GCS);
  const reachable = countReachable(heldGraph);
  heldGraph = null;
  const without = timedGcs(V8_GCS);
  const ms = Math.max(0, median(withGraph) - median(without));
  return {
    // the checksum as the refheap rows': objects of the graph left over (here: not reachable from the root), 0
    nsPerUnit: ms * 1e6, durationMs: ms, units: 1, checksum: g.count - reachable, expectedChecksum: 0,
    extra: { isolate: threadId, program: fx.program, objects: g.count, references: g.edgeTo.length, gcWithGraphMs: withGraph.map((x) => Number(x.toFixed(3))), gcWithoutMs: without.map((x) => Number(x.toFixed(3))) },
  };
}

/** Objects reachable from a root of nested arrays (each counted once; an explicit stack). */
function countReachable(root: unknown): number {
  const seen = new Set<unknown>([root]);
  const stack = [root];
  while (stack.length) for (const c of stack.pop() as unknown[]) if (!seen.has(c)) { seen.add(c); stack.push(c); }
  return seen.size;
}

/** The rows of the same graph allocated in another order than the import's default (depth first). */
export const ALTERNATIVE_ORDERS: { order: NonNullable<ImportHeapSnapshotOptions["order"]>; words: string; every: boolean }[] = [
  { order: "snapshot", words: "in snapshot order", every: true },
  { order: "postorder", words: "in postorder", every: false },
];

/** One measurement serves a repetition's three rows (full, young, dominators): the import is the slow part. */
const latest = new Map<string, Promise<Sample>>();
function measured(fx: Fixture & { file: string }, collector: CollectorName, first: boolean): Promise<Sample> {
  const key = `${fx.program}/${collector}`;
  if (first || !latest.has(key)) latest.set(key, w7Run(fx, collector));
  return latest.get(key)!;
}
/** The same sample with another figure as its median. */
const figure = (s: Sample, ms: number): Sample => ({ ...s, nsPerUnit: ms * 1e6, durationMs: ms, pausesMs: undefined, pausesByGen: undefined });

export const w7: Workload = {
  id: "W7",
  title: () => {
    const fx = fixtures();
    return `W7 real graphs: heap snapshots of real programs (${fx.map((f) => `${f.program}: ${f.nodes.toLocaleString("en-US")} nodes`).join("; ") || "none present"}) imported into a ${DEFAULT_ALLOCATOR} heap; per collector a full collection (median of ${FULL_REPEATS}), the youngest collection after churn on top, the dominator tree; beside V8's own full gc() of the process that made the snapshot.`;
  },
  unit: "ms",
  display: "ms",
  rows: (o) => fixtures().flatMap((fx) => [
    ...collectorsWith("collectsCycles").flatMap((collector): Row[] => {
      // no driver: the import is host-side, the collections run in the core; every collector is on the headline's collector axis
      const base = { allocator: DEFAULT_ALLOCATOR, collector, iterations: o.iterations };
      return [
        { ...base, name: `refheap ${fx.program} full collect(2) (${DEFAULT_ALLOCATOR}/${collector})`, variant: fx.program, run: () => measured(fx, collector, true) },
        { ...base, name: `refheap ${fx.program} collect(0) after churn (${DEFAULT_ALLOCATOR}/${collector})`, variant: `${fx.program} young`,
          run: async () => { const s = await measured(fx, collector, false); return figure(s, s.extra!.youngAfterChurnMs as number); } },
        { ...base, name: `refheap ${fx.program} dominator tree (${DEFAULT_ALLOCATOR}/${collector})`, variant: `${fx.program} dominators`,
          run: async () => { const s = await measured(fx, collector, false); return figure(s, s.extra!.dominatorMs as number); } },
        // the import's other orders (the default is depth first): postorder for the default collector only
        ...ALTERNATIVE_ORDERS.filter((a) => a.every || collector === DEFAULT_COLLECTOR).map((a): Row => (
          { ...base, name: `refheap ${fx.program} full collect(2), imported ${a.words} (${DEFAULT_ALLOCATOR}/${collector})`, variant: `${fx.program} ${a.order}`,
            run: () => w7FullRun(fx, collector, a.order) })),
      ];
    }),
    { name: `refheap ${fx.program} floor: one read-only pass over the graph`, floor: true, variant: fx.program, iterations: o.iterations, run: () => w7FloorRun(fx) },
    {
      name: `V8 gc() of the ${fx.program} graph as JS objects`,
      baseline: "v8", variant: fx.program, iterations: o.iterations,
      // in an isolate of its own, as every V8 row (bench/peers/v8/fresh.ts): the bench's heap is not in its gc()
      run: () => runIsolated<Sample>(import.meta.url, "w7V8Run", [fx]),
    },
    {
      name: `V8 gc() of the ${fx.program} process (stored)`,
      peer: "v8", variant: fx.program, iterations: o.iterations,
      run: async (): Promise<Sample> => ({
        nsPerUnit: fx.v8FullGcMs.median * 1e6, durationMs: fx.v8FullGcMs.median, units: 1, checksum: 0, expectedChecksum: 0,
        extra: { stored: true, samples: fx.v8FullGcMs.samples, node: fx.node, date: fx.v8FullGcMs.date ?? fx.date, measuredBy: fx.v8FullGcMs.measuredBy ?? fx.command },
      }),
    },
  ]),
  notes: () => [
    ...fixtures().map((f) => `${f.program}: ${f.what}; ${f.nodes.toLocaleString("en-US")} nodes, ${f.edges.toLocaleString("en-US")} edges; made by \`${f.command}\` (${f.node}, ${f.date.slice(0, 10)}); V8's full gc() there: median ${f.v8FullGcMs.median} ms (${f.v8FullGcMs.min}..${f.v8FullGcMs.max}, 9 runs${f.v8FullGcMs.measuredBy ? `, re-measured ${f.v8FullGcMs.date?.slice(0, 10)} by \`${f.v8FullGcMs.measuredBy}\`` : ""}).`),
    `Per collector, from one heap per repetition: full collect(2) = a full collection after one that moved everything to the oldest generation (its pauses column: the automatic collections while ${CHURN_RINGS.toLocaleString("en-US")} rings of 4 churn on top, every ${CHURN_KEEP_EVERY}th kept); collect(0) after churn = the youngest collection right after that churn; dominator tree = heap.inspect.dominators() (host-side, the same for every collector). The results JSON keeps the import's time per sample.`,
    "The import allocates in depth-first preorder from the root (importHeapSnapshot's default `order: \"depth-first\"`): each object right after an object that references it, as a program building its data top-down allocates, so the first collection leaves the lists in memory order. Imported in snapshot order = the snapshot's node order, V8's heap order after its moving collections; in postorder = children before parents, as a program building bottom-up allocates (TypeScript's parser), which CPython's first collection reorders breadth first (docs/snapshots.md).",
    "Goal: a full collection of a ~350,000-node real graph in ≤ 10 ms with the default collector. The floor row: one walk over the graph that reads what a collection pass reads (each object, its references, each referenced object's info word) and writes nothing (bench/wasm/w7floor.ts, median of 5); CPython's full collection makes two such passes, and both write. Two V8 rows: \"graph as JS objects\" (the ratios' baseline) is measured by this run: the objects the import makes, rebuilt as plain JS objects (one array per object holding its strong references) and held while V8's full gc() is timed, less the same gc() once they are dropped (medians of 9 each); \"process (stored)\" is the figure stored with the snapshot (bench/snapshots/*.json): the whole process that made it, measured when it was taken or since with `take.mjs PROGRAM --measure-only` (the json says which).",
  ],
};
