// The host API: Heap.create, defineType, alloc, refcount, stats, verify, and heap.raw.

import { instantiate, type CoreExports, type HostHooks, type Views } from "./wasm.js";
import { Handle } from "./handle.js";
import { HeapType, KIND_CODES, TF_FINALIZER, TF_WEAKREFABLE, checkSpec, mintType, type ScalarKind, type TypeSpec } from "./types.js";
import { Finalize, HeapWeakRef, isWeakProxy, makeProxy, type WeakProxy } from "./weak.js";
import { GcController } from "./gc.js";
import {
  HandleDisposedError, HeapConfigError, HeapCorruptedError, HeapIndexError, HeapOutOfMemoryError, HeapTypeError, HeapVerifyError,
} from "./errors.js";
import { PART_NAMES, decodeStats, formatStats, type HeapStats } from "./stats.js";
import { RawApi } from "./raw.js";
import { Inspector } from "./inspect/index.js";
import { Scope, forget } from "./scope.js";
import { inspectSymbol, safely } from "./show.js";

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

import {
  ALLOCATORS, ALLOCATOR_CODES, ALLOCATOR_INFO, COLLECTORS, COLLECTOR_CODES, COLLECTOR_INFO, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, isAllocator, isCollector,
  type AllocatorCapability, type AllocatorName, type CollectorCapability, type CollectorName,
} from "./strategies.js";
// the registry's names, codes and defaults, where main's callers (bench, embedders) import them
export { ALLOCATORS, COLLECTORS, ALLOCATOR_CODES, COLLECTOR_CODES, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, type AllocatorName, type CollectorName };
export type FinalizerMode = "pep442" | "legacy";

export interface HeapOptions {
  /**
   * One of ALLOCATORS (strategies.json; ALLOCATOR_INFO describes each): 'pools' (default:
   * obmalloc-like size classes), 'tlsf' (two-level segregated fit, O(1)), 'firstfit'
   * (address-ordered free list), 'bump' (never reuses: the floor), 'mimalloc' (free-list sharding).
   */
  allocator?: AllocatorName;
  /**
   * One of COLLECTORS: 'generational' (default: CPython 3.12's collector), 'recycler' (cycle
   * collection from candidate roots: a collection's cost follows the objects whose counts
   * dropped, not the heap), or 'none' (refcounting only: the floor).
   */
  collector?: CollectorName;
  /**
   * 'pep442' (default) or 'legacy' (Python 2): a cycle holding a finalizer is uncollectable and lands in
   * gc.garbage; at refcount death weakrefs are cleared (and called back) before the finalizer, which runs
   * at every death, resurrected or not (tp_del).
   */
  finalizerMode?: FinalizerMode;
  /** Most bytes of linear memory the heap may commit (rounded down to 64 KiB pages). Default 4 GiB. */
  maxBytes?: number;
  /** Use the checked build: every raw call validates its pointers and indexes. Default false. */
  debug?: boolean;
  /** Warn (heap.onHandleLeak, default console.warn) when a handle is garbage-collected without dispose(), naming where it was made. */
  leakWarnings?: boolean;
}

export interface HandleLeak { type: string; address: number; createdAt?: string }

export interface VerifyReport { objects: number; externalRefs: number; handles: number; committedBytes: number }

/** @internal What handles need from their heap (not public API). */
export interface HeapInternals {
  readonly core: CoreExports;
  readonly views: Views;
  readonly destroyed: boolean;
  registerHandle(h: Handle, ptr: number): void;
  releaseHandle(h: Handle, ptr: number): void;
  wrapBorrowed(ptr: number): Handle | null;
  assertNotMidOperation(what: string): void;
  wrapOwned(ptr: number): Handle | null;
  ptrOf(value: Handle | null): number;
  outOfMemory(what: string): HeapOutOfMemoryError;
  allocating(attempt: () => number, hold?: readonly number[]): number;
  typeOfPtr(ptr: number): HeapType;
  weakrefCallbackOf(kindWord: number): ((wr: HeapWeakRef) => void) | null;
  weakrefWithCallback(obj: Handle, cb: (wr: HeapWeakRef) => void): HeapWeakRef;
  registerFinalize(f: FinalizeEntry): void;
  unregisterFinalize(f: FinalizeEntry): void;
  runFinalize(f: FinalizeEntry): void;
  flushUnraisable(): void;
}

