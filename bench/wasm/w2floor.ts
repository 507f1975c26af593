// W2's floor: the same rings as gc.ts's w2Run (4 nodes, a = next, b = prev, closed, dropped at
// once) with less of the object protocol each step, to show what is left for a cycle collector to
// win against V8 (bench/w2-floor.ts runs it; docs/collectors.md quotes it).
//   step 0  16-byte pool blocks, no header, each ring freed as soon as it is built: the allocator alone
//   step 1  32-byte blocks with the refcount and info words written, the prev links counted
//   step 2  + the collector list (track at birth, untrack at death)
//   step 3  step 2 freed a young generation at a time (700 nodes, the hybrid's threshold0) by a walk
//           of the list: a collector that knew the garbage without looking at it
//   step 4  step 3 allocating with newFixed: the whole allocation protocol
// No step finds the garbage: each frees what it knows is garbage. The whole protocol is w2Run.

import { poolAlloc, poolFree } from "../../assembly/alloc/pools";
import { track, untrack } from "../../assembly/collect/track";
import { FLAG_CONTAINER, FLAG_TRACKED, GC_NEXT, RC, SET_INFO, SET_RC } from "../../assembly/layout";
import { newFixed } from "../../assembly/object";
import { defineType, KIND_FIXED } from "../../assembly/types";
import { HYBRID_THRESHOLD0 } from "../../assembly/collect/hybrid";
import { GEN_HEAD } from "../../assembly/collect/generations";

// Node layout as gc.ts: header(16) a(+16) b(+20) weak(+24) v(+28)
let nodeType: u32 = 0;
// the young generation of steps 3 and 4: the list the collector none tracks into
const YOUNG: usize = GEN_HEAD(0);

function ring0(r: i32): i32 {
  let first = poolAlloc(16);
  store<i32>(first, r & 255, 8);
  let prev = first;
  for (let k = 1; k < 4; k++) {
    let n = poolAlloc(16);
    store<i32>(n, (r + k) & 255, 8);
    store<usize>(prev, n, 0);
    store<usize>(n, prev, 4);
    prev = n;
  }
  store<usize>(prev, first, 0);
  store<usize>(first, prev, 4);
  let sum = 0, n = first;
  for (let k = 0; k < 4; k++) { sum += load<i32>(n, 8); let next = load<usize>(n, 0); poolFree(n); n = next; }
  return sum;
}

// @ts-ignore: decorator
@inline function node(v: i32, step: i32): usize {
  let n: usize;
  if (step >= 4) n = newFixed(nodeType);
  else {
    n = poolAlloc(32);
    SET_RC(n, 1);
    SET_INFO(n, nodeType | FLAG_CONTAINER | FLAG_TRACKED);
    if (step >= 2) track(n);
  }
  store<i32>(n, v, 28);
  return n;
}

/** A ring at `step` (1 to 4): the last reference to it dropped, as w2Run's decref leaves its count. */
// @ts-ignore: decorator
@inline function ring(r: i32, step: i32): usize {
  let first = node(r & 255, step);
  let prev = first;
  for (let k = 1; k < 4; k++) {
    let n = node((r + k) & 255, step);
    store<usize>(prev, n, 16);
    store<usize>(n, prev, 20);
    SET_RC(prev, RC(prev) + 1);
    prev = n;
  }
  store<usize>(prev, first, 16);
  SET_RC(first, RC(first) + 1);
  store<usize>(first, prev, 20);
  SET_RC(prev, RC(prev) + 1);
  SET_RC(first, RC(first) - 1);
  return first;
}

/** Frees a ring built by ring() at steps 1 and 2, reading v back. */
function freeRing(first: usize, list: bool): i32 {
  let sum = 0, n = first;
  for (let k = 0; k < 4; k++) {
    sum += load<i32>(n, 28);
    let next = load<usize>(n, 16);
    if (list) untrack(n);
    poolFree(n);
    n = next;
  }
  return sum;
}

/** Frees the young generation (steps 3 and 4), reading v back: every object on it is garbage. */
function freeYoung(): i32 {
  let sum = 0;
  let p = GC_NEXT(YOUNG);
  while (p != YOUNG) {
    let next = GC_NEXT(p);
    sum += load<i32>(p, 28);
    untrack(p);
    poolFree(p);
    p = next;
  }
  return sum;
}

function rings1(rings: i32): i32 { let s = 0; for (let r = 0; r < rings; r++) s += freeRing(ring(r, 1), false); return s; }
function rings2(rings: i32): i32 { let s = 0; for (let r = 0; r < rings; r++) s += freeRing(ring(r, 2), true); return s; }
function rings3(rings: i32): i32 {
  let s = 0, young: u32 = 0;
  for (let r = 0; r < rings; r++) { ring(r, 3); young += 4; if (young >= HYBRID_THRESHOLD0) { s += freeYoung(); young = 0; } }
  return s + freeYoung();
}
function rings4(rings: i32): i32 {
  let s = 0, young: u32 = 0;
  for (let r = 0; r < rings; r++) { ring(r, 4); young += 4; if (young >= HYBRID_THRESHOLD0) { s += freeYoung(); young = 0; } }
  return s + freeYoung();
}

/**
 * Builds and frees `rings` rings at `step` (0 to 4) in a heap initialised with the collector none
 * (its list is the young generation here). The sum of v over every node, as w2Run's.
 */
export function w2Floor(step: i32, rings: i32): i32 {
  if (!nodeType) nodeType = <u32>defineType(KIND_FIXED, 2, 1, 0, 0);
  if (step == 0) { let s = 0; for (let r = 0; r < rings; r++) s += ring0(r); return s; }
  if (step == 1) return rings1(rings);
  if (step == 2) return rings2(rings);
  return step == 3 ? rings3(rings) : rings4(rings);
}
