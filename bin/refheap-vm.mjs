#!/usr/bin/env node
// `npx refheap-vm [file]`. In an installed package it runs the compiled dist/vm/cli.js (no dev
// dependency involved). In a source checkout (src/ present) it runs the TypeScript sources through
// tsx, building the core wasm first if it is missing, so no `npm run build` is needed to try it.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let main;
if (existsSync(join(root, "src/vm/cli.ts"))) {
  if (!existsSync(join(root, "build/core.release.wasm")) || !existsSync(join(root, "build/core.debug.wasm"))) {
    const { buildWasm } = await import("../scripts/build-wasm.mjs");
    await buildWasm(["debug", "release"]);
  }
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/vm/cli.ts"));
} else {
  ({ main } = await import("../dist/vm/cli.js"));
}
process.exitCode = await main(process.argv.slice(2));
