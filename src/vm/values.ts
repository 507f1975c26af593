// The VM's object model: every value is an object in the refheap heap, addressed by a u32 pointer.
//
//   int      fixed, f64 scalar v (small ints -5..256 are interned, as CPython does)
//   bool     fixed, i32 v: the two singletons True and False
//   NoneType fixed: the singleton None
//   str      bytes (UTF-8)
//   list     refarray
//   dict     refarray of alternating key, value (linear search; keys compare by value for int
//            and str, by identity otherwise)
//   frame    fixed, refs [parent, slot1..slotN]: one type per slot count. Closures hold their
//            defining frame, so a function stored in its own frame makes a real cycle.
//   module   refarray: the global variables (a root held by the VM)
//   function fixed, refs [env, name], i32 code (index of the compiled body); weakrefable
//   builtin  fixed, i32 id
//   type     fixed, refs [name, attrs(dict)], i32 instance type id: a class; weakrefable
//   <Class>  fixed, refs [__class__, field...]: one heap type per class, weakrefable, with a
//            heap finalizer when the class defines __del__
//   method   fixed, refs [self, fn]: a bound method
//   weakref / weakproxy   fixed, refs [wr, callback]: wr is the core's weakref object
//   WeakKeyDictionary / WeakSet  fixed, refs [map]; WeakValueDictionary fixed, refs [ints, strs]
//
// Pointer 0 is "unbound" (a deleted or not yet assigned variable), never a value.
// Ownership follows CPython: functions named new*/mk* return a new reference; `borrowed` says so.

import type { Heap } from "../heap.js";
import type { HeapType } from "../types.js";
import type { CoreExports, Views } from "../wasm.js";
import { VMError } from "./errors.js";
import { CONTAINER_HEADER_SIZE, INFO_OFFSET, LIST_ITEMS, STORAGE_SLOTS, TYPE_ID_MASK } from "../generated/boundary.js";

export interface ClassMeta {
  name: string;
  type: HeapType;
  fields: Map<string, number>; // field name -> ref index (0 is __class__)
  hasDel: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const SMALL_MIN = -5, SMALL_MAX = 256;
const MAX_FRAME_SLOTS = 250;

export class Model {
  readonly x: CoreExports;
  readonly views: Views;
  readonly T: {
    int: HeapType; bool: HeapType; none: HeapType; str: HeapType; list: HeapType; dict: HeapType;
    module: HeapType; fn: HeapType; builtin: HeapType; cls: HeapType; method: HeapType;
    wref: HeapType; wproxy: HeapType; wkd: HeapType; wvd: HeapType; wset: HeapType;
  };
  readonly NONE: number;
  readonly TRUE: number;
  readonly FALSE: number;
  readonly #small: number[] = [];
  readonly #frames: HeapType[] = [];
  /** Frame type ids (fast test for "is a frame"). */
  readonly frameIds = new Set<number>();
  /** Instance heap type id -> its class's layout. */
  readonly classes = new Map<number, ClassMeta>();
  readonly intOff: number;
  readonly boolOff: number;
  readonly fnCodeOff: number;
  readonly builtinIdOff: number;
  readonly clsItypeOff: number;

