// Handles: host-side owners of one strong reference each (quickjs Lifetime, pyodide PyProxy).
// dispose() releases it and is idempotent (so `using` plus an early dispose is safe); any other
// use after dispose throws HandleDisposedError. A handle dropped without dispose is released by a
// FinalizationRegistry when JS collects it (with an opt-in warning naming where it was made).

import { HandleDisposedError, HeapIndexError, HeapOutOfMemoryError, HeapTypeError, describeValue } from "./errors.js";
import type { HeapType } from "./types.js";
import type { HeapInternals } from "./heap.js";
import { hex, inspectSymbol, safely } from "./show.js";

/** Types with at most this many fields of a kind have their field names scanned, not looked up in a Map. */
const SCAN = 8;

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

/**
 * `R` and `S` are the reference and scalar field names of its type (see HeapType): a handle from
 * `heap.alloc(Node)` only accepts Node's field names. A handle whose type is not known statically
 * (from get(), at(), deref()...) accepts any name and checks it at run time.
 */
export class Handle<R extends string = string, S extends string = string> {
  #ptr: number;
  // `declare`: no field definitions (each defined the property as undefined before the
  // constructor stored it: twice the stores, and a field type V8 had to generalise)
  /** @internal */
  declare readonly _heap: HeapInternals;
  declare readonly type: HeapType<R, S>;
  /** @internal Where the heap's handle table keeps this handle (src/host/handles.ts). */
  declare _mark: number;

  /** @internal Use heap.alloc / handle.get / dup. Takes over one reference to ptr. */
  constructor(heap: HeapInternals, ptr: number, type: HeapType<R, S>) {
    this.#ptr = ptr;
    (this as { _heap: HeapInternals })._heap = heap;
    (this as { type: HeapType<R, S> }).type = type;
    this._mark = 0;
    heap.registerHandle(this, ptr);
  }

  /** False once disposed (or once the heap is destroyed). */
  get alive(): boolean { return this.#ptr !== 0 && !this._heap.destroyed; }

  /** The object's address (for heap.raw). Throws if disposed. */
  get ptr(): number {
    if (this.#ptr === 0 || this._heap.destroyed) throw this.#disposedError();
    return this.#ptr;
  }

  #disposedError(): HandleDisposedError {
    return new HandleDisposedError(this._heap.destroyed
      ? `Handle to ${this.type.name}: its heap was destroyed`
      : `Handle to ${this.type.name} was used after dispose()`);
  }

  #kind(kind: string, what: string): number {
    const p = this.ptr;
    if (this.type.kind !== kind) throw new HeapTypeError(`${what}: ${this.type.name} is a ${this.type.kind} type, not ${kind}`);
    return p;
  }

