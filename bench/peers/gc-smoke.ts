// Smoke test for the W2/W3/W5 peers (AS's own runtime, V8 plain JS): (re)builds the AS peer, runs
// each workload once per peer and prints the results with the expected checksums.
//   npx tsx bench/peers/gc-smoke.ts            small scale (W2 50k rings; W3 100 trees + 100k rings; W5 10k tasks)
//   npx tsx bench/peers/gc-smoke.ts --default  the workloads' default sizes
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runAsW2, runAsW3, runAsW5 } from "./as-runtime/gc-run.js";
import { runV8W2, runV8W3, runV8W5, type GcPause } from "./v8/gc.js";
import { fullGc } from "../common.js";

const full = process.argv.includes("--default");
const sizes = full
  ? { rings: 500_000, trees: 1000, levels: 10, churnRings: 1_000_000, tasks: 100_000, keep: 1000, subtasks: 20 }
  : { rings: 50_000, trees: 100, levels: 10, churnRings: 100_000, tasks: 10_000, keep: 1000, subtasks: 20 };

const i32 = (x: number): number => x | 0;

function ringsChecksum(rings: number): number {
  let s = 0;
  for (let r = 0; r < rings; r++) for (let k = 0; k < 4; k++) s = i32(s + ((r + k) & 255));
  return s;
}

function treeChecksum(levels: number): number {
  let s = 0;
  for (let l = 1; l <= levels; l++) s += l * 2 ** (levels - l);
  return s;
}

function w5Checksum(tasks: number, subtasks: number): number {
  let s = 0;
  for (let t = 0; t < tasks; t++) s = i32(s + (t & 1023) + subtasks);
  return s;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const check = (got: number, want: number): string => (got === want ? `checksum ${got} ok` : `checksum ${got} MISMATCH (want ${want})`);

function pauseSummary(p: GcPause[]): string {
  if (p.length === 0) return "pauses: none";
  const ms = p.map((x) => x.ms);
  const sorted = [...ms].sort((a, b) => a - b);
  const byKind = new Map<string, number>();
  for (const x of p) byKind.set(x.kind, (byKind.get(x.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(", ");
  const total = ms.reduce((a, b) => a + b, 0);
  return (
    `pauses: ${p.length} (${kinds}) total ${total.toFixed(1)} ms, ` +
    `median ${sorted[sorted.length >> 1]!.toFixed(2)} ms, max ${sorted[sorted.length - 1]!.toFixed(2)} ms`
  );
}

// Built in a child process: loading the AS compiler here would add ~225 MiB to this process's JS
// heap and distort the V8 numbers (full-GC time, heapUsed).
const buildScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "as-runtime", "build.mjs");
console.log(`built ${execFileSync(process.execPath, [buildScript, "gc"], { encoding: "utf8" }).trim()}`);
console.log(`sizes ${JSON.stringify(sizes)}`);

// W2
{
  const want = ringsChecksum(sizes.rings);
  fullGc();
  const as = await runAsW2({ rings: sizes.rings });
  console.log(`W2 AS  ${as.nsPerNode.toFixed(1)} ns/node  ${as.durationMs.toFixed(1)} ms  memory ${mib(as.memoryBytes)}  ${check(as.checksum, want)}`);
  fullGc();
  const v8 = await runV8W2({ rings: sizes.rings });
  console.log(`W2 V8  ${v8.nsPerNode.toFixed(1)} ns/node  ${v8.durationMs.toFixed(1)} ms  ${pauseSummary(v8.pauses)}  ${check(v8.checksum, want)}`);
}

// W3
{
  const want = i32(sizes.trees * treeChecksum(sizes.levels) + ringsChecksum(sizes.churnRings));
  fullGc();
  const as = await runAsW3({ trees: sizes.trees, levels: sizes.levels, churnRings: sizes.churnRings });
  console.log(
    `W3 AS  full ${as.fullMs.toFixed(2)} ms  young ${as.youngMs}  churn ${as.churnNsPerNode.toFixed(1)} ns/node ` +
      `(incl. final collect ${as.churnCollectMs.toFixed(2)} ms)  memory ${mib(as.memoryBytes)}  ${check(as.checksum, want)}`,
  );
  fullGc();
  const v8 = await runV8W3({ trees: sizes.trees, levels: sizes.levels, churnRings: sizes.churnRings });
  console.log(
    `W3 V8  full ${v8.fullMs.toFixed(2)} ms  young ${v8.youngMs}  churn ${v8.churnNsPerNode.toFixed(1)} ns/node ` +
      `(${v8.churnMs.toFixed(1)} ms)  ${pauseSummary(v8.pauses)}  ${check(v8.checksum, want)}`,
  );
}

// W5
{
  const want = w5Checksum(sizes.tasks, sizes.subtasks);
  const o = { tasks: sizes.tasks, keep: sizes.keep, subtasks: sizes.subtasks };
  fullGc();
  const as = await runAsW5(o);
  console.log(
    `W5 AS strong  ${as.durationMs.toFixed(1)} ms (incl. final collect ${as.collectMs.toFixed(2)} ms)  ` +
      `memory ${mib(as.memoryBytes)}  ${check(as.checksum, want)}`,
  );
  for (const weak of [false, true]) {
    fullGc();
    const v8 = await runV8W5({ ...o, weak });
    console.log(
      `W5 V8 ${weak ? "weak  " : "strong"}  ${v8.durationMs.toFixed(1)} ms  peak heapUsed ${mib(v8.peakBytes)} ` +
        `(baseline ${mib(v8.baselineBytes)})  ${pauseSummary(v8.pauses)}  ${check(v8.checksum, want)}`,
    );
  }
}
