// QuickJS-in-wasm (quickjs-emscripten, Bellard's QuickJS compiled to wasm) as a benchmark peer: the
// workloads of ./workloads.js, each returning a Sample like the other rows. Run only on request
// (npm run bench -- --peers all).
//
// Fresh instance per repetition: a new wasm instance (of one WebAssembly.Module compiled per process,
// so V8's tiered-up code is shared), runtime and context, untimed; the linear memory size at the
// end is this repetition's high-water mark.
// Timing: the injected now() (the host's performance.now()) around the workload region, inside the
// context. W3a is not offered: QuickJS has a collector entry point (JS_RunGC) but quickjs-emscripten
// 0.32 does not export it, and no runtime option or JS global triggers a collection. (Every QuickJS
// collection is a full one, so W3c's pauses over the old heap are full-collection times.)
//
// Pauses (W2, W3c, W5): QuickJS has no GC hooks. The loop runs in steps (QUICKJS_STEP units), each
// timed with the injected now(); a sentinel (a self-cycle behind a WeakRef) tells which steps ran a
// collection. pausesMs = those steps' durations: an upper bound, including the step's own work
// (extra.stepWorkMs, the median step without a collection). A step can also stall without a
// collection (host V8 GC, scheduling): extra.maxStepMs and extra.topSteps show the longest ones.
// The timing calls' calibrated cost (nowCalls × nowCostUs) is subtracted from durationMs and
// nsPerUnit (extra.rawMs keeps the raw figure). W1 and W4 have no step timing (no pauses reported,
// as the V8 rows). W4: QuickJS (2025 versions) has WeakRef and FinalizationRegistry; the row
// mirrors the V8 one (Map + WeakRef + FinalizationRegistry + a liveness flag).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSRuntime, type QuickJSWASMModule } from "quickjs-emscripten";
import type { BenchOptions, Sample } from "../../common.js";
import {
  KEEP, KEY_SPACE, LEVELS, RING, SUBTASKS, treeChecksum, treeNodes, w1Checksum, w2Checksum, w2Rings, w3Rings, w3Trees,
  w4Checksum, w4Lookups, w5Checksum, w5Tasks, oldHeapSum, type PeerWorkload,
} from "../../shapes.js";

export { peerIterations, PEER_ITERATION_DIVISOR, type PeerWorkload } from "../../shapes.js";

const SRC = readFileSync(new URL("./workloads.js", import.meta.url), "utf8");

/** The workloads this peer runs (W3a: no way to start a collection, see above). */
export const QUICKJS_WORKLOADS: readonly PeerWorkload[] = ["W1", "W2", "W3c", "W4", "W5-strong", "W5-weak"];

/**
 * Units per timed step in the churn loops (pause detection, see workloads.js). A host now() call
 * costs ~8-20 µs through quickjs-emscripten's function bridge: steps of ~1 ms keep it ~1-2 %, and its
 * calibrated cost is subtracted from the timed region.
 */
export const QUICKJS_STEP = { rings: 64, oldHeapRings: 256, tasks: 16 } as const;
const CALIBRATION_CALLS = 5000;

