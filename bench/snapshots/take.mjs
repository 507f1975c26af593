// Makes a W7 fixture: a heap snapshot of a real program, with V8's own full collection of that
// process timed beside it. Run from the repository root:
//   node --expose-gc bench/snapshots/take.mjs PROGRAM [OUT_DIR]
// PROGRAM: tsc-lib (the TypeScript compiler holding refheap's project parsed, with the
// ES2022 library files), vitest (vitest's main process after running a test file), node (a bare
// node process: the tests' fixture).
// Writes OUT_DIR/PROGRAM.heapsnapshot.gz and OUT_DIR/PROGRAM.json (what was measured, and how).
// With --measure-only it writes no snapshot: it runs the program again, times V8's gc() there and
// replaces OUT_DIR/PROGRAM.json's v8FullGcMs (saying so in it), for a quiet machine later.
// The snapshot is made smaller before it is kept, keeping the graph: the text of value-named
// nodes (strings, numbers, regexps: importHeapSnapshot types them by node type alone) is blanked,
// the allocation traces dropped, and the strings table rebuilt with what is left.

import v8 from "node:v8";
import { readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import os from "node:os";

const args = process.argv.slice(2).filter((a) => a !== "--measure-only");
const measureOnly = args.length < process.argv.length - 2;
const program = args[0];
const outDir = path.resolve(args[1] ?? "bench/snapshots");
if (typeof gc !== "function") throw new Error("run with node --expose-gc");

/** What each program does before the snapshot; what it returns stays alive. */
const PROGRAMS = {
  // refheap's tsconfig.json (its src/ files, strict), against the ES2022 library files (the lib
  // .d.ts files parsed and bound: what a real compile holds), without the DOM and @types/node
  async ["tsc-lib"]() {
    const ts = (await import("typescript")).default;
    const cfg = ts.getParsedCommandLineOfConfigFile("tsconfig.json", {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
    const lib = ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"];
    const p = ts.createProgram({ rootNames: cfg.fileNames, options: { ...cfg.options, lib, types: [] } });
    const files = p.getSourceFiles().length;
    return { program: p, what: `the TypeScript ${ts.version} compiler holding refheap's project: ts.createProgram with tsconfig.json's files (${cfg.fileNames.length}) and options, lib ${lib.join(" + ")} (no DOM, types: []); ${files} files in all` };
  },
  async vitest() {
    const { startVitest } = await import("vitest/node");
    const v = await startVitest("test", ["tests/types.test.ts"], { watch: false, reporters: ["dot"] });
    const ok = v.state.getFiles().every((f) => f.result?.state === "pass");
    return { vitest: v, what: `vitest's main process after running tests/types.test.ts (${ok ? "passed" : "FAILED"}), its server and module graph kept` };
  },
  async node() {
    return { what: "a bare node process" };
  },
};

const make = PROGRAMS[program];
if (!make) throw new Error(`program: one of ${Object.keys(PROGRAMS).join(", ")}`);
const held = await make();
globalThis.__held = held; // alive through the snapshot

// V8's full collection of this process: two warm-ups, then the median of nine
for (let i = 0; i < 2; i++) gc();
const samples = [];
for (let i = 0; i < 9; i++) {
  const t = performance.now();
  gc();
  samples.push(performance.now() - t);
}
const sorted = [...samples].sort((a, b) => a - b);
const heap = v8.getHeapStatistics();
const v8FullGcMs = {
  median: Number(sorted[4].toFixed(3)), min: Number(sorted[0].toFixed(3)), max: Number(sorted[8].toFixed(3)), samples: samples.map((x) => Number(x.toFixed(3))),
  method: "gc() (--expose-gc: a full, synchronous mark-compact) ×9 after 2 warm-ups, performance.now() around each",
};
if (measureOnly) {
  // V8's figure again, in a process that rebuilt what the snapshot holds, on a quiet machine: the
  // snapshot stays as it is, its json records when and how this figure was taken
  const file = path.join(outDir, `${program}.json`);
  const info = JSON.parse(readFileSync(file, "utf8"));
  info.v8FullGcMs = { ...v8FullGcMs, measuredBy: `node --expose-gc bench/snapshots/take.mjs ${args.join(" ")} --measure-only`, date: new Date().toISOString(),
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))), node: process.version, usedHeapBytes: heap.used_heap_size, snapshotUnchanged: true };
  writeFileSync(file, JSON.stringify(info, null, 2) + "\n");
  process.stdout.write(`${file}: v8FullGcMs median ${v8FullGcMs.median} ms (load average ${os.loadavg()[0].toFixed(1)}); the snapshot of ${info.date} is unchanged\n`);
  if (held.vitest) await held.vitest.close();
  process.exit(0);
}
// the figure needs a quiet machine, writing the snapshot does not (minutes on 2 cores): say when it is taken
process.stderr.write(`V8 full gc(): median ${sorted[4].toFixed(1)} ms (load average ${os.loadavg()[0].toFixed(1)}); writing the snapshot\n`);

