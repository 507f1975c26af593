// Bundles the explorer (web/main.ts and what it imports from src/) for the browser with esbuild.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildWeb() {
  await build({
    entryPoints: [path.join(root, "web", "main.ts")],
    outfile: path.join(root, "web", "dist", "explorer.js"),
    bundle: true, format: "esm", platform: "browser", target: "es2022", sourcemap: true,
    external: ["node:*"], // src/wasm.ts imports node:fs only when running in Node
    logLevel: "warning",
  });
  // a static import of a Node module would stop the page from loading at all: say which
  const out = readFileSync(path.join(root, "web", "dist", "explorer.js"), "utf8");
  const nodeImports = [...out.matchAll(/^import[^;]*?from\s*"(node:[^"]+)"/gm)].map((m) => m[1]);
  if (nodeImports.length) throw new Error(`the explorer bundle imports ${nodeImports.join(", ")} statically: import it dynamically where Node needs it`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