  constructor(readonly heap: Heap, finalizer: (cls: ClassMeta) => (h: import("../handle.js").Handle) => void) {
    this.views = heap.views;
    this.x = heap.debug ? heap.core : inlineRefcounts(heap.core, this.views, heap.capabilities.collector.needsDecrementHook);
    const d = (name: string, spec: Partial<Parameters<Heap["defineType"]>[0]> = {}) => heap.defineType({ name, ...spec });
    this.T = {
      int: d("int", { scalars: { v: "f64" } }),
      bool: d("bool", { scalars: { v: "i32" } }),
      none: d("NoneType"),
      str: d("str", { kind: "bytes" }),
      list: d("list", { kind: "refarray" }),
      dict: d("dict", { kind: "refarray" }),
      module: d("module", { kind: "refarray" }),
      fn: d("function", { refs: ["env", "name"], scalars: { code: "i32" }, weakrefable: true }),
      builtin: d("builtin_function", { scalars: { id: "i32" } }),
      cls: d("type", { refs: ["name", "attrs"], scalars: { itype: "i32" }, weakrefable: true }),
      method: d("method", { refs: ["self", "fn"], weakrefable: true }),
      wref: d("weakref", { refs: ["wr", "cb"] }),
      wproxy: d("weakproxy", { refs: ["wr", "cb"] }),
      wkd: d("WeakKeyDictionary", { refs: ["map"] }),
      wvd: d("WeakValueDictionary", { refs: ["ints", "strs"] }),
      wset: d("WeakSet", { refs: ["map"] }),
    };
    this.#finalizerFor = finalizer;
    this.intOff = this.T.int.scalarFields.get("v")!.offset;
    this.boolOff = this.T.bool.scalarFields.get("v")!.offset;
    this.fnCodeOff = this.T.fn.scalarFields.get("code")!.offset;
    this.builtinIdOff = this.T.builtin.scalarFields.get("id")!.offset;
    this.clsItypeOff = this.T.cls.scalarFields.get("itype")!.offset;
    this.NONE = this.TRUE = this.FALSE = 0;
    try {
      this.NONE = this.alloc(this.T.none.id);
      this.TRUE = this.alloc(this.T.bool.id);
      this.views.i32[(this.TRUE + this.boolOff) >>> 2] = 1;
      this.FALSE = this.alloc(this.T.bool.id);
      for (let v = SMALL_MIN; v <= SMALL_MAX; v++) this.#small.push(this.#newInt(v));
    } catch (e) {
      this.releaseConstants(); // out of memory: what was made would be held by no one
      throw e;
    }
  }
  readonly #finalizerFor: (cls: ClassMeta) => (h: import("../handle.js").Handle) => void;

  /** Releases the singletons and interned ints (the VM's own references). */
  releaseConstants(): void {
    for (const p of this.#small.splice(0)) this.x.decref(p);
    for (const p of [this.NONE, this.TRUE, this.FALSE]) if (p) this.x.decref(p);
  }

  // ── allocation (a new reference; MemoryError once the core's full collection made no room: assembly/oom.ts) ──

  #checked(p: number, what: string): number {
    if (!p) throw new VMError("MemoryError", `out of memory allocating ${what} (maxBytes ${this.heap.maxBytes})`);
    return p;
  }
  alloc(typeId: number): number {
    const p = this.x.alloc(typeId);
    return p || this.#checked(p, this.heap.types[typeId].name);
  }
  allocList(typeId: number, n: number): number { return this.#checked(this.x.allocList(typeId, n), this.heap.types[typeId].name); }

  typeId(p: number): number { return this.views.u32[(p + INFO_OFFSET) >>> 2] & TYPE_ID_MASK; }
  typeName(p: number): string {
    const id = this.typeId(p);
    return this.classes.get(id)?.name ?? this.heap.types[id]?.name ?? `type#${id}`;
  }
  /** A field of a fixed object (borrowed). */
  ref(p: number, i: number): number { return this.views.u32[(p + CONTAINER_HEADER_SIZE + 4 * i) >>> 2]; }
  /**
   * Field i of a fixed object set to c (0 = null), as the core's setRef: a new reference to c
   * stored before the old value is released (its death may run code that reads the field). In JS:
   * a setRef across the boundary cost as much as the rest of a field store. The counts go through
   * `x`, so the checked build still validates both pointers.
   */
  setField(p: number, i: number, c: number): void {
    if (c) this.x.incref(c);
    this.setFieldMove(p, i, c);
  }
  /** setField taking over the caller's reference to c (the core's setRefMove). */
  setFieldMove(p: number, i: number, c: number): void {
    const u32 = this.views.u32, slot = (p + CONTAINER_HEADER_SIZE + 4 * i) >>> 2;
    const old = u32[slot];
    u32[slot] = c;
    if (old) this.x.decref(old);
  }
  /** Item i of a list (borrowed; 0 = null), read directly: listGet without the call, unchecked. */
  item(list: number, i: number): number {
    const u32 = this.views.u32;
    return u32[(u32[(list + LIST_ITEMS) >>> 2] + STORAGE_SLOTS + 4 * i) >>> 2];
  }
  /** Item i of a list set to c, taking over the caller's reference (stored before the old item is released). */
  setItemMove(list: number, i: number, c: number): void {
    const u32 = this.views.u32, slot = (u32[(list + LIST_ITEMS) >>> 2] + STORAGE_SLOTS + 4 * i) >>> 2;
    const old = u32[slot];
    u32[slot] = c;
    if (old) this.x.decref(old);
  }
  incref(p: number): number { this.x.incref(p); return p; }

  // ── ints, bools ──

  #newInt(v: number): number {
    const p = this.alloc(this.T.int.id);
    this.views.f64[(p + this.intOff) >>> 3] = v;
    return p;
  }
  /** v is one of the interned ints (-5..256), which live as long as the Model. */
  isSmallInt(v: number): boolean { return Number.isInteger(v) && v >= SMALL_MIN && v <= SMALL_MAX; }
  int(v: number): number {
    if (Number.isInteger(v) && v >= SMALL_MIN && v <= SMALL_MAX) {
      const p = this.#small[v - SMALL_MIN];
      this.x.incref(p);
      return p;
    }
    return this.#newInt(v);
  }
  isNum(p: number): boolean { return this.typeId(p) === this.T.int.id; }
  num(p: number, what = "operand"): number {
    if (this.typeId(p) !== this.T.int.id) throw new VMError("TypeError", `${what} must be a number, not '${this.typeName(p)}'`);
    return this.views.f64[(p + this.intOff) >>> 3];
  }
  bool(b: boolean): number { const p = b ? this.TRUE : this.FALSE; this.x.incref(p); return p; }
  truthy(p: number): boolean {
    if (p === this.FALSE || p === this.NONE) return false;
    const id = this.typeId(p);
    if (id === this.T.int.id) return this.views.f64[(p + this.intOff) >>> 3] !== 0;
    if (id === this.T.str.id) return this.x.bytesLength(p) !== 0;
    if (id === this.T.list.id || id === this.T.dict.id) return this.x.listLength(p) !== 0;
    return true;
  }
  none(): number { this.x.incref(this.NONE); return this.NONE; }

