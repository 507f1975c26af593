// heap.raw: the unchecked pointer API, for VMs and benchmarks. Pointers are u32 addresses of
// objects; ownership follows CPython's C API (see assembly/index.ts): alloc* return a new
// reference or 0 when out of memory; getRef/listGet borrow; setRefMove steals its argument.
// Release builds check nothing; debug builds (Heap.create({debug: true})) validate every pointer,
// kind and index and throw HeapAbortError before changing anything.
//
// Memory can grow during any allocation: read views through raw.i32 / raw.f64 / raw.u8 after it
// (the getters always return the current view), never a view saved before.

import type { CoreExports } from "./wasm.js";
import type { Heap } from "./heap.js";
import { HeapAbortError, HeapTypeError, describeValue } from "./errors.js";
import type { HeapType } from "./types.js";

export class RawApi {
  /** The core's exports, to be called directly on hot paths. */
  readonly exports: CoreExports;
  readonly alloc: (typeId: number) => number;
  /**
   * Like alloc, but the fields come from the staging area at raw.staging (see allocInit in
   * assembly/index.ts), which it clears; its references are stolen. On 0 (out of memory) they are
   * still the caller's, in the staging area: release or clear them before staging another object.
   */
  readonly allocInit: (typeId: number) => number;
  /** Address of the staging area: write a new object's fields at staging + field offset, then allocInit. */
  readonly staging: number;
  readonly allocList: (typeId: number, length: number) => number;
  readonly allocBytes: (typeId: number, length: number) => number;
  readonly incref: (p: number) => void;
  readonly decref: (p: number) => void;
  readonly refcount: (p: number) => number;
  readonly typeOf: (p: number) => number;
  readonly getRef: (p: number, i: number) => number;
  readonly setRef: (p: number, i: number, c: number) => void;
  readonly setRefMove: (p: number, i: number, c: number) => void;
  readonly listLength: (p: number) => number;
  readonly listGet: (p: number, i: number) => number;
  readonly listSet: (p: number, i: number, c: number) => void;
  readonly listAppend: (p: number, c: number) => number;
  readonly listPop: (p: number) => number;
  readonly bytesLength: (p: number) => number;
  readonly bytesData: (p: number) => number;

  constructor(private readonly heap: Heap) {
    const x = heap.core;
    this.exports = x;
    const c = heap.debug ? checked : unchecked;
    this.alloc = c("alloc", x.alloc); this.allocInit = c("allocInit", x.allocInit); this.staging = x.staging();
    this.allocList = c("allocList", x.allocList, 1); this.allocBytes = c("allocBytes", x.allocBytes, 1);
    this.incref = c("incref", x.incref); this.decref = c("decref", x.decref); this.refcount = c("refcount", x.refcount); this.typeOf = c("typeOf", x.typeOf);
    this.getRef = c("getRef", x.getRef); this.setRef = c("setRef", x.setRef); this.setRefMove = c("setRefMove", x.setRefMove);
    this.listLength = c("listLength", x.listLength); this.listGet = c("listGet", x.listGet); this.listSet = c("listSet", x.listSet);
    this.listAppend = c("listAppend", x.listAppend); this.listPop = c("listPop", x.listPop);
    this.bytesLength = c("bytesLength", x.bytesLength); this.bytesData = c("bytesData", x.bytesData);
  }

  get i32(): Int32Array { return this.heap.views.i32; }
  get u32(): Uint32Array { return this.heap.views.u32; }
  get f64(): Float64Array { return this.heap.views.f64; }
  get u8(): Uint8Array { return this.heap.views.u8; }

  /** Index of reference field `name` (for getRef/setRef). */
  refIndex(type: HeapType, name: string): number {
    const i = type.refIndex.get(name);
    if (i === undefined) throw new HeapTypeError(`${type.name} has no reference field '${name}'`);
    return i;
  }

  /** Byte offset of reference field `name` from the object pointer (read it as raw.u32[(p + off) >>> 2]). */
  refOffset(type: HeapType, name: string): number {
    return type.refsOffset + 4 * this.refIndex(type, name);
  }

  /** Byte offset of scalar field `name` from the object pointer (i32 fields: 4-aligned, f64: 8-aligned). */
  scalarOffset(type: HeapType, name: string): number {
    const f = type.scalarFields.get(name);
    if (!f) throw new HeapTypeError(`${type.name} has no scalar field '${name}'`);
    return f.offset;
  }
}

const unchecked = <F>(_name: string, f: F, _length?: number): F => f;

/**
 * The checked build's raw call: every argument a 32-bit integer, else HeapAbortError before the
 * call. JS converts the rest silently on the way into wasm (NaN and undefined to 0, 1.5 to 1,
 * 2**32 + i to i), past the core's checks. A pointer may be negative: the core returns one above
 * 2 GiB as an i32; a length may not (argument `length`: -1 would ask for 2**32-1 items).
 */
function checked<F extends (...a: number[]) => unknown>(name: string, f: F, length = -1): F {
  const n = f.length;
  return ((...a: number[]) => {
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < (i === length ? 0 : -0x8000_0000) || v > 0xffff_ffff) {
        throw new HeapAbortError(`raw.${name}: argument ${i + 1} is ${v === undefined ? "missing" : describeValue(v)}, not a 32-bit integer (${i === length ? "a length, 0..2**32-1" : "a pointer, type id or index"})`);
      }
    }
    return f(...a);
  }) as F;
}
