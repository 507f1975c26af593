// V8's rows run each repetition in a fresh isolate (a worker thread: bench/isolated.ts), after a
// warm-up at a tenth of the size in that isolate. In the bench's own process V8's figure depended on
// what had run before it in that process: W2 took 3.5 to 28 ns/node on the same code (2026-12-03
// probes; 4 to 6 alone in an isolate). A refheap row gets a fresh heap each repetition and wasm code
// compiled before it runs (eager compilation); the warm-up gives V8 the same: its optimised code, in
// a heap of its own.

import { threadId } from "node:worker_threads";
import { runIsolated } from "../../isolated.js";
import type { BenchOptions, Sample } from "../../common.js";

/** The warm-up's size: a tenth of the timed run's, at least one iteration. */
export const warmUpOptions = (o: BenchOptions): BenchOptions => ({ ...o, iterations: Math.max(1, Math.round(o.iterations / 10)) });

/**
 * In the worker: imports `moduleUrl`, calls its export `fn` with the warm-up's options and then with
 * `o` (each followed by `rest`), and returns the second Sample with the isolate's thread id in its
 * `extra` (tests check the isolate was fresh).
 */
export async function warmThenRun(moduleUrl: string, fn: string, o: BenchOptions, rest: unknown[]): Promise<Sample> {
  const mod = (await import(moduleUrl)) as Record<string, (o: BenchOptions, ...rest: unknown[]) => Promise<Sample> | Sample>;
  const run = mod[fn];
  if (typeof run !== "function") throw new Error(`${moduleUrl} exports no function ${fn}`);
  await run(warmUpOptions(o), ...rest);
  const s = await run(o, ...rest);
  return { ...s, extra: { ...s.extra, isolate: threadId } };
}

/**
 * One repetition of a V8 row in a fresh isolate: `fn`, exported by the module at `moduleUrl`, is
 * called as warmThenRun says. Options and results are structured-cloned across the thread.
 */
export function inFreshIsolate(moduleUrl: string, fn: string, o: BenchOptions, ...rest: unknown[]): Promise<Sample> {
  const options: BenchOptions = { iterations: o.iterations, depth: o.depth, longDepth: o.longDepth };
  return runIsolated<Sample>(import.meta.url, "warmThenRun", [moduleUrl, fn, options, rest]);
}
