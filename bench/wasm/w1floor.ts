// W1's floor: the same trees as w1.ts with less of the object protocol each step, to show what the
// refcounted object costs beyond its memory (bench/w1-floor.ts runs it; docs/collectors.md quotes it).
//   step 0  16-byte pool blocks, no header: the allocator alone (a, b, v in 12 bytes)
//   step 1  32-byte blocks with the refcount and info words written: the object's size
//   step 2  + the collector list (track at birth, untrack at death)
//   steps 3 to 7 add newFixed's parts one at a time, in its order:
//   step 3  + the type record: the size read from the type table (the pool's class from it, not a constant)
//   step 4  + the allocator registry's dispatch (allocBlock)
//   step 5  + the automatic trigger's check (maybeCollect)
//   step 6  + the counts and the allocation-event check
//   step 7  + the fields zeroed
//   step 8  step 2 with newFixed itself: the whole allocation protocol (the info word from the type's flags)
//   step 9  step 2 with decref for the release: the release protocol (rc.ts's worklist, counts)
// Steps 0 to 8 free recursively (no worklist, no counts). Both protocols together are w1.ts's w1Run
// (pools/none; the collector's part: pools/hybrid).

import { poolAlloc, poolFree } from "../../assembly/alloc/pools";
import { allocBlock } from "../../assembly/alloc/index";
import { track, untrack } from "../../assembly/collect/track";
import { maybeCollect } from "../../assembly/collect/gcstate";
import { countAlloc } from "../../assembly/counters";
import { noteAlloc } from "../../assembly/events";
import { FLAG_CONTAINER, FLAG_TRACKED, SET_INFO, SET_RC } from "../../assembly/layout";
import { newFixed } from "../../assembly/object";
import { decref } from "../../assembly/rc";
import { defineType, KIND_FIXED, T_FLAGS, T_SIZE, TF_CONTAINER, TYPE } from "../../assembly/types";

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
  SET_INFO(n, nodeType | FLAG_CONTAINER | FLAG_TRACKED); // the type id: step 9's decref reads it
  if (list) track(n);
  store<i32>(n, d, 24);
  store<usize>(n, d > 0 ? build(d - 1, list) : 0, 16);
  store<usize>(n, d > 0 ? build(d - 1, list) : 0, 20);
  return n;
}

/** Step 2's node with newFixed's parts up to `step` (3 to 7; a constant at each call, so the others fold away). */
// @ts-ignore: decorator
@inline function allocUpTo(step: i32): usize {
  let t = TYPE(nodeType);
  if (step >= 5) if (T_FLAGS(t) & TF_CONTAINER) maybeCollect();
  let size = T_SIZE(t);
  let n = step >= 4 ? allocBlock(size) : poolAlloc(size);
  SET_RC(n, 1);
  SET_INFO(n, nodeType | FLAG_CONTAINER | FLAG_TRACKED);
  track(n);
  if (step >= 6) { countAlloc(size, true); noteAlloc(n, size, nodeType); }
  if (step >= 7) { store<u32>(n, 0, 16); store<u64>(n, 0, 20); }
  return n;
}
// one function per step: recursion cannot be inlined, and a step read at run time would cost branches
function build3(d: i32): usize { let n = allocUpTo(3); store<i32>(n, d, 24); if (d > 0) { store<usize>(n, build3(d - 1), 16); store<usize>(n, build3(d - 1), 20); } else { store<usize>(n, 0, 16); store<usize>(n, 0, 20); } return n; }
function build4(d: i32): usize { let n = allocUpTo(4); store<i32>(n, d, 24); if (d > 0) { store<usize>(n, build4(d - 1), 16); store<usize>(n, build4(d - 1), 20); } else { store<usize>(n, 0, 16); store<usize>(n, 0, 20); } return n; }
function build5(d: i32): usize { let n = allocUpTo(5); store<i32>(n, d, 24); if (d > 0) { store<usize>(n, build5(d - 1), 16); store<usize>(n, build5(d - 1), 20); } else { store<usize>(n, 0, 16); store<usize>(n, 0, 20); } return n; }
function build6(d: i32): usize { let n = allocUpTo(6); store<i32>(n, d, 24); if (d > 0) { store<usize>(n, build6(d - 1), 16); store<usize>(n, build6(d - 1), 20); } else { store<usize>(n, 0, 16); store<usize>(n, 0, 20); } return n; }
// zeroed by allocUpTo: a leaf's fields are already null, as newFixed leaves them
function build7(d: i32): usize { let n = allocUpTo(7); store<i32>(n, d, 24); if (d > 0) { store<usize>(n, build7(d - 1), 16); store<usize>(n, build7(d - 1), 20); } return n; }

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

/** Builds, checks and frees `iterations` trees of `depth` at `step` (0 to 9). The sum of their checksums. */
export function w1Floor(step: i32, depth: i32, iterations: i32): i32 {
  if (!nodeType) nodeType = <u32>defineType(KIND_FIXED, 2, 1, 0, 0);
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    let t: usize;
    if (step == 0) { t = build0(depth); sum += check0(t); free0(t); continue; }
    if (step == 9) { t = build(depth, true); sum += check(t); decref(t); continue; }
    if (step == 3) t = build3(depth);
    else if (step == 4) t = build4(depth);
    else if (step == 5) t = build5(depth);
    else if (step == 6) t = build6(depth);
    else if (step == 7) t = build7(depth);
    else if (step == 8) t = buildNew(depth);
    else t = build(depth, step == 2);
    sum += check(t);
    free(t, step >= 2);
  }
  return sum;
}
