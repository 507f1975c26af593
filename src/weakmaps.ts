// Weak containers living in the heap (assembly/weakmap.ts), with Lib/weakref.py's semantics:
// an entry vanishes the moment its weakly held object dies, with no collector involved.
// Iteration takes a snapshot of the entries' internal weakrefs (holding the weakrefs, not the
// objects), as Python 3.14 iterates over a copy: entries that die or are deleted meanwhile are
// skipped, entries added meanwhile are not visited, and every other entry is visited exactly once,
// even when insertions rehash the table under the iteration. Memory: one number per entry.

import type { Handle } from "./handle.js";
import type { Heap } from "./heap.js";
import { HeapTypeError } from "./errors.js";
import { inspectSymbol, safely } from "./show.js";

import { WKM, WSET, WVM_BYTES, WVM_INT } from "./generated/boundary.js";
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** One map object in the heap, owned through a handle. */
class HeapMap {
  readonly handle: Handle;
  constructor(readonly heap: Heap, flavour: number, readonly TypeName: string) {
    const core = heap.core;
    const p = core.weakMapNew(flavour);
    if (!p) throw heap.outOfMemory(`new ${TypeName}`);
    this.handle = heap.outsideScopes(() => heap.wrapOwned(p)!); // the container's, not a scope's
  }
  get ptr(): number { return this.handle.ptr; }
  get size(): number { return this.heap.core.weakMapCount(this.ptr); }
  /** `<WeakKeyMap size=3>` */
  show(size = () => this.size): string {
    if (this.heap.destroyed) return `<${this.TypeName} (heap destroyed)>`;
    if (!this.handle.alive) return `<${this.TypeName} (disposed)>`;
    return safely(() => `<${this.TypeName} size=${size()}>`, `<${this.TypeName}>`);
  }

  /** Snapshot of the live entries' internal weakrefs, each held (incref) until released. */
  snapshot(): number[] {
    // not mid-allocation (an allocation events listener): the table may be the block being grown
    this.heap.assertNotMidOperation(`iterating a ${this.TypeName}`);
    const core = this.heap.core, m = this.ptr, out: number[] = [];
    for (let i = core.weakMapNext(m, 0); i >= 0; i = core.weakMapNext(m, i + 1)) {
      const wr = core.weakMapWeakrefAt(m, i);
      core.incref(wr);
      out.push(wr);
    }
    return out;
  }

  /**
   * Walks a snapshot, yielding the slot where each entry still in the map is now, releasing each
   * held weakref. The slot is looked up when its turn comes: an insertion during the walk may
   * rehash the table (entries change slots, keep their weakrefs), and a slot captured at the
   * start then named another entry or none (6 live entries, 1 visited: issue 14, item 4).
   */
  *walk(snap: number[] = this.snapshot()): Generator<number> {
    const core = this.heap.core;
    try {
      for (let k = 0; k < snap.length; k++) {
        const wr = snap[k]!;
        const slot = core.weakMapSlotOf(this.ptr, wr);
        if (slot >= 0) yield slot;
        snap[k] = 0;
        core.decref(wr);
      }
    } finally {
      this.release(snap);
      this.heap.flushUnraisable();
    }
  }

  /** Releases what a snapshot still holds (an iteration left early, or never started). */
  release(snap: number[]): void {
    for (let k = 0; k < snap.length; k++) {
      const wr = snap[k]!;
      if (wr) { snap[k] = 0; this.heap.core.decref(wr); }
    }
  }
}

/**
 * A key that weakrefs may point at, or HeapTypeError: set, get and delete refuse any other key, as
 * CPython's ref(key) does (has() answers false instead, as __contains__ does).
 */
function checkWeakrefable(heap: Heap, obj: Handle, what: string): number {
  return heap.weakTarget(obj, what);
}

/** Is obj a key of a weak-keyed map? False for null and for objects that weakrefs cannot point at. */
function weakMember(heap: Heap, map: HeapMap, obj: Handle | null, what: string): boolean {
  const p = heap.ptrOf(obj, what);
  return p !== 0 && heap.typeOfPtr(p).weakrefable && heap.core.wkmFind(map.ptr, p) >= 0;
}

/** weakref.WeakValueDictionary: int or string keys → objects held weakly. */
export class WeakValueMap {
  readonly #ints: HeapMap;
  readonly #strings: HeapMap;
  constructor(readonly heap: Heap) {
    this.#ints = new HeapMap(heap, WVM_INT, "WeakValueMap");
    try {
      this.#strings = new HeapMap(heap, WVM_BYTES, "WeakValueMap");
    } catch (err) {
      this.#ints.handle.dispose(); // out of memory for the second table: the first must not be left behind
      throw err;
    }
  }

