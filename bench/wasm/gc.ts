// In-wasm mutators for the collector workloads (W2 cycle churn, W3 generational pause, W5
// tasks/subtasks). A node has references a (next), b (prev) and an i32 v; it is weakrefable so
// that W5's weak back-pointers can point at tasks.

import { newFixed, newList } from "../../assembly/object";
import { listSet } from "../../assembly/list";
import { decref } from "../../assembly/rc";
import { defineType, KIND_FIXED, KIND_REFARRAY, TF_WEAKREFABLE } from "../../assembly/types";
import { weakrefNew } from "../../assembly/weak";
import { listAppend } from "../../assembly/list";
import { liveObjects } from "../../assembly/counters";
import { setRootObject } from "../../assembly/collect/gcstate";
import { LIST_ITEMS, STORAGE_SLOTS } from "../../assembly/types";

let nodeType: u32 = 0;
let listType: u32 = 0;
let taskType: u32 = 0;
let subtaskType: u32 = 0;
// Node: header(16) a(+16) b(+20) weak(+24) v(+28)
// @ts-ignore: decorator
@inline const A: usize = 16;
// @ts-ignore: decorator
@inline const B: usize = 20;
// @ts-ignore: decorator
@inline const V: usize = 28;

function types(): void {
  if (nodeType) return;
  nodeType = <u32>defineType(KIND_FIXED, 2, 1, 0, TF_WEAKREFABLE);
  listType = <u32>defineType(KIND_REFARRAY, 0, 0, 0, 0);
  taskType = <u32>defineType(KIND_FIXED, 1, 1, 0, TF_WEAKREFABLE); // subtasks list, v
  subtaskType = <u32>defineType(KIND_FIXED, 1, 0, 0, 0);          // task (strong) or a weakref to it
}

/** A ring of 4 nodes, dropped at once: garbage only the collector can free. Returns Σ v, or -1 (OOM). */
function ring4(r: i32): i32 {
  let first = newFixed(nodeType);
  if (!first) return -1;
  store<i32>(first, r & 255, V);
  let prev = first;
  let sum = r & 255;
  for (let k = 1; k < 4; k++) {
    let n = newFixed(nodeType);
    if (!n) { decref(first); return -1; }
    store<i32>(n, (r + k) & 255, V);
    sum += (r + k) & 255;
    store<usize>(prev, n, A);          // prev.a owns n
    store<usize>(n, prev, B);          // n.b = prev (a new reference)
    store<u32>(prev, load<u32>(prev) + 1);
    prev = n;
  }
  store<usize>(prev, first, A);        // close the ring
  store<u32>(first, load<u32>(first) + 1);
  store<usize>(first, prev, B);
  store<u32>(prev, load<u32>(prev) + 1);
  decref(first);                       // our reference to the ring goes: it is garbage now
  return sum;
}

/** W2: `rings` rings of 4 nodes, each dropped at once. Returns Σ v (i32), -1 when out of memory. */
export function w2Run(rings: i32): i32 {
  types();
  let sum = 0;
  for (let r = 0; r < rings; r++) {
    let s = ring4(r);
    if (s < 0) return -1;
    sum += s;
  }
  return sum;
}

let oldHeap: usize = 0;

function tree(levels: i32): usize {
  let n = newFixed(nodeType);
  if (!n) return 0;
  store<i32>(n, levels, V);
  if (levels > 1) {
    store<usize>(n, tree(levels - 1), A);
    store<usize>(n, tree(levels - 1), B);
  }
  return n;
}

/** W3: the old heap, `trees` trees of `levels` levels kept in a list. Returns the node count, -1 when out of memory. */
export function w3Setup(trees: i32, levels: i32): i32 {
  types();
  oldHeap = newList(listType, 0);
  for (let i = 0; i < trees; i++) {
    let t = tree(levels);
    if (!t || !listAppend(oldHeap, t)) return -1;
    decref(t);
  }
  return trees * ((1 << levels) - 1);
}

/** W3: `rings` rings of 4 churned over the old heap. Returns Σ v. */
export function w3Churn(rings: i32): i32 { return w2Run(rings); }

export function w3Teardown(): void {
  if (oldHeap) decref(oldHeap);
  oldHeap = 0;
}

/**
 * W5: `tasks` tasks, each with `subtasks` subtasks pointing back at it (strongly, or through a
 * weakref), the `keep` newest tasks kept in a ring. Returns Σ (task index & 1023) + subtasks made.
 */
