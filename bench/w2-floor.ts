// Where W2's time goes: the same rings with less of the object protocol each step (bench/wasm/
// w2floor.ts: the allocator alone, the header, the collector list, freeing a young generation at a
// time, newFixed), the whole protocol (w2Run: pools/hybrid and pools/generational), and V8,
// interleaved, a fresh instance per row and repetition (V8's in a fresh isolate, as the bench's).
// docs/collectors.md quotes a run ("Where W2's time goes").
//
//   npx tsx bench/w2-floor.ts [--runs 7]     (after `node bench/build.mjs bench`)

import type { CoreExports } from "../src/wasm.js";
import { w2Checksum } from "./shapes.js";
import { floorRuns, floorTable, v8Row, wasmRow, type FloorRow } from "./floor.js";

interface FloorExports extends CoreExports {
  w2Floor(step: number, rings: number): number;
  w2Run(rings: number): number;
}

const runs = floorRuns();
const RINGS = 500_000, nodes = RINGS * 4;

const sum = w2Checksum(RINGS);
const ROWS: FloorRow[] = [
  ...[
    "16-byte blocks, no header, freed at once (allocator alone)", "32-byte blocks, refcount and info written", "+ the collector list (track, untrack)",
    "2 freed 700 nodes at a time (garbage known, not found)", "3 allocating with newFixed: allocation protocol",
  ].map((name, step) => wasmRow<FloorExports>(`floor ${step}: ${name}`, "none", nodes, sum, (x) => x.w2Floor(step, RINGS))),
  ...(["hybrid", "generational"] as const).map((collector) =>
    wasmRow<FloorExports>(`the whole protocol (w2Run, pools/${collector})`, collector, nodes, sum, (x) => x.w2Run(RINGS))),
  // iterations 250: W2's full size, RINGS rings (bench/shapes.ts w2Rings)
  v8Row(new URL("./gc.ts", import.meta.url).href, "w2V8", { iterations: 250, depth: 0, longDepth: 0 }, nodes, sum),
];

await floorTable(`W2 rings (${RINGS.toLocaleString("en-US")} rings of 4)`, ROWS, runs);
