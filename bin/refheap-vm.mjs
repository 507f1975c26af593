#!/usr/bin/env node
// Launcher for `npx refheap-vm [file]`: builds the core wasm if it is missing, then runs the
// TypeScript sources through tsx (a devDependency of this repository).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { register } from "tsx/esm/api";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "build/core.release.wasm")) || !existsSync(join(root, "build/core.debug.wasm"))) {
  const { buildWasm } = await import("../scripts/build-wasm.mjs");
  await buildWasm(["debug", "release"]);
}
register();
const { main } = await import("../src/vm/cli.ts");
process.exitCode = await main(process.argv.slice(2));
