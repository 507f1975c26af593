# The benchmark workloads (W1..W5, /work/shared/design.md "Benchmark workloads") in Python, run
# inside pyodide (CPython compiled to wasm) by ./run.ts. Same shapes and checksums as the V8 peer
# (bench/peers/v8/): Python ints do not wrap, so each checksum is reduced to an i32 at the end
# (addition modulo 2^32 gives the same result as wrapping at every step).
#
# Each entry point times only its workload region with time.perf_counter_ns and returns a JSON
# string: {"ns", "checksum", "pauses": [[generation, ns], ...], ...}. Automatic collections inside
# the timed region are observed through gc.callbacks (start/stop).
import gc
import json
import sys
import time
import weakref


def i32(x):
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x & 0x80000000 else x


class Node:
    # __slots__: the idiomatic compact form (no per-instance dict); __weakref__ so W4 can cache it.
    __slots__ = ("a", "b", "v", "__weakref__")

    def __init__(self, a, b, v):
        self.a = a
        self.b = b
        self.v = v


class PauseRecorder:
    """Every automatic collection between start() and stop(): (generation, ns), via gc.callbacks."""

    def __init__(self):
        self.pauses = []
        self.t0 = 0
        self.info = []

    def _cb(self, phase, info):
        if phase == "start":
            self.t0 = time.perf_counter_ns()
        else:
            self.pauses.append([info["generation"], time.perf_counter_ns() - self.t0])
            self.info.append([info["generation"], info["collected"]])

    def start(self):
        gc.callbacks.append(self._cb)

    def stop(self):
        gc.callbacks.remove(self._cb)


def _result(ns, checksum, rec=None, **extra):
    r = {"ns": ns, "checksum": i32(checksum), "threshold": list(gc.get_threshold())}
    if rec is not None:
        r["pauses"] = rec.pauses
        r["collected"] = sum(c for _, c in rec.info)
    r.update(extra)
    return json.dumps(r)


# ---- W1 trees: v = depth of the subtree ----

def build(d):
    if d > 0:
        return Node(build(d - 1), build(d - 1), d)
    return Node(None, None, 0)


def check(n):
    s = n.v
    if n.a is not None:
        s += check(n.a) + check(n.b)
    return s


def w1(long_depth, depth, iterations):
    long_lived = build(long_depth)
    long_sum = i32(check(long_lived))
    node_bytes = sys.getsizeof(long_lived)  # object + GC header, as CPython accounts it
    rec = PauseRecorder()
    rec.start()
    t0 = time.perf_counter_ns()
    checksum = 0
    for _ in range(iterations):
        checksum += check(build(depth))
    t1 = time.perf_counter_ns()
    rec.stop()
    del long_lived
    return _result(t1 - t0, checksum, rec, longSum=long_sum, nodeBytes=node_bytes)


# ---- W2 / W3: rings of 4 nodes (a = next, b = prev), node k of ring r has v = (r + k) & 255 ----

def ring4(r):
    first = Node(None, None, r & 255)
    prev = first
    for k in range(1, 4):
        n = Node(None, prev, (r + k) & 255)
        prev.a = n
        prev = n
    prev.a = first
    first.b = prev
    s = 0
    n = first
    for _ in range(4):
        s += n.v
        n = n.a
    return s


def churn(rings):
    s = 0
    for r in range(rings):
        s += ring4(r)
    return s


def w2(rings):
    rec = PauseRecorder()
    rec.start()
    t0 = time.perf_counter_ns()
    s = churn(rings)
    t1 = time.perf_counter_ns()
    rec.stop()
    return _result(t1 - t0, s, rec)


def tree(levels):
    """A full binary tree of `levels` levels (a leaf is level 1), v = level."""
    if levels > 1:
        return Node(tree(levels - 1), tree(levels - 1), levels)
    return Node(None, None, levels)


def tree_sum(n):
    s = n.v
    if n.a is not None:
        s += tree_sum(n.a) + tree_sum(n.b)
    return s


def w3a(trees, levels):
    """One full collection (gc.collect()) with the old heap live, after an untimed one."""
    # the interpreter's own objects (stdlib modules, pyodide's runtime) are in every full
    # collection: time one without the old heap for reference
    gc.collect()
    e0 = time.perf_counter_ns()
    gc.collect()
    empty_ns = time.perf_counter_ns() - e0
    tracked = len(gc.get_objects())
    old = [tree(levels) for _ in range(trees)]
    gc.collect()
    t0 = time.perf_counter_ns()
    gc.collect()
    t1 = time.perf_counter_ns()
    live = len(old) * (2 ** levels - 1)
    del old
    return _result(t1 - t0, 0, None, liveNodes=live, emptyCollectMs=empty_ns / 1e6, interpreterTrackedObjects=tracked)


