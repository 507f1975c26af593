// W1's floor: the same trees as w1.ts with less of the object protocol each step, to show what the
// refcounted object costs beyond its memory (bench/w1-floor.ts runs it; docs/collectors.md quotes it).
//   step 0  16-byte pool blocks, no header: the allocator alone (a, b, v in 12 bytes)
//   step 1  32-byte blocks with the refcount and info words written: the object's size
//   step 2  + the collector list (track at birth, untrack at death)
//   step 3  step 2 with newFixed for allocation: the allocation protocol (type table, trigger, counts, zeroed fields)
//   step 4  step 2 with decref for the release: the release protocol (rc.ts's worklist, counts)
// Steps 0 to 3 free recursively (no worklist, no counts); steps 0 to 2 skip the type table. Both
// protocols together are w1.ts's w1Run (pools/none; the collector's part: pools/hybrid).

import { poolAlloc, poolFree } from "../../assembly/alloc/pools";
import { track, untrack } from "../../assembly/collect/track";
import { FLAG_CONTAINER, FLAG_TRACKED, SET_INFO, SET_RC } from "../../assembly/layout";
import { newFixed } from "../../assembly/object";
import { decref } from "../../assembly/rc";
import { defineType, KIND_FIXED } from "../../assembly/types";

function build0(d: i32): usize {
  let n = poolAlloc(16);
  store<i32>(n, d, 8);
  store<usize>(n, d > 0 ? build0(d - 1) : 0, 0);
  store<usize>(n, d > 0 ? build0(d - 1) : 0, 4);
  return n;
}
function check0(n: usize): i32 {
  let s = load<i32>(n, 8);
  let a = load<usize>(n, 0);
  if (a) s += check0(a) + check0(load<usize>(n, 4));
  return s;
}
function free0(n: usize): void {
  let a = load<usize>(n, 0);
  if (a) { free0(a); free0(load<usize>(n, 4)); }
  poolFree(n);
}

// Node layout as w1.ts: header(16) a(+16) b(+20) v(+24)
let nodeType: u32 = 0;
function build(d: i32, list: bool): usize {
  let n = poolAlloc(32);
  SET_RC(n, 1);
  SET_INFO(n, nodeType | FLAG_CONTAINER | FLAG_TRACKED); // the type id: step 4's decref reads it
  if (list) track(n);
  store<i32>(n, d, 24);
  store<usize>(n, d > 0 ? build(d - 1, list) : 0, 16);
  store<usize>(n, d > 0 ? build(d - 1, list) : 0, 20);
  return n;
}
function buildNew(d: i32): usize {
  let n = newFixed(nodeType);
  store<i32>(n, d, 24);
  if (d > 0) {
    store<usize>(n, buildNew(d - 1), 16);
    store<usize>(n, buildNew(d - 1), 20);
  }
  return n;
}
function check(n: usize): i32 {
  let s = load<i32>(n, 24);
  let a = load<usize>(n, 16);
  if (a) s += check(a) + check(load<usize>(n, 20));
  return s;
}
function free(n: usize, list: bool): void {
  let a = load<usize>(n, 16);
  SET_RC(n, 0);
  if (list) untrack(n);
  if (a) { free(a, list); free(load<usize>(n, 20), list); }
  poolFree(n);
}

/** Builds, checks and frees `iterations` trees of `depth` at `step` (0 to 4). The sum of their checksums. */
export function w1Floor(step: i32, depth: i32, iterations: i32): i32 {
  if (!nodeType) nodeType = <u32>defineType(KIND_FIXED, 2, 1, 0, 0);
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    if (step == 0) { let t = build0(depth); sum += check0(t); free0(t); }
    else if (step == 3) { let t = buildNew(depth); sum += check(t); free(t, true); }
    else if (step == 4) { let t = build(depth, true); sum += check(t); decref(t); }
    else { let t = build(depth, step == 2); sum += check(t); free(t, step == 2); }
  }
  return sum;
}
