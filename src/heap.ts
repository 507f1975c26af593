// The host API: Heap.create, defineType, alloc, refcount, stats, verify, and heap.raw.
// Heap is a facade: each mechanism behind it lives in a module of its own under src/host/:
//   instance.ts   options, the wasm instance and the core's hooks (imports)
//   handles.ts    live handles, the nursery and the leak registry (FinalizationRegistry)
//   callbacks.ts  weakref callback ids
//   finalizers.ts type finalizers, finalize objects and the exit hook
//   unraisable.ts the unraisable queue (errors from host code the core called)
//   events.ts     allocation events and the census stream
//   oom.ts        out of memory: collect everything, try once more

import type { CoreExports, Views } from "./wasm.js";
import { Handle } from "./handle.js";
import { HeapType, KIND_CODES, TF_FINALIZER, TF_WEAKREFABLE, checkSpec, mintType, type ScalarKind, type TypeSpec } from "./types.js";
import { Finalize, HeapWeakRef, isWeakProxy, makeProxy, type WeakProxy } from "./weak.js";
import { GcController } from "./gc.js";
import {
  HandleDisposedError, HeapConfigError, HeapCorruptedError, HeapIndexError, HeapOutOfMemoryError, HeapTypeError, HeapVerifyError,
} from "./errors.js";
import { PART_NAMES, decodeStats, formatStats, type HeapStats } from "./stats.js";
import { RawApi } from "./raw.js";
import {
  EVENT_WORDS, FIRST_USER_TYPE, INFO_OFFSET, MAP_SIZE, MAX_TYPES, TR_F64, TR_I32, TR_REFS, TR_SIZE, TYPE_ID_MASK, TYPE_RECORD_SIZE, TYPE_WEAKMAP, TYPE_WEAKREF, WR_CALLBACK, WR_ID_SHIFT, WR_PROXY, WR_SIZE,
} from "./generated/boundary.js";
import { Inspector } from "./inspect/index.js";
import { Scope, forget } from "./scope.js";
import { inspectSymbol, safely } from "./show.js";
import { hostHooks, resolveOptions, startCore, type FinalizerMode, type HeapOptions, type ResolvedOptions } from "./host/instance.js";
import { HOOK, HandleTable, REGISTERED, type LeakRecord } from "./host/handles.js";
import { CallbackIds } from "./host/callbacks.js";
import { Finalizers, type FinalizeEntry } from "./host/finalizers.js";
import { UnraisableQueue } from "./host/unraisable.js";
import { AllocationEvents } from "./host/events.js";
import { OomPolicy } from "./host/oom.js";

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

import {
  ALLOCATORS, ALLOCATOR_CODES, ALLOCATOR_INFO, COLLECTORS, COLLECTOR_CODES, COLLECTOR_INFO, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR,
  type AllocatorCapability, type AllocatorName, type CollectorCapability, type CollectorName,
} from "./strategies.js";
// the registry's names, codes and defaults, where main's callers (bench, embedders) import them
export { ALLOCATORS, COLLECTORS, ALLOCATOR_CODES, COLLECTOR_CODES, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, type AllocatorName, type CollectorName };
export type { FinalizerMode, HeapOptions, FinalizeEntry };

export interface HandleLeak { type: string; address: number; createdAt?: string }

export interface VerifyReport { objects: number; externalRefs: number; handles: number; committedBytes: number }

/** @internal What handles need from their heap (not public API). */
export interface HeapInternals {
  readonly core: CoreExports;
  readonly views: Views;
  readonly destroyed: boolean;
  registerHandle(h: Handle, ptr: number): void;
  releaseHandle(h: Handle, ptr: number): void;
  forgetHandle(h: Handle): void;
  wrapBorrowed(ptr: number): Handle | null;
  wrapField(p: number, i: number): Handle | null;
  assertNotMidOperation(what: string): void;
  wrapOwned(ptr: number): Handle | null;
  ptrOf(value: Handle | null, what?: string): number;
  outOfMemory(what: string): HeapOutOfMemoryError;
  typeOfPtr(ptr: number): HeapType;
  weakrefCallbackOf(kindWord: number): ((wr: HeapWeakRef) => void) | null;
  weakrefWithCallback(obj: Handle, cb: (wr: HeapWeakRef) => void): HeapWeakRef;
  registerFinalize(f: FinalizeEntry): void;
  unregisterFinalize(f: FinalizeEntry): void;
  runFinalize(f: FinalizeEntry): void;
  flushUnraisable(): void;
}


let nextHeapId = 1;

