// Collector workloads W2 (cycle churn), W3 (generational pause) and W5 (tasks/subtasks) as a peer
// in AssemblyScript using ordinary managed classes, so they run on AS's own default runtime
// (--runtime incremental, a non-generational incremental tri-colour mark & sweep). Mirrors the
// refheap mutators in bench/wasm/gc.ts; checksums are defined identically in bench/peers/v8/gc.ts.
// Built by buildAsGcPeer() in ./build.mjs into build/peer-as-gc.wasm; driven by ./gc-run.ts.

class Node {
  a: Node | null = null;
  b: Node | null = null;
  v: i32 = 0;
}

/**
 * A ring of 4 nodes (a = next, b = prev, closed), node k of ring r has v = (r + k) & 255. Returns
 * Σ v read back by walking the ring; the ring is unreachable once this returns.
 */
function ring4(r: i32): i32 {
  let first = new Node();
  first.v = r & 255;
  let prev = first;
  for (let k = 1; k < 4; k++) {
    let n = new Node();
    n.v = (r + k) & 255;
    prev.a = n;
    n.b = prev;
    prev = n;
  }
  prev.a = first;
  first.b = prev;
  let sum = 0;
  let n = first;
  for (let k = 0; k < 4; k++) {
    sum += n.v;
    n = changetype<Node>(n.a);
  }
  return sum;
}

/** W2: builds `rings` rings of 4 nodes, each dropped at once. Returns Σ v (i32 wrapping). */
export function w2Run(rings: i32): i32 {
  let sum = 0;
  for (let r = 0; r < rings; r++) sum += ring4(r);
  return sum;
}

// ---- W3 ----

// Global root for the old heap (the trees), alive from w3Setup to w3Teardown.
let oldHeap: Array<Node> | null = null;

/** A full binary tree of `levels` levels (a leaf is level 1), v = level. */
function tree(levels: i32): Node {
  let n = new Node();
  n.v = levels;
  if (levels > 1) {
    n.a = tree(levels - 1);
    n.b = tree(levels - 1);
  }
  return n;
}

function treeSum(n: Node): i32 {
  let s = n.v;
  let a = n.a;
  if (a) s += treeSum(a) + treeSum(changetype<Node>(n.b));
  return s;
}

/** W3: builds the old heap, `trees` trees of `levels` levels kept in a global array. Returns Σ v over it. */
export function w3Setup(trees: i32, levels: i32): i32 {
  let heap = new Array<Node>(0);
  oldHeap = heap;
  let sum = 0;
  for (let i = 0; i < trees; i++) {
    let t = tree(levels);
    heap.push(t);
    sum += treeSum(t);
  }
  return sum;
}

/** W3: `rings` rings of 4 built and dropped while the old heap is alive. Returns Σ v. */
export function w3Churn(rings: i32): i32 {
  return w2Run(rings);
}

/** Drops the old heap (garbage at the next collection). */
export function w3Teardown(): void {
  oldHeap = null;
}

// ---- W5 ----

class Task {
  subtasks: StaticArray<Subtask | null>;
  v: i32;
  constructor(v: i32, subtasks: i32) {
    this.subtasks = new StaticArray<Subtask | null>(subtasks);
    this.v = v;
  }
}

class Subtask {
  // Strong back-pointer: every task with its subtasks is a cycle (AS has no weak references).
  task: Task;
  constructor(task: Task) {
    this.task = task;
  }
}

/**
 * W5: `tasks` tasks, each owning `subtasks` subtasks that point back at it; only the `keep` newest
 * tasks are kept (a ring; the evicted task is dropped). Returns Σ over tasks of (index & 1023) +
 * the subtasks found pointing back at their task (= subtasks created).
 */
export function w5Run(tasks: i32, keep: i32, subtasks: i32): i32 {
  let ring = new StaticArray<Task | null>(keep);
  let sum = 0;
  let pos = 0;
  for (let t = 0; t < tasks; t++) {
    let task = new Task(t & 1023, subtasks);
    let subs = task.subtasks;
    for (let s = 0; s < subtasks; s++) subs[s] = new Subtask(task);
    let count = 0;
    for (let s = 0; s < subtasks; s++) if (changetype<Subtask>(subs[s]).task === task) count++;
    sum += task.v + count;
    ring[pos] = task; // evicts the oldest task
    if (++pos == keep) pos = 0;
  }
  return sum;
}

/** A full collection (AS's __collect: finishes any incremental cycle, then a complete one). */
export function collect(): void {
  __collect();
}
