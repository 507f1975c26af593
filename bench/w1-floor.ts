// Where W1's time goes: the same trees with less of the object protocol each step (bench/wasm/
// w1floor.ts; steps 3 to 7 add newFixed's parts one at a time), the whole protocol (w1Run,
// collectors none and hybrid), and V8, interleaved, a fresh instance per row and repetition (V8's
// in a fresh isolate, as the bench's). docs/collectors.md quotes a run ("Where W1's time goes").
//
//   npx tsx bench/w1-floor.ts [--runs 7]     (after `node bench/build.mjs bench`)

import type { CoreExports } from "../src/wasm.js";
import { treeNodes, w1Checksum } from "./shapes.js";
import { floorRuns, floorTable, v8Row, wasmRow, type FloorRow } from "./floor.js";

interface FloorExports extends CoreExports {
  w1Floor(step: number, depth: number, iterations: number): number;
  w1Setup(longDepth: number): number;
  w1Run(depth: number, iterations: number): number;
}

const runs = floorRuns();
const DEPTH = 14, ITERATIONS = 250, LONG_DEPTH = 16;
const nodes = ITERATIONS * treeNodes(DEPTH);

const sum = w1Checksum(DEPTH, ITERATIONS);
const ROWS: FloorRow[] = [
  ...[
    "16-byte blocks, no header (the allocator alone)", "32-byte blocks, refcount and info written", "+ the collector list (track, untrack)",
    "2 + the size from the type record", "3 + the allocator registry's dispatch", "4 + the trigger check", "5 + the counts and event check",
    "6 + the fields zeroed", "2 allocating with newFixed: allocation protocol", "2 releasing with decref: release protocol",
  ].map((name, step) => wasmRow<FloorExports>(`floor ${step}: ${name}`, "none", nodes, sum, (x) => x.w1Floor(step, DEPTH, ITERATIONS))),
  ...(["none", "hybrid"] as const).map((collector) =>
    wasmRow<FloorExports>(`the whole protocol (w1Run, pools/${collector})`, collector, nodes, sum, (x) => x.w1Run(DEPTH, ITERATIONS), (x) => x.w1Setup(LONG_DEPTH))),
  v8Row(new URL("./w1.ts", import.meta.url).href, "runV8Peer", { depth: DEPTH, iterations: ITERATIONS, longDepth: LONG_DEPTH }, nodes, sum),
];

await floorTable(`W1 trees (depth ${DEPTH}, ${ITERATIONS} trees)`, ROWS, runs);
