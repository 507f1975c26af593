// The host API: Heap.create, defineType, alloc, refcount, stats, verify, and heap.raw.

import { instantiate, type CoreExports, type Views } from "./wasm.js";
import { Handle } from "./handle.js";
import { HeapType, KIND_CODES, TF_WEAKREFABLE, checkSpec, type TypeSpec } from "./types.js";
import {
  HandleDisposedError, HeapConfigError, HeapIndexError, HeapOutOfMemoryError, HeapTypeError, HeapVerifyError,
} from "./errors.js";
import { PART_NAMES, decodeStats, formatStats, type HeapStats } from "./stats.js";
import { RawApi } from "./raw.js";

export const ALLOCATORS = ["pools", "bump"] as const;
export const COLLECTORS = ["none"] as const;
export type AllocatorName = (typeof ALLOCATORS)[number];
export type CollectorName = (typeof COLLECTORS)[number];
const PLANNED = { allocator: ["tlsf", "firstfit"], collector: ["generational", "recycler"] };

export interface HeapOptions {
  /** 'pools' (default: obmalloc-like size classes) or 'bump' (never reuses: the floor). */
  allocator?: AllocatorName;
  /** 'none': reference counting only (the cycle collectors arrive with issues 4 and 5). */
  collector?: CollectorName;
  /** Most bytes of linear memory the heap may commit (rounded down to 64 KiB pages). Default 4 GiB. */
  maxBytes?: number;
  /** Use the checked build: every raw call validates its pointers and indexes. Default false. */
  debug?: boolean;
  /** Warn (heap.onHandleLeak, default console.warn) when a handle is garbage-collected without dispose(), naming where it was made. */
  leakWarnings?: boolean;
}

export interface HandleLeak { type: string; address: number; createdAt?: string }

export interface VerifyReport { objects: number; externalRefs: number; handles: number; committedBytes: number }

/** What handles need from their heap (not public API). */
export interface HeapInternals {
  readonly core: CoreExports;
  readonly views: Views;
  readonly destroyed: boolean;
  registerHandle(h: Handle, ptr: number): void;
  releaseHandle(h: Handle, ptr: number): void;
  wrapBorrowed(ptr: number): Handle | null;
  wrapOwned(ptr: number): Handle | null;
  ptrOf(value: Handle | null): number;
  outOfMemory(what: string): HeapOutOfMemoryError;
}

interface LeakRecord { heap: Heap; ptr: number; type: string; stack?: string }

let nextHeapId = 1;
const PAGE = 65536;

// One registry for all heaps: the held record names the heap and the pointer.
const leakRegistry = new FinalizationRegistry<LeakRecord>((rec) => rec.heap._releaseLeaked(rec));

export class Heap implements HeapInternals {
  readonly id = nextHeapId++;
  readonly allocator: AllocatorName;
  readonly collector: CollectorName;
  readonly debug: boolean;
  readonly maxBytes: number;
  readonly core: CoreExports;
  readonly views: Views;
  /** The unchecked pointer API (checked in debug builds). */
  readonly raw: RawApi;
  /** Called for each handle that JS collected without dispose(), when leakWarnings is on. */
  onHandleLeak: (leak: HandleLeak) => void = (leak) => {
    console.warn(`refheap: a Handle to ${leak.type} at 0x${leak.address.toString(16)} was garbage-collected without dispose(); its reference was released.${leak.createdAt ? `\nThe handle was created at:\n${leak.createdAt}` : ""}`);
  };
  readonly #leakWarnings: boolean;
  readonly #types: HeapType[] = [];
  #liveHandles = 0;
  #leakedReleased = 0;
  #destroyed = false;

  private constructor(opts: Required<Omit<HeapOptions, "leakWarnings">> & { leakWarnings: boolean }, inst: { exports: CoreExports; views: Views }) {
    this.allocator = opts.allocator;
    this.collector = opts.collector;
    this.debug = opts.debug;
    this.maxBytes = opts.maxBytes;
    this.#leakWarnings = opts.leakWarnings;
    this.core = inst.exports;
    this.views = inst.views;
    this.raw = new RawApi(this);
  }

