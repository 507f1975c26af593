// P1, the first pause of a fresh heap: does a heap's first collection pause like its later ones?
// Each repetition compiles the bench module afresh (its bytes made unique with a custom section,
// so V8's module cache cannot hand back code compiled earlier), instantiates it and runs W2's
// cycle churn, timing every automatic collection. Two ways to compile, in the same run:
//   eager        src/compile.ts, what Heap.create does: every function at TurboFan before any runs
//   V8 default   WebAssembly.compile as V8 chooses: each function compiled on its first call with
//                the Liftoff baseline compiler, hot ones tiered up later in the background
// The row's figure is the first pause; its pause columns hold every pause of the repetitions.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileEager } from "../src/compile.js";
import { instantiateLinked, type CoreExports, type HostHooks } from "../src/wasm.js";
import { ALLOCATOR_CODES, COLLECTORS, COLLECTOR_CODES, DEFAULT_ALLOCATOR } from "../src/heap.js";
import { REFCOUNT_ONLY, splitPauses, type BenchOptions, type Row, type Sample, type Workload } from "./common.js";
import { anatomy, runQueueWaitNs, type PauseRecord } from "./anatomy.js";
import { w2Checksum } from "./shapes.js";

const benchWasm = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../build/bench.release.wasm");

interface ProbeExports extends CoreExports { w2Run(rings: number): number }

let nonce = 0;
/** The module's bytes with a custom section no other compile in this process had. */
function uniqueBytes(): Uint8Array<ArrayBuffer> {
  const bytes = readFileSync(benchWasm);
  const name = new TextEncoder().encode(`refheap-probe-${process.pid}-${++nonce}`);
  // custom section: id 0, size (LEB128, < 128 here), name length, name
  const section = new Uint8Array([0, name.length + 1, name.length, ...name]);
  const out = new Uint8Array(new ArrayBuffer(bytes.length + section.length));
  out.set(bytes);
  out.set(section, bytes.length);
  return out;
}

export type CompileMode = "eager" | "V8 default";
const MODES: CompileMode[] = ["eager", "V8 default"];
/** Rings per repetition: about a hundred automatic collections (threshold0 700 containers: one per 175 rings). */
const RINGS = 20_000;

async function firstPause(mode: CompileMode, collector: (typeof COLLECTORS)[number]): Promise<Sample> {
  const bytes = uniqueBytes();
  const t0 = performance.now();
  const module = mode === "eager" ? await compileEager(bytes) : await WebAssembly.compile(bytes);
  const compileMs = performance.now() - t0;
  const pauses: PauseRecord[] = [];
  let start = 0, wait0 = 0, bytes0 = 0, visitedAt = 0;
  const deep = anatomy.on;
  let x: ProbeExports;
  const hooks: Partial<HostHooks> = {
    gcPhase(phase, generation) {
      if (phase === 0) {
        bytes0 = x.memory.buffer.byteLength;
        if (deep) wait0 = runQueueWaitNs() ?? 0;
        start = performance.now();
      } else if (phase === 1) {
        const t1 = performance.now();
        const r: PauseRecord = { generation, t0: start, ms: t1 - start, visited: new Uint32Array(x.memory.buffer)[visitedAt]!, grownBytes: x.memory.buffer.byteLength - bytes0 };
        if (deep) r.runQueueWaitMs = ((runQueueWaitNs() ?? 0) - wait0) / 1e6;
        pauses.push(r);
      }
    },
  };
  x = await instantiateLinked<ProbeExports>(module, { hooks });
  visitedAt = x.gcVisited() >>> 2;
  if (x.init(ALLOCATOR_CODES[DEFAULT_ALLOCATOR], 65536, COLLECTOR_CODES[collector], 0) !== 0) throw new Error("init failed");
  const sum = x.w2Run(RINGS);
  const pausesMs = pauses.map((p) => p.ms);
  if (pausesMs.length < 3) throw new Error(`P1: only ${pausesMs.length} collections`);
  const rest = pausesMs.slice(1).sort((a, b) => a - b);
  return {
    nsPerUnit: pausesMs[0]! * 1e6, durationMs: pausesMs[0]!, units: 1, checksum: sum, expectedChecksum: w2Checksum(RINGS), ...splitPauses(pauses),
    extra: { compileMs, firstMs: pausesMs[0], laterMedianMs: rest[rest.length >> 1], laterMaxMs: rest[rest.length - 1] },
  };
}

export const p1: Workload = {
  id: "P1",
  title: () => `P1 the first collection of a fresh heap: a module compiled afresh, ${RINGS.toLocaleString("en-US")} W2 rings; the first automatic pause.`,
  unit: "ns",
  display: "ms",
  rows: (o: BenchOptions): Row[] => COLLECTORS.filter((c) => c !== REFCOUNT_ONLY).flatMap((collector) => MODES.map((mode): Row => ({
    name: `refheap first pause, ${mode} compile (${DEFAULT_ALLOCATOR}/${collector})`,
    iterations: o.iterations, allocator: DEFAULT_ALLOCATOR, collector, driver: "in-wasm",
    ...(mode === "eager" ? {} : { setting: "V8 default compile" }),
    run: () => firstPause(mode, collector),
  }))),
  notes: () => [
    "The figure is the first automatic pause; the pause columns hold every pause of the repetitions (the first among them).",
    "eager: src/compile.ts (TurboFan for every function before anything runs, as Heap.create compiles); V8 default: lazy Liftoff, tier-up in the background.",
  ],
};