  #refIndex(field: string): number {
    const refs = this.type.refs;
    if (refs.length <= SCAN) {
      for (let i = 0; i < refs.length; i++) if (refs[i] === field) return i;
    }
    return this.#refIndexSlow(field);
  }

  /** A scalar field's offset << 1 | 1 for f64, or -1 if not found by a scan (few fields) */
  #scalarCode(field: string): number {
    const names = this.type._scalarNames;
    if (names.length <= SCAN) {
      for (let i = 0; i < names.length; i++) if (names[i] === field) return this.type._scalarCodes[i];
    }
    return -1;
  }

  #refIndexSlow(field: string): number {
    const i = this.type.refIndex.get(field);
    if (i === undefined) {
      const fields = this.type.refs.length ? this.type.refs.join(", ") : "none";
      const hint = this.type.scalarFields.has(field) ? ` ('${field}' is a scalar: use getScalar/setScalar)` : "";
      throw new HeapTypeError(`${this.type.name} has no reference field '${String(field)}'${hint} (reference fields: ${fields})`);
    }
    return i;
  }

  /** A new handle to the object in reference field `field`, or null. */
  get(field: R): Handle | null {
    const p = this.ptr;
    return this._heap.wrapField(p, this.#refIndex(field));
  }

  /** Stores a reference to `value` (or null) in `field`; the old value loses one reference. */
  set(field: R, value: Handle | null): void {
    const p = this.ptr;
    const i = this.#refIndex(field);
    this._heap.core.setRef(p, i, this._heap.ptrOf(value));
    this._heap.flushUnraisable();
  }

  /**
   * Moves `value`'s reference into `field` (the old value loses one) and disposes `value`: one
   * call into the core and no count change in between, where `set` then `value.dispose()` make two
   * (CPython's "steals a reference", as PyList_SET_ITEM). A bad field, a disposed value or one of
   * another heap throws before anything changes. A weak proxy is not taken (use `set`).
   */
  setTake(field: R, value: Handle | null): void {
    const p = this.ptr;
    const i = this.#refIndex(field);
    const v = this._heap.ptrOf(value, "setTake");
    if (value !== null) {
      if (!(value instanceof Handle)) throw new HeapTypeError("setTake: a weak proxy is not taken: use set");
      this._heap.assertNotMidOperation("setTake");
      value.#ptr = 0;
      this._heap.forgetHandle(value);
    }
    this._heap.core.setRefMove(p, i, v);
    this._heap.flushUnraisable();
  }

  #scalar(field: string) {
    const f = this.type.scalarFields.get(field);
    if (!f) {
      const names = [...this.type.scalarFields.keys()].join(", ") || "none";
      const hint = this.type.refIndex.has(field) ? ` ('${field}' is a reference: use get/set)` : "";
      throw new HeapTypeError(`${this.type.name} has no scalar field '${String(field)}'${hint} (scalar fields: ${names})`);
    }
    return f;
  }

  getScalar(field: S): number {
    const p = this.ptr;
    const s = this.#scalarCode(field);
    if (s < 0) {
      const f = this.#scalar(field);
      return this.#readScalar(p + f.offset, f.kind === "f64");
    }
    return this.#readScalar(p + (s >>> 1), (s & 1) === 1);
  }

  #readScalar(at: number, f64: boolean): number {
    const v = this._heap.views;
    return f64 ? v.f64[at >>> 3] : v.i32[at >>> 2];
  }

  setScalar(field: S, value: number): void {
    const p = this.ptr;
    const s = this.#scalarCode(field);
    let at: number, f64: boolean;
    if (s >= 0) { at = p + (s >>> 1); f64 = (s & 1) === 1; }
    else { const f = this.#scalar(field); at = p + f.offset; f64 = f.kind === "f64"; }
    if (typeof value !== "number") throw new HeapTypeError(`${this.type.name}.${field} is ${f64 ? "f64" : "i32"}: expected a number, got ${typeof value}`);
    const v = this._heap.views;
    if (!f64) {
      if ((value | 0) !== value && (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff)) {
        throw new HeapTypeError(`${this.type.name}.${field} is i32: ${value} is not an integer in [-2^31, 2^31)`);
      }
      v.i32[at >>> 2] = value;
    } else {
      v.f64[at >>> 3] = value;
    }
  }

  /** A second handle owning its own reference (refcount + 1). */
  dup(): this {
    return this._heap.wrapBorrowed(this.ptr) as this; // same class as this one (weakref handles stay weakref handles)
  }

  /** Releases the handle's reference. A second call does nothing. */
  dispose(): void {
    const p = this.#ptr;
    if (p === 0) return;
    this._heap.assertNotMidOperation("dispose"); // before anything changes: the handle stays usable
    this.#ptr = 0;
    this._heap.releaseHandle(this, p);
  }

  [disposeSymbol](): void { this.dispose(); }

  // ── lists (refarray) ──

  /** Items of a list, bytes of a bytes object. */
  get length(): number {
    const p = this.ptr;
    if (this.type.kind === "refarray") return this._heap.core.listLength(p);
    if (this.type.kind === "bytes") return this._heap.core.bytesLength(p);
    throw new HeapTypeError(`length: ${this.type.name} is a fixed type (no length)`);
  }

  #index(p: number, i: number, what: string, extra = 0): number {
    const n = this._heap.core.listLength(p);
    if (!Number.isInteger(i)) throw new HeapIndexError(`${what}: index must be an integer, got ${describeValue(i)}`);
    const j = i < 0 ? i + n : i;
    if (j < 0 || j >= n + extra) throw new HeapIndexError(`${what}: index ${i} out of range for a list of length ${n}`);
    return j;
  }

  /** A new handle to item i (negative counts from the end), or null. */
  at(i: number): Handle | null {
    const p = this.#kind("refarray", "at");
    return this._heap.wrapBorrowed(this._heap.core.listGet(p, this.#index(p, i, "at")));
  }

  setAt(i: number, value: Handle | null): void {
    const p = this.#kind("refarray", "setAt");
    const j = this.#index(p, i, "setAt");
    this._heap.core.listSet(p, j, this._heap.ptrOf(value));
    this._heap.flushUnraisable();
  }

  push(value: Handle | null): void {
    const p = this.#kind("refarray", "push");
    const c = this._heap.ptrOf(value);
    // a failed append collects and retries in the core, holding the list and the item (assembly/oom.ts)
    if (!this._heap.core.listAppend(p, c)) {
      throw this._heap.outOfMemory(`push onto ${this.type.name} of length ${this._heap.core.listLength(p)}`);
    }
  }

  /** Removes and returns the last item (its reference moves to the returned handle). */
  pop(): Handle | null {
    const p = this.#kind("refarray", "pop");
    if (this._heap.core.listLength(p) === 0) throw new HeapIndexError(`pop from an empty ${this.type.name}`);
    return this._heap.wrapOwned(this._heap.core.listPop(p));
  }

  // ── bytes ──

  /** A copy of the data. */
  bytes(): Uint8Array {
    const p = this.#kind("bytes", "bytes");
    const data = this._heap.core.bytesData(p);
    return this._heap.views.u8.slice(data, data + this._heap.core.bytesLength(p));
  }

  /** The data decoded as UTF-8. */
  text(): string { return new TextDecoder().decode(this.bytes()); }

  /** Overwrites data from `offset`. */
  write(data: Uint8Array, offset = 0): void {
    const p = this.#kind("bytes", "write");
    const n = this._heap.core.bytesLength(p);
    if (!(data instanceof Uint8Array)) throw new HeapTypeError(`write: expected a Uint8Array, got ${describeValue(data)}`);
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > n) {
      throw new HeapIndexError(`write: ${data.length} bytes at ${describeValue(offset)} do not fit in ${n}`);
    }
    this._heap.views.u8.set(data, this._heap.core.bytesData(p) + offset);
  }

  /** Same object? (handles are distinct JS objects; this compares the referents) */
  is(other: Handle | null): boolean { return other !== null && other._heap === this._heap && other.ptr === this.ptr; }

  toString(): string {
    return this.#ptr ? `<${this.type.name} object at 0x${this.#ptr.toString(16)}>` : `<disposed Handle to ${this.type.name}>`;
  }

  /** @internal console.log(handle): `<Handle Node@0x5c020 rc=2>` */
  [inspectSymbol](): string { return this._describe("Handle"); }

  /** @internal `<kind Type@0x.. rc=N>`; with `extra` (weakrefs), `<kind@0x.. rc=N extra>` */
  _describe(kind: string, extra?: (p: number) => string): string {
    const name = extra ? kind : `${kind} ${this.type.name}`, p = this.#ptr;
    if (this._heap.destroyed) return `<${name} (heap destroyed)>`;
    if (p === 0) return `<${name} (disposed)>`;
    return safely(() => `<${name}@${hex(p)} rc=${this._heap.core.refcount(p)}${extra ? extra(p) : ""}>`, `<${name}@${hex(p)}>`);
  }
}
