// === Growable reference lists (kind REFARRAY) ===
// CPython's list: the object holds length and capacity and points to a separate items block,
// so the list keeps its address while it grows. Over-allocation follows list_resize():
//   new_allocated = (newsize + (newsize >> 3) + 6) & ~3
// and the block shrinks when fewer than half its slots are used.

import { LIST_CAPACITY, LIST_ITEMS, LIST_LENGTH, MAX_LIST_LENGTH, STORAGE_SLOTS } from "./types";
import { freeStorage, newStorage } from "./object";
import { decref, incref } from "./rc";

// @ts-ignore: decorator
@inline export function SLOT(list: usize, i: usize): usize {
  return load<usize>(list, LIST_ITEMS) + STORAGE_SLOTS + (i << 2);
}

/** Resizes the items block for `newsize` items. False (list unchanged) when out of memory. */
function resize(list: usize, newsize: usize): bool {
  // before the over-allocation arithmetic, which wraps for newsize near 2^32 (listSetLength(p, 0xE38E38E4)
  // computed capacity 4, then filled 14 GiB of "new" slots)
  if (newsize > MAX_LIST_LENGTH) return false;
  let cap = load<usize>(list, LIST_CAPACITY);
  if (cap >= newsize && newsize >= (cap >> 1)) return true;
  let newcap: usize = newsize == 0 ? 0 : (newsize + (newsize >> 3) + 6) & ~(<usize>3);
  if (newcap > MAX_LIST_LENGTH) newcap = MAX_LIST_LENGTH; // the over-allocation must not refuse a length that fits
  if (newcap == cap) return true;
  let old = load<usize>(list, LIST_ITEMS);
  let items: usize = 0;
  if (newcap) {
    items = newStorage(list, newcap);
    if (!items) return newsize <= cap; // shrinking may fail harmlessly: keep the larger block
    let n = load<usize>(list, LIST_LENGTH);
    if (n > newsize) n = newsize;
    if (old) memory.copy(items + STORAGE_SLOTS, old + STORAGE_SLOTS, n << 2);
  }
  if (old) freeStorage(old, cap);
  store<usize>(list, items, LIST_ITEMS);
  store<usize>(list, newcap, LIST_CAPACITY);
  return true;
}

/** Appends `item` (0 or an object), taking a new reference. False when out of memory. */
export function listAppend(list: usize, item: usize): bool {
  let n = load<usize>(list, LIST_LENGTH);
  if (!resize(list, n + 1)) return false;
  if (item) incref(item);
  store<usize>(SLOT(list, n), item);
  store<usize>(list, n + 1, LIST_LENGTH);
  return true;
}

/** Removes the last item and returns the list's reference to it (the caller now owns it). */
export function listPop(list: usize): usize {
  let n = load<usize>(list, LIST_LENGTH) - 1;
  let item = load<usize>(SLOT(list, n));
  store<usize>(list, n, LIST_LENGTH);
  resize(list, n);
  return item;
}

/** Stores `item` at i with a new reference, then releases the old item. */
export function listSet(list: usize, i: usize, item: usize): void {
  let slot = SLOT(list, i);
  let old = load<usize>(slot);
  if (item) incref(item);
  // Store before releasing: the release may free a whole structure (and, once finalizers exist,
  // run host code that reads this list); it must already see the new item (CPython's Py_SETREF).
  store<usize>(slot, item);
  if (old) decref(old);
}

/** Truncates or extends (with nulls) the list to `n` items. False when out of memory. */
export function listSetLength(list: usize, n: usize): bool {
  let len = load<usize>(list, LIST_LENGTH);
  if (n > len) {
    if (!resize(list, n)) return false;
    memory.fill(SLOT(list, len), 0, (n - len) << 2);
    store<usize>(list, n, LIST_LENGTH);
    return true;
  }
  while (len > n) {
    let item = listPop(list);
    len--;
    if (item) decref(item);
  }
  return true;
}
