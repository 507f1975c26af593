// `npm run replay -- FILE.rhtrace [--allocators a,b] [--samples N] [--reps N]`: replays a recorded
// allocation trace (src/trace.ts) against every allocator strategy and prints throughput, peak
// memory and fragmentation. Traces come from TraceRecorder (or bench/results/traces/ after a bench run).
import { parseArgs } from "node:util";
import { ALLOCATORS, AllocationTrace, HeapError, replayTrace, type AllocatorName, type ReplayResult } from "../src/index.js";

// A trace is a file from a stranger: whatever is wrong with it (or with the arguments) ends in one
// clear line and a non-zero exit, never a stack trace.
function fail(message: string, code = 1): never {
  process.stderr.write(`replay: ${message}\n`);
  process.exit(code);
}
function explain(err: unknown): string {
  if (err instanceof HeapError) return `${err.name}: ${err.message}`;
  const e = err as NodeJS.ErrnoException | null;
  if (e?.code === "ENOENT" || e?.code === "EISDIR" || e?.code === "EACCES") return `cannot read ${e.path}: ${e.code}`;
  return e instanceof Error ? e.message : String(err);
}

let parsed;
try {
  parsed = parseArgs({
    options: { allocators: { type: "string" }, samples: { type: "string", default: "100" }, reps: { type: "string", default: "3" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
} catch (err) { fail((err as Error).message, 2); }
const { values, positionals } = parsed;
if (values.help || positionals.length !== 1) {
  process.stderr.write("usage: npm run replay -- FILE.rhtrace [--allocators pools,tlsf,firstfit,bump] [--samples N] [--reps N]\n");
  process.exit(values.help ? 0 : 2);
}
const allocators = (values.allocators?.split(",") ?? [...ALLOCATORS]) as AllocatorName[];
for (const a of allocators) if (!ALLOCATORS.includes(a)) fail(`unknown allocator '${a}' (${ALLOCATORS.join(", ")})`, 2);
const positiveInt = (v: string, what: string) => { const n = Number(v); if (!Number.isInteger(n) || n < 1 || n > 1e6) fail(`--${what} must be an integer in 1..1000000, got '${v}'`, 2); return n; };
const reps = positiveInt(values.reps!, "reps");
const samples = positiveInt(values.samples!, "samples");
let trace: AllocationTrace;
try { trace = await AllocationTrace.load(positionals[0]!); } catch (err) { fail(`${positionals[0]}: ${explain(err)}`); }
process.stdout.write(`${positionals[0]}: ${trace.length.toLocaleString("en-US")} events (${trace.allocations.toLocaleString("en-US")} allocations)${trace.note ? `, "${trace.note}"` : ""}\n\n`);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mib = (x: number) => (x / 2 ** 20).toFixed(2);
const lines = [["allocator", "ns/event (median)", "min..max", "peak heap MiB", "peak live MiB", "frag@peak", "max external", "end external"]];
for (const allocator of allocators) {
  const runs: ReplayResult[] = [];
  try {
    for (let r = 0; r < reps; r++) runs.push(await replayTrace(trace, { allocator, samples }));
  } catch (err) { fail(`${positionals[0]} on ${allocator}: ${explain(err)}`); }
  const ns = runs.map((r) => (r.ms * 1e6) / r.events).sort((a, b) => a - b);
  const r = runs[0]!;
  lines.push([allocator, ns[ns.length >> 1]!.toFixed(1), `${ns[0]!.toFixed(1)}..${ns.at(-1)!.toFixed(1)}`, mib(r.peakHeapBytes), mib(r.peakLiveBytes),
    pct(r.fragmentationAtPeak), pct(Math.max(...r.series.map((s) => s.externalFragmentation))), pct(r.final.externalFragmentation)]);
}
const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
for (const l of lines) process.stdout.write(l.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ") + "\n");
