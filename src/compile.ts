// Compiles wasm with every function at V8's optimizing tier before anything runs, so that no
// collection pause (nor any first call) pays for compilation or runs baseline code.
//
// Node 20's V8 compiles a module lazily (each function on its first call, with the Liftoff
// baseline compiler) and tiers hot functions up to TurboFan later, in the background. The first
// collection of a fresh heap was measured at 1.7 to 36 ms where later ones took 0.02 to 0.05 ms:
// compiling the collector and running it on baseline code, counted as a GC pause (issue 16).
// Here the module is compiled with --no-liftoff --no-wasm-lazy-compilation, set for that compile
// only: about 200 to 470 ms once per process and build (measured on 2 loaded cores) instead of
// 5 to 25 ms, and the first pause is then like the others (bench/probe.ts, workload P1).
// The flags are process-wide while the compile is in progress (other wasm compiled meanwhile is
// compiled eagerly too), then back to V8's defaults; a user who set either flag keeps theirs.
// Where V8's flags cannot be set (a browser), the module compiles as the engine chooses.

/** V8 flags the user gave the process decide instead of us. */
const FLAGS = ["liftoff", "wasm-lazy-compilation"] as const;

type SetFlags = (flags: string) => void;
let setFlags: Promise<SetFlags | null> | undefined;

/** node:v8's setFlagsFromString, or null outside Node or when the user set these flags. */
function v8Flags(): Promise<SetFlags | null> {
  setFlags ??= (async () => {
    if (typeof process === "undefined" || !process.versions?.node) return null;
    const given = [...(process.execArgv ?? []), ...(process.env?.NODE_OPTIONS ?? "").split(/\s+/)];
    if (given.some((a) => FLAGS.some((f) => a.replace(/_/g, "-").includes(f)))) return null;
    try {
      const v8 = await import("node:v8");
      return (flags: string) => v8.setFlagsFromString(flags);
    } catch {
      return null;
    }
  })();
  return setFlags;
}

/** Compiles run one at a time: the flags are process-wide while one is in progress. */
let queue: Promise<unknown> = Promise.resolve();

/** How the last compile went (for tests and the probe): eager, or as the engine chose. */
export let lastCompile: { eager: boolean; ms: number } = { eager: false, ms: 0 };

/** WebAssembly.compile, every function at the optimizing tier where the host lets us say so. */
export function compileEager(bytes: BufferSource): Promise<WebAssembly.Module> {
  const run = async () => {
    const set = await v8Flags();
    const t0 = performance.now();
    if (!set) {
      const m = await WebAssembly.compile(bytes);
      lastCompile = { eager: false, ms: performance.now() - t0 };
      return m;
    }
    set("--no-liftoff");
    set("--no-wasm-lazy-compilation");
    try {
      const m = await WebAssembly.compile(bytes);
      lastCompile = { eager: true, ms: performance.now() - t0 };
      return m;
    } finally {
      // back to V8's defaults (the user set neither flag, see v8Flags)
      set("--liftoff");
      set("--wasm-lazy-compilation");
    }
  };
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}
