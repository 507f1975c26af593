// Type declarations for build.mjs so strict TypeScript callers (run.ts, smoke.ts) can import it.

/** Compiles the AS-runtime W1 peer and returns the absolute path of the .wasm file. */
export declare function buildAsPeer(): Promise<string>;

/** Compiles the AS-runtime W2/W3/W5 peer (gc.ts) and returns the absolute path of the .wasm file. */
export declare function buildAsGcPeer(): Promise<string>;
