// The soak workload (soak/workload.ts) in its short CI form: a fixed number of operations (not a
// time) on every strategy, verify() every 500, and memory back to its baseline at the end.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import { runSoak } from "../soak/workload.js";

heapSuite("soak (short)", ({ make, strategy }) => {
  test("a mixed workload keeps every invariant and memory returns to its baseline when it drops everything", async () => {
    const heap = await make();
    const r = runSoak(heap, { operations: 6000, verifyEvery: 500, seed: 7, target: 1500 });
    expect(r.operations).toBe(6000);
    expect(r.verifies).toBeGreaterThanOrEqual(12);
    expect(r.finalizers).toBeGreaterThan(0);
    expect(r.callbacks).toBeGreaterThan(0);
    expect(r.unraisable).toBeGreaterThan(0); // its throwing finalizers were reported
    if (collectorCaps(strategy.collector).collectsCycles) expect(r.collections).toBeGreaterThan(0);
    expect(r.final).toMatchObject({ liveObjects: 0, objectBytes: 0, liveHandles: 0 });
    expect(r.returnedToBaseline).toBe(true);
    // and the heap is still usable: a second run from there ends at the same baseline
    expect(runSoak(heap, { operations: 2000, verifyEvery: 1000, seed: 8 }).returnedToBaseline).toBe(true);
  });
});

// npm run soak -- --fuzz: the re-entrancy fuzzer's long run (soak/fuzz.ts), briefly.
test("soak --fuzz runs programs per strategy and build, and replays a program file", async () => {
  const { runFuzz, replayProgram } = await import("../soak/fuzz.js");
  const r = await runFuzz({ strategies: [{ allocator: "pools", collector: "recycler" }], builds: ["debug", "release"], millis: 3000, seed: 11, maxOps: 20, batch: 2, shrinkMillis: 5000 });
  expect(r.rows.map((row) => `${row.strategy} ${row.build}`)).toEqual(["pools/recycler debug", "pools/recycler release"]);
  for (const row of r.rows) expect(row.programs + row.failures).toBeGreaterThan(0);
  expect(r.operations).toBeGreaterThan(0);
  for (const f of r.failures) expect(f.program?.ops.length).toBeGreaterThan(0); // a failure comes with its shrunk program
  const { writeFile, mkdtemp } = await import("node:fs/promises");
  const dir = await mkdtemp(`${(await import("node:os")).tmpdir()}/refheap-fuzz-`);
  await writeFile(`${dir}/ok.json`, JSON.stringify({ threshold: 2, gcCallbackThrows: false, ops: [{ op: "alloc", kind: "node" }, { op: "collect", g: 2 }], reentry: { hosts: { fin: [], cb: [], final: [], gc: [[{ a: "alloc", kind: "node", keep: true, self: false }]], report: [], events: [], phase: [] }, batch: 1024 } }));
  expect(await replayProgram(`${dir}/ok.json`, { allocator: "pools", collector: "generational" }, "debug")).toBeNull();
  await writeFile(`${dir}/bad.json`, JSON.stringify({ threshold: 2 }));
  await expect(replayProgram(`${dir}/bad.json`, { allocator: "pools", collector: "generational" }, "debug")).rejects.toThrow(/not a program/);
});

// The command line: input from strangers, refused with usage and exit code 2 before anything runs.
describe("npm run soak (command line)", () => {
  const soak = (...args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, ["--import", "tsx", "soak/cli.ts", ...args], { cwd: fileURLToPath(new URL("..", import.meta.url)) }, (err, stdout, stderr) => done({ code: err ? (err as { code: number }).code : 0, stdout, stderr }));
  });

  test("--help prints the usage; unknown options and bad values exit 2 with a message", async () => {
    const help = await soak("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage:[\s\S]*--fuzz --replay PROGRAM\.json/);
    for (const [args, message] of [
      [["--bogus"], /Unknown option '--bogus'[\s\S]*usage:/],
      [["--minutes", "0"], /--minutes must be a positive number/],
      [["--target", "x"], /--target an integer/],
      [["--verify-every=0"], /--verify-every must be a positive integer/],
      [["--strategy", "pools/nope"], /unknown strategy pools\/nope/],
      [["--fuzz", "--build", "fast"], /--build both, debug or release/],
    ] as const) {
      const r = await soak(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});
