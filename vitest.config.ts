import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // builds the wasm once per run, so no stale binary is ever tested
    globalSetup: ["tests/global-setup.ts"],
    pool: "forks",
    // FinalizationRegistry tests force JS collections with globalThis.gc()
    execArgv: ["--expose-gc"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
