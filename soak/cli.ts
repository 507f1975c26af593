// npm run soak -- --minutes N [--strategy all|pools/generational|...] [--seed S] [--verify-every K] [--target OBJECTS] [--release]
// npm run soak -- --fuzz --minutes N [--strategy ...] [--seed S] [--build both|debug|release] [--max-ops N]
// npm run soak -- --fuzz --replay PROGRAM.json [--strategy ...] [--build ...]: replays one (shrunk) program
// Runs the soak workload (soak/workload.ts) on each strategy in turn, sharing the time between
// them, with heap.verify() every K operations, and reports operations, peak bytes and whether
// memory returned to its baseline once the workload dropped everything. Exit code 1 if not.
import { parseArgs } from "node:util";
import { ALLOCATORS, COLLECTORS, Heap, type AllocatorName, type CollectorName } from "../src/index.js";
import { DEFAULT_COLLECTOR, isAllocator, isCollector } from "../src/strategies.js";
import { runSoak } from "./workload.js";
import { replayProgram, runFuzz } from "./fuzz.js";

const USAGE = `usage:
  npm run soak -- [--minutes N] [--strategy all|ALLOCATOR/COLLECTOR] [--seed S] [--verify-every K] [--target OBJECTS] [--release]
  npm run soak -- --fuzz [--minutes N] [--strategy ...] [--seed S] [--build both|debug|release] [--max-ops N]
  npm run soak -- --fuzz --replay PROGRAM.json [--strategy ...] [--build ...]`;

let parsed;
try {
  parsed = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    minutes: { type: "string", default: "1" },
    strategy: { type: "string", default: "all" },
    seed: { type: "string", default: "1" },
    "verify-every": { type: "string", default: "2000" },
    target: { type: "string", default: "5000" },
    release: { type: "boolean", default: false },
    // the re-entrancy fuzzer (soak/fuzz.ts) instead of the workload
    fuzz: { type: "boolean", default: false },
    build: { type: "string", default: "both" },
    "max-ops": { type: "string", default: "40" },
    replay: { type: "string" },
  },
  });
} catch (err) {
  console.error(`soak: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`soak: --minutes must be a positive number, got ${values.minutes}`);
  process.exit(2);
}
const strategies = values.strategy === "all"
  ? ALLOCATORS.flatMap((allocator) => COLLECTORS.map((collector) => ({ allocator, collector })))
  : [{ allocator: values.strategy!.split("/")[0] as AllocatorName, collector: (values.strategy!.split("/")[1] ?? DEFAULT_COLLECTOR) as CollectorName }];
for (const s of strategies) {
  if (!isAllocator(s.allocator) || !isCollector(s.collector)) {
    console.error(`soak: unknown strategy ${s.allocator}/${s.collector}; allocators: ${ALLOCATORS.join(", ")}; collectors: ${COLLECTORS.join(", ")}`);
    process.exit(2);
  }
}
const verifyEvery = Number(values["verify-every"]), target = Number(values.target);
if (!Number.isInteger(verifyEvery) || verifyEvery < 1 || !Number.isInteger(target) || target < 1 || target > 10_000_000) {
  console.error(`soak: --verify-every must be a positive integer, --target an integer in 1..10000000`);
  process.exit(2);
}
const seed = Number(values.seed), maxOps = Number(values["max-ops"]);
if (!Number.isInteger(seed) || !Number.isInteger(maxOps) || maxOps < 1 || maxOps > 10_000 || !["both", "debug", "release"].includes(values.build!)) {
  console.error(`soak: --seed must be an integer, --max-ops an integer in 1..10000, --build both, debug or release`);
  process.exit(2);
}

if (values.fuzz) {
  const builds = values.build === "both" ? (["debug", "release"] as const) : [values.build as "debug" | "release"];
  if (values.replay !== undefined) {
    let ok = true;
    for (const s of strategies) {
      for (const build of builds) {
        const err = await replayProgram(values.replay, s, build);
        ok &&= !err;
        console.log(`${`${s.allocator}/${s.collector}`.padEnd(22)} ${build.padEnd(7)} ${err ? `FAILED: ${err}` : "ok"}`);
      }
    }
    process.exit(ok ? 0 : 1);
  }
  console.log(`soak --fuzz: ${minutes} min over ${strategies.length} strateg${strategies.length === 1 ? "y" : "ies"} x ${builds.join(" and ")} build${builds.length > 1 ? "s" : ""}, programs of up to ${maxOps} steps, seeds from ${seed}`);
  const r = await runFuzz({
    strategies, builds: [...builds], millis: minutes * 60_000, seed, maxOps, batch: 5, shrinkMillis: 120_000, log: (line) => console.log(line),
  });
  console.log(`soak --fuzz: ${r.programs} programs, ${r.operations} operations in ${r.seconds.toFixed(0)} s; ${r.failures.length ? `${r.failures.length} FAILURES` : "no failure"}`);
  for (const f of r.failures) {
    console.log(`\n${f.strategy} ${f.build} build, seed ${f.seed}${f.path ? `, path ${f.path}` : ""}: ${f.error}`);
    console.log(`shrunk program: ${JSON.stringify(f.program)}`);
  }
  process.exit(r.failures.length ? 1 : 0);
}

const slice = (minutes * 60_000) / strategies.length;
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const start = performance.now();
let ok = true;
let total = 0;
console.log(`soak: ${minutes} min over ${strategies.length} strateg${strategies.length === 1 ? "y" : "ies"}, ${values.release ? "release" : "debug (checked)"} build, seed ${values.seed}, verify every ${values["verify-every"]} operations`);
for (const [i, s] of strategies.entries()) {
  const heap = await Heap.create({ ...s, debug: !values.release });
  const until = start + slice * (i + 1);
  const r = runSoak(heap, { until, seed: Number(values.seed) + i, verifyEvery, target });
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
