// One registry across the boundary (issue 15 item 3): boundary.json and strategies.json are the
// only sources of what the core and the host both know; CoreExports comes from the compiler's
// declarations; no strategy name is compared outside the registry.
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { checkBoundary, exportsName, generateSources, parseCoreDeclarations, readBoundary, rememberedAllocators, rememberedCollectors, resolveStrategies } from "../scripts/build-wasm.mjs";
import { checkStrategyNames, findComparisons, strategyNames } from "../scripts/check-strategy-names.mjs";
import * as B from "../src/generated/boundary.js";
import { CORE_EXPORT_SIGNATURES, CORE_START } from "../src/generated/core-exports.js";
import { loadModule } from "../src/wasm.js";
import { ALLOCATORS, COLLECTORS, Heap, HeapConfigError, PHASE_NAMES } from "../src/index.js";
import { KIND_CODES } from "../src/types.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (f: string) => readFileSync(join(root, f), "utf8");
function walk(dir: string, ext: RegExp, skip = new Set(["node_modules", "generated", "results", "dist", "fixtures"])): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir))) {
    const p = join(dir, e);
    if (statSync(join(root, p)).isDirectory()) { if (!skip.has(e)) out.push(...walk(p, ext, skip)); }
    else if (ext.test(e)) out.push(p);
  }
  return out;
}

