// Bring your own allocator (docs/allocators.md): an allocator file in a folder outside the
// repository, built in with `--allocator`, gets a heap, verify, stats and trace replay without
// editing refheap's sources. The allocator is docs/allocators.md's worked example, so the page's
// code runs here. The build happens in a copy of the repository (a temporary folder), so this
// test never rewrites the generated files the other suites are running on.
import { afterAll, beforeAll, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
let repo = "", user = "";

/** The first ts block after `<!-- file: NAME -->` in docs/allocators.md. */
async function docBlock(name: string): Promise<string> {
  const md = await readFile(join(root, "docs/allocators.md"), "utf8");
  const m = new RegExp(`<!-- file: ${name} -->[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(md);
  if (!m) throw new Error(`docs/allocators.md has no block for ${name}`);
  return m[1];
}

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), "refheap-repo-"));
  user = await mkdtemp(join(tmpdir(), "refheap-user-"));
  for (const f of ["assembly", "scripts", "src", "strategies.json", "boundary.json", "asconfig.json", "package.json", "tsconfig.json"]) {
    await cp(join(root, f), join(repo, f), { recursive: true, filter: (p) => !p.includes("/generated") });
  }
  await symlink(join(root, "node_modules"), join(repo, "node_modules"), "dir");
  await writeFile(join(user, "segfit.ts"), await docBlock("segfit.ts"));
}, 120_000);

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
  await rm(user, { recursive: true, force: true });
});

test("an allocator file from outside the repository: built in, it gets a heap, verify, stats and trace replay", async () => {
  // the documented command, run where the user's file is (npm passes INIT_CWD the same way)
  await run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", "--allocator", "./segfit.ts"], { cwd: user, env: { ...process.env, INIT_CWD: user } });
  expect(JSON.parse(await readFile(join(repo, "build/extra-allocators.json"), "utf8"))).toEqual([join(user, "segfit.ts")]);
  const script = join(repo, "check-segfit.mts");
  await writeFile(script, `
    import { ALLOCATORS, ALLOCATOR_INFO, AllocationTrace, Heap, replayTrace } from "./src/index.js";
    const out: Record<string, unknown> = { allocators: ALLOCATORS, info: ALLOCATOR_INFO["segfit" as never] };
    const heap = await Heap.create({ allocator: "segfit" as never, debug: true });
    const Node = heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true });
    const Bytes = heap.defineType({ name: "B", kind: "bytes" });
    // cycles: refcounting leaves them, the collector frees them, the allocator takes the blocks back
    heap.gc.disable(); // one collection at the end, so its count is all of them
    for (let i = 0; i < 2000; i++) { const a = heap.alloc(Node), b = heap.alloc(Node); a.set("a", b); b.set("a", a); a.dispose(); b.dispose(); }
    out.collected = heap.gc.collect();
    const keep = heap.alloc(Node);
    const w = heap.weakref(keep);
    // reuse: the block just freed serves the next request of its class
    const x = heap.alloc(Node); const px = x.ptr; x.dispose();
    const y = heap.alloc(Node); out.reused = y.ptr === px; y.dispose();
    const sizes = [1, 100, 600, 5000, 100_000];
    const big = sizes.map((n) => { const h = heap.alloc(Bytes, n); h.write(new Uint8Array(n).fill(n & 255)); return h; });
    out.contents = big.every((h, i) => h.bytes().every((v) => v === (sizes[i] & 255)));
    out.verify = heap.verify().objects;
    for (const h of big) h.dispose();
    keep.dispose();
    out.weakCleared = w.deref() === null;
    w.dispose();
    const s = heap.stats();
    out.stats = { live: s.liveObjects, parts: Object.values(s.parts).reduce((a, b) => a + b, 0), committed: s.committedBytes, headers: s.largeHeaderBytes };
    heap.verify();
    heap.destroy();
    const ops: number[] = [];
    for (let i = 0; i < 500; i++) ops.push(64 + (i % 5) * 8, 4, 0, i);
    const r = await replayTrace(new AllocationTrace(Uint32Array.from(ops), {}), { allocator: "segfit" as never, debug: true, samples: 2 });
    out.replayPeak = r.peakHeapBytes;
    console.log(JSON.stringify(out));
  `);
  const { stdout } = await run(join(repo, "node_modules/.bin/tsx"), [script], { cwd: repo });
  const out = JSON.parse(stdout.trim().split("\n").pop()!);
  expect(out.allocators).toContain("segfit");
  expect(out.info).toMatchObject({ name: "segfit", external: true, capabilities: { reuses: true, sizeClasses: false, coalesces: false } });
  expect(out.collected).toBe(4000);
  expect(out.reused).toBe(true);
  expect(out.contents).toBe(true);
  expect(out.verify).toBeGreaterThan(0);
  expect(out.weakCleared).toBe(true);
  expect(out.stats.live).toBe(0);
  expect(out.stats.parts).toBe(out.stats.committed);
  expect(out.stats.headers).toBeGreaterThan(0);
  expect(out.replayPeak).toBeLessThan(1 << 20); // freed blocks are reused

  // this repository's host (no segfit in its registry) with the copy's core (segfit built in) is
  // two builds: refused, not run (a dist/ left from an --allocator build, then a --builtin-only core,
  // asked the core for code 5 and reported "maxBytes 4294967296 is too small")
  const mixed = join(repo, "mixed.mts");
  await writeFile(mixed, `
    import { Heap, setWasmBaseUrl } from ${JSON.stringify(join(root, "src/index.js"))};
    import { pathToFileURL } from "node:url";
    setWasmBaseUrl(pathToFileURL(${JSON.stringify(join(repo, "build") + "/")}));
    try { await Heap.create({ debug: true }); console.log("created"); } catch (e) { console.log((e as Error).constructor.name + ": " + (e as Error).message); }
  `);
  const refused = (await run(join(repo, "node_modules/.bin/tsx"), [mixed], { cwd: repo })).stdout.trim();
  expect(refused).toMatch(/^HeapConfigError: the core \(build\/\*\.wasm\) and this host come from builds of different strategy registries/);
}, 300_000);

test("a file that does not implement the contract is refused with what it lacks", async () => {
  const bad = join(user, "halfdone.ts");
  await writeFile(bad, "export const CAPABILITIES: u32 = 0;\nexport function init(start: usize): void {}\nexport function alloc(size: usize): usize { return 0; }\n");
  await expect(run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", "--allocator", bad], { cwd: repo }))
    .rejects.toThrow(/allocator 'halfdone' .* does not export free, cursorStart, cursorNext, cursorBlockSize, check, stats/);
  const unknown = join(user, "wishful.ts");
  await writeFile(unknown, "export const CAPABILITIES: u32 = CAP_TELEPATHY;\n");
  await expect(run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", "--allocator", unknown], { cwd: repo }))
    .rejects.toThrow(/unknown capability CAP_TELEPATHY/);
}, 120_000);

test("mistakes in a file that builds: compile errors name the user's file and line, and such a file is not remembered", async () => {
  const segfit = await docBlock("segfit.ts");
  const build = (...args: string[]) => run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", ...args], { cwd: user, env: { ...process.env, INIT_CWD: user, CI: "1" } }); // asc colours its output wherever CI is set
  // the good build first: it is remembered
  await build("--allocator", "./segfit.ts");
  // a type error on line 1 of the user's file (the copy once had a notice line first: line 2 of assembly/generated/ext/typo.ts)
  await writeFile(join(user, "typo.ts"), 'const oops: u32 = "text";\n' + segfit);
  const failed = await build("--allocator", "./typo.ts").then(() => "", (e) => String(e.stderr));
  expect(failed).toMatch(/TS\d+: Type '~lib\/string\/String' is not assignable to type 'u32'/);
  expect(failed).toContain(`${join(user, "typo.ts")}(1,`);
  expect(failed).not.toMatch(/generated\/ext|WARNING|    at /); // no copy's path, no core warnings, no stack trace
  expect(failed).toMatch(/--builtin-only/);
  expect(JSON.parse(await readFile(join(repo, "build/extra-allocators.json"), "utf8"))).toEqual([join(user, "segfit.ts")]);
  // `export { name }` is an export (it was refused as missing); an allocator named collector_x beside a
  // collector x (their copies once overwrote each other: "used before its declaration")
  await writeFile(join(user, "collector_braced.ts"), segfit.replace("export function end(): usize { return top; }", "function end(): usize { return top; }\nexport { end };"));
  await writeFile(join(user, "braced.ts"), "export const CAPABILITIES: u32 = 0;\nexport function init(): void {}\nfunction collectGeneration(g: u32): i32 { return 0; }\nfunction step(): void {}\nexport { collectGeneration, step as step };\nexport function thawGeneration(): u32 { return 0; }\nexport function check(): void {}\n");
  await build("--allocator", "./collector_braced.ts", "--collector", "./braced.ts");
  await build("--builtin-only");
}, 300_000);
