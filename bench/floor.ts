// The floor runners' shared part (bench/w1-floor.ts, bench/w2-floor.ts): rows run interleaved in one
// process, a warm-up of each first, then `runs` rounds; each row printed with its median, 95 %
// interval and ratio to the last row (V8).

import { parseArgs } from "node:util";
import { median } from "simple-statistics";
import { medianInterval, ratioInterval } from "./stats.js";
import { instantiate, type CoreExports } from "../src/wasm.js";
import { ALLOCATOR_CODES, COLLECTOR_CODES, type CollectorName } from "../src/heap.js";
import { inFreshIsolate } from "./peers/v8/fresh.js";
import type { BenchOptions } from "./common.js";

export interface FloorRow { name: string; run: () => Promise<number> }

/**
 * A row in the bench module: a fresh instance (pools and `collector`), `setup` untimed, then `body`
 * timed, whose result must be `checksum`. ns per node over `nodes`.
 */
export function wasmRow<E extends CoreExports>(
  name: string, collector: CollectorName, nodes: number, checksum: number, body: (x: E) => number, setup?: (x: E) => void,
): FloorRow {
  return {
    name,
    run: async () => {
      const { exports: x } = await instantiate<E>("bench");
      if (x.init(ALLOCATOR_CODES.pools, 65536, COLLECTOR_CODES[collector], 0) !== 0) throw new Error(`${name}: init failed`);
      setup?.(x);
      const t0 = performance.now();
      const sum = body(x);
      const ns = (performance.now() - t0) * 1e6 / nodes;
      if (sum !== checksum) throw new Error(`${name}: checksum ${sum}, expected ${checksum}`);
      return ns;
    },
  };
}

/**
 * V8's row, as the bench runs it (bench/peers/v8/fresh.ts): each repetition in a fresh isolate after
 * a warm-up there, `fn` exported by the module at `moduleUrl`; its sample must cover `nodes` with
 * `checksum` (the same run as the other rows'). ns per node.
 */
export function v8Row(moduleUrl: string, fn: string, o: BenchOptions, nodes: number, checksum: number): FloorRow {
  return {
    name: "V8 plain JS",
    run: async () => {
      const s = await inFreshIsolate(moduleUrl, fn, o);
      if (s.units !== nodes || s.checksum !== checksum) throw new Error(`V8 row: ${s.units} nodes, checksum ${s.checksum}; expected ${nodes}, ${checksum}`);
      return s.nsPerUnit;
    },
  };
}

/** `--runs N` (1 to 50, default 7) from the command line. */
export function floorRuns(): number {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } }, strict: true, allowPositionals: false });
  const runs = Number(values.runs);
  if (!(Number.isInteger(runs) && runs > 0 && runs <= 50)) throw new Error(`--runs: 1 to 50, got ${values.runs}`);
  return runs;
}

/**
 * Runs the rows and prints the table under `title`: each row's median and 95 % interval in `unit`,
 * and its ratio to the row at `baseline` (default the last, V8), named `baselineName`.
 */
export async function floorTable(title: string, rows: FloorRow[], runs: number, unit = "ns per node", baseline = rows.length - 1, baselineName = "V8"): Promise<void> {
  const samples = rows.map(() => [] as number[]);
  for (const r of rows) await r.run(); // warm-up
  for (let i = 0; i < runs; i++) for (const [k, r] of rows.entries()) samples[k]!.push(await r.run());
  const base = samples[baseline]!;
  const f = (x: number) => x.toFixed(unit === "ms" ? 2 : 1);
  console.log(`${title}, ${unit}, ${runs} runs interleaved: median (95 % interval); × ${baselineName}`);
  for (const [k, r] of rows.entries()) {
    const s = samples[k]!;
    const ci = medianInterval(s), rci = ratioInterval(s, base);
    console.log(`${r.name.padEnd(58)} ${f(median(s)).padStart(5)} (${ci ? `${f(ci[0])}–${f(ci[1])}` : "—"})  ${(median(s) / median(base)).toFixed(2)}× (${rci ? `${rci[0].toFixed(2)}–${rci[1].toFixed(2)}` : "—"})`);
  }
}
