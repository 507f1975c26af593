// One repetition in a fresh V8 isolate (a worker thread): for rows whose figure depends on what V8
// compiled for earlier heaps. Library code (the Handle class) is shared by every heap of a process,
// and its optimized code embeds the heap it was compiled for (the wasm exports it calls): when the
// previous repetition's heap is collected, V8 throws that code away ("weak objects" in
// --trace-deopt) and recompiles in the middle of the next repetition from feedback the collector
// cleared, without inlining what it inlined before. In one run the Handles row measured 136 and
// 150 ns/node on its first two heaps, then 544 and 536. A program with one heap, the case being
// measured, never pays that; the raw rows get the same by compiling their mutators per heap (w1.ts).

import { Worker } from "node:worker_threads";

/** The worker's entry (CommonJS, as eval'd workers are): registers tsx for .ts modules, calls the export, posts its result. */
const ENTRY = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const mod = await import(workerData.module);
  parentPort.postMessage({ ok: await mod[workerData.fn](...workerData.args) });
})().catch((err) => parentPort.postMessage({ error: String((err && err.stack) || err) }));
`;

/**
 * Calls the export `fn` of the module at `moduleUrl` with `args` (structured-cloneable) in a new
 * worker thread, and returns its result (structured-cloned back). The worker ends with the call.
 */
export function runIsolated<T>(moduleUrl: string, fn: string, args: unknown[]): Promise<T> {
  let tsx: string | undefined;
  if (moduleUrl.endsWith(".ts")) tsx = import.meta.resolve("tsx/esm/api"); // the bench runs under tsx
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(ENTRY, { eval: true, workerData: { module: moduleUrl, fn, args, tsx } });
    let answer: { ok?: T; error?: string } | undefined;
    // answered only once the worker has exited: an isolate torn down in the background would take a
    // core from the next row (on 2 cores, its pauses)
    worker.once("message", (m: { ok?: T; error?: string }) => { answer = m; void worker.terminate(); });
    worker.once("error", (err) => { answer = { error: String(err?.stack ?? err) }; });
    worker.once("exit", (code) => {
      if (answer === undefined) reject(new Error(`isolated ${fn}: the worker exited (${code}) before answering`));
      else if (answer.error !== undefined) reject(new Error(`isolated ${fn}: ${answer.error}`));
      else resolve(answer.ok as T);
    });
  });
}
