// W7's floor: a full collection of each real graph set against one walk over the same heap that
// reads what a collection pass reads and writes nothing (bench/wasm/w7floor.ts: the lists, then the
// references, then each referenced object's info word). CPython's full collection makes two such
// passes (copy-and-subtract, move the unreachable) and writes gc_refs in both, so on a given machine
// it cannot take much less than twice the read-only walk. Beside them, what knowing the roots would
// cost instead (w7Mark: CPython 3.14's marking from the roots, then a walk clearing the marks). One
// heap per graph on the bench module (Heap._createOn), imported depth first as W7 does, every row
// interleaved in it; docs/collectors.md quotes a run ("W7's floor").
//
//   npx tsx bench/w7-floor.ts [--runs 7]     (after `node bench/build.mjs bench`)

import { Heap, importHeapSnapshot } from "../src/index.js";
import { DEFAULT_ALLOCATOR, type CollectorName } from "../src/heap.js";
import { fixtures } from "./w7.js";
import { floorRuns, floorTable, type FloorRow } from "./floor.js";

interface WalkExports { w7Walk(mode: number): number; w7Mark(root: number): number }

const runs = floorRuns();
const MODES = ["the lists walked, each info word read", "+ every reference loaded", "+ each referenced object's info word: one read-only pass"];
const COLLECTORS: CollectorName[] = ["generational", "hybrid"];

const all = fixtures();
if (!all.length) throw new Error("no W7 fixtures in bench/snapshots (a clone has them)");
for (const fx of all) {
  const heaps = await Promise.all(COLLECTORS.map((collector) => Heap._createOn("bench", { allocator: DEFAULT_ALLOCATOR, collector })));
  const imports: Awaited<ReturnType<typeof importHeapSnapshot>>[] = [];
  for (const heap of heaps) imports.push(await importHeapSnapshot(heap, fx.file));
  for (const heap of heaps) { heap.gc.collect(); heap.gc.takePauses(); }
  const walker = heaps[0]!.core as unknown as WalkExports;
  const containers = heaps[0]!.stats().liveContainers;
  const rows: FloorRow[] = [
    ...MODES.map((name, mode) => ({
      name: `walk ${mode}: ${name}`,
      run: async () => { const t0 = performance.now(); walker.w7Walk(mode); return performance.now() - t0; },
    })),
    {
      name: "mark from the root, then a walk clearing the marks: a collection that knew its roots",
      run: async () => {
        const t0 = performance.now();
        const marked = walker.w7Mark(imports[0]!.root.ptr);
        const ms = performance.now() - t0;
        // after the import and a collection, every container is reachable from the root
        if (marked !== containers) throw new Error(`${fx.program}: w7Mark marked ${marked} containers of ${containers}${marked < 0 ? " (no room for its stack)" : ""}`);
        return ms;
      },
    },
    ...COLLECTORS.map((collector, k) => ({
      name: `full collect(2), pools/${collector} (its pause)`,
      run: async () => { heaps[k]!.gc.collect(2); return heaps[k]!.gc.takePauses().reduce((a, p) => a + p.ms, 0); },
    })),
  ];
  await floorTable(`W7 ${fx.program} (${fx.nodes.toLocaleString("en-US")} nodes)`, rows, runs, "ms", 2, "one read-only pass");
  for (const [k, heap] of heaps.entries()) {
    imports[k]!.root.dispose();
    heap.gc.collect();
    if (heap.stats().liveObjects !== 0) throw new Error(`${fx.program}: objects left over after the root went`);
    heap.verify();
    heap.destroy();
  }
}
