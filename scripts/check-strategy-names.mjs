// Strategies are chosen by the registry and described by capabilities, never by comparing names
// (issue 15): this finds every place outside the registry that compares a strategy's name.
//   node scripts/check-strategy-names.mjs        exit 1 and a list when it finds one
// Flagged: a name compared with ===, !==, ==, !=; a `case` label; .includes/.has/.indexOf/
// .startsWith/.endsWith of a name; a regular expression with two or more names; an object literal
// keyed by two or more names (a lookup by name). Choosing a strategy by name (`allocator: "tlsf"`,
// `--collector recycler`) is not a comparison. The names are the registry's, so a new strategy is
// covered without editing this file.
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where names may be compared: the registry itself and what it is generated into. */
const REGISTRY = new Set(["strategies.json", "src/strategies.ts", "scripts/build-wasm.mjs", "scripts/check-strategy-names.mjs"]);
const DIRS = ["src", "bench", "tests", "web", "scripts", "soak", "examples", "bin"];
const SKIP_DIRS = new Set(["node_modules", "generated", "results", "dist", "fixtures"]);
const EXT = /\.(ts|mts|cts|js|mjs|cjs|tsx)$/;
/**
 * Values that spell a strategy's name without being one ("none" is a word): a comparison whose
 * other side ends in one of these property or variable names is not about a strategy.
 */
const NOT_STRATEGIES = new Set(["gcRefs", "cb", "callback", "peersArg"]);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The registry's names: strategies.json's, plus the allocator and collector files a build was given. */
export async function strategyNames() {
  const m = JSON.parse(await readFile(join(root, "strategies.json"), "utf8"));
  const names = [...m.allocators, ...m.collectors].map((s) => s.name);
  for (const kind of ["allocators", "collectors"]) {
    const extra = JSON.parse(await readFile(join(root, `build/extra-${kind}.json`), "utf8").catch(() => "[]"));
    for (const f of extra) names.push(f.replace(/^.*[\\/]/, "").replace(/\.ts$/, ""));
  }
  return [...new Set(names)];
}

/** The comparisons of `names` in `text` (one file): [{ line, text, why }]. */
export function findComparisons(text, names) {
  const alt = names.map(escape).join("|");
  const lit = `(?<q>["'\`])(${alt})\\k<q>`;
  const rules = [
    // left operand: an identifier chain (a.b, f(x).c, a[i]); its last name decides NOT_STRATEGIES
    { why: "compared", re: new RegExp(`([\\w$.\\])]*[\\w$\\])])\\s*[!=]==?\\s*${lit}`, "g"), operand: 1 },
    { why: "compared", re: new RegExp(`${lit}\\s*[!=]==?\\s*([\\w$.]+)`, "g"), operand: 3 },
    { why: "case label", re: new RegExp(`\\bcase\\s+${lit}\\s*:`, "g") },
    { why: "looked up", re: new RegExp(`\\.(?:includes|has|indexOf|startsWith|endsWith)\\(\\s*${lit}`, "g") },
  ];
  const found = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, "").replace(/\s\/\/\s.*$/, ""); // comments name strategies freely
    for (const r of rules) {
      for (const m of code.matchAll(r.re)) {
        const operand = r.operand ? m[r.operand].replace(/[\])]+$/, "").match(/[\w$]+$/)?.[0] : undefined;
        if (operand && NOT_STRATEGIES.has(operand)) continue;
        found.push({ line: i + 1, text: line.trim(), why: r.why });
      }
    }
    // a regular expression literal, or an object literal, naming two strategies or more
    for (const m of code.matchAll(/\/((?:\\.|\[[^\]]*\]|[^/\\\n])+)\/[dgimsuy]*/g)) {
      const inRe = new Set([...m[1].matchAll(new RegExp(`(?<![\\w-])(${alt})(?![\\w-])`, "g"))].map((x) => x[1]));
      if (inRe.size >= 2 && /\|/.test(m[1])) found.push({ line: i + 1, text: line.trim(), why: "regular expression" });
    }
    const keys = new Set([...code.matchAll(new RegExp(`[{,]\\s*["']?(${alt})["']?\\s*:`, "g"))].map((x) => x[1]));
    if (keys.size >= 2) found.push({ line: i + 1, text: line.trim(), why: "keyed by name" });
  });
  return found;
}

async function* files(dir) {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name)) yield* files(join(dir, e.name)); }
    else if (EXT.test(e.name)) yield join(dir, e.name);
  }
}

/** Every comparison outside the registry: [{ file, line, text, why }]. */
export async function checkStrategyNames() {
  const names = await strategyNames();
  const out = [];
  for (const d of DIRS) {
    for await (const f of files(join(root, d))) {
      const rel = relative(root, f).split("\\").join("/");
      if (REGISTRY.has(rel)) continue;
      for (const hit of findComparisons(await readFile(f, "utf8"), names)) out.push({ file: rel, ...hit });
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const hits = await checkStrategyNames();
  for (const h of hits) console.log(`${h.file}:${h.line}: ${h.why}: ${h.text}`);
  if (hits.length) {
    console.log(`\n${hits.length} comparison(s) of a strategy name outside the registry: read a capability instead (src/strategies.ts, strategies.json).`);
    process.exit(1);
  }
  console.log("no strategy name is compared outside the registry");
}
