// W4 weak cache, in wasm: a weak-value map int -> node, a strong ring of the newest nodes, and
// `lookups` lookups of key (i * 7919) % keySpace; a miss creates the node, caches it and pushes it
// into the ring, evicting the oldest (whose cache entry then vanishes at once).

import { newFixed, newList } from "../../assembly/object";
import { listSet } from "../../assembly/list";
import { decref } from "../../assembly/rc";
import { defineType, KIND_FIXED, KIND_REFARRAY, TF_WEAKREFABLE } from "../../assembly/types";
import { WVM_INT, weakMapCount, weakMapNew, wvmGetInt, wvmSetInt } from "../../assembly/weakmap";

let nodeType: u32 = 0;
let ringType: u32 = 0;
// Node: header(16) a(+16) b(+20) weak slot(+24) v(+28)
// @ts-ignore: decorator
@inline const V: usize = 28;

/** Runs the workload; returns (sum of v over hits + misses) as i32, or -1 when out of memory. */
export function w4Run(lookups: i32, ringSize: i32, keySpace: i32): i32 {
  if (!nodeType) {
    nodeType = <u32>defineType(KIND_FIXED, 2, 1, 0, TF_WEAKREFABLE);
    ringType = <u32>defineType(KIND_REFARRAY, 0, 0, 0, 0);
  }
  let cache = weakMapNew(WVM_INT);
  let ring = newList(ringType, ringSize);
  if (!cache || !ring) return -1;
  let pos = 0, sum = 0;
  for (let i = 0; i < lookups; i++) {
    let key = <i32>((<i64>i * 7919) % keySpace);
    let v = wvmGetInt(cache, key);
    if (v) {
      sum += load<i32>(v, V);
    } else {
      let n = newFixed(nodeType);
      if (!n) return -1;
      store<i32>(n, key, V);
      if (!wvmSetInt(cache, key, n)) return -1;
      listSet(ring, pos, n); // the ring's reference; the oldest node is released here
      decref(n);
      if (++pos == ringSize) pos = 0;
      sum += 1;
    }
  }
  let left = <i32>weakMapCount(cache);
  decref(ring); // every node dies, and every entry with it
  let after = <i32>weakMapCount(cache);
  decref(cache);
  return left == ringSize && after == 0 ? sum : -2;
}
