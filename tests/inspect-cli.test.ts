// refheap-inspect, run as a real subprocess on a workload, then on the .heapsnapshot it wrote.
import { expect, test } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { STRATEGIES } from "./helpers.js";
import { main } from "../src/inspect/cli.js";
import { describe } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;

/** main() in-process, capturing what it prints. */
async function inProcess(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...x: unknown[]) => { lines.push(x.join(" ")); };
  try { await main(args); } finally { console.log = log; }
  return lines.join("\n");
}

// Each strategy runs in the subprocess, whose heap checks every invariant at the end (--verify),
// as heapSuite does for in-process heaps.
describe.each(STRATEGIES)("refheap-inspect [$allocator/$collector]", ({ allocator, collector }) => {
  test("run: growth per tick, timeline, allocation sites, dominators, .heapsnapshot, DOT and SVG; snapshot reads the file back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "refheap-cli-"));
    try {
      const snap = join(dir, "w.heapsnapshot"), dot = join(dir, "w.dot"), svg = join(dir, "w.svg");
      const { stdout } = await run(process.execPath, [
        "--import", "tsx", "src/inspect/cli.ts", "run", "tests/fixtures/leaky-workload.ts", "--allocator", allocator, "--collector", collector,
        "--growth", "--timeline", "--tracemalloc", "--dominators", "--top", "3", "--heapsnapshot", snap, "--dot", dot, "--svg", svg, "--verify",
      ], { cwd: root });
      expect(stdout).toMatch(/growth after step 2:\nBytes\s+30\s+\+10\nListener\s+30\s+\+10\nSession\s+30\s+\+10\n/);
      expect(stdout).toMatch(/\n\s*3\s+step 2\s+122\s+\d+\s+4744\s+92\s+30\s+30\s+30\s/); // the timeline's last step
      expect(stdout).toMatch(/leaky-workload\.ts:16: size=4560 B, count=90/); // the leaking line
      expect(stdout).toMatch(/4744\s+20\s+Bus@0x[0-9a-f]+\s+<host> → Bus@0x[0-9a-f]+\n/);
      expect(stdout).toMatch(/-\.listeners→ List@0x[0-9a-f]+ -\[0\]→ Listener@0x[0-9a-f]+/);
      expect(stdout).toMatch(/\nverify: ok \(\d+ blocks/);
      expect(await readFile(dot, "utf8")).toMatch(/^digraph backrefs \{/);
      expect(await readFile(svg, "utf8")).toMatch(/<svg[\s\S]*Bus[\s\S]*<\/svg>/);
      const fromFile = await inProcess(["snapshot", snap, "--dominators", "--top", "2", "--partition", "referrers"]);
      expect(fromFile).toMatch(/^92 objects, 4744 bytes/);
      expect(fromFile).toMatch(/\{Listener\}/); // 30 Sessions referred to by Listeners
      expect(fromFile).toMatch(/4744\s+20\s+Bus@0x[0-9a-f]+\s+<host> → Bus/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test("refheap-inspect: bad arguments get a usage error and exit code 2", async () => {
  const fail = await run(process.execPath, ["--import", "tsx", "src/inspect/cli.ts", "run"], { cwd: root }).catch((e) => e);
  expect(fail.code).toBe(2);
  expect(fail.stderr).toMatch(/^refheap-inspect: expected `run <workload>` or `snapshot <file>`\nusage:/);
  await expect(inProcess(["run", "x.js", "--top", "0"])).rejects.toThrow(/--top must be a positive integer/);
  await expect(inProcess(["run", "x.js", "--allocator", "nope"])).rejects.toThrow(/allocator 'nope' is unknown/);
  await expect(inProcess(["snapshot", "x.heapsnapshot", "--growth"])).rejects.toThrow(/--growth applies to run/);
  await expect(inProcess(["snapshot", "x", "--bogus"])).rejects.toThrow(/Unknown option '--bogus'/);
  expect(await inProcess(["--help"])).toMatch(/^usage: refheap-inspect run/);
  // nothing silently dropped (before: the last of two values won, an empty --heapsnapshot path wrote nothing, --top 0x10 was 16)
  await expect(inProcess(["run", "x.js", "--top", "2", "--top", "3"])).rejects.toThrow(/--top given twice/);
  await expect(inProcess(["snapshot", "x", "--dot", "a.dot", "--dot", "b.dot"])).rejects.toThrow(/--dot given twice/);
  await expect(inProcess(["run", "x.js", "--heapsnapshot", ""])).rejects.toThrow(/--heapsnapshot: an empty path/);
  await expect(inProcess(["snapshot", "x", "--svg", ""])).rejects.toThrow(/--svg: an empty path/);
  await expect(inProcess(["run", "x.js", "--top", "0x10"])).rejects.toThrow(/--top must be a positive integer, got 0x10/);
});

test("refheap-inspect: a workload that throws a string (not an Error) is reported by its value, exit code 1", async () => {
  const fail = await run(process.execPath, ["--import", "tsx", "src/inspect/cli.ts", "run", "tests/fixtures/throwing-workload.ts"], { cwd: root }).catch((e) => e);
  expect(fail.code).toBe(1);
  expect(fail.stderr).toBe("refheap-inspect: the workload gave up\n");
  const { errorText } = await import("../src/inspect/cli.js");
  expect([errorText(new TypeError("m")), errorText(undefined), errorText(5), errorText({ a: 1 }), errorText(Symbol("s")), errorText(1n)])
    .toEqual(["m", "thrown value undefined", "thrown value 5", 'thrown object {"a":1}', "thrown value Symbol(s)", "thrown bigint"]);
});

test("refheap-inspect: a path that cannot be read or written is one line naming it, exit code 2", async () => {
  // before: an unreadable snapshot exited 1, a missing workload printed import()'s "Cannot find
  // module" and exited 1, and a --dot, --svg or --heapsnapshot path that cannot be written exited
  // 1 with the raw ENOENT
  const dir = await mkdtemp(join(tmpdir(), "refheap-cli-"));
  try {
    const none = join(dir, "none");
    const cases: [string[], RegExp][] = [
      [["snapshot", join(none, "x.heapsnapshot")], /^refheap-inspect: loadHeapSnapshot: cannot read .*x\.heapsnapshot: ENOENT: no such file or directory, stat '.*x\.heapsnapshot'\n$/],
      [["snapshot", dir], /^refheap-inspect: loadHeapSnapshot: .* is not a file\n$/],
      [["run", join(none, "w.js")], /^refheap-inspect: workload: cannot read .*w\.js: ENOENT: no such file or directory, stat '.*w\.js'\n$/],
      [["run", dir], /^refheap-inspect: workload: .* is not a file\n$/],
      [["run", "tests/fixtures/leaky-workload.ts", "--dot", join(none, "w.dot")], /^refheap-inspect: --dot: cannot write .*w\.dot: ENOENT: no such file or directory, open '.*w\.dot'\n$/],
      [["run", "tests/fixtures/leaky-workload.ts", "--heapsnapshot", join(none, "w.heapsnapshot")], /^refheap-inspect: saveHeapSnapshot: cannot write .*w\.heapsnapshot: ENOENT: no such file or directory, open '.*w\.heapsnapshot'\n$/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(process.execPath, ["--import", "tsx", "src/inspect/cli.ts", ...args], { cwd: root }).then(() => null, (e) => e)));
    cases.forEach(([args, stderr], i) => {
      const r = results[i];
      expect(r, args.join(" ")).not.toBeNull();
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(stderr);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
