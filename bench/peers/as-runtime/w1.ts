// W1 "trees" peer in AssemblyScript using ordinary managed classes, so it runs on AS's own
// default runtime (--runtime incremental). Mirrors bench/wasm/w1.ts: v = depth, recursive
// build and check, w1Run returns the sum of the per-tree checksums.

class Node {
  a: Node | null = null;
  b: Node | null = null;
  v: i32 = 0;
}

// Global root keeps the long-lived tree reachable across collections.
let longLived: Node | null = null;

/** Builds a tree of depth d (2^(d+1) - 1 nodes). */
function build(d: i32): Node {
  let n = new Node();
  n.v = d;
  if (d > 0) {
    n.a = build(d - 1);
    n.b = build(d - 1);
  }
  return n;
}

/** Sum of v over the tree; consumed by the caller so the build cannot be optimised away. */
function check(n: Node): i32 {
  let s = n.v;
  let a = n.a;
  if (a) s += check(a) + check(changetype<Node>(n.b));
  return s;
}

/** Builds the long-lived tree and keeps it in a global. */
export function w1Setup(longDepth: i32): void {
  longLived = build(longDepth);
}

/** Builds, checks and drops `iterations` trees of `depth`. Returns the sum of their checksums. */
export function w1Run(depth: i32, iterations: i32): i32 {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    sum += check(build(depth));
  }
  return sum;
}

/** Drops the long-lived tree (it becomes garbage at the next collection). */
export function w1Teardown(): void {
  longLived = null;
}

/** Forces a full collection so the timed region includes the GC debt it created. */
export function collect(): void {
  __collect();
}
