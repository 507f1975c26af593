// Every code block in README.md and docs/*.md runs. ts blocks run through tsx (esbuild's
// transform, as `npx tsx file.ts` would: `using` is lowered); js blocks run as plain ES modules
// on Node, untransformed (so a js block with `using` fails on Node 20, as it would for a user).
// Blocks import `refheap` by its package name (tests/snippets/hooks.mjs maps it to src/). Each
// runs in a fresh process, in a fresh temporary folder (an ES module project; files it writes land there), and must exit
// 0 with nothing on stderr: an error reported through onUnraisable or a leak warning fails it.
// An `output` block right after a block is what it must print.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DocBlockError, extractBlocks, type DocBlock } from "./snippets/blocks.js";
import { sourceMap } from "./snippets/package-map.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PAGES = ["README.md", ...readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href; // tsx's loader (its "." export)
const register = pathToFileURL(path.join(root, "tests/snippets/register.mjs")).href;

/** Text compared line by line, trailing spaces ignored (editors strip them from the page). */
const lines = (text: string) => text.split("\n").map((l) => l.trimEnd()).join("\n").trimEnd();

/** Node's own notices that are not the block's doing. */
const NOISE = /^\(node:\d+\) (ExperimentalWarning|\[DEP0040\])|^\(Use `node --trace-warnings/;

function run(block: Pick<DocBlock, "kind" | "code">): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "refheap-doc-"));
  const file = path.join(dir, `block.${block.kind === "ts" ? "ts" : "mjs"}`);
  writeFileSync(file, block.code);
  writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n'); // a user's ES module project: top-level await works
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", tsx, "--import", register, file], { cwd: dir, timeout: 90_000, env: { ...process.env, NODE_OPTIONS: "" } }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("the block extractor", () => {
  it("runs ts and js, passes sh/text/output, skips what is marked with a reason", () => {
    const md = ["```ts", "a()", "```", "```js", "b()", "```", "```sh", "npm ci", "```", "", "_Not run: it needs a browser._", "", "```ts", "c()", "```"].join("\n");
    expect(extractBlocks("x.md", md).map((b) => [b.line, b.kind, b.reason])).toEqual([[1, "ts", undefined], [4, "js", undefined], [7, "not-code", undefined], [13, "skipped", "it needs a browser"]]);
  });
  it("takes the output block right after a block as what it prints", () => {
    const [a, , b] = extractBlocks("x.md", ["```js", "f()", "```", "", "```output", "1", "2", "```", "```js", "g()", "```", "text", "```output", "3", "```"].join("\n"));
    expect(a!.expected).toBe("1\n2");
    expect(b!.expected).toBeUndefined(); // text in between: not its output
  });
  it.each([
    ["```\nplain\n```", /without a label/],
    ["```python\nx\n```", /unknown block label/],
    ["_Not run:_\n```ts\nx\n```", /needs a reason/],
    ["```ts\nx\n", /never closed/],
  ])("refuses %j", (md, message) => {
    expect(() => extractBlocks("x.md", md)).toThrow(DocBlockError);
    expect(() => extractBlocks("x.md", md)).toThrow(message);
  });
  it("fails a block that does not run, and one that reports an error on stderr", async () => {
    expect((await run({ kind: "ts", code: "obj.x();" })).code).not.toBe(0);
    const js = await run({ kind: "js", code: "{ using r = { [Symbol.dispose]() {} }; }" });
    expect(js.code).not.toBe(0); // plain ESM on Node 20: no `using`
    const ts = await run({ kind: "ts", code: "{ using r = { [Symbol.dispose]() { console.log('disposed'); } }; }" });
    expect(ts).toMatchObject({ code: 0, stdout: "disposed\n" }); // tsx lowers it
    const imported = await run({ kind: "js", code: 'import { Heap } from "refheap"; const h = await Heap.create(); console.log(typeof h.alloc);' });
    expect(imported).toMatchObject({ code: 0, stdout: "function\n" });
  });
});

/** Every page's blocks, or the error that stops its extraction (reported by its own test below). */
const extracted = PAGES.map((page) => {
  try {
    return { page, blocks: extractBlocks(page, readFileSync(path.join(root, page), "utf8")), error: null };
  } catch (e) {
    return { page, blocks: [] as DocBlock[], error: e as Error };
  }
});

describe("links between the pages", () => {
  it.each(PAGES)("%s links only to files that exist", (page) => {
    const text = readFileSync(path.join(root, page), "utf8");
    const missing = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!)
      .filter((href) => !/^[a-z]+:/i.test(href) && !existsSync(path.resolve(path.dirname(path.join(root, page)), href)));
    expect(missing).toEqual([]);
  });
});

describe("TypeScript blocks", () => {
  // what a user compiling the snippet gets: strict TypeScript against the package's own types
  it("type-check (strict) against the package", async () => {
    const blocks = extracted.flatMap((x) => x.blocks).filter((b) => b.kind === "ts");
    const dir = mkdtempSync(path.join(tmpdir(), "refheap-doc-types-"));
    const paths = Object.fromEntries([...sourceMap()].map(([specifier, src]) => [specifier, [fileURLToPath(src)]]));
    const names = blocks.map((b) => `${b.file.replace(/[/.]/g, "_")}_${b.line}.ts`);
    blocks.forEach((b, i) => writeFileSync(path.join(dir, names[i]!), `${b.code}\nexport {};\n`)); // each a module of its own
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler", skipLibCheck: true,
        lib: ["es2022", "esnext.disposable", "dom"], types: ["node"], typeRoots: [path.join(root, "node_modules/@types")], paths,
      },
      files: names,
    }));
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const r = await new Promise<{ code: number; out: string }>((resolve) => execFile(process.execPath, [tsc, "-p", dir, "--pretty", "false"], { cwd: dir, timeout: 240_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr })));
    rmSync(dir, { recursive: true, force: true });
    // name the page and line of each error, not the temporary file
    const report = r.out.split("\n").filter((l) => names.some((n) => l.startsWith(n))).map((l) => {
      const i = names.findIndex((n) => l.startsWith(n));
      return l.replace(/^[^(]+\((\d+),(\d+)\)/, (_, line: string, col: string) => `${blocks[i]!.file}:${blocks[i]!.line + Number(line)}:${col}`);
    });
    expect(report).toEqual([]);
    expect(r.code, r.out).toBe(0);
  }, 300_000);
});

for (const { page, blocks: pageBlocks, error } of extracted) {
  describe(page, () => {
    if (error) {
      it("labels every block", () => { throw error; });
      return;
    }
    const blocks = pageBlocks;
    const code = blocks.filter((b) => b.kind !== "not-code");
    if (!code.length) it("has no code block", () => {});
    for (const block of code) {
      const name = `${page}:${block.line} (${block.lang}) ${block.code.split("\n").find((l) => l.trim() && !l.startsWith("import"))?.trim().slice(0, 60) ?? ""}`;
      if (block.kind === "skipped") { it.skip(`${name} — not run: ${block.reason}`, () => {}); continue; }
      it(name, async () => {
        const r = await run(block);
        const stderr = r.stderr.split("\n").filter((l) => l.trim() && !NOISE.test(l)).join("\n");
        expect({ exit: r.code, stderr }, `${page}:${block.line}\n${r.stdout}\n${r.stderr}`).toEqual({ exit: 0, stderr: "" });
        if (block.expected !== undefined) expect(lines(r.stdout), `${page}:${block.line}: what it prints, as the output block after it says`).toBe(lines(block.expected));
      });
    }
  });
}
