// Bring your own collector (docs/collectors.md): a collector file in a folder outside the
// repository, built in with `--collector`, gets a heap and every behavioural suite without editing
// refheap's sources. The collector is docs/collectors.md's worked example, so the page's code runs
// here. The build and the suites run in a copy of the repository (a temporary folder), so this
// test never rewrites the generated files the other suites are running on.
import { afterAll, beforeAll, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
let repo = "", user = "";

/** The first ts block after `<!-- file: NAME -->` in docs/collectors.md. */
async function docBlock(name: string): Promise<string> {
  const md = await readFile(join(root, "docs/collectors.md"), "utf8");
  const m = new RegExp(`<!-- file: ${name} -->[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(md);
  if (!m) throw new Error(`docs/collectors.md has no block for ${name}`);
  return m[1];
}

/** What the copy of the repository holds: the suites may import nothing from elsewhere. */
const COPIED = ["assembly", "scripts", "src", "tests", "strategies.json", "boundary.json", "asconfig.json", "package.json", "tsconfig.json", "vitest.config.ts"];

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), "refheap-repo-"));
  user = await mkdtemp(join(tmpdir(), "refheap-user-"));
  for (const f of COPIED) {
    await cp(join(root, f), join(repo, f), { recursive: true, filter: (p) => !p.includes("/generated") });
  }
  await symlink(join(root, "node_modules"), join(repo, "node_modules"), "dir");
  await writeFile(join(user, "fullscan.ts"), await docBlock("fullscan.ts"));
}, 120_000);

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
  await rm(user, { recursive: true, force: true });
});

/** The behavioural suites, each of which runs every test on every strategy it is given. */
const SUITES = ["tests/gc.test.ts", "tests/refcount.test.ts", "tests/weak.test.ts", "tests/phases.test.ts", "tests/reentry.test.ts", "tests/layout.test.ts"];

// A suite that imported from bench/ once collected 0 tests in the copy, seen only after 15 minutes of CI.
test("the behavioural suites import only from the folders the copy holds", async () => {
  const seen = new Set<string>(), todo = SUITES.map((s) => join(root, s)), outside: string[] = [];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of (await readFile(file, "utf8")).matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gm)) {
      const target = join(dirname(file), m[1].replace(/\.js$/, ".ts"));
      const top = relative(root, target).split(sep)[0];
      if (!COPIED.includes(top)) outside.push(`${relative(root, file)} -> ${m[1]}`);
      else if (top === "tests" && target.endsWith(".ts")) todo.push(target);
    }
  }
  expect(outside).toEqual([]);
  expect(seen.size).toBeGreaterThan(SUITES.length); // helpers were followed
});

test("a collector file from outside the repository: built in, every behavioural suite passes on it", async () => {
  // the documented command, run where the user's file is (npm passes INIT_CWD the same way)
  await run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", "--collector", "./fullscan.ts"], { cwd: user, env: { ...process.env, INIT_CWD: user } });
  expect(JSON.parse(await readFile(join(repo, "build/extra-collectors.json"), "utf8"))).toEqual([join(user, "fullscan.ts")]);
  const probe = join(repo, "probe.mts");
  await writeFile(probe, `
    import { COLLECTORS, COLLECTOR_INFO, Heap } from "./src/index.js";
    const heap = await Heap.create({ collector: "fullscan" as never, debug: true });
    const Node = heap.defineType({ name: "Node", refs: ["a"] });
    heap.gc.disable();
    for (let i = 0; i < 100; i++) { const a = heap.alloc(Node), b = heap.alloc(Node); a.set("a", b); b.set("a", a); a.dispose(); b.dispose(); }
    const collected = heap.gc.collect();
    heap.verify();
    console.log(JSON.stringify({ collectors: COLLECTORS, info: COLLECTOR_INFO["fullscan" as never], caps: heap.capabilities.collector, collected, live: heap.stats().liveObjects }));
  `);
  const { stdout } = await run(join(repo, "node_modules/.bin/tsx"), [probe], { cwd: repo });
  const out = JSON.parse(stdout.trim().split("\n").pop()!);
  expect(out.collectors).toContain("fullscan");
  expect(out.info).toMatchObject({ external: true, capabilities: { collectsCycles: true, generations: false, candidates: false, boundedPauses: false, needsDecrementHook: false } });
  expect(out.caps.collectsCycles).toBe(true);
  expect(out.collected).toBe(200);
  expect(out.live).toBe(0);

  // the suites themselves, on fullscan only (their global setup rebuilds with the remembered file)
  const suites = await run(join(repo, "node_modules/.bin/vitest"), ["run", ...SUITES], {
    cwd: repo, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", REFHEAP_COLLECTORS: "fullscan", REFHEAP_ALLOCATORS: "pools" }, maxBuffer: 64 << 20,
  }).catch((e) => { throw new Error(`suites failed on fullscan:\n${String(e.stdout).slice(-6000)}`); });
  expect(suites.stdout).toMatch(/Test Files\s+6 passed/);

  // a file that does not implement the contract is refused before anything is remembered
  await writeFile(join(user, "broken.ts"), "export const CAPABILITIES: u32 = 0;\nexport function init(): void {}\n");
  const refused = await run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", "--collector", "./broken.ts"], { cwd: user, env: { ...process.env, INIT_CWD: user } }).then(() => "", (e) => String(e.stderr));
  expect(refused).toMatch(/collector 'broken' .* does not export collectGeneration, step, thawGeneration, check/);
  expect(JSON.parse(await readFile(join(repo, "build/extra-collectors.json"), "utf8"))).toEqual([join(user, "fullscan.ts")]);
}, 1_800_000);

// A collector that breaks the contract gets a verify() failure that names the breach, never a heap
// that silently stops collecting or a hang: each is docs/collectors.md's fullscan with one mistake.
test("a collector that breaks the contract: verify names the breach", async () => {
  const fullscan = await docBlock("fullscan.ts");
  const mistakes: Record<string, [string, string]> = {
    // returns before finishCollection: `collecting` stays set, gc.collect() found 0 ever after
    stuck: ["  setCollecting(true);\n", "  setCollecting(true);\n  if (g == 2) return 0;\n"],
    // never deduces: finishCollection walked a list that was never made, forever
    nodeduce: ["  let examined = deduceUnreachable(all, UNREACHABLE); // the survivors stay on `all`\n", "  let examined: u32 = 0;\n"],
    // leaves a collector bit in a survivor's header
    leaksbit: ["  survivors = listLength(GEN_HEAD(0));\n", "  survivors = listLength(GEN_HEAD(0));\n  if (!listIsEmpty(all)) SET_INFO(GC_NEXT(all), INFO(GC_NEXT(all)) | FLAG_FROZEN);\n"],
  };
  const files: string[] = [];
  for (const [name, [from, to]] of Object.entries(mistakes)) {
    expect(fullscan).toContain(from);
    const file = join(user, `${name}.ts`);
    await writeFile(file, 'import { FLAG_FROZEN, INFO, SET_INFO } from "refheap/collect/api";\n' + fullscan.replace(from, to));
    files.push(file);
  }
  await run(process.execPath, [join(repo, "scripts/build-wasm.mjs"), "debug", ...files.flatMap((f) => ["--collector", f])], { cwd: user });
  const probe = join(repo, "probe-mistakes.mts");
  await writeFile(probe, `
    import { Heap } from "./src/index.js";
    const out: Record<string, string> = {};
    for (const c of ${JSON.stringify(Object.keys(mistakes))}) {
      const heap = await Heap.create({ collector: c as never, debug: true });
      const Node = heap.defineType({ name: "Node", refs: ["a"] });
      const keep = heap.alloc(Node);
      for (let i = 0; i < 10; i++) { const a = heap.alloc(Node), b = heap.alloc(Node); a.set("a", b); b.set("a", a); a.dispose(); b.dispose(); }
      heap.gc.collect();
      try { heap.verify(); out[c] = "verify passed"; } catch (e) { out[c] = (e as Error).constructor.name + ": " + (e as Error).message; }
      keep.dispose();
    }
    console.log(JSON.stringify(out));
  `);
  const { stdout } = await run(join(repo, "node_modules/.bin/tsx"), [probe], { cwd: repo, timeout: 120_000 });
  const out = JSON.parse(stdout.trim().split("\n").pop()!);
  expect(out.stuck).toMatch(/^HeapVerifyError: collector contract: a collection returned with `collecting` still set/);
  expect(out.nodeduce).toMatch(/^HeapVerifyError: collector contract: finishCollection without deduceUnreachable/);
  expect(out.leaksbit).toMatch(/^HeapVerifyError: FROZEN disagrees with the permanent generation/);
}, 600_000);
