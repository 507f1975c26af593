// Runs workload W1 on the AssemblyScript-runtime peer (AS managed classes + its incremental GC).
// Each call instantiates a fresh module instance so repetitions do not share heap state.
import { instantiatePeer } from "./load.js";
import { settleV8 } from "../../common.js";

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

const instantiate = () => instantiatePeer<PeerExports>("peer-as-incremental.wasm", "buildAsPeer");

/** W1 on AS's own runtime: timed region is w1Run plus a final full collection. */
export async function runAsRuntimeW1(opts: W1Options = {}): Promise<AsRuntimeW1Result> {
  const longDepth = opts.longDepth ?? 16;
  const depth = opts.depth ?? 14;
  const iterations = opts.iterations ?? 250;
  const peer = await instantiate();

  peer.w1Setup(longDepth);
  settleV8(); // V8's marking the setup's memory growth may have started (bench/common.ts)
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
