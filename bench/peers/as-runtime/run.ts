// Runs workload W1 on the AssemblyScript-runtime peer (AS managed classes + its incremental GC).
// Each call instantiates a fresh module instance so repetitions do not share heap state.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface W1Options {
  longDepth?: number;
  depth?: number;
  iterations?: number;
}

export interface AsRuntimeW1Result {
  peer: string;
  nsPerNode: number;
  durationMs: number;
  nodes: number;
  checksum: number;
  memoryBytes: number;
}

interface PeerExports {
  memory: WebAssembly.Memory;
  w1Setup(longDepth: number): void;
  w1Run(depth: number, iterations: number): number;
  w1Teardown(): void;
  collect(): void;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const wasmPath = path.join(repoRoot, "build", "peer-as-incremental.wasm");

// Compiling is not part of the workload, so the Module is cached; the mtime key picks up rebuilds.
let cached: { mtimeMs: number; module: WebAssembly.Module } | null = null;

async function loadModule(): Promise<WebAssembly.Module> {
  // lazy: importing the AS compiler adds ~226 MiB to this process's V8 heap (and distorts V8 rows)
  if (!existsSync(wasmPath)) await (await import("./build.mjs")).buildAsPeer();
  const mtimeMs = statSync(wasmPath).mtimeMs;
  if (cached?.mtimeMs !== mtimeMs) {
    cached = { mtimeMs, module: await WebAssembly.compile(readFileSync(wasmPath)) };
  }
  return cached.module;
}

/** Reads an AS string (UTF-16, byte length stored 4 bytes before the pointer) for abort messages. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const byteLength = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, byteLength >>> 1));
}

async function instantiate(): Promise<PeerExports> {
  let memory: WebAssembly.Memory | null = null;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, column: number): never {
        const text = memory ? `${readAsString(memory, msg)} at ${readAsString(memory, file)}:${line}:${column}` : "";
        throw new Error(`AS-runtime peer aborted: ${text}`);
      },
    },
  };
  const instance = await WebAssembly.instantiate(await loadModule(), imports);
  const exports = instance.exports as unknown as PeerExports;
  memory = exports.memory;
  return exports;
}

/** W1 on AS's own runtime: timed region is w1Run plus a final full collection. */
export async function runAsRuntimeW1(opts: W1Options = {}): Promise<AsRuntimeW1Result> {
  const longDepth = opts.longDepth ?? 16;
  const depth = opts.depth ?? 14;
  const iterations = opts.iterations ?? 250;
  const peer = await instantiate();

  peer.w1Setup(longDepth);
  const start = process.hrtime.bigint();
  const checksum = peer.w1Run(depth, iterations);
  // Include the collection debt the run created, so the GC cost is not deferred out of the timing.
  peer.collect();
  const end = process.hrtime.bigint();
  const memoryBytes = peer.memory.buffer.byteLength;
  peer.w1Teardown();

  const nodes = iterations * (2 ** (depth + 1) - 1);
  const durationNs = Number(end - start);
  return {
    peer: "AS incremental GC",
    nsPerNode: durationNs / nodes,
    durationMs: durationNs / 1e6,
    nodes,
    checksum,
    memoryBytes,
  };
}
