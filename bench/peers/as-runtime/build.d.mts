// Type declarations for build.mjs so strict TypeScript callers (run.ts, smoke.ts) can import it.

/** Compiles the AS-runtime W1 peer and returns the absolute path of the .wasm file. */
export declare function buildAsPeer(): Promise<string>;