  // ── strings ──

  str(s: string): number {
    const data = enc.encode(s);
    const p = this.#checked(this.x.allocBytes(this.T.str.id, data.length), "str");
    this.views.u8.set(data, this.x.bytesData(p));
    return p;
  }
  isStr(p: number): boolean { return this.typeId(p) === this.T.str.id; }
  strValue(p: number, what = "argument"): string {
    if (this.typeId(p) !== this.T.str.id) throw new VMError("TypeError", `${what} must be a str, not '${this.typeName(p)}'`);
    const d = this.x.bytesData(p);
    return dec.decode(this.views.u8.subarray(d, d + this.x.bytesLength(p)));
  }

  // ── lists ──

  /** A new list holding new references to the (borrowed) items. */
  list(items: readonly number[]): number {
    const p = this.allocList(this.T.list.id, items.length);
    for (let i = 0; i < items.length; i++) this.x.listSet(p, i, items[i]);
    return p;
  }
  isList(p: number): boolean { return this.typeId(p) === this.T.list.id; }
  append(list: number, item: number): void {
    if (!this.x.listAppend(list, item)) throw new VMError("MemoryError", "out of memory growing a list");
  }
  listItems(p: number): number[] {
    const n = this.x.listLength(p), out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.x.listGet(p, i));
    return out;
  }

  // ── frames ──

  frameType(slots: number): HeapType {
    if (slots > MAX_FRAME_SLOTS) throw new VMError("SyntaxError", `too many local variables in one scope (${slots}; at most ${MAX_FRAME_SLOTS})`);
    let t = this.#frames[slots];
    if (!t) {
      const refs = ["parent"];
      for (let i = 1; i <= slots; i++) refs.push(`s${i}`);
      t = this.#frames[slots] = this.heap.defineType({ name: "frame", refs });
      this.frameIds.add(t.id);
    }
    return t;
  }

  // ── equality, dicts ──

