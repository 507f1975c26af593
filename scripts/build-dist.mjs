// Compiles src/ to dist/ for the npm package (run by `npm run build`, hence by prepack): a clean
// dist, JavaScript plus declarations with the @internal members stripped (tsconfig.build.json).
import { rm } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await rm(join(root, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

// every entry point package.json promises (".", "./vm", "./inspect", the bins) was built
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})];
for (const entry of Object.values(pkg.exports)) if (typeof entry === "object") targets.push(...Object.values(entry));
const missing = [...new Set(targets)].filter((t) => t.startsWith("./dist/") && !existsSync(join(root, t)));
if (missing.length) {
  console.error(`build-dist: package.json names files the build did not make: ${missing.join(", ")}`);
  process.exit(1);
}