  static async create(options: HeapOptions = {}): Promise<Heap> {
    if (options === null || typeof options !== "object") throw new HeapConfigError("Heap.create expects an options object");
    const allocator = options.allocator ?? "pools";
    const collector = options.collector ?? "none";
    if (!ALLOCATORS.includes(allocator)) {
      const planned = PLANNED.allocator.includes(allocator) ? " is not implemented yet" : " is unknown";
      throw new HeapConfigError(`allocator '${allocator}'${planned}; available: ${ALLOCATORS.join(", ")}`);
    }
    if (!COLLECTORS.includes(collector)) {
      const planned = PLANNED.collector.includes(collector) ? " is not implemented yet" : " is unknown";
      throw new HeapConfigError(`collector '${collector}'${planned}; available: ${COLLECTORS.join(", ")}`);
    }
    const maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
    if (typeof maxBytes !== "number" || !(maxBytes >= 0) || maxBytes > 4 * 1024 ** 3) {
      throw new HeapConfigError(`maxBytes must be a number of bytes up to 4 GiB, got ${String(maxBytes)}`);
    }
    const debug = options.debug ?? false;
    const leakWarnings = options.leakWarnings ?? false;
    const inst = await instantiate(debug ? "debug" : "release");
    const rc = inst.exports.init(allocator === "bump" ? 1 : 0, Math.floor(maxBytes / PAGE));
    if (rc !== 0) {
      throw new HeapOutOfMemoryError(`maxBytes ${maxBytes} is too small: the heap needs ${inst.exports.memory.buffer.byteLength + PAGE} bytes to start`);
    }
    return new Heap({ allocator, collector, maxBytes, debug, leakWarnings }, inst);
  }