export class Heap {
  readonly id = nextHeapId++;
  readonly allocator: AllocatorName;
  readonly collector: CollectorName;
  readonly finalizerMode: FinalizerMode;
  /** The gc module: collect, thresholds, callbacks, garbage, freeze, get_objects, debug flags. */
  readonly gc: GcController;
  readonly debug: boolean;
  readonly maxBytes: number;
  /** @internal the core's exports (VMs use heap.raw) */
  readonly core: CoreExports;
  /** @internal typed views over the memory (VMs use heap.raw.u32 & co.) */
  readonly views: Views;
  /** The unchecked pointer API (checked in debug builds). */
  readonly raw: RawApi;
  /** Called for each handle that JS collected without dispose(), when leakWarnings is on. */
  onHandleLeak: (leak: HandleLeak) => void = (leak) => {
    console.warn(`refheap: a Handle to ${leak.type} at 0x${leak.address.toString(16)} was garbage-collected without dispose(); its reference was released.${leak.createdAt ? `\nThe handle was created at:\n${leak.createdAt}` : ""}`);
  };
  /**
   * Where exceptions from finalizers, weakref callbacks and finalize functions go (CPython's
   * sys.unraisablehook): they never propagate into the heap. Reported after the core returns.
   * An async one's rejection comes here too, once it settles. If this hook throws, or returns a
   * promise that rejects, that is printed once on console.error (never reported here again).
   */
  onUnraisable: (err: unknown, context: string) => void = (err, context) => {
    console.error(`Exception ignored in: ${context}`, err);
  };
  readonly #handles: HandleTable;
  readonly #callbacks = new CallbackIds();
  readonly #unraisable = new UnraisableQueue(() => this.onUnraisable);
  readonly #finalizers = new Finalizers(this, this.#unraisable);
  readonly #events: AllocationEvents;
  readonly #oom: OomPolicy;
  #weakrefType!: HeapType;
  readonly #types: HeapType[] = [];
  #destroyed = false;

