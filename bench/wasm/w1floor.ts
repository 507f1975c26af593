// W1's floor: the same trees as w1.ts with less of the object protocol each step, to show what the
// refcounted object costs beyond its memory (bench/w1-floor.ts runs it; docs/collectors.md quotes it).
//   step 0  16-byte pool blocks, no header: the allocator alone (a, b, v in 12 bytes)
//   step 1  32-byte blocks with the refcount and info words written: the object's size
//   step 2  + the collector list (track at birth, untrack at death)
// Every step frees recursively (no worklist, no counts) and skips the type table; the full
// protocol is w1.ts's w1Run.

import { poolAlloc, poolFree } from "../../assembly/alloc/pools";
import { track, untrack } from "../../assembly/collect/track";
import { FLAG_CONTAINER, FLAG_TRACKED, SET_INFO, SET_RC } from "../../assembly/layout";

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
function build(d: i32, list: bool): usize {
  let n = poolAlloc(32);
  SET_RC(n, 1);
  SET_INFO(n, FLAG_CONTAINER | FLAG_TRACKED);
  if (list) track(n);
  store<i32>(n, d, 24);
  store<usize>(n, d > 0 ? build(d - 1, list) : 0, 16);
  store<usize>(n, d > 0 ? build(d - 1, list) : 0, 20);
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

/** Builds, checks and frees `iterations` trees of `depth` at `step` (0, 1, 2). The sum of their checksums. */
export function w1Floor(step: i32, depth: i32, iterations: i32): i32 {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    if (step == 0) { let t = build0(depth); sum += check0(t); free0(t); }
    else { let t = build(depth, step == 2); sum += check(t); free(t, step == 2); }
  }
  return sum;
}
