// The re-entrancy fuzzer's long run (npm run soak -- --fuzz): the programs of tests/reentry-fuzz.test.ts
// (random programs whose host code re-enters the heap, checked against the reference model and
// heap.verify() after every step), batch after batch of fresh seeds, on each strategy and build in
// turn, sharing the time between them. A failure is shrunk by fast-check and reported with the
// seed and path that replay it and the shrunk program (paste it into tests/model-regressions.test.ts).
import fc from "fast-check";
import { readFile, stat } from "node:fs/promises";
import { figures, reentryProgramArb, runProgram, type Program } from "../tests/model/program.js";
import { reentryFigures } from "../tests/model/reentry.js";
import { modelFigures } from "../tests/model/model.js";

export interface FuzzOptions {
  strategies: { allocator: string; collector: string }[];
  builds: ("debug" | "release")[];
  /** Total time, milliseconds. */
  millis: number;
  seed: number;
  /** Steps per program at most. */
  maxOps: number;
  /** Programs per fast-check run (one seed each). */
  batch: number;
  /** Time allowed to shrink one failure, milliseconds. */
  shrinkMillis: number;
  log?: (line: string) => void;
}

export interface FuzzFailure { strategy: string; build: string; seed: number; path?: string; error: string; program?: Program }
export interface FuzzRow { strategy: string; build: string; programs: number; operations: number; hostCalls: number; actions: number; refused: number; deferredWeakrefDeaths: number; failures: number }
export interface FuzzResult { rows: FuzzRow[]; failures: FuzzFailure[]; programs: number; operations: number; seconds: number }

export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const log = o.log ?? (() => {});
  const start = performance.now();
  const runs = o.strategies.flatMap((s) => o.builds.map((build) => ({ s, build })));
  const slice = o.millis / runs.length;
  const rows: FuzzRow[] = [];
  const failures: FuzzFailure[] = [];
  let seed = o.seed;
  for (const [i, { s, build }] of runs.entries()) {
    const until = start + slice * (i + 1);
    const name = `${s.allocator}/${s.collector}`;
    const before = { ...figures, ...reentryFigures, ...modelFigures };
    const row: FuzzRow = { strategy: name, build, programs: 0, operations: 0, hostCalls: 0, actions: 0, refused: 0, deferredWeakrefDeaths: 0, failures: 0 };
    // a failing strategy stops after three failures: the same defect would be found again and again
    // (at least one batch each, even when a shrink before it overran the time)
    for (let first = true; first || (performance.now() < until && row.failures < 3); first = false) {
      const r = await fc.check(fc.asyncProperty(reentryProgramArb(o.maxOps), (prog) => runProgram(s, prog, build === "debug")), {
        numRuns: o.batch, seed, interruptAfterTimeLimit: o.shrinkMillis,
      });
      if (r.failed) {
        row.failures++;
        const err = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
        const f: FuzzFailure = { strategy: name, build, seed, path: r.counterexamplePath ?? undefined, error: err.split("\n")[0].slice(0, 600), program: r.counterexample?.[0] };
        failures.push(f);
        log(`  FAILED ${name} ${build} seed ${seed}: ${f.error}`);
      }
      seed++;
    }
    row.programs = figures.programs - before.programs;
    row.operations = figures.operations - before.operations;
    row.hostCalls = reentryFigures.hostCalls - before.hostCalls;
    row.actions = reentryFigures.actions - before.actions;
    row.refused = reentryFigures.refused - before.refused;
    row.deferredWeakrefDeaths = modelFigures.deferredWeakrefDeaths - before.deferredWeakrefDeaths;
    rows.push(row);
    log(`${name.padEnd(22)} ${build.padEnd(7)} ${String(row.programs).padStart(7)} programs ${String(row.operations).padStart(9)} operations ${String(row.hostCalls).padStart(8)} re-entrant host calls ${String(row.actions).padStart(8)} actions ${String(row.refused).padStart(6)} refused ${String(row.deferredWeakrefDeaths).padStart(5)} deferred weakref deaths  ${row.failures ? `${row.failures} FAILED` : "ok"}`);
  }
  return { rows, failures, programs: rows.reduce((n, r) => n + r.programs, 0), operations: rows.reduce((n, r) => n + r.operations, 0), seconds: (performance.now() - start) / 1000 };
}

/** Replays one program (a JSON file, as a failure prints it); returns the error, or null if it passes. */
export async function replayProgram(file: string, strategy: { allocator: string; collector: string }, build: "debug" | "release"): Promise<string | null> {
  const size = (await stat(file)).size;
  if (size > 16 << 20) throw new Error(`${file}: ${size} bytes; a program file is at most 16 MiB`);
  const prog = JSON.parse(await readFile(file, "utf8")) as Program;
  if (!prog || typeof prog !== "object" || !Array.isArray(prog.ops)) throw new Error(`${file}: not a program (expected {threshold, gcCallbackThrows, ops: [...], reentry?})`);
  try {
    await runProgram(strategy, prog, build === "debug");
    return null;
  } catch (err) {
    return err instanceof Error ? `${err.message}\n${err.stack?.split("\n").slice(1, 8).join("\n")}` : String(err);
  }
}
