// Import cycles among value imports, in assembly/ and src/ (issue 15: zero). A value import is one
// that survives TypeScript's own elision: each file is transpiled as an isolated module (as dpdm's
// --transform does), so `import type` and names used only as types drop out and what is left is
// what runs at load time. Relative imports only (packages cannot import back). Prints every cycle
// (one per strongly connected component, with a path through it) and exits 1 if there is any.
//   node scripts/check-cycles.mjs [dir ...]        (default: assembly src)
import ts from "typescript";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function sources(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** The relative module specifiers a file still imports after type elision. */
export function valueImports(file) {
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    reportDiagnostics: false,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true, experimentalDecorators: true },
  });
  const sf = ts.createSourceFile(file + ".js", outputText, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const specs = [];
  for (const st of sf.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      if (st.moduleSpecifier.text.startsWith(".")) specs.push(st.moduleSpecifier.text);
    }
  }
  return specs;
}

function resolveSpec(from, spec) {
  const base = resolve(dirname(from), spec).replace(/\.(m?js)$/, "");
  for (const c of [base + ".ts", base + ".mts", join(base, "index.ts"), base]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

/** Strongly connected components of the value-import graph with a cycle, each as a path. */
export function findCycles(dirs = ["assembly", "src"], base = root) {
  const files = dirs.flatMap((d) => sources(resolve(base, d)));
  const graph = new Map();
  for (const f of files) graph.set(f, valueImports(f).map((s) => resolveSpec(f, s)).filter((t) => t && t.endsWith(".ts")));
  // Tarjan, iteratively (no recursion that grows with the graph)
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], sccs = [];
  for (const start of graph.keys()) {
    if (idx.has(start)) continue;
    const work = [[start, 0]];
    idx.set(start, index); low.set(start, index); index++; stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const edges = graph.get(v) ?? [];
      if (i < edges.length) {
        top[1]++;
        const w = edges[i];
        if (!graph.has(w)) continue;
        if (!idx.has(w)) {
          idx.set(w, index); low.set(w, index); index++; stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
      } else {
        work.pop();
        if (work.length) { const u = work[work.length - 1][0]; low.set(u, Math.min(low.get(u), low.get(v))); }
        if (low.get(v) === idx.get(v)) {
          const scc = [];
          let w;
          do { w = stack.pop(); onStack.delete(w); scc.push(w); } while (w !== v);
          if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) sccs.push(scc);
        }
      }
    }
  }
  // a path through each component: breadth first from its first file back to it
  return sccs.map((scc) => {
    const inside = new Set(scc);
    const start = scc.sort()[0];
    const prev = new Map([[start, null]]);
    const queue = [start];
    let end = null;
    while (queue.length && !end) {
      const v = queue.shift();
      for (const w of graph.get(v)) {
        if (w === start) { end = v; break; }
        if (inside.has(w) && !prev.has(w)) { prev.set(w, v); queue.push(w); }
      }
    }
    const path = [];
    for (let v = end; v; v = prev.get(v)) path.unshift(v);
    const rel = (f) => relative(base, f);
    return { files: scc.map(rel).sort(), path: [...path, start].map(rel) };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dirs = process.argv.slice(2);
  const cycles = findCycles(dirs.length ? dirs : undefined);
  for (const c of cycles) console.log(`cycle (${c.files.length} files): ${c.path.join(" -> ")}\n  all: ${c.files.join(", ")}`);
  console.log(cycles.length ? `${cycles.length} import cycle(s)` : "no import cycles");
  process.exit(cycles.length ? 1 : 0);
}