  private constructor(opts: ResolvedOptions, inst: { exports: CoreExports; views: Views }) {
    this.allocator = opts.allocator;
    this.collector = opts.collector;
    this.finalizerMode = opts.finalizerMode;
    this.gc = new GcController(this);
    this.debug = opts.debug;
    this.maxBytes = opts.maxBytes;
    this.core = inst.exports;
    this.views = inst.views;
    this.raw = new RawApi(this);
    this.#handles = new HandleTable((rec) => this._releaseLeaked(rec), opts.leakWarnings, (h) => {
      const id = (h as HeapWeakRef)._callbackId;
      if (id) this.#callbacks.weaken(id);
    });
    this.#events = new AllocationEvents(this.core, this.views, this.#unraisable);
    this.#oom = new OomPolicy(this.core, this.views, this.maxBytes, () => this.flushUnraisable());
    this.#weakrefType = mintType(this.id, TYPE_WEAKREF, "weakref", "weakref", [], {}, false, undefined, WR_SIZE, 0, 0, 0);
    this.#types[TYPE_WEAKREF] = this.#weakrefType;
    this.#types[TYPE_WEAKMAP] = mintType(this.id, TYPE_WEAKMAP, "weakmap", "weakmap", [], {}, false, undefined, MAP_SIZE, 0, 0, 0);
  }

  static async create(options: HeapOptions = {}): Promise<Heap> {
    return Heap._createOn(undefined, options);
  }

  /**
   * @internal A heap on the bench module's core (`build/bench.release.wasm`: the release core linked
   * with in-wasm workloads), so a bench can run wasm code over a heap the host API built
   * (bench/w7-floor.ts). Not part of the package's API.
   */
  static async _createOn(build: "bench" | undefined, options: HeapOptions = {}): Promise<Heap> {
    const opts = resolveOptions(options);
    if (build !== undefined && build !== "bench") throw new HeapConfigError(`no core build '${String(build)}': the bench module ('bench') or the options' choice (undefined)`);
    if (build && opts.debug) throw new HeapConfigError("the bench module is a release build: debug cannot be asked of it");
    let heap: Heap | undefined;
    const inst = await startCore(opts, hostHooks(() => heap), build);
    heap = new Heap(opts, inst);
    return heap;
  }

  get destroyed(): boolean { return this.#destroyed; }
  /** What this heap's allocator and collector can do (strategies.json; ALLOCATOR_INFO, COLLECTOR_INFO). */
  get capabilities(): { allocator: Readonly<Record<AllocatorCapability, boolean>>; collector: Readonly<Record<CollectorCapability, boolean>> } {
    return { allocator: ALLOCATOR_INFO[this.allocator].capabilities, collector: COLLECTOR_INFO[this.collector].capabilities };
  }
  /** Handles created and not yet disposed (nor released by the FinalizationRegistry). */
  get liveHandles(): number { return this.#handles.live; }
  /** Handles that JS collected without dispose() and whose references were released for them. */
  get leakedHandlesReleased(): number { return this.#handles.leakedReleased; }
  /** @internal Handles registered with the leak registry so far, and handles in the nursery now (src/host/handles.ts). */
  get _handleTable(): { registrations: number; nursery: number } {
    return { registrations: this.#handles.registrations, nursery: this.#handles.nurserySize };
  }
  get types(): readonly HeapType[] { return this.#types; }

  /** A heap in its normal state: not destroyed, not refusing, not mid-operation (#alive says which otherwise). */
  #ready(): boolean { return !this.#destroyed && !this.#corrupted && !this.#events.midOperation && !this.#midCollection; }

  /**
   * One of this heap's own types: its table holds only those (and its weakref and weak-map types).
   * Never an undefined type (the table's entry for an undefined id is undefined too: a fast path
   * that compared entries took undefined for a type).
   */
  #own(type: HeapType | undefined): boolean { return type !== undefined && type !== null && this.#types[type.id] === type; }

  #alive(): void {
    if (this.#ready()) return;
    if (this.#destroyed) throw new HandleDisposedError("this heap was destroyed");
    if (this.#corrupted) throw new HeapCorruptedError(this.#corrupted.message, this.#corrupted.cause);
    if (this.#events.midOperation || this.#midCollection) this.assertNotMidOperation("this call");
  }

  #corrupted: HeapCorruptedError | null = null;
  /** @internal the core refused a call: an earlier one unwound through it (assembly/entry.ts) */
  _corrupted(err: HeapCorruptedError): void { this.#corrupted ??= err; }

  /** Set while a gc.observePhases listener runs: the collection is mid-way (see assertNotMidOperation). */
  #midCollection = false;

  /**
   * @internal Runs a gc.observePhases listener: the collection is mid-way (lists singly linked,
   * gc_refs in the link words, garbage half-handled), so, as for an allocation listener called
   * mid-operation, every heap call from it is refused before anything changes.
   */
  duringCollectionStep(fn: () => void): void {
    const outer = this.#midCollection;
    this.#midCollection = true;
    try { fn(); } finally { this.#midCollection = outer; }
  }

  /**
   * @internal An allocation events listener called because the core's buffer filled runs in the
   * middle of an allocation or a free: the heap is not in a state to be used (a half-made object,
   * a dying one still linked). Such a listener may only record; flushAllocationEvents() delivers
   * at a safe point, where listeners may use the heap. The same holds for a gc.observePhases
   * listener, which runs in the middle of a collection.
   */
  assertNotMidOperation(what: string): void {
    if (this.#midCollection) {
      throw new HeapConfigError(`${what}: not from a gc.observePhases listener: the heap is in the middle of a collection; read the snapshot, and act after the collection returns`);
    }
    if (this.#events.midOperation) {
      throw new HeapConfigError(`${what}: not from an allocation events listener while the core is in the middle of an allocation or a free; record what you need and act after the call returns, or deliver with flushAllocationEvents()`);
    }
  }

  /** Defines a type of object. Field layout is decided by the core (see assembly/types.ts). */
  defineType<const R extends readonly string[] = readonly [], const S extends Readonly<Record<string, ScalarKind>> = Record<never, ScalarKind>>(spec: TypeSpec<R, S>): HeapType<R[number], keyof S & string> {
    this.#alive();
    const s = checkSpec(spec);
    const nI32 = Object.values(s.scalars).filter((k) => k === "i32").length;
    const nF64 = Object.values(s.scalars).length - nI32;
    const flags = (s.weakrefable ? TF_WEAKREFABLE : 0) | (s.finalizer ? TF_FINALIZER : 0);
    const id = this.core.defineType(KIND_CODES[s.kind], s.refs.length, nI32, nF64, flags);
    if (id === -1) throw new HeapConfigError(`type ${s.name}: the type table is full (${MAX_TYPES - FIRST_USER_TYPE} user types)`);
    if (id < 0) throw new HeapTypeError(`type ${s.name}: too many or too large fields`);
    const rec = this.core.typeTable() + id * TYPE_RECORD_SIZE;
    const u32 = this.views.u32, word = (field: number) => u32[(rec + field) >>> 2];
    const type = mintType(this.id, id, s.name, s.kind, s.refs, s.scalars, s.weakrefable, s.finalizer, word(TR_SIZE), word(TR_REFS), word(TR_I32), word(TR_F64)) as unknown as HeapType<R[number], keyof S & string>;
    this.#types[id] = type as unknown as HeapType;
    return type;
  }

  #checkType(type: HeapType, what: string): void {
    // the common case first: one of this heap's own user types (the table holds only those and weakref/weakmap)
    if (this.#own(type) && (type.kind === "fixed" || type.kind === "refarray" || type.kind === "bytes")) return;
    if (!(type instanceof HeapType)) throw new HeapTypeError(`${what}: expected a HeapType from defineType, got ${describe(type)}`);
    if (type.heapId !== this.id) throw new HeapTypeError(`${what}: type ${type.name} belongs to another heap`);
    if (type.kind !== "fixed" && type.kind !== "refarray" && type.kind !== "bytes") throw new HeapTypeError(`${what}: ${type.name} objects come from heap.${type.kind === "weakref" ? "weakref()" : "weak containers"}, not alloc`);
    if (this.#types[type.id] !== type) throw new HeapTypeError(`${what}: ${describe(type)} is not a type defined by this heap's defineType`);
  }

  /**
   * Allocates an object and returns a handle owning its one reference.
   *   fixed types: alloc(T)
   *   refarray:    alloc(List, length = 0 | items: (Handle|null)[])
   *   bytes:       alloc(Bytes, length | Uint8Array | string (UTF-8))
   */
  alloc<R extends string, S extends string>(type: HeapType<R, S>, init?: number | readonly (Handle | null)[] | Uint8Array | string): Handle<R, S> {
    // the common case kept small enough for V8 to inline into the caller: a fixed type of this
    // heap's, on a heap in its normal state (#alive's and #checkType's own tests)
    if (init === undefined && this.#own(type) && type.kind === "fixed" && this.#ready()) {
      const p = this.core.alloc(type.id); // 0 only after a full collection failed to make room (assembly/oom.ts)
      if (!p) throw this.outOfMemory(`alloc(${type.name}) of ${type.size} bytes`);
      return new Handle(this, p, type);
    }
    return this.#allocSlow(type, init);
  }

  #allocSlow<R extends string, S extends string>(type: HeapType<R, S>, init?: number | readonly (Handle | null)[] | Uint8Array | string): Handle<R, S> {
    this.#alive();
    this.#checkType(type, "alloc");
    let p = 0;
    if (type.kind === "fixed") {
      if (init !== undefined) throw new HeapTypeError(`alloc: ${type.name} is a fixed type and takes no initial value`);
      p = this.core.alloc(type.id); // 0 only after a full collection failed to make room (assembly/oom.ts)
      if (!p) throw this.outOfMemory(`alloc(${type.name}) of ${type.size} bytes`);
    } else if (type.kind === "refarray") {
      if (Array.isArray(init)) {
        const items = init as readonly (Handle | null)[];
        const ptrs = items.map((h) => this.ptrOf(h)); // validate all before allocating
        checkLength(ptrs.length, `alloc(${type.name})`, 0x1fff_0000);
        // The allocation may collect, and a finalizer may then dispose an item's handle: the items
        // are held while it runs (as CPython's list display holds its evaluated items), or the list
        // would store a freed pointer.
        p = this.#oom.holding(ptrs, () => {
          const list = this.core.allocList(type.id, ptrs.length);
          if (list) for (let i = 0; i < ptrs.length; i++) if (ptrs[i]) this.core.listSet(list, i, ptrs[i]);
          return list;
        });
        if (!p) throw this.outOfMemory(`alloc(${type.name}) with ${items.length} items`);
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
    // No flush here: what a collection in the allocation queued is reported at the next flush
    // point or in a microtask. Flushing here ran onUnraisable inside alloc with the new object
    // made but not yet the caller's (inspect from the hook saw an object no program had).
    return new Handle(this, p, type);
  }

  /** Strong references to the object, host handles included (like sys.getrefcount, minus its argument). */
  refcount(h: Handle): number {
    return this.core.refcount(this.objectPtr(h, "refcount"));
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
    // from a finalizer or callback of a collection's garbage the lists are mid-way (garbage
    // unlinked, weakrefs cleared but still linked): the checks would call a healthy heap broken
    if (this.gc._midCollection) throw new HeapConfigError("verify: not from host code a collection runs (a finalizer or callback of its garbage): the collection is mid-way; verify after it returns, or from a gc callback");
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
    if (externalRefs < this.#handles.live) {
      throw new HeapVerifyError(`refcounts: ${this.#handles.live} live handles but only ${externalRefs} references from outside the heap`, 0);
    }
    return { objects: s.liveObjects, externalRefs, handles: this.#handles.live, committedBytes: s.committedBytes };
  }

  /**
   * Fault injection, for tests (debug heaps only): lets `after` block allocations succeed, then
   * makes the next `count` fail (Infinity: all of them) as if memory were exhausted. null stops it.
   */
  failAllocations(after: number | null, count = Infinity): void {
    this.#alive();
    if (!this.debug) throw new HeapConfigError("failAllocations: fault injection needs a debug heap (Heap.create({ debug: true }))");
    if (after === null) { this.core.debugSetFailAfter(-1, 0); return; }
    if (!Number.isInteger(after) || after < 0 || after > 0x7fff_ffff) throw new HeapIndexError(`failAllocations: after must be a non-negative integer, got ${describe(after)}`);
    if (count !== Infinity && (!Number.isInteger(count) || count < 0 || count > 0x7fff_ffff)) throw new HeapIndexError(`failAllocations: count must be a non-negative integer or Infinity, got ${describe(count)}`);
    this.core.debugSetFailAfter(after, count === Infinity ? -1 : count);
  }

  /** Block allocations attempted so far (debug heaps; 0 otherwise): counts a program's allocation sites. */
  get allocationAttempts(): number { return this.core.debugAllocationAttempts() >>> 0; }

  /**
   * Runs the exit-time finalize objects still alive (newest first, as weakref.finalize at exit),
   * then makes every handle unusable; the heap's memory goes when JS collects the heap. Allowed
   * from finalizers and callbacks (the collection around them finishes); refused (HeapConfigError)
   * where every call is: a gc.observePhases listener, an allocation events listener mid-operation.
   */
  destroy(): void {
    if (this.#destroyed) return;
    // the exit finalizers could not use the heap there (their calls refused, their work lost)
    this.assertNotMidOperation("destroy");
    this.runExitFinalizers();
    this.#destroyed = true;
    this.#handles.clear();
    this.scopes.length = 0; // their handles died with the heap
  }

  /** `using heap = await Heap.create()`: destroy() at the end of the block. */
  [disposeSymbol](): void { this.destroy(); }

  /** @internal console.log(heap): `<Heap #1 pools/generational: 12 objects, 3 handles, 131072 bytes>` */
  [inspectSymbol](): string {
    const what = `Heap #${this.id} ${this.allocator}/${this.collector}${this.debug ? " debug" : ""}`;
    if (this.#destroyed) return `<${what} (destroyed)>`;
    return safely(() => {
      const s = this.stats();
      return `<${what}: ${s.liveObjects} objects, ${this.#handles.live} handles, ${s.committedBytes} bytes>`;
    }, `<${what}>`);
  }

  // ── scopes (src/scope.ts) ──

  /** @internal open scopes, innermost last; null hides the ones below (outsideScopes) */
  readonly scopes: (Scope | null)[] = [];

  /**
   * A scope: every handle made while it is the innermost open scope is released when it ends,
   * unless kept (`scope.keep(h)`) or escaped to the enclosing scope (`scope.escape(h)`).
   *   `using scope = heap.scope();`       ends at the end of the block
   *   `heap.scope((scope) => { ... })`    ends when fn returns or throws; returns what fn returns,
   *                                       and a Handle it returns escapes to the enclosing scope
   * fn must be synchronous (a scope is the heap's, not an async task's).
   */
  scope(): Scope;
  scope<T>(fn: (scope: Scope) => T): T;
  scope<T>(fn?: (scope: Scope) => T): Scope | T {
    this.#alive();
    if (fn !== undefined && typeof fn !== "function") throw new HeapTypeError(`scope: expected a function or nothing, got ${describe(fn)}`);
    const scope = new Scope(this);
    if (!fn) return scope;
    let result: T;
    try {
      result = fn(scope);
      if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
        throw new HeapConfigError("scope(fn): fn returned a promise; a scope's handles are released when fn returns, so fn must be synchronous (dispose handles yourself across an await)");
      }
      if (result instanceof Handle || isWeakProxy(result)) scope.escape(result);
    } finally {
      scope.dispose();
    }
    return result;
  }

  /** @internal runs fn with no scope open: the handles it makes belong to their maker (weak containers, finalize objects) */
  outsideScopes<T>(fn: () => T): T {
    this.scopes.push(null);
    try { return fn(); } finally {
      const i = this.scopes.lastIndexOf(null);
      if (i >= 0) this.scopes.splice(i, 1);
    }
  }

  // ── weak references ──

  #weakrefable(obj: Handle, what: string): number { return this.weakTarget(obj, what, ""); }

  /**
   * @internal The pointer of an object that weakrefs may point at, checked. The type is that of
   * the pointer, not of the handle: a weak proxy forwards `type` to its referent, but stands for
   * its own weakref object, which is not weakrefable (CPython: "cannot create weak reference to
   * 'weakproxy' object"). Trusting the forwarded type let a weakref to a proxy through, which the
   * release core then linked through a weak-list slot that does not exist (address 0).
   */
  weakTarget(obj: Handle, what: string, prefix = `${what}: `): number {
    const p = this.objectPtr(obj, what);
    const type = this.typeOfPtr(p);
    if (!type.weakrefable) throw new HeapTypeError(`${prefix}cannot create weak reference to '${type.name}' object (define the type with weakrefable: true)`);
    return p;
  }

  #newWeak(obj: Handle, proxy: boolean, callback: ((wr: HeapWeakRef) => void) | undefined, what: string): HeapWeakRef {
    this.#alive();
    const p = this.#weakrefable(obj, what);
    if (callback !== undefined && callback !== null && typeof callback !== "function") throw new HeapTypeError(`${what}: callback must be a function`);
    const id = callback ? this.#callbacks.take(callback, what) : 0;
    const wr = this.core.weakrefNew(p, proxy ? 1 : 0, id);
    if (!wr) {
      if (id) this.#callbacks.cancel(id);
      throw this.outOfMemory(what);
    }
    const handle = new HeapWeakRef(this, wr, this.#weakrefType);
    if (id) {
      this.#callbacks.attach(id, handle);
      handle._callbackId = id;
      if (handle._mark === REGISTERED) this.#callbacks.weaken(id); // registered at birth (leakWarnings)
    }
    return handle;
  }

  /**
   * weakref.ref(obj, callback?): a weak reference. Without a callback the one shared weakref of
   * obj is returned (a new handle to it); with one, a new weakref whose callback(wr) runs when obj
   * dies (after every weakref to obj is cleared, newest callback first).
   */
  weakref<R extends string, S extends string>(obj: Handle<R, S>, callback?: (wr: HeapWeakRef<R, S>) => void): HeapWeakRef<R, S> {
    return this.#newWeak(obj, false, callback as (wr: HeapWeakRef) => void, "weakref") as HeapWeakRef<R, S>;
  }

  /** weakref.proxy(obj, callback?): behaves like obj; HeapReferenceError once obj is dead. */
  proxy<R extends string, S extends string>(obj: Handle<R, S>, callback?: (wr: HeapWeakRef<R, S>) => void): WeakProxy<R, S> {
    return makeProxy(this.#newWeak(obj, true, callback as (wr: HeapWeakRef) => void, "proxy")) as WeakProxy<R, S>;
  }

  /** weakref.finalize(obj, fn, ...args): fn(...args) runs once, when obj dies (or at exit, or when called). */
  finalize<A extends unknown[], R>(obj: Handle, fn: (...args: A) => R, ...args: A): Finalize<A, R> {
    this.#alive();
    this.#weakrefable(obj, "finalize");
    if (typeof fn !== "function") throw new HeapTypeError("finalize: fn must be a function");
    return this.outsideScopes(() => new Finalize(this, obj, fn, args)); // its weakref is its own
  }

  /** weakref.getweakrefcount(obj): weakrefs and proxies to obj. */
  getWeakrefCount(obj: Handle): number {
    const p = this.objectPtr(obj, "getweakrefcount");
    return this.typeOfPtr(p).weakrefable ? this.core.weakrefCount(p) : 0;
  }

  /** @deprecated the old spelling of getWeakrefCount */
  getweakrefcount(obj: Handle): number { return this.getWeakrefCount(obj); }

  /** weakref.getweakrefs(obj): new handles to every weakref and proxy to obj, in list order. */
  getWeakrefs(obj: Handle): (HeapWeakRef | WeakProxy)[] {
    const p = this.objectPtr(obj, "getweakrefs");
    const out: (HeapWeakRef | WeakProxy)[] = [];
    if (!this.typeOfPtr(p).weakrefable) return out;
    for (let i = 0, wr; (wr = this.core.weakrefAt(p, i)); i++) out.push(this.wrapBorrowed(wr) as HeapWeakRef | WeakProxy);
    return out;
  }

  /** @deprecated the old spelling of getWeakrefs */
  getweakrefs(obj: Handle): (HeapWeakRef | WeakProxy)[] { return this.getWeakrefs(obj); }

  /**
   * Reports queued exceptions from finalizers and callbacks to onUnraisable; inside host code the
   * core called (a finalizer disposing a handle), nothing: the outermost call reports them once
   * the core has returned (src/host/unraisable.ts).
   */
  flushUnraisable(): void { this.#unraisable.flush(); }

  /** @internal */
  queueUnraisable(err: unknown, context: string): void { this.#unraisable.push(err, context); }

  /** @internal host code returned `result`: a promise's rejection is reported as its throw would be */
  settleUnraisable(result: unknown, context: string | (() => string)): void { this.#unraisable.settle(result, context); }

  /** @internal runs live exit-time finalize objects, newest first */
  runExitFinalizers(): void {
    if (this.#destroyed) return;
    this.#finalizers.runAtExit();
    this.flushUnraisable();
  }

  /** @internal runs host code the core called (a hook), counting the depth */
  _insideCore(fn: () => void): void { this.#unraisable.insideCore(fn); }
  /** @internal _insideCore in two halves (the per-death hooks: src/host/instance.ts) */
  _enterCore(): void { this.#unraisable.enterCore(); }
  /** @internal */
  _leaveCore(): void { this.#unraisable.leaveCore(); }

  /** @internal host hook: the core is about to let obj die and its type has a finalizer */
  _finalizeHook(obj: number): void {
    this.#finalizers.typeFinalizer(obj, this.#typeAt, this.#hookHandleOf);
  }

  /** @internal host hook: a weakref's referent died; call its callback with the weakref */
  _weakrefCallbackHook(wr: number, id: number): void {
    this.#callbacks.run(wr, id, this.#hookHandleOf, this.#unraisable);
  }

  /**
   * Subscribes to the heap's allocation events (assembly/events.ts): every block allocated and
   * freed, in order, including list storage (type id 1). Delivered in batches: when the core's
   * buffer fills, and on flushAllocationEvents(). Each batch is a copy, 3 words per event:
   * [typeId << 1 | freed, address, size]. Returns the unsubscribe function.
   */
  onAllocationEvents(listener: (events: Uint32Array) => void): () => void {
    this.#alive();
    if (typeof listener !== "function") throw new HeapTypeError(`onAllocationEvents: expected a function, got ${describe(listener)}`);
    return this.#events.subscribe(listener, () => this.#destroyed);
  }

  /** Delivers the allocation events buffered so far to the listeners now (a safe point: they may use the heap). */
  flushAllocationEvents(): void {
    this.#alive();
    this.#events.flushAtSafePoint();
    this.flushUnraisable();
  }

  /** @internal host hook: `count` allocation events at `buffer` */
  _allocationEventsHook(buffer: number, count: number): void { this.#events.deliver(buffer, count); }

  /** Inspection: census, growth, reference chains, dominators, .heapsnapshot, DOT, tracemalloc (src/inspect/). */
  get inspect(): Inspector { return (this.#inspector ??= new Inspector(this)); }
  #inspector: Inspector | undefined;

  /**
   * @internal Streams every live block and its strong references to `sink` (assembly/census.ts),
   * in batches; the core allocates nothing meanwhile, and the sink must not call into the heap.
   */
  census(sink: (words: Uint32Array) => void): void {
    this.#alive();
    this.#events.census(sink);
  }

  /** @internal host hook: `words` words of the census stream at `buffer` */
  _censusHook(buffer: number, words: number): void { this.#events.censusBatch(buffer, words); }

  /** @internal host hook: a weakref with a callback was freed */
  _weakrefFreedHook(id: number): void { this.#callbacks.freed(id); }

  /** @internal */
  weakrefCallbackOf(kindWord: number): ((wr: HeapWeakRef) => void) | null { return this.#callbacks.callbackOf(kindWord); }

  /** @internal */
  weakrefWithCallback(obj: Handle, cb: (wr: HeapWeakRef) => void): HeapWeakRef {
    return this.#newWeak(obj, false, cb, "finalize");
  }

  /** @internal */
  registerFinalize(f: FinalizeEntry): void { this.#finalizers.register(f); }

  /** @internal */
  unregisterFinalize(f: FinalizeEntry): void { this.#finalizers.unregister(f); }

  /** @internal calls a finalize object, routing its exception to onUnraisable */
  runFinalize(f: FinalizeEntry): void { this.#finalizers.run(f); }

  /** @internal the heap's own bytes type, for map keys */
  bytesType(): HeapType {
    return (this.#bytesType ??= this.defineType({ name: "bytes", kind: "bytes" }));
  }
  #bytesType: HeapType | undefined;

  /** @internal */
  typeOfPtr(ptr: number): HeapType {
    return this.#types[this.core.typeOf(ptr)];
  }

  // ── HeapInternals: handles (src/host/handles.ts) ──

  /** @internal */
  registerHandle(h: Handle, ptr: number): void {
    this.#handles.add(h, ptr);
    if (this.scopes.length && h._mark !== HOOK) this.scopes[this.scopes.length - 1]?._add(h);
  }

  /** @internal */
  releaseHandle(h: Handle, ptr: number): void {
    this.forgetHandle(h);
    if (!this.#destroyed) {
      this.core.decref(ptr);
      this.flushUnraisable();
    }
  }

  /** @internal A handle gone (disposed, or its reference taken by setTake): its bookkeeping, not its reference. */
  forgetHandle(h: Handle): void {
    this.#handles.remove(h);
    // the user no longer holds the weakref its callback would receive: the callback gets a hook
    // handle, without a deref (a third of a callback's cost in a 200,000-link chain)
    const cbId = (h as HeapWeakRef)._callbackId;
    if (cbId) this.#callbacks.detach(cbId);
    if (this.scopes.length) forget(this, h);
  }

  /** A handle for a hook's argument, disposed by the hook itself when it returns (never registered). */
  // made once, not per death: the per-death hooks passed fresh closures on every call
  /** The type of an object the core handed to a hook (live: its header is read, no call into the core). */
  readonly #typeAt = (ptr: number): HeapType => this.#types[this.views.u32[(ptr + INFO_OFFSET) >>> 2] & TYPE_ID_MASK];
  readonly #wrapHook = (ptr: number): Handle => this.wrapBorrowed(ptr)!;
  /** A hook's own handle to ptr (src/host/handles.ts hookHandle). */
  readonly #hookHandleOf = (ptr: number): Handle => this.#handles.hookHandle(this.#wrapHook, ptr);

  /** @internal FinalizationRegistry callback: a handle was collected without dispose(). */
  _releaseLeaked(rec: LeakRecord): void {
    // a refusing heap frees nothing more (and this runs from the JS collector: it must not throw)
    if (this.#destroyed || this.#corrupted) return;
    this.#handles.releaseLeaked(rec, this.core, this.onHandleLeak);
  }

  /** @internal A new handle for a borrowed pointer (increfs). */
  wrapBorrowed(ptr: number): Handle | null {
    if (this.#events.midOperation || this.#midCollection) this.assertNotMidOperation("making a handle");
    if (!ptr) return null;
    this.core.incref(ptr);
    return this.wrapOwned(ptr);
  }

  /** @internal handle.get(): a new handle to reference field i of p (one call into the core). */
  wrapField(p: number, i: number): Handle | null {
    if (this.#events.midOperation || this.#midCollection) this.assertNotMidOperation("making a handle");
    return this.wrapOwned(this.core.getRefNew(p, i));
  }

  /** @internal A new handle taking over an owned reference. */
  wrapOwned(ptr: number): Handle | null {
    if (!ptr) return null;
    // the type id from the header (the core gave ptr out, so it is a live object): no call into the core
    const id = this.views.u32[(ptr + INFO_OFFSET) >>> 2] & TYPE_ID_MASK;
    if (id === TYPE_WEAKREF) {
      const wr = new HeapWeakRef(this, ptr, this.#weakrefType);
      return this.core.weakrefKind(ptr) & WR_PROXY ? makeProxy(wr) : wr;
    }
    return new Handle(this, ptr, this.#types[id]);
  }

  /** @internal The pointer of a handle argument, checked: live, from this heap. null → 0. */
  ptrOf(value: Handle | null, what = "value"): number {
    if (this.#events.midOperation || this.#midCollection) this.assertNotMidOperation(what);
    if (value === null) return 0;
    // a weak proxy stands for itself when stored (its weakref object), as in CPython
    const proxy = value as unknown as Partial<WeakProxy>;
    if (proxy?.isProxy === true && proxy.weakref instanceof HeapWeakRef) value = proxy.weakref;
    if (!(value instanceof Handle)) throw new HeapTypeError(`${what}: expected a Handle or null, got ${describe(value)}`);
    if (value._heap !== this) throw new HeapTypeError(`${what}: the handle belongs to another heap`);
    return value.ptr;
  }

  /** @internal ptrOf for an argument that must be an object (null refused). */
  objectPtr(value: Handle, what: string): number {
    if (value === null) throw new HeapTypeError(`${what}: expected a Handle, got null`);
    return this.ptrOf(value, what);
  }

  // ── out of memory (the policy: assembly/oom.ts; the error: src/host/oom.ts) ──

  /** Full collections the core ran because an allocation failed (assembly/oom.ts): at most one per allocation. */
  get oomCollections(): number { this.#alive(); return this.core.gcOomCollections() >>> 0; }

  /** @internal The typed error every call on a destroyed heap gets (HandleDisposedError). */
  assertNotDestroyed(what: string): void {
    if (this.#destroyed) throw new HandleDisposedError(`${what}: this heap was destroyed`);
  }

  /** @internal */
  outOfMemory(what: string): HeapOutOfMemoryError { return this.#oom.error(what); }
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