  /** Every lookup, insertion and deletion checks its key here first (and refuses a listener called mid-allocation: delete() frees, a string key is staged in heap memory). */
  #intKey(key: number | string): number | null {
    this.heap.assertNotMidOperation("WeakValueMap");
    if (typeof key === "number") {
      if (!Number.isInteger(key) || key < -0x8000_0000 || key > 0x7fff_ffff) throw new HeapTypeError(`WeakValueMap: number keys must be i32 integers, got ${key}`);
      return key;
    }
    if (typeof key !== "string") throw new HeapTypeError(`WeakValueMap: keys are i32 integers or strings, got ${typeof key}`);
    return null;
  }

  /** Runs fn with the UTF-8 key in heap memory (the staging area, or a temporary bytes object if long). */
  #withKeyBytes<R>(key: string, fn: (p: number, n: number) => R): R {
    const data = utf8.encode(key);
    const raw = this.heap.raw;
    if (data.length <= 1024) {
      raw.u8.set(data, raw.staging);
      return fn(raw.staging, data.length);
    }
    const tmp = this.heap.alloc(this.heap.bytesType(), data);
    try { return fn(raw.bytesData(tmp.ptr), data.length); } finally { tmp.dispose(); }
  }

  set(key: number | string, value: Handle): this {
    const obj = checkWeakrefable(this.heap, value, "WeakValueMap.set");
    const core = this.heap.core;
    const k = this.#intKey(key);
    let ok: number;
    if (k !== null) ok = core.wvmSetInt(this.#ints.ptr, k, obj);
    else {
      const kb = this.heap.alloc(this.heap.bytesType(), key as string);
      try { ok = core.wvmSetBytes(this.#strings.ptr, kb.ptr, obj); } finally { kb.dispose(); }
    }
    if (!ok) throw this.heap.outOfMemory("WeakValueMap.set");
    this.heap.flushUnraisable();
    return this;
  }

  /** A new handle to the value, or undefined if absent (or dead: the entry is gone). */
  get(key: number | string): Handle | undefined {
    const core = this.heap.core;
    const k = this.#intKey(key);
    const p = k !== null ? core.wvmGetInt(this.#ints.ptr, k) : this.#withKeyBytes(key as string, (b, n) => core.wvmGetBytes(this.#strings.ptr, b, n));
    return p ? this.heap.wrapBorrowed(p)! : undefined;
  }

  has(key: number | string): boolean {
    const core = this.heap.core;
    const k = this.#intKey(key);
    return (k !== null ? core.wvmGetInt(this.#ints.ptr, k) : this.#withKeyBytes(key as string, (b, n) => core.wvmGetBytes(this.#strings.ptr, b, n))) !== 0;
  }

  delete(key: number | string): boolean {
    const core = this.heap.core;
    const k = this.#intKey(key);
    const done = k !== null ? core.wvmDeleteInt(this.#ints.ptr, k) : this.#withKeyBytes(key as string, (b, n) => core.wvmDeleteBytes(this.#strings.ptr, b, n));
    this.heap.flushUnraisable();
    return done !== 0;
  }

  get size(): number { return this.#ints.size + this.#strings.size; }

  #keyAt(map: HeapMap, slot: number): number | string {
    const core = this.heap.core;
    const key = core.weakMapKeyAt(map.ptr, slot);
    if (map === this.#ints) return key | 0;
    return fromUtf8.decode(this.heap.raw.u8.subarray(core.bytesData(key), core.bytesData(key) + core.bytesLength(key)));
  }

  /** Both tables' entries, snapshotted together: an insertion into either during the walk is not visited. */
  *#slots(): Generator<[HeapMap, number]> {
    const maps = [this.#ints, this.#strings], snaps = maps.map((m) => m.snapshot());
    try {
      for (let i = 0; i < maps.length; i++) for (const slot of maps[i].walk(snaps[i])) yield [maps[i], slot];
    } finally {
      maps.forEach((m, i) => m.release(snaps[i]));
    }
  }

  *keys(): Generator<number | string> {
    for (const [map, slot] of this.#slots()) yield this.#keyAt(map, slot);
  }

  /** [key, new handle to the value] pairs; dispose the handles you keep. */
  *entries(): Generator<[number | string, Handle]> {
    for (const [map, slot] of this.#slots()) yield [this.#keyAt(map, slot), this.heap.wrapBorrowed(this.heap.core.weakMapValueAt(map.ptr, slot))!];
  }

  *values(): Generator<Handle> { for (const [, v] of this.entries()) yield v; }
  [Symbol.iterator](): Generator<number | string> { return this.keys(); }

  /** Releases the map (its entries go; the values live on if referenced elsewhere). */
  dispose(): void { this.#ints.handle.dispose(); this.#strings.handle.dispose(); }
  [Symbol.dispose](): void { this.dispose(); }
  /** @internal console.log(map) */
  [inspectSymbol](): string { return this.#ints.show(() => this.#ints.size + this.#strings.size); }
}

/** weakref.WeakKeyDictionary: objects held weakly → values held strongly (or null). */
export class WeakKeyMap {
  readonly #map: HeapMap;
  constructor(readonly heap: Heap) { this.#map = new HeapMap(heap, WKM, "WeakKeyMap"); }

  set(key: Handle, value: Handle | null): this {
    const k = checkWeakrefable(this.heap, key, "WeakKeyMap.set");
    const v = this.heap.ptrOf(value, "WeakKeyMap.set value");
    if (!this.heap.core.wkmSet(this.#map.ptr, k, v)) throw this.heap.outOfMemory("WeakKeyMap.set");
    this.heap.flushUnraisable();
    return this;
  }

  /** A new handle to the value (null if the value is null), or undefined if key is absent. */
  get(key: Handle): Handle | null | undefined {
    const slot = this.heap.core.wkmFind(this.#map.ptr, checkWeakrefable(this.heap, key, "WeakKeyMap.get"));
    if (slot < 0) return undefined;
    return this.heap.wrapBorrowed(this.heap.core.weakMapValueAt(this.#map.ptr, slot));
  }

  has(key: Handle): boolean { return weakMember(this.heap, this.#map, key, "WeakKeyMap.has"); }

  delete(key: Handle): boolean {
    const done = this.heap.core.wkmDelete(this.#map.ptr, checkWeakrefable(this.heap, key, "WeakKeyMap.delete")) !== 0;
    this.heap.flushUnraisable();
    return done;
  }

  get size(): number { return this.#map.size; }

  /** [new handle to the key, new handle to the value or null]; dispose the handles you keep. */
  *entries(): Generator<[Handle, Handle | null]> {
    const core = this.heap.core;
    for (const slot of this.#map.walk()) {
      yield [this.heap.wrapBorrowed(core.weakMapKeyAt(this.#map.ptr, slot))!, this.heap.wrapBorrowed(core.weakMapValueAt(this.#map.ptr, slot))];
    }
  }
  *keys(): Generator<Handle> { for (const [k, v] of this.entries()) { v?.dispose(); yield k; } }
  [Symbol.iterator](): Generator<[Handle, Handle | null]> { return this.entries(); }

  dispose(): void { this.#map.handle.dispose(); }
  [Symbol.dispose](): void { this.dispose(); }
  /** @internal console.log(map) */
  [inspectSymbol](): string { return this.#map.show(); }
}

/** weakref.WeakSet: objects held weakly. */
export class HeapWeakSet {
  readonly #map: HeapMap;
  constructor(readonly heap: Heap) { this.#map = new HeapMap(heap, WSET, "WeakSet"); }

  add(obj: Handle): this {
    const k = checkWeakrefable(this.heap, obj, "WeakSet.add");
    if (!this.heap.core.wkmSet(this.#map.ptr, k, 0)) throw this.heap.outOfMemory("WeakSet.add");
    return this;
  }
  has(obj: Handle): boolean { return weakMember(this.heap, this.#map, obj, "WeakSet.has"); }
  delete(obj: Handle): boolean {
    const done = this.heap.core.wkmDelete(this.#map.ptr, checkWeakrefable(this.heap, obj, "WeakSet.delete")) !== 0;
    this.heap.flushUnraisable();
    return done;
  }
  get size(): number { return this.#map.size; }
  /** New handles to the members; dispose the ones you keep. */
  *values(): Generator<Handle> {
    for (const slot of this.#map.walk()) yield this.heap.wrapBorrowed(this.heap.core.weakMapKeyAt(this.#map.ptr, slot))!;
  }
  [Symbol.iterator](): Generator<Handle> { return this.values(); }
  dispose(): void { this.#map.handle.dispose(); }
  [Symbol.dispose](): void { this.dispose(); }
  /** @internal console.log(map) */
  [inspectSymbol](): string { return this.#map.show(); }
}
