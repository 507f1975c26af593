// `npm run replay -- FILE.rhtrace [--allocators a,b] [--samples N] [--reps N]`: replays a recorded
// allocation trace (src/trace.ts) against every allocator strategy and prints throughput, peak
// memory and fragmentation. Traces come from TraceRecorder (or bench/results/traces/ after a bench run).
import { parseArgs } from "node:util";
import { ALLOCATORS, AllocationTrace, replayTrace, type AllocatorName, type ReplayResult } from "../src/index.js";

const { values, positionals } = parseArgs({
  options: { allocators: { type: "string" }, samples: { type: "string", default: "100" }, reps: { type: "string", default: "3" }, help: { type: "boolean", short: "h" } },
  allowPositionals: true,
});
if (values.help || positionals.length !== 1) {
  process.stderr.write(`usage: npm run replay -- FILE.rhtrace [--allocators ${ALLOCATORS.join(",")}] [--samples N] [--reps N]\n`);
  process.exit(values.help ? 0 : 2);
}
const allocators = (values.allocators?.split(",") ?? [...ALLOCATORS]) as AllocatorName[];
for (const a of allocators) if (!ALLOCATORS.includes(a)) { process.stderr.write(`unknown allocator '${a}'\n`); process.exit(2); }
const reps = Math.max(1, Number(values.reps) | 0);
const trace = await AllocationTrace.load(positionals[0]!);
process.stdout.write(`${positionals[0]}: ${trace.length.toLocaleString("en-US")} events (${trace.allocations.toLocaleString("en-US")} allocations)${trace.note ? `, "${trace.note}"` : ""}\n\n`);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mib = (x: number) => (x / 2 ** 20).toFixed(2);
const lines = [["allocator", "ns/event (median)", "min..max", "peak heap MiB", "peak live MiB", "frag@peak", "max external", "end external"]];
for (const allocator of allocators) {
  const runs: ReplayResult[] = [];
  for (let r = 0; r < reps; r++) runs.push(await replayTrace(trace, { allocator, samples: Number(values.samples) }));
  const ns = runs.map((r) => (r.ms * 1e6) / r.events).sort((a, b) => a - b);
  const r = runs[0]!;
  lines.push([allocator, ns[ns.length >> 1]!.toFixed(1), `${ns[0]!.toFixed(1)}..${ns.at(-1)!.toFixed(1)}`, mib(r.peakHeapBytes), mib(r.peakLiveBytes),
    pct(r.fragmentationAtPeak), pct(Math.max(...r.series.map((s) => s.externalFragmentation))), pct(r.final.externalFragmentation)]);
}
const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
for (const l of lines) process.stdout.write(l.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ") + "\n");