const raw = path.join(os.tmpdir(), `refheap-${program}-${process.pid}.heapsnapshot`);
const t0 = performance.now();
v8.writeHeapSnapshot(raw);
const writeMs = performance.now() - t0;
const s = JSON.parse(readFileSync(raw, "utf8"));
rmSync(raw);

// compact: blank value-named nodes, drop traces, keep only the strings still named
const meta = s.snapshot.meta, nf = meta.node_fields.length, ef = meta.edge_fields.length;
const fType = meta.node_fields.indexOf("type"), fName = meta.node_fields.indexOf("name");
const eType = meta.edge_fields.indexOf("type"), eName = meta.edge_fields.indexOf("name_or_index");
const VALUE_NAMED = new Set(["string", "concatenated string", "sliced string", "number", "bigint", "regexp", "symbol"]);
const numericEdge = new Set(["element", "hidden"].map((t) => meta.edge_types[0].indexOf(t)));
const strings = [""], ids = new Map([["", 0]]);
const keep = (i) => { const str = s.strings[i]; let k = ids.get(str); if (k === undefined) { k = strings.length; strings.push(str); ids.set(str, k); } return k; };
for (let n = 0; n < s.nodes.length; n += nf) {
  s.nodes[n + fName] = VALUE_NAMED.has(meta.node_types[0][s.nodes[n + fType]]) ? 0 : keep(s.nodes[n + fName]);
}
for (let e = 0; e < s.edges.length; e += ef) if (!numericEdge.has(s.edges[e + eType])) s.edges[e + eName] = keep(s.edges[e + eName]);
const tn = meta.node_fields.indexOf("trace_node_id");
if (tn >= 0) for (let n = 0; n < s.nodes.length; n += nf) s.nodes[n + tn] = 0;
s.strings = strings;
s.snapshot.trace_function_count = 0;
s.trace_function_infos = []; s.trace_tree = []; s.samples = []; s.locations = [];

mkdirSync(outDir, { recursive: true });
const gz = gzipSync(JSON.stringify(s), { level: 9 });
writeFileSync(path.join(outDir, `${program}.heapsnapshot.gz`), gz);
const info = {
  program, what: held.what,
  command: `node --expose-gc bench/snapshots/take.mjs ${args.join(" ")}`,
  date: new Date().toISOString(), node: process.version, v8: process.versions.v8, cpu: os.cpus()[0]?.model ?? "unknown", cpuCount: os.cpus().length,
  loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
  nodes: s.snapshot.node_count, edges: s.snapshot.edge_count, strings: strings.length, gzipBytes: gz.length,
  usedHeapBytes: heap.used_heap_size,
  v8FullGcMs,
  snapshotWriteMs: Math.round(writeMs),
};
writeFileSync(path.join(outDir, `${program}.json`), JSON.stringify(info, null, 2) + "\n");
process.stdout.write(`${JSON.stringify(info)}\n`);
if (held.vitest) await held.vitest.close();
process.exit(0);
