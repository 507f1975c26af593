// The npm package as a user gets it: `npm pack` from a clean copy of the working tree (prepack
// builds dist/ and the wasm), installed from the tarball into an empty project without dev
// dependencies, then used by both bins, a plain .mjs consumer, a `require` consumer, a strict
// TypeScript consumer (skipLibCheck false, no DOM lib, no Node types) and an AssemblyScript
// program compiled against the installed core (docs/embedding.md's command).
import { beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cp, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { sumProgram, cycleProgram } from "../examples/as-stack-vm/run.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const quiet = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", NO_COLOR: "1" };
let app: string, pkg: string, files: string[];

beforeAll(async () => {
  const tmp = await mkdtemp(join(tmpdir(), "refheap-package-"));
  // a clean checkout: the files git would commit from this working tree (no dist/, no build/)
  const src = join(tmp, "src");
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, maxBuffer: 64 << 20 });
  for (const f of stdout.split("\0").filter((f) => f && existsSync(join(root, f)))) {
    await mkdir(dirname(join(src, f)), { recursive: true });
    await cp(join(root, f), join(src, f));
  }
  await symlink(join(root, "node_modules"), join(src, "node_modules"), "dir");
  const packed = await run(npm, ["pack", "--json", "--pack-destination", tmp], { cwd: src, env: quiet, maxBuffer: 64 << 20 });
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  files = info[0].files.map((f) => f.path);
  app = join(tmp, "app");
  await mkdir(app);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run(npm, ["install", "--omit=dev", "--prefer-offline", join(tmp, info[0].filename)], { cwd: app, env: quiet });
  pkg = join(app, "node_modules/refheap");
}, 900_000);

const node = (args: string[], opts: { input?: string } = {}) => new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
  const child = execFile(process.execPath, args, { cwd: app, env: { ...quiet, NODE_OPTIONS: "" } }, (err, stdout, stderr) => {
    resolve({ stdout, stderr, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 });
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
});