export function w5Run(tasks: i32, keep: i32, subtasks: i32, weak: i32): i32 {
  types();
  let ring = newList(listType, keep);
  if (!ring) return -1;
  let sum = 0, pos = 0;
  for (let t = 0; t < tasks; t++) {
    let task = newFixed(taskType);
    let subs = newList(listType, subtasks);
    if (!task || !subs) return -1;
    store<i32>(task, t & 1023, 24);                  // task: header(16) subtasks(+16) weak(+20) v(+24)
    store<usize>(task, subs, 16);                     // the task owns its list
    let back = weak ? weakrefNew(task, false, 0) : task;
    if (!back) return -1;
    for (let s = 0; s < subtasks; s++) {
      let st = newFixed(subtaskType);
      if (!st) return -1;
      if (!weak) store<u32>(task, load<u32>(task) + 1); // a strong back-pointer: a new reference
      store<usize>(st, back, 16);
      if (weak) store<u32>(back, load<u32>(back) + 1);
      listSet(subs, s, st);
      decref(st);
    }
    if (weak) decref(back);
    listSet(ring, pos, task);                          // evicts the oldest task
    decref(task);
    if (++pos == keep) pos = 0;
    sum += (t & 1023) + subtasks;
  }
  decref(ring);
  return sum;
}

// ── W6: old cycles (the memory effect that made CPython 3.14.5 revert its incremental collector) ──
// A long-lived heap (trees) and a window of the `window` newest sessions, both reachable from the
// heap's root (gc.setRoot: CPython's module globals). Each request builds a session, a ring of
// `session` nodes, and drops the oldest one: by then it has survived collections, so it is
// cyclic garbage in the old generation. The peak of live + not-yet-collected objects is recorded
// after every request.

let w6Root: usize = 0;
let w6PeakObjects: u32 = 0;

/** A ring of n nodes (node k: v = (r + k) & 255), returned with one reference. Its Σ v is added to w6Sum. */
function ringN(r: i32, n: i32): usize {
  let first = newFixed(nodeType);
  if (!first) return 0;
  store<i32>(first, r & 255, V);
  w6Sum += r & 255;
  let prev = first;
  for (let k = 1; k < n; k++) {
    let node = newFixed(nodeType);
    if (!node) { decref(first); return 0; }
    store<i32>(node, (r + k) & 255, V);
    w6Sum += (r + k) & 255;
    store<usize>(prev, node, A);
    store<usize>(node, prev, B);
    store<u32>(prev, load<u32>(prev) + 1);
    prev = node;
  }
  store<usize>(prev, first, A);
  store<u32>(first, load<u32>(first) + 1);
  store<usize>(first, prev, B);
  store<u32>(prev, load<u32>(prev) + 1);
  return first;
}
let w6Sum: i32 = 0;

/** W6 setup: the root list [window, tree...] made the heap's root. Returns the objects it holds, -1 when out of memory. */
export function w6Setup(trees: i32, levels: i32, window: i32): i32 {
  types();
  w6Root = newList(listType, 0);
  let win = newList(listType, window);
  if (!w6Root || !win || !listAppend(w6Root, win)) return -1;
  decref(win);
  for (let i = 0; i < trees; i++) {
    let t = tree(levels);
    if (!t || !listAppend(w6Root, t)) return -1;
    decref(t);
  }
  setRootObject(w6Root); // the root's one reference moves to the heap (gc.setRoot)
  return <i32>liveObjects();
}

/** W6: `requests` sessions of `session` nodes through the window. Returns Σ v; w6Peak() the peak object count. */
export function w6Run(requests: i32, session: i32, window: i32): i32 {
  let win = load<usize>(load<usize>(w6Root, LIST_ITEMS) + STORAGE_SLOTS);
  w6Sum = 0;
  w6PeakObjects = liveObjects();
  for (let r = 0; r < requests; r++) {
    let s = ringN(r, session);
    if (!s) return -1;
    listSet(win, r % window, s); // the oldest session goes: cyclic garbage, old by now
    decref(s);
    let live = liveObjects();
    if (live > w6PeakObjects) w6PeakObjects = live;
  }
  return w6Sum;
}
export function w6Peak(): u32 { return w6PeakObjects; }
export function w6Teardown(): void {
  let r = w6Root;
  w6Root = 0;
  setRootObject(0);
  if (r) decref(r);
}
