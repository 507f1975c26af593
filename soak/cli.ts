// npm run soak -- --minutes N [--strategy all|pools/generational|...] [--seed S] [--verify-every K] [--target OBJECTS] [--release]
// Runs the soak workload (soak/workload.ts) on each strategy in turn, sharing the time between
// them, with heap.verify() every K operations, and reports operations, peak bytes and whether
// memory returned to its baseline once the workload dropped everything. Exit code 1 if not.
import { parseArgs } from "node:util";
import { ALLOCATORS, COLLECTORS, Heap, type AllocatorName, type CollectorName } from "../src/index.js";
import { DEFAULT_COLLECTOR } from "../src/strategies.js";
import { runSoak } from "./workload.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "1" },
    strategy: { type: "string", default: "all" },
    seed: { type: "string", default: "1" },
    "verify-every": { type: "string", default: "2000" },
    target: { type: "string", default: "5000" },
    release: { type: "boolean", default: false },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`soak: --minutes must be a positive number, got ${values.minutes}`);
  process.exit(2);
}
const strategies = values.strategy === "all"
  ? ALLOCATORS.flatMap((allocator) => COLLECTORS.map((collector) => ({ allocator, collector })))
  : [{ allocator: values.strategy!.split("/")[0] as AllocatorName, collector: (values.strategy!.split("/")[1] ?? DEFAULT_COLLECTOR) as CollectorName }];
const slice = (minutes * 60_000) / strategies.length;
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const start = performance.now();
let ok = true;
let total = 0;
console.log(`soak: ${minutes} min over ${strategies.length} strateg${strategies.length === 1 ? "y" : "ies"}, ${values.release ? "release" : "debug (checked)"} build, seed ${values.seed}, verify every ${values["verify-every"]} operations`);
for (const [i, s] of strategies.entries()) {
  const heap = await Heap.create({ ...s, debug: !values.release });
  const until = start + slice * (i + 1);
  const r = runSoak(heap, { until, seed: Number(values.seed) + i, verifyEvery: Number(values["verify-every"]), target: Number(values.target) });
  total += r.operations;
  ok &&= r.returnedToBaseline;
  console.log(
    `${`${s.allocator}/${s.collector}`.padEnd(22)} ${String(r.operations).padStart(9)} ops  ${String(r.verifies).padStart(5)} verifies  ` +
    `${String(r.collections).padStart(6)} collections  ${String(r.finalizers).padStart(7)} finalizers  ${String(r.callbacks).padStart(7)} callbacks  ` +
    `${String(r.unraisable).padStart(5)} reported  peak ${String(r.peakLiveObjects).padStart(6)} objects / ${mib(r.peakObjectBytes)} in objects / ${mib(r.peakCommittedBytes)} committed  ` +
    `end: ${r.final.liveObjects} objects, ${r.final.objectBytes} bytes, ${r.final.liveHandles} handles -> ${r.returnedToBaseline ? "baseline" : "NOT BASELINE"}${r.stoppedEarly ? `  (stopped early: ${r.stoppedEarly})` : ""}`,
  );
  heap.destroy();
}
console.log(`soak: ${total} operations in ${((performance.now() - start) / 1000).toFixed(0)} s; memory ${ok ? "returned to its baseline on every strategy" : "did NOT return to its baseline"}`);
process.exitCode = ok ? 0 : 1;
