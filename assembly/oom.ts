// === Out of memory: one full collection, then one more try ===
// An allocation that fails collects everything (when the collector collects cycles and is not
// already collecting) and tries once more; only then does the caller see 0 (MemoryError). The
// one place this policy lives: the core's exports (so the host API and the VM, which call them)
// and an AssemblyScript program linked with the core (which calls these functions instead of
// object.ts's) all get it. The collection runs finalizers and callbacks, which may drop the last
// other reference to an object the allocation works on (a list being appended to): each is held
// meanwhile, and released without making it a recycler candidate (hold and unhold change nothing).

import { RC, SET_RC } from "./layout";
import { decref, incref } from "./rc";
import { STAGING, STAGING_SAVED, newBytes, newFixed, newFixedFrom, newList } from "./object";
import { T_SIZE, TYPE } from "./types";
import { listAppend } from "./list";
import { collect, collecting } from "./collect/gcstate";
import { collectorCapabilities } from "./generated/collectors";
import { GC_CAP_COLLECTS_CYCLES } from "./generated/capabilities";

/** Can a collection make room now? Not without a cycle collector, nor while one runs (this allocation is its own). */
// @ts-ignore: decorator
@inline function canCollect(): bool { return !collecting && (collectorCapabilities() & GC_CAP_COLLECTS_CYCLES) != 0; }
import { weakrefNew } from "./weak";
import { weakMapNew, wkmSet, wvmSetBytes, wvmSetInt } from "./weakmap";

/** Full collections run because an allocation failed (a work count for tests). */
export let oomCollections: u32 = 0;

/** Takes a reference to p (0: none) for the length of a collection. */
// @ts-ignore: decorator
@inline function hold(p: usize): void { if (p) incref(p); }

/** Drops a reference taken by hold (or by the host's incref to hold): as decref, but a count that stays above zero makes no recycler candidate. */
export function unhold(p: usize): void {
  if (!p) return;
  let rc = RC(p);
  if (rc > 1) SET_RC(p, rc - 1);
  else decref(p);
}

/**
 * After a failed allocation: a full collection, holding a, b and c (0s skipped) until the caller's
 * retry has run and it calls releaseRoom(a, b, c): released before the retry, an object whose other
 * references the collection's finalizers dropped would be freed and then stored (a list appended a
 * freed item). False when no collection can make room (no cycle collector, or one is running: this
 * allocation is its own); nothing is then held.
 */
export function collectForRoom(a: usize = 0, b: usize = 0, c: usize = 0): bool {
  if (!canCollect()) return false;
  hold(a); hold(b); hold(c);
  oomCollections++;
  collect(2);
  return true;
}

/** Ends what collectForRoom(a, b, c) began, once the retry has run. */
export function releaseRoom(a: usize = 0, b: usize = 0, c: usize = 0): void {
  unhold(c); unhold(b); unhold(a);
}

/** newFixed under the policy: a new reference, or 0 when out of memory after a full collection. */
export function allocFixed(typeId: u32): usize {
  let p = newFixed(typeId);
  if (!p && collectForRoom()) p = newFixed(typeId);
  return p;
}

/** newFixedFrom under the policy: the staged fields are kept aside while it collects (its finalizers may stage their own). */
export function allocFixedFrom(typeId: u32): usize {
  let p = newFixedFrom(typeId);
  if (!p && canCollect()) {
    let size = T_SIZE(TYPE(typeId));
    memory.copy(STAGING_SAVED, STAGING, size);
    collectForRoom();
    memory.copy(STAGING, STAGING_SAVED, size);
    p = newFixedFrom(typeId);
  }
  return p;
}

/** newList under the policy. */
export function allocList(typeId: u32, length: usize): usize {
  let p = newList(typeId, length);
  if (!p && collectForRoom()) p = newList(typeId, length);
  return p;
}

/** newBytes under the policy. */
export function allocBytes(typeId: u32, length: usize): usize {
  let p = newBytes(typeId, length);
  if (!p && collectForRoom()) p = newBytes(typeId, length);
  return p;
}

/** listAppend under the policy (list and item held while it collects). */
export function appendItem(list: usize, item: usize): bool {
  let ok = listAppend(list, item);
  if (!ok && collectForRoom(list, item)) { ok = listAppend(list, item); releaseRoom(list, item); }
  return ok;
}

/** weakrefNew under the policy (obj held while it collects). */
export function newWeakref(obj: usize, proxy: bool, callbackId: u32): usize {
  let wr = weakrefNew(obj, proxy, callbackId);
  if (!wr && collectForRoom(obj)) { wr = weakrefNew(obj, proxy, callbackId); releaseRoom(obj); }
  return wr;
}

/** weakMapNew under the policy. */
export function newWeakMap(flavour: u32): usize {
  let m = weakMapNew(flavour);
  if (!m && collectForRoom()) m = weakMapNew(flavour);
  return m;
}

/** wvmSetInt under the policy (map and value held). */
export function weakValueSetInt(m: usize, key: i32, obj: usize): bool {
  let ok = wvmSetInt(m, key, obj);
  if (!ok && collectForRoom(m, obj)) { ok = wvmSetInt(m, key, obj); releaseRoom(m, obj); }
  return ok;
}

/** wvmSetBytes under the policy (map, key and value held). */
export function weakValueSetBytes(m: usize, key: usize, obj: usize): bool {
  let ok = wvmSetBytes(m, key, obj);
  if (!ok && collectForRoom(m, key, obj)) { ok = wvmSetBytes(m, key, obj); releaseRoom(m, key, obj); }
  return ok;
}

/** wkmSet under the policy (map, key and value held). */
export function weakKeySet(m: usize, key: usize, value: usize): bool {
  let ok = wkmSet(m, key, value);
  if (!ok && collectForRoom(m, key, value)) { ok = wkmSet(m, key, value); releaseRoom(m, key, value); }
  return ok;
}
