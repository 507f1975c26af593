// Runs workload W1 ("trees") on plain JS objects, i.e. V8's own allocator and GC, as a peer for
// the wasm heaps. Same shape as bench/peers/as-runtime/w1.ts: v = depth, recursive build/check.
import { Node, buildTree } from "./node.js";

export interface W1Options {
  longDepth?: number;
  depth?: number;
  iterations?: number;
}

export interface V8W1Result {
  peer: "V8 plain JS";
  nsPerNode: number;
  durationMs: number;
  nodes: number;
  checksum: number;
}



// `| 0` keeps i32 arithmetic, matching the wasm peers' checksum (and V8's Smi fast path).
function check(n: Node): number {
  let s = n.v;
  if (n.a) s = (s + check(n.a) + check(n.b!)) | 0;
  return s;
}

// Module-level root: guarantees the long-lived tree stays reachable for the whole timed region
// (a local that is dead after setup could be collected early by optimised code).
let longLived: Node | null = null;

/** W1 on V8: build the long-lived tree, then time building/checking/dropping the short-lived ones. */
export function runV8W1(opts: W1Options = {}): V8W1Result {
  const longDepth = opts.longDepth ?? 16;
  const depth = opts.depth ?? 14;
  const iterations = opts.iterations ?? 250;

  longLived = buildTree(longDepth);
  const start = process.hrtime.bigint();
  let checksum = 0;
  for (let i = 0; i < iterations; i++) checksum = (checksum + check(buildTree(depth))) | 0;
  const end = process.hrtime.bigint();
  longLived = null;

  const nodes = iterations * (2 ** (depth + 1) - 1);
  const durationNs = Number(end - start);
  return { peer: "V8 plain JS", nsPerNode: durationNs / nodes, durationMs: durationNs / 1e6, nodes, checksum };
}
