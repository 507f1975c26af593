// Sizes and expected checksums of the workloads: one definition for refheap's rows (w1.ts, gc.ts,
// w4.ts, traces.ts) and every peer's, whose checksums the runner compares; and how many iterations
// the slow peers run.
import { addI32, type BenchOptions } from "./common.js";

export type PeerWorkload = "W1" | "W2" | "W3a" | "W3c" | "W4" | "W5-strong" | "W5-weak" | "W6";

/** Sizes scale with --iterations, 250 = the full size. */
export const scale = (o: BenchOptions, full: number): number => Math.max(1, Math.round((full * o.iterations) / 250));

export const LEVELS = 10;
export const SUBTASKS = 20;
export const KEEP = 1000;
export const RING = 10_000;
export const KEY_SPACE = 200_000;

export const w2Rings = (o: BenchOptions) => scale(o, 500_000);
export const w3Trees = (o: BenchOptions) => scale(o, 1000);
export const w3Rings = (o: BenchOptions) => scale(o, 1_000_000);
export const w4Lookups = (o: BenchOptions) => Math.max(RING * 2, Math.round((1_000_000 * o.iterations) / 250));
export const w5Tasks = (o: BenchOptions) => scale(o, 100_000);
/** W6: the long-lived trees (of LEVELS levels), the requests, and each session's ring and the window of newest sessions kept. */
export const w6Trees = (o: BenchOptions) => scale(o, 100);
export const w6Requests = (o: BenchOptions) => scale(o, 200_000);
export const W6_SESSION = 8;
export const W6_WINDOW = 2000;
/** W6's live set once the window is full: the root list, the window, the trees, the sessions kept. */
export const w6Live = (o: BenchOptions) => 2 + w6Trees(o) * (2 ** LEVELS - 1) + W6_WINDOW * W6_SESSION;
/** Σ v of W6's sessions: node k of session r has v = (r + k) & 255. */
export function w6Checksum(requests: number): number {
  let s = 0;
  for (let r = 0; r < requests; r++) for (let k = 0; k < W6_SESSION; k++) s = (s + ((r + k) & 255)) | 0;
  return s;
}

/** Nodes in a W1 tree of depth d. */
export const treeNodes = (d: number): number => 2 ** (d + 1) - 1;

/** Σ v over a W1 tree of depth d (v = depth of the subtree), i32. */
export function treeChecksum(d: number): number {
  let s = 0;
  for (let k = 1; k <= d; k++) s = (k + 2 * s) | 0;
  return s;
}

export const w1Checksum = (depth: number, iterations: number): number => Math.imul(iterations, treeChecksum(depth));

/** Σ v of W2's rings: node k of ring r has v = (r + k) & 255. */
export function w2Checksum(rings: number): number {
  let s = 0;
  for (let r = 0; r < rings; r++) for (let k = 0; k < 4; k++) s = (s + ((r + k) & 255)) | 0;
  return s;
}

/** Σ v of W3's old heap: a tree of L levels with v = level sums to L + 2·sum(L-1). */
export function oldHeapSum(trees: number): number {
  let t = 0;
  for (let l = 1; l <= LEVELS; l++) t = (l + 2 * t) | 0;
  return Math.imul(t, trees);
}

/** W4's i-th key: 7919 is coprime with the key space, so a key returns only after KEY_SPACE lookups. */
export const w4Key = (i: number): number => (i * 7919) % KEY_SPACE;

/** W4: Σ v over hits (the key) + 1 per miss, as i32 (replayed with plain JS structures). */
export function w4Checksum(lookups: number): number {
  const bornAt = new Map<number, number>();
  let misses = 0, sum = 0;
  for (let i = 0; i < lookups; i++) {
    const key = w4Key(i);
    const m = bornAt.get(key);
    if (m !== undefined && misses - m <= RING) sum = addI32(sum, key);
    else { bornAt.set(key, ++misses); sum = addI32(sum, 1); }
  }
  return sum;
}

export function w5Checksum(tasks: number): number {
  let s = 0;
  for (let t = 0; t < tasks; t++) s = (s + (t & 1023) + SUBTASKS) | 0;
  return s;
}

/**
 * Recommended Row.iterations for the slow peers (a divisor of --iterations; absent = 1): keeps a
 * full run (`--iterations 250`, 5 repetitions + 1 warm-up) under ~60 s per peer. Per-unit figures
 * stay comparable (every scaled loop is uniform); W3a/W3c stay full size on pyodide because their
 * pauses depend on the old heap's size, which scales with the same factor.
 */
export const PEER_ITERATION_DIVISOR: Record<"pyodide" | "quickjs", Partial<Record<PeerWorkload, number>>> = {
  // full size per repetition ≈ W1 3.3 s, W2 1.1, W3a 0.3 (+1 s setup), W3c 2.4 (+1 s), W4 2.8, W5 1.0 + 0.6
  pyodide: { W1: 5, W2: 2, W4: 5 },
  // full size per repetition ≈ W1 6.0 s, W2 1.7, W3c 4.5 (+1.5 s setup), W4 3.4, W5 1.5 + 1.5
  quickjs: { W1: 10, W2: 2, W4: 5, "W5-strong": 2, "W5-weak": 2 },
};

/** The iterations a peer's row should run for `workload` (Row.iterations; pass `{ ...o, iterations }` to the peer). */
export function peerIterations(peer: "pyodide" | "quickjs", workload: PeerWorkload, o: BenchOptions): number {
  return Math.max(1, Math.round(o.iterations / (PEER_ITERATION_DIVISOR[peer][workload] ?? 1)));
}
