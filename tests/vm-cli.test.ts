// The runner and the REPL as a user starts them: a real subprocess of bin/refheap-vm.mjs (what
// `npx refheap-vm` runs).
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = fileURLToPath(new URL("../bin/refheap-vm.mjs", import.meta.url));
const seeds = fileURLToPath(new URL("../examples/seeds/", import.meta.url));
const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", timeout: 60_000 });

describe("refheap-vm", () => {
  test("runs a file; the program's objects die at exit (finalizers run)", () => {
    const r = run([seeds + "globals.lisp", "--allocator", "tlsf", "--collector", "recycler"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/After loop, now ending the program\nAck! I'm dead! \(name2\)\nAck! I'm dead! \(name1\)\nAck! I'm dead! \(name0\)\n$/);
  });

  test("an error names the file and line and exits 1", () => {
    const r = run(["-e", "(print 1)\n(print (nope))"]);
    expect(r.stdout).toBe("1\n");
    expect(r.stderr).toBe("<-e>:2: NameError: name 'nope' is not defined (line 2)\n");
    expect(r.status).toBe(1);
  });

  test("bad options are refused", () => {
    const r = run(["--allocator", "nope", "-e", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown allocator 'nope'");
  });

  test("bad arguments: one line and the usage, exit 2, no stack trace; nothing dropped silently", () => {
    // before: an unknown option, a missing value or an unreadable file was a stack trace (exit 1);
    // a file with -e, a second file or a repeated option ran one and silently dropped the other
    const cases: [string[], RegExp][] = [
      [["--bogus", "-e", "1"], /^refheap-vm: Unknown option '--bogus'/],
      [["-e"], /^refheap-vm: Option '-e, --eval <value>' argument missing/],
      [[seeds], /^refheap-vm: cannot read .*seeds\/?: EISDIR/],
      [[seeds + "missing.lisp"], /^refheap-vm: cannot read .*missing\.lisp: ENOENT/],
      [[seeds + "globals.lisp", "-e", "(print 1)"], /^refheap-vm: a program file or -e, not both\n/],
      [[seeds + "globals.lisp", seeds + "globals.lisp"], /^refheap-vm: one program file, got 2\n/],
      [["-e", "(print 1)", "-e", "(print 2)"], /^refheap-vm: --eval given twice\n/],
      [["--allocator", "pools", "--allocator", "tlsf", "-e", "1"], /^refheap-vm: --allocator given twice\n/],
    ];
    for (const [args, stderr] of cases) {
      const r = run(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(stderr);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    }
  });

  test("a program file is sized before it is read: a larger one is one line, exit 2", async () => {
    // before: read whole however large: a 16 MiB + 1 file of NULs ran as one symbol, and its
    // NameError printed the 16 MiB name on one line (exit 1); /dev/zero was read until memory ran out
    const dir = await mkdtemp(join(tmpdir(), "refheap-vm-"));
    try {
      const big = join(dir, "big.lisp");
      await writeFile(big, "");
      await truncate(big, (16 << 20) + 1); // sparse: no disk
      const r = run([big]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^refheap-vm: .*big\.lisp has 16777217 bytes, more than a program may have \(16777216\)\n$/);
      expect(r.stdout).toBe("");
    } finally { await rm(dir, { recursive: true, force: true }); }
  });

  test.runIf(process.platform === "linux")("an endless program file (/dev/zero) is read no further than the bound", () => {
    const r = run(["/dev/zero"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("refheap-vm: /dev/zero has more than 16777216 bytes, more than a program may have (16777216)\n");
  });

  test("the REPL evaluates forms across lines and survives errors", () => {
    const r = run([], "(define x [1 2])\n(len\n x)\n(undefined)\nx\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("2\n");
    expect(r.stdout).toContain("NameError: name 'undefined' is not defined");
    expect(r.stdout).toContain("[1, 2]\n");
  });
});
