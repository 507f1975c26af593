// The benchmark workloads (W1, W2, W3c, W4, W5; /work/shared/design.md "Benchmark workloads") in
// plain JS for QuickJS-in-wasm (quickjs-emscripten), evaluated as a script in a fresh context by
// ./run.ts. Same shapes and checksums as the V8 peer (bench/peers/v8/), `| 0` for i32 wrapping.
//
// The host injects now() (its performance.now(), ms). Each entry point times its workload region
// with it and returns a JSON string {ms, checksum, ...}.
//
// Pauses: QuickJS has no GC hooks, and its collector (refcounting + a full, non-generational cycle
// collection when malloc'd bytes pass a threshold) runs synchronously inside an allocation. The
// churn loops are cut into steps of `step` units, each timed with now(); a step inside which a
// collection ran is detected by a sentinel — a self-referencing object reachable only through a
// WeakRef, which only the cycle collector frees. Such a step's duration is the mutator-observed
// pause, an upper bound: it includes the step's own work (reported as the median of the steps
// without a collection). A host now() call costs microseconds, so steps are sized to make the
// timing overhead small; run.ts subtracts the calibrated cost of the calls from the timed region.

class Node {
  constructor(a, b, v) {
    this.a = a;
    this.b = b;
    this.v = v;
  }
}

/** Calibration: the cost of one now() call (ms), outside any timed region. */
function nowCostMs(calls) {
  let x = 0;
  const t0 = now();
  for (let i = 0; i < calls; i++) x += now();
  const t1 = now();
  return (t1 - t0) / calls;
}

// ---- step timing with a collection sentinel ----

function makeSentinel() {
  const o = { self: null };
  o.self = o;
  return new WeakRef(o);
}

/** Step durations (Float64Array, preallocated) and which steps saw a collection. */
class StepClock {
  constructor(steps) {
    this.ms = new Float64Array(steps);
    this.gc = new Uint8Array(steps);
    this.n = 0;
    this.sentinel = makeSentinel();
    this.last = 0;
  }
  begin() {
    this.last = now();
  }
  tick() {
    const t = now();
    const i = this.n++;
    this.ms[i] = t - this.last;
    this.last = t;
    if (this.sentinel.deref() === undefined) {
      this.gc[i] = 1;
      this.sentinel = makeSentinel();
    }
  }
  /** {pausesMs: durations of the steps that saw a collection, stepWorkMs: median of the others}. */
  summary() {
    const pauses = [], plain = [];
    for (let i = 0; i < this.n; i++) (this.gc[i] ? pauses : plain).push(this.ms[i]);
    plain.sort((x, y) => x - y);
    let maxStepMs = 0;
    for (let i = 0; i < this.n; i++) if (this.ms[i] > maxStepMs) maxStepMs = this.ms[i];
    // the 5 longest steps, [ms, saw a collection], to see what else stalls the mutator
    const order = [];
    for (let i = 0; i < this.n; i++) order.push(i);
    order.sort((x, y) => this.ms[y] - this.ms[x]);
    const topSteps = order.slice(0, 5).map((i) => [+this.ms[i].toFixed(3), this.gc[i]]);
    return { pausesMs: pauses, stepWorkMs: plain.length ? plain[plain.length >> 1] : 0, steps: this.n, maxStepMs, topSteps };
  }
}

// ---- W1 trees: v = depth of the subtree ----

function buildTree(d) {
  return d > 0 ? new Node(buildTree(d - 1), buildTree(d - 1), d) : new Node(null, null, d);
}

function check(n) {
  let s = n.v;
  if (n.a) s = (s + check(n.a) + check(n.b)) | 0;
  return s;
}

let longLived = null;

function w1Setup(longDepth) {
  longLived = buildTree(longDepth);
  return check(longLived);
}

function w1(depth, iterations) {
  const t0 = now();
  let checksum = 0;
  for (let i = 0; i < iterations; i++) checksum = (checksum + check(buildTree(depth))) | 0;
  const t1 = now();
  return JSON.stringify({ ms: t1 - t0, checksum, nowCalls: 2 });
}

function w1Teardown() {
  longLived = null;
}

// ---- W2 / W3c: rings of 4 nodes (a = next, b = prev), node k of ring r has v = (r + k) & 255 ----

function ring4(r) {
  const first = new Node(null, null, r & 255);
  let prev = first;
  for (let k = 1; k < 4; k++) {
    const n = new Node(null, prev, (r + k) & 255);
    prev.a = n;
    prev = n;
  }
  prev.a = first;
  first.b = prev;
  let sum = 0;
  let n = first;
  for (let k = 0; k < 4; k++) {
    sum = (sum + n.v) | 0;
    n = n.a;
  }
  return sum;
}