  equals(a: number, b: number): boolean {
    if (a === b) return true;
    const ta = this.typeId(a), tb = this.typeId(b);
    if (ta !== tb) return false;
    if (ta === this.T.int.id) return this.num(a) === this.num(b);
    if (ta === this.T.str.id) {
      const n = this.x.bytesLength(a);
      if (n !== this.x.bytesLength(b)) return false;
      const u8 = this.views.u8, da = this.x.bytesData(a), db = this.x.bytesData(b);
      for (let i = 0; i < n; i++) if (u8[da + i] !== u8[db + i]) return false;
      return true;
    }
    return false;
  }
  /**
   * Python's ==: numbers (bools as 1 and 0) and strs by value, lists item by item, dicts as the
   * same keys with equal values, anything else by identity. Iterative: nesting as deep as the
   * data; a pair of containers met again is taken as equal (Python would raise RecursionError).
   */
  eq(a: number, b: number): boolean {
    const T = this.T, work = [a, b];
    let seen: Set<string> | null = null;
    while (work.length) {
      const y = work.pop()!, x = work.pop()!;
      if (x === y) continue;
      const tx = this.typeId(x), ty = this.typeId(y);
      const nx = tx === T.int.id || tx === T.bool.id, ny = ty === T.int.id || ty === T.bool.id;
      if (nx || ny) {
        if (!nx || !ny || this.#numeric(x) !== this.#numeric(y)) return false;
        continue;
      }
      if (tx !== ty) return false;
      if (tx === T.str.id) { if (!this.equals(x, y)) return false; continue; }
      if (tx !== T.list.id && tx !== T.dict.id) return false;
      const n = this.x.listLength(x);
      if (n !== this.x.listLength(y)) return false;
      const key = `${x >>> 0}:${y >>> 0}`;
      if ((seen ??= new Set()).has(key)) continue;
      seen.add(key);
      if (tx === T.list.id) {
        for (let i = 0; i < n; i++) work.push(this.x.listGet(x, i) || this.NONE, this.x.listGet(y, i) || this.NONE);
        continue;
      }
      for (let i = 0; i < n; i += 2) {
        const j = this.dictFind(y, this.x.listGet(x, i));
        if (j < 0) return false;
        work.push(this.x.listGet(x, i + 1) || this.NONE, this.x.listGet(y, j + 1) || this.NONE);
      }
    }
    return true;
  }
  #numeric(p: number): number {
    return this.typeId(p) === this.T.bool.id ? this.views.i32[(p + this.boolOff) >>> 2] : this.views.f64[(p + this.intOff) >>> 3];
  }

  /** Index of key's pair in a dict, or -1. */
  dictFind(d: number, key: number): number {
    const n = this.x.listLength(d);
    for (let i = 0; i < n; i += 2) if (this.equals(this.x.listGet(d, i), key)) return i;
    return -1;
  }
  dictSet(d: number, key: number, value: number): void {
    const i = this.dictFind(d, key);
    if (i >= 0) { this.x.listSet(d, i + 1, value); return; }
    this.append(d, key);
    this.append(d, value);
  }
  /** Removes key's pair (the last pair moves into its place). */
  dictDelete(d: number, key: number): boolean {
    const i = this.dictFind(d, key);
    if (i < 0) return false;
    const n = this.x.listLength(d);
    // hold the removed pair until the dict is consistent: their deaths may run finalizers
    const k = this.incref(this.x.listGet(d, i)), v = this.x.listGet(d, i + 1);
    if (v) this.x.incref(v);
    if (i !== n - 2) { this.x.listSet(d, i, this.x.listGet(d, n - 2)); this.x.listSet(d, i + 1, this.x.listGet(d, n - 1)); }
    this.x.listSetLength(d, n - 2);
    this.x.decref(k);
    if (v) this.x.decref(v);
    return true;
  }

  // ── classes ──

  defineClass(name: string, fields: string[], hasDel: boolean): ClassMeta {
    const meta: ClassMeta = { name, type: undefined as unknown as HeapType, fields: new Map(), hasDel };
    fields.forEach((f, i) => meta.fields.set(f, i + 1));
    meta.type = this.heap.defineType({
      name, refs: ["__class__", ...fields], weakrefable: true,
      finalizer: hasDel ? this.#finalizerFor(meta) : undefined,
    });
    this.classes.set(meta.type.id, meta);
    return meta;
  }