describe("the packed package", () => {
  test("holds the compiled library, declarations, both core builds and the AssemblyScript sources; no bench wasm, no TypeScript sources", () => {
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/inspect/index.js", "dist/inspect/index.d.ts", "dist/vm/cli.js", "dist/inspect/cli.js", "build/core.release.wasm", "build/core.debug.wasm", "assembly/index.ts", "assembly/rt/trap.ts", "assembly/generated/stats_ids.ts", "bin/refheap-vm.mjs"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(?!docs\/).*bench|\.map$|^src\/|^tests\//.test(f))).toEqual([]);
  });

  test("every page the README links to is in the package (before, its docs/ links led nowhere once installed)", () => {
    const links = [...readFileSync(join(root, "README.md"), "utf8").matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const l of links) expect(files, l).toContain(l);
  });

  test("installs without dependencies: @viz-js/viz is an optional peer", async () => {
    expect((await readdir(join(app, "node_modules"))).filter((f) => !f.startsWith("."))).toEqual(["refheap"]);
    const meta = JSON.parse(await readFile(join(pkg, "package.json"), "utf8"));
    expect(meta.dependencies ?? {}).toEqual({});
    expect(meta.peerDependenciesMeta["@viz-js/viz"].optional).toBe(true);
    expect(meta.peerDependenciesMeta.fzstd.optional).toBe(true);
  });

  test("importHeaptrack reads plain recordings without fzstd, and says what to install for zstd ones", async () => {
    const zst = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, 0x01, 0x00, 0x00]; // a zstd frame: one empty last block
    await writeFile(join(app, "heaptrack.mjs"), `import { importHeaptrack, HeapConfigError } from "refheap";
const t = await importHeaptrack(new TextEncoder().encode("v 10400 3\\nX prog\\n+ 10 0 5000\\n- 5000\\n"));
let err;
try { await importHeaptrack(Uint8Array.from(${JSON.stringify(zst)})); } catch (e) { err = e; }
console.log(t.length, err instanceof HeapConfigError, /npm install fzstd/.test(err.message));
`);
    const r = await node(["heaptrack.mjs"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("2 true true\n");
  });

  test("declarations stand alone: no JSON import, no DOM reference, internals stripped", async () => {
    const dts = (await readdir(join(pkg, "dist"), { recursive: true })).filter((f) => f.endsWith(".d.ts"));
    expect(dts.length).toBeGreaterThan(10);
    for (const f of dts) {
      const text = await readFile(join(pkg, "dist", f), "utf8");
      expect(text, f).not.toMatch(/\.json["']|reference lib=|@internal/);
    }
    const heap = await readFile(join(pkg, "dist/heap.d.ts"), "utf8");
    expect(heap).not.toMatch(/\b(core|views|registerHandle|wrapBorrowed|ptrOf|_finalizeHook)\??[:(]|HeapInternals/);
  });

  test("bin refheap-vm runs a program and the REPL on compiled code", async () => {
    const r = await node([join(app, "node_modules/.bin/refheap-vm"), "-e", '(define xs (range 5)) (print (len xs) "ok")']);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("5 ok");
    const repl = await node([join(app, "node_modules/.bin/refheap-vm")], { input: "(+ 1 2)\n" });
    expect(repl.stdout).toMatch(/3/);
    expect(repl.code).toBe(0);
  });

  test("bin refheap-inspect runs a workload; --svg without @viz-js/viz says what to install", async () => {
    await writeFile(join(app, "work.mjs"), `export default function (heap, { tick }) {
  const Node = heap.defineType({ name: "Node", refs: ["next"] });
  const a = heap.alloc(Node), b = heap.alloc(Node);
  a.set("next", b); b.set("next", a); tick("cycle");
  return [a, b];
}\n`);
    const r = await node([join(app, "node_modules/.bin/refheap-inspect"), "run", "work.mjs", "--verify"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Node/);
    expect(r.stdout).toMatch(/verify: ok/);
    const svg = await node([join(app, "node_modules/.bin/refheap-inspect"), "run", "work.mjs", "--svg", "out.svg"]);
    expect(svg.code).not.toBe(0);
    expect(svg.stderr).toMatch(/npm install @viz-js\/viz/);
  });

  test("a plain .mjs consumer", async () => {
    await writeFile(join(app, "use.mjs"), `import * as root from "refheap";
import { Heap, WeakValueMap } from "refheap";
import { VM } from "refheap/vm";
import * as inspect from "refheap/inspect";
import { Inspector, takeGraph, toDot } from "refheap/inspect";
const heap = await Heap.create({ debug: true });
const Node = heap.defineType({ name: "Node", refs: ["a"], scalars: { v: "i32" }, weakrefable: true });
const n = heap.alloc(Node);
n.setScalar("v", 7);
const map = new WeakValueMap(heap);
map.set(1, n);
console.log(n, map, n.getScalar("v"));
// the subpath's names are the root's very objects (the root keeps every name)
const shared = Object.keys(inspect).filter((k) => k in root);
const differ = shared.filter((k) => root[k] !== inspect[k]);
console.log(shared.length > 20, differ.join(",") || "same", new Inspector(heap).count("Node"), takeGraph(heap).indexOf(n.ptr) >= 0, toDot(takeGraph(heap), [takeGraph(heap).indexOf(n.ptr)], false).startsWith("digraph"));
const vm = await VM.create({ out: (s) => process.stdout.write(s) });
vm.run("(print (* 6 7))");
vm.dispose();
heap.verify();
`);
    const r = await node(["use.mjs"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^<Handle Node@0x[0-9a-f]+ rc=1> <WeakValueMap size=1> 7\ntrue same 1 true true\n42\n$/);
  });

  test("a require() consumer (Node >= 20.19 loads the ES module graph synchronously)", async () => {
    await writeFile(join(app, "use.cjs"), `const { Heap, HeapTypeError, Inspector: RootInspector } = require("refheap");
const { VM } = require("refheap/vm");
const { Inspector } = require("refheap/inspect");
Heap.create().then((heap) => {
  const T = heap.defineType({ name: "T", refs: ["x"] });
  const t = heap.alloc(T);
  try { t.get("y"); } catch (e) { console.log(e instanceof HeapTypeError, typeof VM, Inspector === RootInspector && new Inspector(heap).count("T")); }
  heap.destroy();
});
`);
    const r = await node(["use.cjs"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true function 1\n");
  });

  test("a strict TypeScript consumer (skipLibCheck false, no DOM lib, no Node types): field names are checked", async () => {
    await writeFile(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: false, lib: ["es2022", "esnext.disposable"], types: [] },
      include: ["consumer.ts"],
    }));
    await writeFile(join(app, "consumer.ts"), `import { Heap, Scope, instantiateLinked, type Handle, type HeapStats } from "refheap";
import { VM } from "refheap/vm";
import { Inspector, takeGraph, type ObjectGraph, type ObjectInfo } from "refheap/inspect";
const heap = await Heap.create({ collector: "recycler" });
const Node = heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" } });
const Leaf = heap.defineType({ name: "Leaf" });
const root = heap.alloc(Node);
root.set("a", heap.alloc(Leaf));
root.setScalar("v", 1);
const a: Handle | null = root.get("b");
// @ts-expect-error: Node has no field c
root.set("c", null);
// @ts-expect-error: v is a scalar, not a reference
root.get("v");
// @ts-expect-error: a is a reference, not a scalar
root.getScalar("a");
// @ts-expect-error: Leaf has no fields at all
heap.alloc(Leaf).get("a");
// @ts-expect-error: internals are not part of the API
heap.core;
// @ts-expect-error: internals are not part of the API
heap.views;
const px = heap.proxy(root);
px.set("a", null);
// @ts-expect-error: a proxy forwards its referent's fields, typed too
px.set("c", null);
// @ts-expect-error: so does deref()
heap.weakref(root).deref()?.getScalar("a");
const loose: Handle = root; // a typed handle is still a Handle
const count: number = heap.getWeakrefCount(root) + heap.getweakrefcount(root);
{
  using scope: Scope = heap.scope();
  heap.alloc(Node);
}
const kept: Handle<"a" | "b", "v"> = heap.scope(() => heap.alloc(Node));
const stats: HeapStats = heap.stats();
const vm = await VM.create({});
const graph: ObjectGraph = takeGraph(heap);
const info: ObjectInfo = new Inspector(heap).describe(root);
// @ts-expect-error: count takes a type name
new Inspector(heap).count(Node);
void [a, loose, count, kept, stats, vm, instantiateLinked, graph, info];
heap[Symbol.dispose]();
`);
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const r = await node([tsc, "-p", "."]).then((x) => x);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("an AssemblyScript program compiled against the installed core, instantiated with instantiateLinked", async () => {
    // the stack machine example, importing the core from the package instead of ../../assembly
    const source = (await readFile(join(root, "examples/as-stack-vm/stackvm.ts"), "utf8")).replaceAll('"../../assembly/', '"refheap/assembly/');
    expect(source).toMatch(/from "refheap\/assembly\/index"/);
    await writeFile(join(app, "stackvm.ts"), source);
    // the command docs/embedding.md gives
    const { error, stderr } = await asc.main([
      "stackvm.ts", "--outFile", "stackvm.wasm", "--runtime", "./node_modules/refheap/assembly/rt/trap", "--exportStart", "_start",
      "-O3", "--converge", "--noAssert", "--baseDir", app,
    ]);
    expect(error, stderr.toString()).toBeNull();
    await writeFile(join(app, "sum.bin"), sumProgram(1000));
    await writeFile(join(app, "cycle.bin"), cycleProgram);
    await writeFile(join(app, "as.mjs"), `import { instantiateLinked, ALLOCATOR_CODES, COLLECTOR_CODES, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR } from "refheap";
import { readFileSync } from "node:fs";
const x = await instantiateLinked(readFileSync("stackvm.wasm"));
if (x.init(ALLOCATOR_CODES[DEFAULT_ALLOCATOR], 65536, COLLECTOR_CODES[DEFAULT_COLLECTOR], 0) !== 0 || x.vmSetup(8) !== 0) throw new Error("setup failed");
for (const file of ["sum.bin", "cycle.bin"]) {
  const code = readFileSync(file);
  new Uint8Array(x.memory.buffer).set(code, x.vmCode(code.length));
  console.log(x.vmRun());
}
x.vmTeardown();
console.log(x.verify());
`);
    const r = await node(["as.mjs"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("500500\n2\n0\n");
  });
});
