// Resolves `refheap` and `refheap/<subpath>` to this checkout's TypeScript sources, following the
// package's own exports map (./dist/x.js there is ./src/x.ts here), so a documentation block is
// exactly what a user would paste. Anything else resolves as usual.
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

/** The file an export entry names for `import` (a string, or a conditions object). */
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

export async function resolve(specifier, context, next) {
  if (specifier === pkg.name || specifier.startsWith(`${pkg.name}/`)) {
    const sub = `.${specifier.slice(pkg.name.length)}`;
    const file = target(pkg.exports?.[sub]);
    if (!file) throw new Error(`${specifier}: the package exports no "${sub}"`);
    const src = file.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
    return next(new URL(src, root).href, context);
  }
  return next(specifier, context);
}
