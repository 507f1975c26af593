// VM benchmark: classic interpreter workloads on the refheap VM (src/vm), with the heap's share
// of the time.
//
//   npm run bench:vm [-- --depth 12 --n 20000 --runs 3]
//
// Method. Each workload runs `runs` times on a fresh VM (release build, pools allocator) and the
// median wall time is reported. One more run is made under V8's sampling CPU profiler
// (node:inspector, 100 µs interval): a sample whose innermost frame is a wasm function counts as
// time inside the heap (allocation, refcounting, freeing, the collector, weak-reference
// clearing); every other sample is the interpreter (JS), including the JS side of each call into
// the heap and V8's own garbage collection. The share is samples-in-wasm / all samples of the run.
// A last run counts the VM's calls into the core (per allocation, and the most frequent ones).

import { Session } from "node:inspector/promises";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Heap, type CollectorName } from "../src/index.js";
import { VM } from "../src/vm/interp.js";

const { values } = parseArgs({
  options: {
    depth: { type: "string", default: "12" },
    n: { type: "string", default: "20000" },
    runs: { type: "string", default: "3" },
    collectors: { type: "string", default: "generational,recycler" },
  },
});
const depth = Number(values.depth), n = Number(values.n), runs = Number(values.runs);
const collectors = values.collectors.split(",") as CollectorName[];

const program = (name: string) => readFileSync(new URL(`./vm/${name}.lisp`, import.meta.url), "utf8");
const workloads = [
  { name: `binary-trees depth ${depth}`, src: `(define MAX-DEPTH ${depth})\n` + program("binary-trees") },
  { name: `closures N=${n}`, src: `(define N ${n})\n` + program("closures") },
];

async function once(src: string, collector: CollectorName) {
  const heap = await Heap.create({ collector });
  let out = "";
  const vm = new VM(heap, { out: (s) => { out += s; } });
  const a0 = heap.stats().allocations;
  const t = performance.now();
  vm.run(src);
  const ms = performance.now() - t;
  const allocations = heap.stats().allocations - a0;
  const gc = heap.gc.getStats().reduce((s, g) => s + g.collections, 0);
  const peak = heap.stats().peakCommittedBytes;
  vm.dispose();
  return { ms, out, allocations, gc, peak };
}

interface ProfileNode { id: number; callFrame: { url: string; functionName: string }; }
async function heapShare(src: string, collector: CollectorName): Promise<{ wasm: number; v8gc: number; samples: number }> {
  const s = new Session();
  s.connect();
  await s.post("Profiler.enable");
  await s.post("Profiler.setSamplingInterval", { interval: 100 });
  await s.post("Profiler.start");
  await once(src, collector);
  const { profile } = await s.post("Profiler.stop") as { profile: { nodes: ProfileNode[]; samples: number[] } };
  s.disconnect();
  const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]));
  let wasm = 0, v8gc = 0, total = 0;
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)" || f.functionName === "(program)") continue;
    total++;
    if (f.url.startsWith("wasm://")) wasm++;
    else if (f.functionName === "(garbage collector)") v8gc++;
  }
  return { wasm: wasm / total, v8gc: v8gc / total, samples: total };
}

/**
 * The VM's calls into the core, counted: a run where the VM sees a copy of heap.core whose
 * functions count their calls (the heap's own internal calls are not counted).
 */
async function calls(src: string, collector: CollectorName): Promise<{ total: number; top: string }> {
  const heap = await Heap.create({ collector });
  const counts = new Map<string, number>();
  const core = heap.core as unknown as Record<string, unknown>;
  const counting: Record<string, unknown> = {};
  for (const k of Object.keys(core)) {
    const f = core[k];
    if (typeof f !== "function") { counting[k] = f; continue; }
    counts.set(k, 0);
    counting[k] = (...a: unknown[]) => { counts.set(k, counts.get(k)! + 1); return (f as (...a: unknown[]) => unknown)(...a); };
  }
  Object.defineProperty(heap, "core", { value: counting });
  const vm = new VM(heap, { out: () => {} });
  for (const k of counts.keys()) counts.set(k, 0);
  vm.run(src);
  vm.dispose();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`).join(", ");
  return { total, top };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`refheap VM benchmark (release build, pools allocator; median of ${runs} runs; heap share from a profiled run)\n`);
console.log("workload                  collector      time ms   heap allocs   ns/alloc   gc runs   peak MiB   heap share   V8 GC share");
for (const w of workloads) {
  for (const c of collectors) {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await once(w.src, c));
    const ms = median(rs.map((r) => r.ms));
    const r = rs[0];
    const share = await heapShare(w.src, c);
    console.log(
      `${w.name.padEnd(26)}${c.padEnd(13)}${ms.toFixed(0).padStart(9)}${String(r.allocations).padStart(14)}${((ms * 1e6) / r.allocations).toFixed(0).padStart(11)}` +
      `${String(r.gc).padStart(10)}${(r.peak / 2 ** 20).toFixed(1).padStart(11)}${`${(share.wasm * 100).toFixed(1)} %`.padStart(13)}${`${(share.v8gc * 100).toFixed(1)} %`.padStart(14)}`,
    );
    if (c === collectors[0]) {
      process.stdout.write(r.out.split("\n").map((l) => (l ? `    | ${l}\n` : "")).join(""));
      const k = await calls(w.src, c);
      console.log(`    calls into the core: ${(k.total / r.allocations).toFixed(1)} per allocation (${k.top})`);
    }
  }
}