  get destroyed(): boolean { return this.#destroyed; }
  /** Handles created and not yet disposed (nor released by the FinalizationRegistry). */
  get liveHandles(): number { return this.#liveHandles; }
  /** Handles that JS collected without dispose() and whose references were released for them. */
  get leakedHandlesReleased(): number { return this.#leakedReleased; }
  get types(): readonly HeapType[] { return this.#types; }

  #alive(): void {
    if (this.#destroyed) throw new HandleDisposedError("this heap was destroyed");
  }

  /** Defines a type of object. Field layout is decided by the core (see assembly/types.ts). */
  defineType(spec: TypeSpec): HeapType {
    this.#alive();
    const s = checkSpec(spec);
    const nI32 = Object.values(s.scalars).filter((k) => k === "i32").length;
    const nF64 = Object.values(s.scalars).length - nI32;
    const id = this.core.defineType(KIND_CODES[s.kind], s.refs.length, nI32, nF64, s.weakrefable ? TF_WEAKREFABLE : 0);
    if (id === -1) throw new HeapConfigError(`type ${s.name}: the type table is full (4094 types)`);
    if (id < 0) throw new HeapTypeError(`type ${s.name}: too many or too large fields`);
    const rec = (this.core.typeTable() >>> 2) + id * 8;
    const u32 = this.views.u32;
    const type = new HeapType(this.id, id, s.name, s.kind, s.refs, s.scalars, s.weakrefable, u32[rec + 3], u32[rec + 4], u32[rec + 6], u32[rec + 7]);
    this.#types[id] = type;
    return type;
  }

  #checkType(type: HeapType, what: string): void {
    if (!(type instanceof HeapType)) throw new HeapTypeError(`${what}: expected a HeapType from defineType, got ${describe(type)}`);
    if (type.heapId !== this.id) throw new HeapTypeError(`${what}: type ${type.name} belongs to another heap`);
  }

  /**
   * Allocates an object and returns a handle owning its one reference.
   *   fixed types: alloc(T)
   *   refarray:    alloc(List, length = 0 | items: (Handle|null)[])
   *   bytes:       alloc(Bytes, length | Uint8Array | string (UTF-8))
   */
  alloc(type: HeapType, init?: number | readonly (Handle | null)[] | Uint8Array | string): Handle {
    this.#alive();
    this.#checkType(type, "alloc");
    let p = 0;
    if (type.kind === "fixed") {
      if (init !== undefined) throw new HeapTypeError(`alloc: ${type.name} is a fixed type and takes no initial value`);
      p = this.core.alloc(type.id);
      if (!p) throw this.outOfMemory(`alloc(${type.name}) of ${type.size} bytes`);
    } else if (type.kind === "refarray") {
      if (Array.isArray(init)) {
        const items = init as readonly (Handle | null)[];
        const ptrs = items.map((h) => this.ptrOf(h)); // validate all before allocating
        p = this.core.allocList(type.id, 0);
        if (!p) throw this.outOfMemory(`alloc(${type.name})`);
        for (const c of ptrs) {
          if (!this.core.listAppend(p, c)) {
            this.core.decref(p);
            throw this.outOfMemory(`alloc(${type.name}) with ${items.length} items`);
          }
        }
      } else {
        const n = checkLength(init ?? 0, `alloc(${type.name})`, 0x1fff_0000);
        p = this.core.allocList(type.id, n);
        if (!p) throw this.outOfMemory(`alloc(${type.name}) of length ${n}`);
      }
    } else {
      let data: Uint8Array | undefined;
      let n: number;
      if (typeof init === "string") data = new TextEncoder().encode(init);
      else if (init instanceof Uint8Array) data = init;
      else if (init !== undefined && typeof init !== "number") throw new HeapTypeError(`alloc(${type.name}): expected a length, Uint8Array or string, got ${describe(init)}`);
      if (data) n = data.length;
      else n = checkLength(init ?? 0, `alloc(${type.name})`, 0x7fff_0000);
      p = this.core.allocBytes(type.id, n);
      if (!p) throw this.outOfMemory(`alloc(${type.name}) of ${n} bytes`);
      if (data) this.views.u8.set(data, this.core.bytesData(p));
    }
    return new Handle(this, p, type);
  }

  /** Strong references to the object, host handles included (like sys.getrefcount, minus its argument). */
  refcount(h: Handle): number {
    return this.core.refcount(this.ptrOf(h, "refcount"));
  }

  /** Allocator accounting; the byte parts sum to committedBytes. */
  stats(): HeapStats {
    this.#alive();
    const sp = this.core.stats();
    return decodeStats(this.views.f64, sp, this.views.u32, this.core.classStats(), this.allocator);
  }

  /** stats() as a text report in the style of sys._debugmallocstats(). */
  debugStats(): string { return formatStats(this.stats()); }

  /** Checks every invariant of the allocator, objects and refcounts; throws HeapVerifyError with the first broken one. */
  verify(): VerifyReport {
    this.#alive();
    if (this.core.verify() !== 0) {
      throw new HeapVerifyError(this.views.string(this.core.verifyMessage()), this.core.verifyPointer());
    }
    const externalRefs = this.core.verifyExternalRefs();
    const s = this.stats();
    const sum = PART_NAMES.reduce((a, k) => a + s[k], 0);
    if (sum !== s.committedBytes) {
      throw new HeapVerifyError(`stats: the byte parts sum to ${sum}, not the ${s.committedBytes} committed`, 0);
    }
    // Each live handle owns one reference that no heap object accounts for.
    if (externalRefs < this.#liveHandles) {
      throw new HeapVerifyError(`refcounts: ${this.#liveHandles} live handles but only ${externalRefs} references from outside the heap`, 0);
    }
    return { objects: s.liveObjects, externalRefs, handles: this.#liveHandles, committedBytes: s.committedBytes };
  }

  /** Makes every handle unusable and drops this heap's memory (the wasm instance) for JS to collect. */
  destroy(): void {
    this.#destroyed = true;
  }

  // ── HeapInternals ──

  /** @internal */
  registerHandle(h: Handle, ptr: number): void {
    this.#liveHandles++;
    const rec: LeakRecord = { heap: this, ptr, type: h.type.name };
    if (this.#leakWarnings) rec.stack = new Error().stack?.split("\n").slice(3).join("\n");
    leakRegistry.register(h, rec, h);
  }

  /** @internal */
  releaseHandle(h: Handle, ptr: number): void {
    leakRegistry.unregister(h);
    this.#liveHandles--;
    if (!this.#destroyed) this.core.decref(ptr);
  }

  /** @internal FinalizationRegistry callback: a handle was collected without dispose(). */
  _releaseLeaked(rec: LeakRecord): void {
    if (this.#destroyed) return;
    this.#liveHandles--;
    this.#leakedReleased++;
    this.core.decref(rec.ptr);
    if (this.#leakWarnings) {
      try {
        this.onHandleLeak({ type: rec.type, address: rec.ptr, createdAt: rec.stack });
      } catch { /* a throwing hook must not break the registry's job */ }
    }
  }

  /** @internal A new handle for a borrowed pointer (increfs). */
  wrapBorrowed(ptr: number): Handle | null {
    if (!ptr) return null;
    this.core.incref(ptr);
    return new Handle(this, ptr, this.#types[this.core.typeOf(ptr)]);
  }

  /** @internal A new handle taking over an owned reference. */
  wrapOwned(ptr: number): Handle | null {
    if (!ptr) return null;
    return new Handle(this, ptr, this.#types[this.core.typeOf(ptr)]);
  }

  /** @internal The pointer of a handle argument, checked: live, from this heap. null → 0. */
  ptrOf(value: Handle | null, what = "value"): number {
    if (value === null) return 0;
    if (!(value instanceof Handle)) throw new HeapTypeError(`${what}: expected a Handle or null, got ${describe(value)}`);
    if (value._heap !== this) throw new HeapTypeError(`${what}: the handle belongs to another heap`);
    return value.ptr;
  }

  /** @internal */
  outOfMemory(what: string): HeapOutOfMemoryError {
    const committed = this.views.u8.length;
    return new HeapOutOfMemoryError(`${what}: out of memory (${committed} bytes committed, maxBytes ${this.maxBytes})`);
  }
}

function checkLength(n: unknown, what: string, max: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new HeapIndexError(`${what}: length must be a non-negative integer, got ${describe(n)}`);
  if (n > max) throw new HeapIndexError(`${what}: length ${n} exceeds the largest possible (${max})`);
  return n;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  return `${typeof v} ${String(v)}`;
}