  // ── printing ──

  /** str(): what print shows. */
  display(p: number): string {
    return this.isStr(p) ? this.strValue(p) : this.repr(p);
  }

  /** repr(), iterative over nested lists and dicts; a list met again while printing shows as [...]. */
  repr(p: number): string {
    const out: string[] = [];
    const active = new Set<number>();
    // work items: a pointer to print, or a literal string / "leave" marker
    const work: (number | string | { leave: number })[] = [p];
    while (work.length) {
      const w = work.pop()!;
      if (typeof w === "string") { out.push(w); continue; }
      if (typeof w === "object") { active.delete(w.leave); continue; }
      const id = this.typeId(w);
      if (id === this.T.list.id || id === this.T.dict.id) {
        const isList = id === this.T.list.id;
        if (active.has(w)) { out.push(isList ? "[...]" : "{...}"); continue; }
        active.add(w);
        const items = this.listItems(w);
        const parts: (number | string | { leave: number })[] = [isList ? "[" : "{"];
        if (isList) items.forEach((it, i) => { if (i) parts.push(", "); parts.push(it); });
        else for (let i = 0; i < items.length; i += 2) { if (i) parts.push(", "); parts.push(items[i], ": ", items[i + 1]); }
        parts.push(isList ? "]" : "}", { leave: w });
        for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i]);
        continue;
      }
      out.push(this.#atom(w));
    }
    return out.join("");
  }

  #atom(p: number): string {
    const id = this.typeId(p), T = this.T;
    if (p === this.NONE) return "None";
    if (p === this.TRUE) return "True";
    if (p === this.FALSE) return "False";
    if (id === T.int.id) return fmtNum(this.num(p));
    if (id === T.str.id) return `'${this.strValue(p).replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
    if (id === T.fn.id) return `<function ${this.strValue(this.ref(p, 1))}>`;
    if (id === T.builtin.id) return `<built-in function>`;
    if (id === T.cls.id) return `<class '${this.strValue(this.ref(p, 0))}'>`;
    if (id === T.method.id) return `<bound method ${this.strValue(this.ref(this.ref(p, 1), 1))} of ${this.#atom(this.ref(p, 0))}>`;
    if (id === T.wref.id || id === T.wproxy.id) {
      const target = this.x.weakrefGet(this.ref(p, 0));
      const kind = id === T.wref.id ? "weakref" : "weakproxy";
      return `<${kind} at ${hex(p)}; ${target ? `to '${this.typeName(target)}' at ${hex(target)}` : "dead"}>`;
    }
    if (this.frameIds.has(id)) return `<frame at ${hex(p)}>`;
    if (id === T.module.id) return "<globals>";
    return `<${this.typeName(p)} object at ${hex(p)}>`;
  }
}

/**
 * The core's exports with incref and decref done in JS where they are a plain store, as CPython's
 * Py_INCREF / Py_DECREF are macros: the refcount is the u32 at +0 of every object (assembly/layout.ts),
 * incref only adds one, and a decref that leaves the count above zero only subtracts one, except
 * under the recycler, which records such an object as a candidate root. A decref that reaches zero
 * (deallocation, finalizers, weakref clearing) always goes to the core. Release builds only: the
 * checked build keeps every call, so tests validate each pointer.
 */
function inlineRefcounts(core: CoreExports, views: Views, recycler: boolean): CoreExports {
  const x = { ...core };
  x.incref = (p: number) => { const u = views.u32, i = p >>> 2; u[i] = u[i] + 1; };
  const decref = core.decref;
  x.decref = recycler ? decref : (p: number) => {
    const u = views.u32, i = p >>> 2, rc = u[i];
    if (rc > 1) u[i] = rc - 1;
    else decref(p);
  };
  return x;
}

export function fmtNum(v: number): string {
  if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
  if (!Number.isFinite(v)) return v !== v ? "nan" : v > 0 ? "inf" : "-inf"; // Python's float repr
  return String(v);
}
export function hex(p: number): string { return `0x${p.toString(16)}`; }
