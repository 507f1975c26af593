// Where W1's time goes: the same trees with less of the object protocol each step (bench/wasm/
// w1floor.ts; steps 3 to 7 add newFixed's parts one at a time), the whole protocol (w1Run,
// collectors none and hybrid), and V8, interleaved in one process, a fresh instance per row and
// repetition. docs/collectors.md quotes a run ("Where W1's time goes").
//
//   npx tsx bench/w1-floor.ts [--runs 7]     (after `node bench/build.mjs bench`)

import { parseArgs } from "node:util";
import { instantiate, type CoreExports } from "../src/wasm.js";
import { ALLOCATOR_CODES, COLLECTOR_CODES } from "../src/heap.js";
import { runV8W1 } from "./peers/v8/w1.js";
import { treeNodes, w1Checksum } from "./shapes.js";
import { median } from "simple-statistics";
import { medianInterval, ratioInterval } from "./stats.js";

interface FloorExports extends CoreExports {
  w1Floor(step: number, depth: number, iterations: number): number;
  w1Setup(longDepth: number): number;
  w1Run(depth: number, iterations: number): number;
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } }, strict: true });
const runs = Number(values.runs);
if (!(Number.isInteger(runs) && runs > 0 && runs <= 50)) throw new Error(`--runs: 1 to 50, got ${values.runs}`);
const DEPTH = 14, ITERATIONS = 250, LONG_DEPTH = 16;
const nodes = ITERATIONS * treeNodes(DEPTH);

const ROWS: { name: string; run: () => Promise<number> }[] = [
  ...[
    "16-byte blocks, no header (the allocator alone)", "32-byte blocks, refcount and info written", "+ the collector list (track, untrack)",
    "2 + the size from the type record", "3 + the allocator registry's dispatch", "4 + the trigger check", "5 + the counts and event check",
    "6 + the fields zeroed", "2 allocating with newFixed: allocation protocol", "2 releasing with decref: release protocol",
  ].map((name, step) => ({
    name: `floor ${step}: ${name}`,
    run: async () => {
      const { exports: x } = await instantiate<FloorExports>("bench");
      if (x.init(ALLOCATOR_CODES.pools, 65536, COLLECTOR_CODES.none, 0) !== 0) throw new Error("init failed");
      const t0 = performance.now();
      const sum = x.w1Floor(step, DEPTH, ITERATIONS);
      const ns = (performance.now() - t0) * 1e6 / nodes;
      if (sum !== w1Checksum(DEPTH, ITERATIONS)) throw new Error(`floor ${step}: checksum ${sum}`);
      return ns;
    },
  })),
  ...(["none", "hybrid"] as const).map((collector) => ({
    name: `the whole protocol (w1Run, pools/${collector})`,
    run: async () => {
      const { exports: x } = await instantiate<FloorExports>("bench");
      if (x.init(ALLOCATOR_CODES.pools, 65536, COLLECTOR_CODES[collector], 0) !== 0) throw new Error("init failed");
      x.w1Setup(LONG_DEPTH);
      const t0 = performance.now();
      const sum = x.w1Run(DEPTH, ITERATIONS);
      const ns = (performance.now() - t0) * 1e6 / nodes;
      if (sum !== w1Checksum(DEPTH, ITERATIONS)) throw new Error(`w1Run: checksum ${sum}`);
      return ns;
    },
  })),
  { name: "V8 plain JS", run: async () => runV8W1({ depth: DEPTH, iterations: ITERATIONS, longDepth: LONG_DEPTH }).nsPerNode },
];

const samples = ROWS.map(() => [] as number[]);
for (const r of ROWS) await r.run(); // warm-up
for (let i = 0; i < runs; i++) for (const [k, r] of ROWS.entries()) samples[k].push(await r.run());
const v8 = samples.at(-1)!;
const f = (x: number) => x.toFixed(1);
console.log(`W1 trees (depth ${DEPTH}, ${ITERATIONS} trees), ns per node, ${runs} runs interleaved: median (95 % interval); × V8`);
for (const [k, r] of ROWS.entries()) {
  const ci = medianInterval(samples[k]), rci = ratioInterval(samples[k], v8);
  const ratio = median(samples[k]) / median(v8);
  console.log(`${r.name.padEnd(58)} ${f(median(samples[k])).padStart(5)} (${ci ? `${f(ci[0])}–${f(ci[1])}` : "—"})  ${ratio.toFixed(2)}× (${rci ? `${rci[0].toFixed(2)}–${rci[1].toFixed(2)}` : "—"})`);
}
