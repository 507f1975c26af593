// The package's own exports map read backwards: `refheap` and `refheap/<subpath>` to this
// checkout's TypeScript sources (./dist/x.js there is ./src/x.ts here). Used by hooks.mjs (running
// documentation blocks) and tests/docs.test.ts (type-checking them).
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
export const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

/** The file an export entry names for `import` (a string, or conditions, nested or not). */
function target(entry) {
  if (typeof entry === "string") return entry;
  if (entry && typeof entry === "object") {
    for (const c of ["import", "node", "default", "require"]) {
      const t = target(entry[c]);
      if (t) return t;
    }
  }
  return null;
}

/** Every JS subpath the package exports, as `specifier → file URL of its source`. */
export function sourceMap() {
  const out = new Map();
  for (const [sub, entry] of Object.entries(pkg.exports ?? {})) {
    const file = target(entry);
    if (!file || !file.endsWith(".js") || sub.includes("*")) continue;
    out.set(`${pkg.name}${sub.slice(1)}`, new URL(file.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts"), root));
  }
  return out;
}