/** @internal What the heap needs of a finalize object. */
export interface FinalizeEntry { readonly index: number; readonly atexit: boolean; readonly alive: boolean; call(): unknown }

const TYPE_WEAKREF = 2;
const TYPE_WEAKMAP = 3;
const WR_PROXY = 1, WR_CALLBACK = 2, WR_ID_SHIFT = 8;

// Heaps with exit-time finalizers still pending, run when the process exits (weakly held).
const exitHeaps = new Set<WeakRef<Heap>>();
let exitHookInstalled = false;
function installExitHook(heap: Heap): void {
  for (const ref of exitHeaps) if (!ref.deref()) exitHeaps.delete(ref); // collected heaps leave no trace
  exitHeaps.add(new WeakRef(heap));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  if (typeof process === "undefined" || typeof process.once !== "function") return; // a browser: no exit
  process.once("exit", () => {
    for (const ref of exitHeaps) ref.deref()?.runExitFinalizers();
  });
}

interface LeakRecord { ptr: number; type: string; stack?: string }

let nextHeapId = 1;
const PAGE = 65536;

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
   */
  onUnraisable: (err: unknown, context: string) => void = (err, context) => {
    console.error(`Exception ignored in: ${context}`, err);
  };
  readonly #leakWarnings: boolean;
  // One registry per heap, and its held records do not name the heap: a module-level registry's
  // records are strongly held, so a record naming the heap kept every heap alive whose handle was
  // captured by something the heap holds (a finalizer, a weakref callback, gc.callbacks): 200 such
  // heaps kept ~900 MiB and ~2 TB of reserved address space. An unreachable registry is collected
  // with its heap (its callbacks then never run, which is right: the memory goes too).
  readonly #leakRegistry = new FinalizationRegistry<LeakRecord>((rec) => this._releaseLeaked(rec));
  /**
   * Weakref callbacks by id, each with the HeapWeakRef that heap.weakref()/proxy() returned, held
   * weakly: the callback receives that very object while the user keeps it (CPython passes the
   * same ref), without the heap keeping it alive.
   */
  readonly #callbacks = new Map<number, { fn: (wr: HeapWeakRef) => void; wrapper: WeakRef<HeapWeakRef> | null }>();
  #nextCallbackId = 1;
  /** Ids whose weakref object was freed: reused, so the 2^24 limit is on weakrefs alive at once. */
  readonly #freeCallbackIds: number[] = [];
  readonly #unraisable: { err: unknown; context: string }[] = [];
  #flushScheduled = false;
  readonly #finalizers = new Set<FinalizeEntry>();
  #weakrefType!: HeapType;
  readonly #types: HeapType[] = [];
  #liveHandles = 0;
  #leakedReleased = 0;
  #destroyed = false;

  private constructor(opts: Required<Omit<HeapOptions, "leakWarnings">> & { leakWarnings: boolean }, inst: { exports: CoreExports; views: Views }) {
    this.allocator = opts.allocator;
    this.collector = opts.collector;
    this.finalizerMode = opts.finalizerMode;
    this.gc = new GcController(this);
    this.debug = opts.debug;
    this.maxBytes = opts.maxBytes;
    this.#leakWarnings = opts.leakWarnings;
    this.core = inst.exports;
    this.views = inst.views;
    this.raw = new RawApi(this);
    this.#weakrefType = mintType(this.id, TYPE_WEAKREF, "weakref", "weakref", [], {}, false, undefined, 32, 0, 0, 0);
    this.#types[TYPE_WEAKREF] = this.#weakrefType;
    this.#types[TYPE_WEAKMAP] = mintType(this.id, TYPE_WEAKMAP, "weakmap", "weakmap", [], {}, false, undefined, 36, 0, 0, 0);
  }

  static async create(options: HeapOptions = {}): Promise<Heap> {
    if (options === null || typeof options !== "object") throw new HeapConfigError("Heap.create expects an options object");
    const allocator = options.allocator ?? DEFAULT_ALLOCATOR;
    const collector = options.collector ?? DEFAULT_COLLECTOR;
    const finalizerMode = options.finalizerMode ?? "pep442";
    if (finalizerMode !== "pep442" && finalizerMode !== "legacy") throw new HeapConfigError(`finalizerMode must be 'pep442' or 'legacy', got '${String(finalizerMode)}'`);
    if (!isAllocator(allocator)) throw new HeapConfigError(`allocator '${String(allocator)}' is unknown; available: ${ALLOCATORS.join(", ")}`);
    if (!isCollector(collector)) throw new HeapConfigError(`collector '${String(collector)}' is unknown; available: ${COLLECTORS.join(", ")}`);
    const maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
    if (typeof maxBytes !== "number" || !(maxBytes >= 0) || maxBytes > 4 * 1024 ** 3) {
      throw new HeapConfigError(`maxBytes must be a number of bytes up to 4 GiB, got ${String(maxBytes)}`);
    }
    const debug = options.debug ?? false;
    const leakWarnings = options.leakWarnings ?? false;
    let heap: Heap | undefined;
    // every call from the core runs inside it: onUnraisable waits until the core has returned
    const inCore = (fn: () => void) => { if (heap) heap._insideCore(fn); };
    const hooks: HostHooks = {
      // host code a collection calls is timed as its pause's hostMs (gc.ts _host)
      finalize: (obj) => inCore(() => heap!.gc._host(() => heap!._finalizeHook(obj))),
      weakrefCallback: (wr, id) => inCore(() => heap!.gc._host(() => heap!._weakrefCallbackHook(wr, id))),
      weakrefFreed: (id) => { heap?._weakrefFreedHook(id); },
      gcPhase: (phase, g, c, u, n) => inCore(() => heap!.gc._phase(phase, g, c, u, n)),
      gcGarbage: (obj, why) => inCore(() => heap!.gc._host(() => heap!.gc._garbage(obj, why))),
      allocationEvents: (buffer, count) => inCore(() => heap!._allocationEventsHook(buffer, count)),
      censusBatch: (buffer, words) => heap?._censusHook(buffer, words),
      corrupted: (err) => heap?._corrupted(err),
    };
    const inst = await instantiate(debug ? "debug" : "release", undefined, hooks);
    const rc = inst.exports.init(ALLOCATOR_CODES[allocator], Math.floor(maxBytes / PAGE), COLLECTOR_CODES[collector], finalizerMode === "legacy" ? 1 : 0);
    if (rc !== 0) {
      throw new HeapOutOfMemoryError(`maxBytes ${maxBytes} is too small: the heap needs ${inst.exports.memory.buffer.byteLength + PAGE} bytes to start`);
    }
    heap = new Heap({ allocator, collector, finalizerMode, maxBytes, debug, leakWarnings }, inst);
    return heap;
  }

  get destroyed(): boolean { return this.#destroyed; }
  /** What this heap's allocator and collector can do (strategies.json; ALLOCATOR_INFO, COLLECTOR_INFO). */
  get capabilities(): { allocator: Readonly<Record<AllocatorCapability, boolean>>; collector: Readonly<Record<CollectorCapability, boolean>> } {
    return { allocator: ALLOCATOR_INFO[this.allocator].capabilities, collector: COLLECTOR_INFO[this.collector].capabilities };
  }
  /** Handles created and not yet disposed (nor released by the FinalizationRegistry). */
  get liveHandles(): number { return this.#liveHandles; }
  /** Handles that JS collected without dispose() and whose references were released for them. */
  get leakedHandlesReleased(): number { return this.#leakedReleased; }
  get types(): readonly HeapType[] { return this.#types; }

  #alive(): void {
    if (this.#destroyed) throw new HandleDisposedError("this heap was destroyed");
    if (this.#corrupted) throw new HeapCorruptedError(this.#corrupted.message, this.#corrupted.cause);
    if (this.#midOperationDelivery || this.#midCollection) this.assertNotMidOperation("this call");
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
    if (this.#midOperationDelivery) {
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
    if (id === -1) throw new HeapConfigError(`type ${s.name}: the type table is full (4094 types)`);
    if (id < 0) throw new HeapTypeError(`type ${s.name}: too many or too large fields`);
    const rec = (this.core.typeTable() >>> 2) + id * 8;
    const u32 = this.views.u32;
    const type = mintType(this.id, id, s.name, s.kind, s.refs, s.scalars, s.weakrefable, s.finalizer, u32[rec + 3], u32[rec + 4], u32[rec + 6], u32[rec + 7]) as unknown as HeapType<R[number], keyof S & string>;
    this.#types[id] = type as unknown as HeapType;
    return type;
  }

  #checkType(type: HeapType, what: string): void {
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
    this.#alive();
    this.#checkType(type, "alloc");
    let p = 0;
    if (type.kind === "fixed") {
      if (init !== undefined) throw new HeapTypeError(`alloc: ${type.name} is a fixed type and takes no initial value`);
      p = this.allocating(() => this.core.alloc(type.id));
      if (!p) throw this.outOfMemory(`alloc(${type.name}) of ${type.size} bytes`);
    } else if (type.kind === "refarray") {
      if (Array.isArray(init)) {
        const items = init as readonly (Handle | null)[];
        const ptrs = items.map((h) => this.ptrOf(h)); // validate all before allocating
        checkLength(ptrs.length, `alloc(${type.name})`, 0x1fff_0000);
        // The allocation may collect, and a finalizer may then dispose an item's handle: the items
        // are held while it runs (as CPython's list display holds its evaluated items), or the list
        // would store a freed pointer.
        p = this.#holding(ptrs, () => {
          const list = this.allocating(() => this.core.allocList(type.id, ptrs.length));
          if (list) for (let i = 0; i < ptrs.length; i++) if (ptrs[i]) this.core.listSet(list, i, ptrs[i]);
          return list;
        });
        if (!p) throw this.outOfMemory(`alloc(${type.name}) with ${items.length} items`);
      } else {
        const n = checkLength(init ?? 0, `alloc(${type.name})`, 0x1fff_0000);
        p = this.allocating(() => this.core.allocList(type.id, n));
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
      p = this.allocating(() => this.core.allocBytes(type.id, n));
      if (!p) throw this.outOfMemory(`alloc(${type.name}) of ${n} bytes`);
      if (data) this.views.u8.set(data, this.core.bytesData(p));
    }
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
   * then makes every handle unusable; the heap's memory goes when JS collects the heap.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.runExitFinalizers();
    this.#destroyed = true;
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
      return `<${what}: ${s.liveObjects} objects, ${this.#liveHandles} handles, ${s.committedBytes} bytes>`;
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
    let id = 0;
    if (callback) {
      id = this.#freeCallbackIds.pop() ?? this.#nextCallbackId;
      if (id === this.#nextCallbackId && id < 1 << 24) this.#nextCallbackId++;
      if (id >= 1 << 24) throw new HeapTypeError(`${what}: too many weakref callbacks alive at once (16,777,215)`);
      this.#callbacks.set(id, { fn: callback, wrapper: null });
    }
    const wr = this.core.weakrefNew(p, proxy ? 1 : 0, id);
    if (!wr) {
      if (id) { this.#callbacks.delete(id); this.#freeCallbackIds.push(id); }
      throw this.outOfMemory(what);
    }
    const handle = new HeapWeakRef(this, wr, this.#weakrefType);
    const rec = id ? this.#callbacks.get(id) : undefined;
    if (rec) { rec.wrapper = new WeakRef(handle); handle._callbackId = id; }
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
   * the core has returned. (A finalizer's own borrowed handle used to flush, so onUnraisable ran
   * in the middle of a death or a collection.)
   */
  flushUnraisable(): void {
    if (this.#coreDepth) return;
    while (this.#unraisable.length) {
      const { err, context } = this.#unraisable.shift()!;
      try {
        this.onUnraisable(err, context);
      } catch (e) {
        console.error("refheap: onUnraisable threw while reporting", err, e);
      }
    }
  }

  /** @internal */
  queueUnraisable(err: unknown, context: string): void { this.#queueUnraisable(err, context); }

  #queueUnraisable(err: unknown, context: string): void {
    this.#unraisable.push({ err, context });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => { this.#flushScheduled = false; this.flushUnraisable(); });
    }
  }

  /** @internal runs live exit-time finalize objects, newest first */
  runExitFinalizers(): void {
    if (this.#destroyed) return;
    for (;;) {
      const pending = [...this.#finalizers].filter((f) => f.atexit && f.alive);
      if (!pending.length) break;
      const newest = pending.reduce((a, b) => (a.index > b.index ? a : b));
      this.runFinalize(newest);
    }
    this.flushUnraisable();
  }

  #coreDepth = 0;
  /** @internal runs host code the core called (a hook), counting the depth */
  _insideCore(fn: () => void): void {
    this.#coreDepth++;
    try { fn(); } finally { this.#coreDepth--; }
  }

  /** @internal host hook: the core is about to let obj die and its type has a finalizer */
  _finalizeHook(obj: number): void {
    try {
      const type = this.typeOfPtr(obj);
      const h = this.#hookHandle(obj);
      try {
        type.finalizer?.(h);
      } catch (err) {
        this.#queueUnraisable(err, `finalizer of <${type.name} object at 0x${obj.toString(16)}>`);
      } finally {
        h.dispose();
      }
    } catch (err) {
      this.#queueUnraisable(err, `refheap finalize hook at 0x${obj.toString(16)}`);
    }
  }

  /** @internal host hook: a weakref's referent died; call its callback with the weakref */
  _weakrefCallbackHook(wr: number, id: number): void {
    try {
      const rec = this.#callbacks.get(id);
      if (!rec) return;
      // called once; the weakref's callback is None from now on (CPython's clear_weakref drops it)
      this.#callbacks.delete(id);
      const cb = rec.fn;
      // the user's own HeapWeakRef if they still hold it (the core holds a reference for the call)
      const held = rec.wrapper?.deref();
      const own = held?.alive && held.ptr === wr ? held : null;
      let weak: HeapWeakRef;
      if (own) weak = own;
      else {
        const h = this.#hookHandle(wr) as HeapWeakRef | WeakProxy;
        weak = h instanceof HeapWeakRef ? h : h.weakref;
      }
      try {
        cb(weak);
      } catch (err) {
        this.#queueUnraisable(err, `weakref callback ${cb.name || "<anonymous>"} of ${weak}`);
      } finally {
        if (weak !== own) weak.dispose();
      }
    } catch (err) {
      this.#queueUnraisable(err, `refheap weakref callback hook at 0x${wr.toString(16)}`);
    }
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
    const entry = { listener };
    this.#eventListeners.add(entry);
    if (this.#eventListeners.size === 1) this.core.eventsSetOn(1);
    return () => {
      if (!this.#eventListeners.has(entry) || this.#destroyed) { this.#eventListeners.delete(entry); return; }
      this.#flushAtSafePoint(); // what this listener saw happen is delivered before it leaves
      this.#eventListeners.delete(entry);
      if (!this.#eventListeners.size) this.core.eventsSetOn(0);
    };
  }

  /** Delivers the allocation events buffered so far to the listeners now (a safe point: they may use the heap). */
  flushAllocationEvents(): void {
    this.#alive();
    this.#flushAtSafePoint();
    this.flushUnraisable();
  }

  #flushAtSafePoint(): void {
    const outer = this.#safeFlush;
    this.#safeFlush = true;
    try { this.core.eventsFlush(); } finally { this.#safeFlush = outer; }
  }

  readonly #eventListeners = new Set<{ listener: (events: Uint32Array) => void }>();
  /** Set while flushAllocationEvents() (a safe point) delivers. */
  #safeFlush = false;
  /** Set while a delivery the core started mid-operation runs (see assertNotMidOperation). */
  #midOperationDelivery = false;

  /** @internal host hook: `count` allocation events at `buffer` */
  _allocationEventsHook(buffer: number, count: number): void {
    // copied first: a listener that allocates makes the core write new events into the same buffer
    const batch = this.views.u32.slice(buffer >>> 2, (buffer >>> 2) + count * 3);
    const outerMid = this.#midOperationDelivery;
    this.#midOperationDelivery = !this.#safeFlush;
    // a safe flush's listener may allocate, whose own deliveries are mid-operation again
    const outerSafe = this.#safeFlush;
    this.#safeFlush = false;
    for (const { listener } of [...this.#eventListeners]) {
      try {
        listener(batch);
      } catch (err) {
        this.#queueUnraisable(err, `allocation events listener ${listener.name || "<anonymous>"}`);
      }
    }
    this.#midOperationDelivery = outerMid;
    this.#safeFlush = outerSafe;
  }

  /** Inspection: census, growth, reference chains, dominators, .heapsnapshot, DOT, tracemalloc (src/inspect/). */
  get inspect(): Inspector { return (this.#inspector ??= new Inspector(this)); }
  #inspector: Inspector | undefined;

  #censusSink: ((words: Uint32Array) => void) | null = null;

  /**
   * @internal Streams every live block and its strong references to `sink` (assembly/census.ts),
   * in batches; the core allocates nothing meanwhile, and the sink must not call into the heap.
   */
  census(sink: (words: Uint32Array) => void): void {
    this.#alive();
    if (this.#censusSink) throw new HeapConfigError("census: a census is already running (called from a census sink?)");
    // an event reaches the host in the middle of an allocation or a free: the heap is not walkable then
    // (only mid-operation: a delivery from flushAllocationEvents() is a safe point, and so is what a listener there runs)
    if (this.#midOperationDelivery) throw new HeapConfigError("census: not from an allocation events listener called mid-allocation or mid-free (the heap is not walkable then)");
    this.#censusSink = sink;
    try { this.core.census(); } finally { this.#censusSink = null; }
  }

  /** @internal host hook: `words` words of the census stream at `buffer` */
  _censusHook(buffer: number, words: number): void {
    this.#censusSink?.(this.views.u32.subarray(buffer >>> 2, (buffer >>> 2) + words));
  }

  /** @internal host hook: a weakref with a callback was freed */
  _weakrefFreedHook(id: number): void {
    // (the id is free only now: until its weakref object is freed, the id is in its kind word)
    this.#callbacks.delete(id);
    this.#freeCallbackIds.push(id);
  }

  /** @internal */
  weakrefCallbackOf(kindWord: number): ((wr: HeapWeakRef) => void) | null {
    return kindWord & WR_CALLBACK ? this.#callbacks.get(kindWord >>> WR_ID_SHIFT)?.fn ?? null : null;
  }

  /** @internal */
  weakrefWithCallback(obj: Handle, cb: (wr: HeapWeakRef) => void): HeapWeakRef {
    return this.#newWeak(obj, false, cb, "finalize");
  }

  /** @internal */
  registerFinalize(f: FinalizeEntry): void {
    if (!this.#finalizers.size) installExitHook(this);
    this.#finalizers.add(f);
  }

  /** @internal */
  unregisterFinalize(f: FinalizeEntry): void { this.#finalizers.delete(f); }

  /** @internal calls a finalize object, routing its exception to onUnraisable */
  runFinalize(f: FinalizeEntry): void {
    try {
      f.call();
    } catch (err) {
      this.#queueUnraisable(err, `finalize object ${f.index}`);
    }
  }

  /** @internal the heap's own bytes type, for map keys */
  bytesType(): HeapType {
    return (this.#bytesType ??= this.defineType({ name: "bytes", kind: "bytes" }));
  }
  #bytesType: HeapType | undefined;

  /** @internal */
  typeOfPtr(ptr: number): HeapType {
    return this.#types[this.core.typeOf(ptr)];
  }

  // ── HeapInternals ──

  /** @internal */
  registerHandle(h: Handle, ptr: number): void {
    this.#liveHandles++;
    if (this.#nextHandleScoped) {
      // a hook's own handle, disposed when the hook returns: never leaked, so never registered
      // (the registry's bookkeeping was most of the cost of a finalizer call)
      this.#nextHandleScoped = false;
      this.#scopedHandles.add(h);
      return;
    }
    if (this.scopes.length) this.scopes[this.scopes.length - 1]?._add(h);
    const rec: LeakRecord = { ptr, type: h.type.name };
    if (this.#leakWarnings) rec.stack = new Error().stack?.split("\n").slice(3).join("\n");
    this.#leakRegistry.register(h, rec, h);
  }

  /** @internal */
  releaseHandle(h: Handle, ptr: number): void {
    if (!this.#scopedHandles.delete(h)) this.#leakRegistry.unregister(h);
    // the user no longer holds the weakref its callback would receive: the callback gets a hook
    // handle, without a deref (a third of a callback's cost in a 200,000-link chain)
    if ((h as HeapWeakRef)._callbackId) { const rec = this.#callbacks.get((h as HeapWeakRef)._callbackId); if (rec) rec.wrapper = null; }
    if (this.scopes.length) forget(this, h);
    this.#liveHandles--;
    if (!this.#destroyed) {
      this.core.decref(ptr);
      this.flushUnraisable();
    }
  }

  #nextHandleScoped = false;
  readonly #scopedHandles = new Set<Handle>();

  /** A handle for a hook's argument, disposed by the hook itself when it returns (see registerHandle). */
  #hookHandle(ptr: number): Handle {
    this.#nextHandleScoped = true;
    try { return this.wrapBorrowed(ptr)!; } finally { this.#nextHandleScoped = false; }
  }

  /** @internal FinalizationRegistry callback: a handle was collected without dispose(). */
  _releaseLeaked(rec: LeakRecord): void {
    // a refusing heap frees nothing more (and this runs from the JS collector: it must not throw)
    if (this.#destroyed || this.#corrupted) return;
    this.#liveHandles--;
    this.#leakedReleased++;
    try {
      this.core.decref(rec.ptr);
    } catch (err) {
      if (!(err instanceof HeapCorruptedError)) throw err;
      return;
    }
    if (this.#leakWarnings) {
      try {
        this.onHandleLeak({ type: rec.type, address: rec.ptr, createdAt: rec.stack });
      } catch { /* a throwing hook must not break the registry's job */ }
    }
  }

  /** @internal A new handle for a borrowed pointer (increfs). */
  wrapBorrowed(ptr: number): Handle | null {
    if (this.#midOperationDelivery || this.#midCollection) this.assertNotMidOperation("making a handle");
    if (!ptr) return null;
    this.core.incref(ptr);
    return this.wrapOwned(ptr);
  }

  /** @internal A new handle taking over an owned reference. */
  wrapOwned(ptr: number): Handle | null {
    if (!ptr) return null;
    const id = this.core.typeOf(ptr);
    if (id === TYPE_WEAKREF) {
      const wr = new HeapWeakRef(this, ptr, this.#weakrefType);
      return this.core.weakrefKind(ptr) & WR_PROXY ? makeProxy(wr) : wr;
    }
    return new Handle(this, ptr, this.#types[id]);
  }

  /** @internal The pointer of a handle argument, checked: live, from this heap. null → 0. */
  ptrOf(value: Handle | null, what = "value"): number {
    if (this.#midOperationDelivery || this.#midCollection) this.assertNotMidOperation(what);
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

  /**
   * @internal Runs an allocation; if it fails and this heap has a collector, collects everything
   * and tries once more before giving up (CPython's MemoryError comes after the same attempt).
   */
  allocating(attempt: () => number, hold?: readonly number[]): number {
    let p = attempt();
    if (!p && this.capabilities.collector.collectsCycles && !this.core.gcIsCollecting()) {
      // the collection runs finalizers, which may dispose the handles whose pointers the attempt uses
      p = this.#holding(hold ?? [], () => {
        this.core.gcCollect(2);
        this.flushUnraisable();
        return attempt();
      });
    }
    return p;
  }

  /**
   * Runs `body` holding a reference to each of `ptrs` (0s skipped): host code that runs meanwhile (a
   * collection's finalizers) may dispose their handles without freeing them under the caller.
   */
  #holding<T>(ptrs: readonly number[], body: () => T): T {
    for (const c of ptrs) if (c) this.core.incref(c);
    try {
      return body();
    } finally {
      for (const c of ptrs) if (c) this.core.unhold(c); // no trace in the recycler's candidates
      this.flushUnraisable();
    }
  }

  /** @internal The typed error every call on a destroyed heap gets (HandleDisposedError). */
  assertNotDestroyed(what: string): void {
    if (this.#destroyed) throw new HandleDisposedError(`${what}: this heap was destroyed`);
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