/** `rings` rings in steps of `step` rings, each step timed. */
function churnTimed(rings, step) {
  const clock = new StepClock(Math.ceil(rings / step));
  let sum = 0;
  const t0 = now();
  clock.begin();
  for (let r0 = 0; r0 < rings; r0 += step) {
    const end = Math.min(rings, r0 + step);
    for (let r = r0; r < end; r++) sum = (sum + ring4(r)) | 0;
    clock.tick();
  }
  const t1 = now();
  const s = clock.summary();
  // calls: 2 around the region, 1 in begin(), 1 per step
  return { ms: t1 - t0, checksum: sum, nowCalls: 3 + s.steps, ...s };
}

function w2(rings, step) {
  return JSON.stringify(churnTimed(rings, step));
}

function tree(levels) {
  return levels > 1 ? new Node(tree(levels - 1), tree(levels - 1), levels) : new Node(null, null, levels);
}

function treeSum(n) {
  let s = n.v;
  if (n.a) s = (s + treeSum(n.a) + treeSum(n.b)) | 0;
  return s;
}

let oldHeap = null;

function w3Setup(trees, levels) {
  oldHeap = [];
  let sum = 0;
  for (let i = 0; i < trees; i++) {
    const t = tree(levels);
    oldHeap.push(t);
    sum = (sum + treeSum(t)) | 0;
  }
  return sum;
}

function w3c(rings, step) {
  const r = churnTimed(rings, step);
  oldHeap = null;
  return JSON.stringify(r);
}

// ---- W4 weak cache: Map<int, WeakRef<node>> + FinalizationRegistry, strong ring of the newest ----

/**
 * As the V8 row (bench/w4.ts): each node carries `live`, cleared when it leaves the ring, and a
 * found node that is no longer live counts as a miss, so every row does the same work. (QuickJS
 * frees an evicted node by refcounting at once, and its WeakRef then derefs to undefined; the
 * registry's callbacks are jobs, which do not run inside the timed evaluation, as in V8.)
 */
class CacheNode {
  constructor(v) {
    this.a = null;
    this.b = null;
    this.live = true;
    this.v = v;
  }
}

function w4(lookups, ringSize, keySpace) {
  const cache = new Map();
  const registry = new FinalizationRegistry((key) => {
    const r = cache.get(key);
    if (r && !r.deref()) cache.delete(key);
  });
  const ring = new Array(ringSize).fill(undefined);
  let pos = 0, sum = 0;
  const t0 = now();
  for (let i = 0; i < lookups; i++) {
    const key = (i * 7919) % keySpace;
    const ref = cache.get(key);
    const v = ref === undefined ? undefined : ref.deref();
    if (v !== undefined && v.live) sum = (sum + v.v) | 0;
    else {
      const n = new CacheNode(key);
      cache.set(key, new WeakRef(n));
      registry.register(n, key);
      const old = ring[pos];
      if (old) old.live = false;
      ring[pos] = n;
      if (++pos === ringSize) pos = 0;
      sum = (sum + 1) | 0;
    }
  }
  const t1 = now();
  let liveEntries = 0;
  for (const r of cache.values()) if (r.deref() !== undefined) liveEntries++;
  return JSON.stringify({ ms: t1 - t0, checksum: sum, nowCalls: 2, liveEntries, mapSize: cache.size });
}

// ---- W5 tasks/subtasks: the newest `keep` tasks kept, subtasks point back strongly or weakly ----

class Task {
  constructor(v) {
    this.subtasks = [];
    this.v = v;
  }
}

class Subtask {
  constructor(task) {
    this.task = task;
  }
}

function w5(tasks, keep, subtasks, weak, step) {
  const clock = new StepClock(Math.ceil(tasks / step));
  let ring = new Array(keep).fill(null);
  let pos = 0, checksum = 0;
  const t0 = now();
  clock.begin();
  for (let t0s = 0; t0s < tasks; t0s += step) {
    const end = Math.min(tasks, t0s + step);
    for (let t = t0s; t < end; t++) {
      const task = new Task(t & 1023);
      const subs = task.subtasks;
      let count = 0;
      if (weak) {
        const ref = new WeakRef(task); // one shared WeakRef per task, as the V8 peer
        for (let s = 0; s < subtasks; s++) subs.push(new Subtask(ref));
        for (let s = 0; s < subs.length; s++) if (subs[s].task.deref() === task) count++;
      } else {
        for (let s = 0; s < subtasks; s++) subs.push(new Subtask(task));
        for (let s = 0; s < subs.length; s++) if (subs[s].task === task) count++;
      }
      checksum = (checksum + task.v + count) | 0;
      ring[pos] = task; // evicts the oldest task
      if (++pos === keep) pos = 0;
    }
    clock.tick();
  }
  ring = null;
  const t1 = now();
  const s = clock.summary();
  return JSON.stringify({ ms: t1 - t0, checksum, nowCalls: 3 + s.steps, ...s });
}