def w3c(trees, levels, rings):
    """Automatic pauses while `rings` rings churn over the old heap; checksum: the churn only."""
    old = [tree(levels) for _ in range(trees)]
    old_sum = i32(sum(tree_sum(t) for t in old))
    gc.collect()
    rec = PauseRecorder()
    rec.start()
    t0 = time.perf_counter_ns()
    s = churn(rings)
    t1 = time.perf_counter_ns()
    rec.stop()
    del old
    return _result(t1 - t0, s, rec, oldSum=old_sum)


# ---- W4 weak cache: WeakValueDictionary int -> node, strong ring of the RING newest nodes ----

def w4(lookups, ring_size, key_space):
    # CPython frees an evicted node by refcounting the moment it leaves the ring, and its
    # WeakValueDictionary entry goes with it: the same semantics as refheap, no liveness flag needed.
    cache = weakref.WeakValueDictionary()
    ring = [None] * ring_size
    rec = PauseRecorder()
    rec.start()
    t0 = time.perf_counter_ns()
    pos = 0
    s = 0
    get = cache.get
    for i in range(lookups):
        key = (i * 7919) % key_space
        v = get(key)
        if v is not None:
            s += v.v
        else:
            n = Node(None, None, key)
            cache[key] = n
            ring[pos] = n
            pos += 1
            if pos == ring_size:
                pos = 0
            s += 1
    t1 = time.perf_counter_ns()
    rec.stop()
    live = len(cache)
    del ring, n
    after = len(cache)
    if live != ring_size or after != 0:
        raise RuntimeError("cache held %d entries with the ring full, %d after it died" % (live, after))
    return _result(t1 - t0, s, rec)


# ---- W5 tasks/subtasks: the newest `keep` tasks kept, subtasks point back strongly or weakly ----

class Task:
    __slots__ = ("subtasks", "v", "__weakref__")

    def __init__(self, v):
        self.subtasks = []
        self.v = v


class Subtask:
    __slots__ = ("task",)

    def __init__(self, task):
        self.task = task


def w5(tasks, keep, subtasks, weak):
    ring = [None] * keep
    rec = PauseRecorder()
    rec.start()
    t0 = time.perf_counter_ns()
    pos = 0
    s = 0
    for t in range(tasks):
        task = Task(t & 1023)
        subs = task.subtasks
        count = 0
        if weak:
            ref = weakref.ref(task)  # one shared weakref per task, as the V8 peer's WeakRef
            for _ in range(subtasks):
                subs.append(Subtask(ref))
            for st in subs:
                if st.task() is task:
                    count += 1
        else:
            for _ in range(subtasks):
                subs.append(Subtask(task))
            for st in subs:
                if st.task is task:
                    count += 1
        s += task.v + count
        ring[pos] = task  # evicts the oldest task
        pos += 1
        if pos == keep:
            pos = 0
    del task, subs, st
    ring = None
    t1 = time.perf_counter_ns()
    rec.stop()
    return _result(t1 - t0, s, rec)


# ---- W6 old cycles: sessions (rings of `session` nodes) kept among the `window` newest, then dropped ----

def ring_n(r, n):
    """A ring of n nodes (a = next, b = prev), node k has v = (r + k) & 255; returns (first, sum of v)."""
    first = Node(None, None, r & 255)
    s = r & 255
    prev = first
    for k in range(1, n):
        node = Node(None, prev, (r + k) & 255)
        s += node.v
        prev.a = node
        prev = node
    prev.a = first
    first.b = prev
    return first, s


def tracked():
    """Objects the collector tracks (containers: every Node and list here), as refheap counts its objects."""
    objs = gc.get_objects()
    n = len(objs)
    del objs
    return n


def w6(trees, levels, requests, session, window):
    """The requests over a live heap (trees + the window), all reachable from this frame (marked by
    the incremental collector at the start of each pass). Objects are counted as tracked objects
    (gc.get_objects(): pyodide's sys.getallocatedblocks() is 0): the peak, sampled every `every`
    requests outside the timed region's pauses, and the live set at the end, both less the
    interpreter's own."""
    every = 500
    gc.collect()
    base = tracked()
    win = [None] * window
    root = [win] + [tree(levels) for _ in range(trees)]
    gc.collect()  # as the refheap rows: the pass starts afresh
    rec = PauseRecorder()
    rec.start()
    peak = tracked()
    t0 = time.perf_counter_ns()
    s = 0
    for r in range(requests):
        first, v = ring_n(r, session)
        s += v
        win[r % window] = first  # the oldest session goes: cyclic garbage, old by now
        if r % every == 0:
            n = tracked()
            if n > peak:
                peak = n
    first = None
    t1 = time.perf_counter_ns()
    rec.stop()
    n = tracked()
    if n > peak:
        peak = n
    counts = list(gc.get_count())
    gc.collect()
    live = tracked() - base
    root = win = None
    return _result(t1 - t0, s, rec, peakObjects=peak - base, liveObjects=live, countAtEnd=counts, sampleEvery=every)
