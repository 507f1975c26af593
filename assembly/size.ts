// === Object size: what a block must hold for a live object ===
// A leaf (layout and the type table only), so allocators can step over blocks they do not size
// themselves (bump's walk) without importing the object model.

import { INFO, TYPE_ID_MASK } from "./layout";
import { BYTES_DATA, BYTES_LENGTH, KIND_BYTES, KIND_RAW, KIND_STORAGE, KIND_WEAKMAP, LIST_CAPACITY, STORAGE_SLOTS, T_KIND, T_SIZE, TYPE } from "./types";

/** Exact size in bytes of a live object (header included). */
export function objectSize(p: usize): usize {
  let t = TYPE(INFO(p) & TYPE_ID_MASK);
  let kind = T_KIND(t);
  if (kind == KIND_BYTES) return BYTES_DATA + load<usize>(p, BYTES_LENGTH);
  if (kind == KIND_RAW) return load<usize>(p); // a replayed block keeps its size in the refcount word
  if (kind == KIND_STORAGE) {
    // the owner knows the capacity: a list's in words, a weak map's in slots of three words
    let owner = load<usize>(p);
    let words = T_KIND(TYPE(INFO(owner) & TYPE_ID_MASK)) == KIND_WEAKMAP
      ? load<usize>(owner, 28) * 3 : load<usize>(owner, LIST_CAPACITY);
    return STORAGE_SLOTS + (words << 2);
  }
  return T_SIZE(t);
}

