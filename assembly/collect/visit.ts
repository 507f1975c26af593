// === The one generic visitor: every strong reference a container holds, from the type table ===
// FIXED: its reference fields; REFARRAY: its items; WEAKMAP: each entry's internal weakref, bytes
// key and value. What is done at each reference is chosen by a cookie (no closures in
// AssemblyScript), as AssemblyScript's __visit(ptr, cookie) and CPython's tp_traverse + visitproc.

import { INFO, TYPE_ID_MASK } from "../layout";
import { KIND_REFARRAY, KIND_WEAKMAP, LIST_ITEMS, LIST_LENGTH, STORAGE_SLOTS, T_KIND, T_NREFS, T_REFS, TYPE } from "../types";
import { MAP_CAPACITY, MAP_FLAVOUR, SLOT_AT, TOMBSTONE, WVM_BYTES } from "../weakmap";
import { visitRef } from "./generational";

/** Calls visitRef(child, cookie, arg) for every non-null strong reference of container p. */
export function visitChildren(p: usize, cookie: i32, arg: usize): void {
  let t = TYPE(INFO(p) & TYPE_ID_MASK);
  let kind = T_KIND(t);
  if (kind == KIND_REFARRAY) {
    let items = load<usize>(p, LIST_ITEMS);
    for (let i: usize = 0, n = load<usize>(p, LIST_LENGTH); i < n; i++) {
      let c = load<usize>(items + STORAGE_SLOTS + (i << 2));
      if (c) visitRef(c, cookie, arg);
    }
  } else if (kind == KIND_WEAKMAP) {
    let bytesKeys = load<u32>(p, MAP_FLAVOUR) == WVM_BYTES;
    for (let i: usize = 0, cap = load<usize>(p, MAP_CAPACITY); i < cap; i++) {
      let s = SLOT_AT(p, i);
      let wr = load<usize>(s, 4);
      if (wr <= TOMBSTONE) continue;
      visitRef(wr, cookie, arg);
      if (bytesKeys) visitRef(load<usize>(s), cookie, arg);
      let v = load<usize>(s, 8);
      if (v) visitRef(v, cookie, arg);
    }
  } else {
    let slot = p + T_REFS(t);
    for (let i: u32 = 0, n = T_NREFS(t); i < n; i++, slot += 4) {
      let c = load<usize>(slot);
      if (c) visitRef(c, cookie, arg);
    }
  }
}
