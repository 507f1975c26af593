// W1 trees, in wasm: a node is a container with references a, b and an i32 v. Keep a long-lived
// tree; build, check and drop short-lived trees. A tree of depth d has 2^(d+1) - 1 nodes.

import { newFixed } from "../../assembly/object";
import { decref } from "../../assembly/rc";
import { defineType, KIND_FIXED } from "../../assembly/types";

let nodeType: u32 = 0;
let longLived: usize = 0;
// Node layout: header(16) a(+16) b(+20) v(+24)
// @ts-ignore: decorator
@inline const A: usize = 16;
// @ts-ignore: decorator
@inline const B: usize = 20;
// @ts-ignore: decorator
@inline const V: usize = 24;

/** Builds a tree of depth d; returns a new reference, or 0 when out of memory. */
function build(d: i32): usize {
  let n = newFixed(nodeType);
  if (!n) return 0;
  store<i32>(n, d, V);
  if (d > 0) {
    // fields start null; the child's reference moves into the field (no incref/decref pair)
    store<usize>(n, build(d - 1), A);
    store<usize>(n, build(d - 1), B);
  }
  return n;
}

/** Sum of v over the tree. */
function check(n: usize): i32 {
  let s = load<i32>(n, V);
  let a = load<usize>(n, A);
  if (a) s += check(a) + check(load<usize>(n, B));
  return s;
}

/** Defines the node type (if needed) and builds the long-lived tree. Returns its checksum. */
export function w1Setup(longDepth: i32): i32 {
  if (!nodeType) nodeType = <u32>defineType(KIND_FIXED, 2, 1, 0, 0);
  longLived = build(longDepth);
  return longLived ? check(longLived) : -1;
}

/** Builds, checks and drops `iterations` trees of `depth`. Returns the sum of their checksums. */
export function w1Run(depth: i32, iterations: i32): i32 {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    let t = build(depth);
    if (!t) return -1;
    sum += check(t);
    decref(t);
  }
  return sum;
}

export function w1Teardown(): void {
  if (longLived) decref(longLived);
  longLived = 0;
}