describe("boundary.json", async () => {
  const manifest = await readBoundary();
  const constants = manifest.groups.flatMap((g) => g.constants.map((c) => ({ group: g, ...c })));

  test("the host's constants are the manifest's, name for name and value for value", () => {
    for (const c of constants) expect((B as Record<string, unknown>)[c.name], c.name).toBe(c.parsed.n);
    expect(PHASE_NAMES).toEqual(Object.fromEntries(constants.filter((c) => c.group.name === "phases" && c.host).map((c) => [c.parsed.n, c.host])));
    expect(KIND_CODES).toEqual({ fixed: B.KIND_FIXED, refarray: B.KIND_REFARRAY, bytes: B.KIND_BYTES });
  });

  test("the generated files are the manifest's as it is now (every build writes them; none is committed)", async () => {
    const files = ["assembly/generated/boundary.ts", "src/generated/boundary.ts", "assembly/generated/registry.ts", "assembly/generated/collectors.ts", "src/generated/strategies.ts"];
    const before = files.map(read);
    await generateSources(await rememberedAllocators(), await rememberedCollectors());
    expect(files.map(read)).toEqual(before);
    const tracked = (f: string) => { try { execFileSync("git", ["ls-files", "--error-unmatch", f], { cwd: root, stdio: "ignore" }); return true; } catch { return false; } };
    expect([...files, "src/generated/core-exports.ts"].filter(tracked)).toEqual([]);
  });

  test("the core's are generated from it: no AssemblyScript module defines one (or a strategy code) by hand", () => {
    const generated = read("assembly/generated/boundary.ts");
    const names = new Set(constants.map((c) => c.name));
    for (const f of ["assembly/generated/registry.ts", "assembly/generated/collectors.ts"]) for (const m of read(f).matchAll(/export const ([A-Z][A-Z0-9_]*)/g)) names.add(m[1]);
    expect(names).toContain("COLLECTOR_RECYCLER");
    const hand: string[] = [];
    for (const f of walk("assembly", /\.ts$/)) {
      for (const m of read(f).matchAll(/export\s+const\s+([A-Z][A-Z0-9_]*)\s*:/g)) if (names.has(m[1])) hand.push(`${f}: ${m[1]}`);
    }
    expect(hand).toEqual([]);
    for (const c of constants) expect(generated, c.name).toContain(`@inline export const ${c.name}: ${c.group.type} = ${c.parsed.text};`);
  });

  test("no host module copies one: a constant with a manifest name is imported, never defined", () => {
    const names = new Set(constants.map((c) => c.name));
    const hand: string[] = [];
    for (const dir of ["src", "bench", "tests", "web", "soak", "examples"]) {
      for (const f of walk(dir, /\.(ts|mts|mjs)$/).filter((f) => !f.startsWith(join("bench", "wasm")) && !f.startsWith(join("bench", "peers")))) {
        for (const m of read(f).matchAll(/(?:^|[\s,;])(?:const|let|var)\s+([A-Z][A-Z0-9_]*)\s*=\s*(?:0x|\d|1\s*<<)/gm)) if (names.has(m[1])) hand.push(`${f}: ${m[1]}`);
      }
    }
    expect(hand).toEqual([]);
  });

  test("refuses a manifest with overlapping bits, a duplicate name, an undocumented constant or a value that does not fit", () => {
    const group = (constants: object[]) => ({ groups: [{ name: "g", type: "u32", doc: "d", constants }] });
    const bit = (name: string, b: number) => ({ name, bit: b, doc: "d" });
    expect(() => checkBoundary(group([bit("A", 3), bit("B", 4)]))).not.toThrow();
    expect(() => checkBoundary(group([bit("A", 3), bit("B", 3)]))).toThrow(/B overlaps/);
    expect(() => checkBoundary(group([{ name: "M_MASK", value: "0xff", doc: "d" }, bit("B", 7)]))).toThrow(/B overlaps/);
    expect(() => checkBoundary(group([bit("A", 3), bit("A", 5)]))).toThrow(/A: names are unique/);
    expect(() => checkBoundary(group([{ name: "A", bit: 3 }]))).toThrow(/says what it is/);
    expect(() => checkBoundary({ groups: [{ name: "g", type: "i32", doc: "d", constants: [{ name: "A", value: "0xffffffff", doc: "d" }] }] })).toThrow(/does not fit i32/);
    expect(() => checkBoundary(group([{ name: "A", value: "-1", doc: "d" }]))).toThrow(/integer literal/);
  });

  test("the type table's size message counts what it holds (it said 4094; 4092 user types fit)", async () => {
    const heap = await Heap.create({ debug: true });
    let n = 0;
    let err: unknown;
    try {
      for (;;) { heap.defineType({ name: `T${n}`, refs: [] }); n++; }
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(HeapConfigError);
    expect(n).toBe(B.MAX_TYPES - B.FIRST_USER_TYPE);
    expect((err as Error).message).toContain(`(${n} user types)`);
    heap.verify();
    heap.destroy();
  });
});

describe("CoreExports, from the compiler's declarations", () => {
  test.each(["debug", "release"] as const)("every export the %s build has is typed with its arity, and every typed one exists", async (build) => {
    const module = await loadModule(build);
    const exports = WebAssembly.Module.exports(module);
    const functions = exports.filter((e) => e.kind === "function").map((e) => e.name).sort();
    expect(functions).toEqual([...Object.keys(CORE_EXPORT_SIGNATURES), CORE_START].sort());
    expect(exports.filter((e) => e.kind === "memory").map((e) => e.name)).toEqual(["memory"]);
    const instance = await WebAssembly.instantiate(module, {
      host: new Proxy({}, { get: () => () => {} }), env: { abort() { throw new Error("abort"); } },
    } as unknown as WebAssembly.Imports);
    for (const [name, sig] of Object.entries(CORE_EXPORT_SIGNATURES)) {
      expect((instance.exports[name] as (...a: unknown[]) => unknown).length, name).toBe(sig.params.length);
    }
  });

  test("the host is compiled against it: a missing export or a wrong call is a type error", () => {
    const file = join(root, "tests", "__core_exports_check__.ts");
    const source = `import type { CoreExports } from "../src/wasm.js";
declare const x: CoreExports;
x.init(0, 1, 2, 3);
x.init(0, 1);
x.noSuchExport();
const s: string = x.refcount(8);
`;
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host), exists = host.fileExists.bind(host);
    host.readFile = (f) => (f === file ? source : readFile(f));
    host.fileExists = (f) => f === file || exists(f);
    const diags = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).filter((d) => d.file?.fileName === file);
    const lines = diags.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1).sort();
    expect(lines, diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n")).toEqual([4, 5, 6]);
  });

  test("the whole host (src, tests, soak, bench, the explorer's web/) type-checks against the generated types", () => {
    const configs = ["tests/tsconfig.json", "bench/tsconfig.json", "web/tsconfig.json"].map((c) => ts.getParsedCommandLineOfConfigFile(join(root, c), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!);
    const files = [...new Set(configs.flatMap((c) => c.fileNames))];
    const program = ts.createProgram(files, { ...configs[0].options, noEmit: true, incremental: false });
    const diags = ts.getPreEmitDiagnostics(program);
    expect(diags.map((d) => `${d.file ? relative(root, d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)).toEqual([]);
  }, 600_000);

  test("the declarations parser refuses what a raw export cannot carry", () => {
    const dts = (sig: string, doc: string) => `declare namespace __AdaptedExports {
  export const memory: WebAssembly.Memory;
  /**
   * assembly/index/f
${doc}
   */
  export function f${sig};
}`;
    expect(parseCoreDeclarations(dts("(a: number): number", "   * @param a `u32`\n   * @returns `bool`")).f).toEqual({ source: "assembly/index/f", params: [["a", "u32"]], result: "bool" });
    expect(() => parseCoreDeclarations(dts("(s: string): void", "   * @param s `~lib/string/String`"))).toThrow(/numbers only/);
    expect(() => parseCoreDeclarations(dts("(a: number): void", ""))).toThrow(/undeclared/);
    expect(() => parseCoreDeclarations("export declare function instantiate(): void;")).toThrow(/__AdaptedExports/);
  });
});

describe("strategy names", () => {
  test("are compared nowhere outside the registry (scripts/check-strategy-names.mjs)", async () => {
    expect(await checkStrategyNames()).toEqual([]);
  });

  test("the check finds each kind of comparison, for every name in the registry", async () => {
    const names = await strategyNames();
    expect(names).toEqual(expect.arrayContaining([...ALLOCATORS, ...COLLECTORS]));
    for (const name of names) {
      const src = [
        `if (heap.collector === "${name}") x();`,
        `if ('${name}' !== strategy.allocator) x();`,
        `switch (a) { case "${name}": break; }`,
        `if (list.includes("${name}")) x();`,
        `const pick = /^(${name}|${names.find((n) => n !== name)})$/;`,
        `const cost = { ${name}: 1, ${names.find((n) => n !== name)}: 2 }[a];`,
        `const h = await Heap.create({ allocator: "${name}" }); // choosing one is not comparing`,
        `if (op.cb === "${name}") x(); // a value that spells a name: NOT_STRATEGIES`,
      ].join("\n");
      expect(findComparisons(src, names).map((h) => h.line), name).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });
});


// An external strategy file (docs/allocators.md, docs/collectors.md) is read by the build for its
// exports and capabilities: what it reads must be what the compiler compiles.
describe("an external strategy file, as the build reads it", () => {
  test("its capabilities come from the code, not a commented-out declaration", async () => {
    const dir = mkdtempSync(join(tmpdir(), "refheap-caps-"));
    const file = join(dir, "commented.ts");
    const segfit = /<!-- file: segfit\.ts -->[\s\S]*?```ts\n([\s\S]*?)```/.exec(read("docs/allocators.md"))![1];
    expect(segfit).toContain("export const CAPABILITIES: u32 = CAP_REUSES;");
    writeFileSync(file, segfit.replace("export const CAPABILITIES: u32 = CAP_REUSES;", "// export const CAPABILITIES: u32 = CAP_REUSES | CAP_POOL_MAP;\n/* export const CAPABILITIES: u32 = CAP_LIFO_REUSE; */\nexport const CAPABILITIES: u32 = CAP_REUSES;"));
    try {
      const { allocators } = await resolveStrategies([file]);
      const caps = allocators.find((a) => a.name === "commented")!.capabilities;
      expect(Object.keys(caps).filter((c) => caps[c])).toEqual(["reuses"]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test("export { name } and export { x as name } export name; a comment does not", () => {
    expect(exportsName("function end(): usize { return 0; }\nexport { end };", "end")).toBe(true);
    expect(exportsName("function e(): usize { return 0; }\nexport { init, e as end };", "end")).toBe(true);
    expect(exportsName("export function end(): usize { return 0; }", "end")).toBe(true);
    expect(exportsName("// export function end(): usize { return 0; }\nfunction end(): usize { return 0; }", "end")).toBe(false);
    expect(exportsName("function end(): usize { return 0; }\nexport { end as stop };", "end")).toBe(false);
    expect(exportsName("export function endless(): void {}", "end")).toBe(false);
  });
});
