// `npm run replay -- FILE.rhtrace [--allocators a,b] [--samples N] [--reps N]`: replays a recorded
// allocation trace (src/trace.ts) against every allocator strategy and prints throughput, peak
// memory and fragmentation, and fragmentation over time. Traces come from TraceRecorder (or
// bench/results/traces/ after a bench run), or from heaptrack:
// `npm run replay -- --heaptrack FILE [--pairing fifo|lifo] [--oversized error|skip] [--limit N] [--save OUT.rhtrace]`
// reads a heaptrack recording of a real program (src/heaptrack.ts, docs/heaptrack.md). --debug replays on
// the checked build with verify() at every sample (the wasm debug build must exist: npm run build:wasm).
import { parseArgs } from "node:util";
import {
  ALLOCATORS, AllocationTrace, HeapError, HeapFileError, importHeaptrack, replayTrace, type AllocatorName, type HeaptrackTrace, type ReplayResult,
} from "../src/index.js";
import { optionGivenTwice } from "../src/args.js";

// A trace is a file from a stranger: whatever is wrong with it (or with the arguments) ends in one
// clear line and a non-zero exit, never a stack trace.
function fail(message: string, code = 1): never {
  process.stderr.write(`replay: ${message}\n`);
  process.exit(code);
}
function explain(err: unknown): string {
  if (err instanceof HeapError) return `${err.name}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
/** A path that cannot be read or written is a bad argument (exit 2); its message names the path. */
function failOn(context: string, err: unknown): never {
  if (err instanceof HeapFileError) fail(err.message, 2);
  fail(`${context}: ${explain(err)}`);
}

const usage = `usage: npm run replay -- FILE.rhtrace [--allocators ${ALLOCATORS.join(",")}] [--samples N] [--reps N] [--debug]
       npm run replay -- --heaptrack FILE [--pairing fifo|lifo] [--oversized error|skip] [--limit N] [--save OUT.rhtrace] [same options]\n`;
let parsed;
try {
  parsed = parseArgs({
    tokens: true,
    options: {
      allocators: { type: "string" }, samples: { type: "string", default: "100" }, reps: { type: "string", default: "3" },
      debug: { type: "boolean" }, heaptrack: { type: "string" }, pairing: { type: "string" }, oversized: { type: "string" }, limit: { type: "string" }, save: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
} catch (err) { fail((err as Error).message, 2); }
const { values, positionals, tokens } = parsed;
// nothing silently dropped: an option given twice kept its last value, and --save "" saved nothing
const twice = optionGivenTwice(tokens);
if (twice !== undefined) fail(`--${twice} given twice`, 2);
for (const o of ["heaptrack", "save"] as const) if (values[o] === "") fail(`--${o}: an empty path`, 2);
const heaptrack = values.heaptrack !== undefined;
if (values.help || positionals.length !== (heaptrack ? 0 : 1)) {
  process.stderr.write(usage);
  process.exit(values.help ? 0 : 2);
}
if (!heaptrack) for (const o of ["pairing", "oversized", "limit", "save"] as const) if (values[o] !== undefined) fail(`--${o} goes with --heaptrack`, 2);
const allocators = (values.allocators?.split(",") ?? [...ALLOCATORS]) as AllocatorName[];
for (const a of allocators) if (!ALLOCATORS.includes(a)) fail(`unknown allocator '${a}' (${ALLOCATORS.join(", ")})`, 2);
const int = (v: string, what: string, min: number, max: number) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < min || n > max) fail(`--${what} must be an integer in ${min}..${max}, got '${v}'`, 2);
  return n;
};
const reps = int(values.reps!, "reps", 1, 1e6);
const samples = int(values.samples!, "samples", 1, 1e6);
const oneOf = <T extends string>(v: string | undefined, what: string, allowed: readonly T[]): T | undefined => {
  if (v !== undefined && !allowed.includes(v as T)) fail(`--${what} must be ${allowed.join(" or ")}, got '${v}'`, 2);
  return v as T | undefined;
};
const pairing = oneOf(values.pairing, "pairing", ["fifo", "lifo"] as const);
const oversized = oneOf(values.oversized, "oversized", ["error", "skip"] as const);
const limit = values.limit === undefined ? undefined : int(values.limit, "limit", 0, 2 ** 27);

const source = heaptrack ? values.heaptrack! : positionals[0]!;
let trace: AllocationTrace;
try {
  trace = heaptrack ? await importHeaptrack(source, { pairing, oversized, limit }) : await AllocationTrace.load(source);
} catch (err) { failOn(source, err); }
const count = (n: number) => n.toLocaleString("en-US");
process.stdout.write(`${source}: ${count(trace.length)} events (${count(trace.allocations)} allocations)${trace.note ? `, "${trace.note}"` : ""}\n`);
if (heaptrack) {
  const h = (trace as HeaptrackTrace).heaptrack;
  process.stdout.write(`  ${h.format} file: ${count(h.frees)} frees paired${h.format === "interpreted" ? ` (${pairing ?? "fifo"})` : ""}, ${count(h.unknownFrees)} frees of unknown pointers skipped, `
    + `${count(h.implicitFrees)} unrecorded frees, ${count(h.oversized)} oversized allocations skipped, ${count(h.leaked)} never freed (${count(h.leakedBytes)} bytes); `
    + `heaptrack's peak ${(h.peakBytes / 2 ** 20).toFixed(2)} MiB requested${h.truncated ? "; stopped at --limit" : ""}\n`);
  if (values.save) {
    try { await trace.save(values.save); } catch (err) { failOn(values.save, err); }
    process.stdout.write(`  saved ${values.save}\n`);
  }
}
process.stdout.write("\n");
// nothing to time: each allocator's row was NaN ns/event and 100 % fragmentation of an empty heap
if (trace.length === 0) {
  process.stdout.write("nothing to replay: the trace has no events\n");
  process.exit(0);
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mib = (x: number) => (x / 2 ** 20).toFixed(2);
const lines = [["allocator", "M events/s", "ns/event (median)", "min..max", "peak heap MiB", "peak live MiB", "frag@peak", "max external", "end external"]];
const DECILES = 10;
const overTime = [["fragmentation at", ...Array.from({ length: DECILES }, (_, i) => `${(i + 1) * 10} %`)]];
for (const allocator of allocators) {
  const runs: ReplayResult[] = [];
  try {
    for (let r = 0; r < reps; r++) runs.push(await replayTrace(trace, { allocator, samples, debug: values.debug }));
  } catch (err) { fail(`${source} on ${allocator}: ${explain(err)}`); }
  const ns = runs.map((r) => (r.ms * 1e6) / r.events).sort((a, b) => a - b);
  const median = ns[ns.length >> 1]!;
  const r = runs[0]!;
  lines.push([allocator, median > 0 ? (1e3 / median).toFixed(1) : "-", median.toFixed(1), `${ns[0]!.toFixed(1)}..${ns.at(-1)!.toFixed(1)}`, mib(r.peakHeapBytes), mib(r.peakLiveBytes),
    pct(r.fragmentationAtPeak), pct(Math.max(...r.series.map((s) => s.externalFragmentation))), pct(r.final.externalFragmentation)]);
  // 1 - live / heap at the sample nearest each tenth of the events
  overTime.push([allocator, ...Array.from({ length: DECILES }, (_, i) => {
    const at = ((i + 1) / DECILES) * r.events;
    const s = r.series.reduce((best, p) => (Math.abs(p.op - at) < Math.abs(best.op - at) ? p : best), r.series[0]!);
    return pct(s.fragmentation);
  })]);
}
const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((l) => l[i]!.length)));
  for (const l of rows) process.stdout.write(l.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ") + "\n");
};
table(lines);
if (values.debug) process.stdout.write(`\n--debug: the checked build, verify() passed at every sample (${samples} per replay); its times are not the allocators'.\n`);
process.stdout.write("\nFragmentation over time (1 − live bytes / heap bytes, at each tenth of the events):\n");
table(overTime);