interface Instance {
  qj: QuickJSWASMModule;
  rt: QuickJSRuntime;
  ctx: QuickJSContext;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The release-sync variant's wasm, compiled once per process. */
function wasmModule(): Promise<WebAssembly.Module> {
  return (compiled ??= WebAssembly.compile(readFileSync(createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm"))));
}

async function freshInstance(): Promise<Instance> {
  const qj = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmModule: await wasmModule() }));
  const rt = qj.newRuntime();
  const ctx = rt.newContext();
  const nowFn = ctx.newFunction("now", () => ctx.newNumber(performance.now()));
  ctx.setProp(ctx.global, "now", nowFn);
  nowFn.dispose();
  evalValue(ctx, SRC);
  return { qj, rt, ctx };
}

function evalValue(ctx: QuickJSContext, code: string): unknown {
  const h = ctx.unwrapResult(ctx.evalCode(code));
  try {
    return ctx.dump(h);
  } finally {
    h.dispose();
  }
}

function memoryUsed(inst: Instance): number {
  const h = inst.rt.computeMemoryUsage();
  try {
    return (inst.ctx.dump(h) as { memory_used_size: number }).memory_used_size;
  } finally {
    h.dispose();
  }
}

/** Linear memory of this instance (the module is fresh per repetition: its high-water mark). */
const wasmBytes = (inst: Instance): number =>
  (inst.qj as unknown as { module: { HEAPU8: Uint8Array } }).module.HEAPU8.length;

interface QjResult {
  ms: number;
  checksum: number;
  nowCalls: number;
  pausesMs?: number[];
  stepWorkMs?: number;
  steps?: number;
  maxStepMs?: number;
  [k: string]: unknown;
}

function sample(inst: Instance, r: QjResult, nowCostMs: number, units: number, expectedChecksum: number, extra: Record<string, unknown> = {}): Sample {
  // the timed region minus the calibrated cost of its now() calls (step timing), never below 0
  const ms = Math.max(0, r.ms - r.nowCalls * nowCostMs);
  const s: Sample = {
    nsPerUnit: (ms * 1e6) / units, durationMs: ms, units, checksum: r.checksum, expectedChecksum,
    peakBytes: wasmBytes(inst),
    extra: { ...extra, rawMs: r.ms, nowCalls: r.nowCalls, nowCostUs: nowCostMs * 1e3, memoryUsedBytes: memoryUsed(inst) },
  };
  if (r.pausesMs) {
    s.pausesMs = r.pausesMs;
    Object.assign(s.extra!, { collections: r.pausesMs.length, steps: r.steps, stepWorkMs: r.stepWorkMs, maxStepMs: r.maxStepMs });
  }
  for (const [k, v] of Object.entries(r))
    if (!["ms", "checksum", "nowCalls", "pausesMs", "steps", "stepWorkMs", "maxStepMs"].includes(k)) s.extra![k] = v;
  return s;
}

const call = (ctx: QuickJSContext, code: string): QjResult => JSON.parse(evalValue(ctx, code) as string) as QjResult;

/** One repetition of `workload` in QuickJS (fresh wasm instance), sized by `o` as the other rows. */
export async function quickjsPeer(workload: PeerWorkload, o: BenchOptions): Promise<Sample> {
  if (workload === "W3a") throw new Error("QuickJS peer: W3a needs an explicit collection, which quickjs-emscripten does not expose");
  const inst = await freshInstance();
  const { ctx } = inst;
  try {
    // calibrated before and after the workload (the first is colder); the smaller is subtracted
    const calibrate = () => evalValue(ctx, `nowCostMs(${CALIBRATION_CALLS})`) as number;
    let nowCostMs = calibrate();
    const result = (r: QjResult, units: number, expected: number, extra: Record<string, unknown> = {}) => {
      nowCostMs = Math.min(nowCostMs, calibrate());
      return sample(inst, r, nowCostMs, units, expected, extra);
    };
    switch (workload) {
      case "W1": {
        const before = memoryUsed(inst);
        const longSum = evalValue(ctx, `w1Setup(${o.longDepth})`) as number;
        const after = memoryUsed(inst);
        if (longSum !== treeChecksum(o.longDepth)) throw new Error(`QuickJS W1: long-lived tree checksum ${longSum}`);
        const r = call(ctx, `w1(${o.depth}, ${o.iterations})`);
        evalValue(ctx, "w1Teardown()");
        const s = result(r, o.iterations * treeNodes(o.depth), w1Checksum(o.depth, o.iterations));
        // memory_used_size growth across building the long-lived tree (QuickJS's malloc accounting)
        s.bytesPerUnit = (after - before) / treeNodes(o.longDepth);
        return s;
      }
      case "W2": {
        const rings = w2Rings(o);
        return result(call(ctx, `w2(${rings}, ${QUICKJS_STEP.rings})`), rings * 4, w2Checksum(rings), { stepRings: QUICKJS_STEP.rings });
      }
      case "W3c": {
        const trees = w3Trees(o), rings = w3Rings(o);
        const oldSum = evalValue(ctx, `w3Setup(${trees}, ${LEVELS})`) as number;
        if (oldSum !== oldHeapSum(trees)) throw new Error(`QuickJS W3c: old heap checksum ${oldSum}`);
        const liveBytes = memoryUsed(inst);
        return result(call(ctx, `w3c(${rings}, ${QUICKJS_STEP.oldHeapRings})`), rings * 4, w2Checksum(rings), {
          stepRings: QUICKJS_STEP.oldHeapRings, liveNodes: trees * (2 ** LEVELS - 1), oldHeapBytes: liveBytes,
        });
      }
      case "W4": {
        const lookups = w4Lookups(o);
        return result(call(ctx, `w4(${lookups}, ${RING}, ${KEY_SPACE})`), lookups, w4Checksum(lookups));
      }
      case "W5-strong":
      case "W5-weak": {
        const tasks = w5Tasks(o);
        const r = call(ctx, `w5(${tasks}, ${KEEP}, ${SUBTASKS}, ${workload === "W5-weak"}, ${QUICKJS_STEP.tasks})`);
        return result(r, tasks, w5Checksum(tasks), { stepTasks: QUICKJS_STEP.tasks });
      }
      default:
        throw new Error(`QuickJS peer: no ${workload} (QUICKJS_WORKLOADS)`);
    }
  } finally {
    ctx.dispose();
    inst.rt.dispose();
  }
}
