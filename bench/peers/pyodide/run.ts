// CPython-in-wasm (pyodide) as a benchmark peer: the workloads of ./workloads.py, each returning a
// Sample like the other rows. Run only on request (npm run bench -- --peers all): loading pyodide
// takes seconds.
//
// Fresh instance per repetition: pyodide is loaded once per process (a load costs ~3 s); each
// repetition runs gc.collect(), then executes workloads.py in a fresh globals dict (fresh classes,
// no state from the previous repetition), runs one entry point and drops the namespace.
// Timing is inside the interpreter (time.perf_counter_ns around the workload region); pauses are
// every automatic collection in that region, from gc.callbacks (start/stop phases).
//
// Observed with pyodide 314.0.7 (CPython 3.14.2): gc.get_threshold() = (2000, 10, 0), the
// incremental collector; every automatic collection reports generation 1 to gc.callbacks (young +
// one increment of the old generation), so pausesByGen is [[], [all], []]. W3a's gc.collect() is a
// full collection over everything the interpreter tracks (~20,000 objects of its own besides the old
// heap; extra.emptyCollectMs times one without the old heap). peakBytes is the wasm memory size after
// the workload: pyodide's memory never shrinks and is shared by the repetitions, so it is the
// process's high-water mark so far (extra.wasmMemoryBeforeBytes: the size before the run).
import { readFileSync } from "node:fs";
import type { PyodideInterface } from "pyodide";
import { splitPauses, type BenchOptions, type Sample } from "../../common.js";
import {
  KEEP, KEY_SPACE, LEVELS, RING, SUBTASKS, treeNodes, w1Checksum, w2Checksum, w2Rings, w3Rings, w3Trees,
  w4Checksum, w4Lookups, w5Checksum, w5Tasks, W6_SESSION, W6_WINDOW, w6Checksum, w6Requests, w6Trees, type PeerWorkload,
} from "../../shapes.js";

export { peerIterations, PEER_ITERATION_DIVISOR, type PeerWorkload } from "../../shapes.js";

const SRC = readFileSync(new URL("./workloads.py", import.meta.url), "utf8");

let loading: Promise<PyodideInterface> | undefined;
let loadMs = 0;

/** The process's one pyodide instance (loaded on first use). */
export function pyodideInstance(): Promise<PyodideInterface> {
  return (loading ??= (async () => {
    const t0 = performance.now();
    const { loadPyodide } = await import("pyodide");
    const py = await loadPyodide();
    loadMs = performance.now() - t0;
    return py;
  })());
}

/** CPython's version string inside pyodide, e.g. "3.14.0". */
export async function pyodidePythonVersion(): Promise<string> {
  const py = await pyodideInstance();
  return py.runPython("import sys; sys.version.split()[0]") as string;
}

interface PyResult {
  ns: number;
  checksum: number;
  threshold: number[];
  pauses?: [number, number][];
  collected?: number;
  [k: string]: unknown;
}

/** Linear memory of the pyodide instance (never shrinks: the process's high-water mark so far). */
function memoryBytes(py: PyodideInterface): number {
  return (py as unknown as { _module: { HEAPU8: Uint8Array } })._module.HEAPU8.length;
}

/** Runs `fn(...args)` of workloads.py in a fresh namespace; returns its parsed result and the memory size after it. */
async function runInFreshNamespace(fn: string, args: (number | boolean)[]): Promise<{ r: PyResult; memBefore: number; memAfter: number }> {
  const py = await pyodideInstance();
  py.runPython("import gc; gc.collect()");
  const dict = py.globals.get("dict");
  const ns = dict();
  dict.destroy();
  try {
    ns.set("__name__", "refheap_bench");
    py.runPython(SRC, { globals: ns });
    const f = ns.get(fn);
    const memBefore = memoryBytes(py);
    let json: string;
    try {
      json = f(...args) as string;
    } finally {
      f.destroy();
    }
    const memAfter = memoryBytes(py);
    return { r: JSON.parse(json) as PyResult, memBefore, memAfter };
  } finally {
    ns.clear?.();
    ns.destroy();
    py.runPython("import gc; gc.collect()");
  }
}

function sample(r: PyResult, units: number, expectedChecksum: number, mem: { memBefore: number; memAfter: number }, withPauses = true): Sample {
  const s: Sample = {
    nsPerUnit: r.ns / units, durationMs: r.ns / 1e6, units, checksum: r.checksum, expectedChecksum,
    peakBytes: mem.memAfter,
    extra: { gcThreshold: r.threshold, wasmMemoryBeforeBytes: mem.memBefore, pyodideLoadMs: loadMs, collected: r.collected },
  };
  if (withPauses && r.pauses) {
    const gens = r.pauses.map(([generation, ns]) => ({ generation: Math.min(2, Math.max(0, generation)), ms: ns / 1e6 }));
    Object.assign(s, splitPauses(gens));
    s.extra!.generationsSeen = [...new Set(r.pauses.map(([g]) => g))].sort();
  }
  for (const [k, v] of Object.entries(r)) if (!["ns", "checksum", "threshold", "pauses", "collected"].includes(k)) s.extra![k] = v;
  return s;
}

/** One repetition of `workload` in CPython (pyodide), sized by `o` as the other rows. */
export async function pyodidePeer(workload: PeerWorkload, o: BenchOptions): Promise<Sample> {
  switch (workload) {
    case "W1": {
      const m = await runInFreshNamespace("w1", [o.longDepth, o.depth, o.iterations]);
      const s = sample(m.r, o.iterations * treeNodes(o.depth), w1Checksum(o.depth, o.iterations), m);
      // CPython's own accounting of one node (object + GC header, sys.getsizeof); pymalloc rounds to 8 bytes
      s.bytesPerUnit = Math.ceil((m.r.nodeBytes as number) / 8) * 8;
      return s;
    }
    case "W2": {
      const rings = w2Rings(o);
      const m = await runInFreshNamespace("w2", [rings]);
      return sample(m.r, rings * 4, w2Checksum(rings), m);
    }
    case "W3a": {
      const m = await runInFreshNamespace("w3a", [w3Trees(o), LEVELS]);
      return sample(m.r, 1, 0, m, false);
    }
    case "W3c": {
      const rings = w3Rings(o);
      const m = await runInFreshNamespace("w3c", [w3Trees(o), LEVELS, rings]);
      return sample(m.r, rings * 4, w2Checksum(rings), m);
    }
    case "W4": {
      const lookups = w4Lookups(o);
      const m = await runInFreshNamespace("w4", [lookups, RING, KEY_SPACE]);
      return sample(m.r, lookups, w4Checksum(lookups), m);
    }
    case "W5-strong":
    case "W5-weak": {
      const tasks = w5Tasks(o);
      const m = await runInFreshNamespace("w5", [tasks, KEEP, SUBTASKS, workload === "W5-weak"]);
      return sample(m.r, tasks, w5Checksum(tasks), m);
    }
    case "W6": {
      // the value is the peak of tracked objects over the live ones, in %, as the refheap rows' objects
      const requests = w6Requests(o);
      const m = await runInFreshNamespace("w6", [w6Trees(o), LEVELS, requests, W6_SESSION, W6_WINDOW]);
      const s = sample(m.r, requests, w6Checksum(requests), m);
      s.nsPerUnit = (100 * (m.r.peakObjects as number)) / (m.r.liveObjects as number);
      return s;
    }
  }
}
