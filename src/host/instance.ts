// The heap's wasm instance: options checked before anything is made, the core instantiated with
// its host hooks (the imports through which the core calls finalizers, weakref callbacks, gc
// phases, allocation events and the census), and init() run with the chosen strategies.

import { instantiate, type Build, type CoreExports, type HostHooks, type Views } from "../wasm.js";
import { HeapConfigError, HeapOutOfMemoryError, type HeapCorruptedError } from "../errors.js";
import {
  ALLOCATORS, ALLOCATOR_CODES, COLLECTORS, COLLECTOR_CODES, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, REGISTRY_ID, isAllocator, isCollector,
  type AllocatorName, type CollectorName,
} from "../strategies.js";

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

export type ResolvedOptions = Required<HeapOptions>;

const PAGE = 65536;

/** The options with their defaults, each checked (HeapConfigError) before anything is made. */
export function resolveOptions(options: HeapOptions): ResolvedOptions {
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
  return { allocator, collector, finalizerMode, maxBytes, debug: options.debug ?? false, leakWarnings: options.leakWarnings ?? false };
}

/** Where the core's hooks land: the heap's own methods (looked up at each call: tests replace them). */
export interface HookTarget {
  _insideCore(fn: () => void): void;
  _enterCore(): void;
  _leaveCore(): void;
  _finalizeHook(obj: number): void;
  _weakrefCallbackHook(wr: number, id: number): void;
  _weakrefFreedHook(id: number): void;
  _allocationEventsHook(buffer: number, count: number): void;
  _censusHook(buffer: number, words: number): void;
  _corrupted(err: HeapCorruptedError): void;
  readonly gc: { _phase(phase: number, g: number, c: number, u: number, n: number): void; _garbage(obj: number, why: number): void; _host(fn: () => void): void; _hostBegin(): number; _hostEnd(t: number): void };
}

/**
 * The core's hooks for a heap not made yet (`heap()` is undefined until then). Every call from the
 * core that runs user code runs inside it (_insideCore): onUnraisable waits until the core has returned.
 */
export function hostHooks(heap: () => HookTarget | undefined): HostHooks {
  const inCore = (fn: (h: HookTarget) => void) => { const h = heap(); if (h) h._insideCore(() => fn(h)); };
  return {
    // host code a collection calls is timed as its pause's hostMs (gc.ts _host). The two hooks
    // that run once per death are spelled out: inCore's two closures per call were a tenth of a
    // VM __del__'s dispatch (a 200,000-link chain whose __del__ drops the next link).
    finalize: (obj) => {
      const h = heap();
      if (!h) return;
      h._enterCore();
      const t = h.gc._hostBegin();
      try { h._finalizeHook(obj); } finally { h.gc._hostEnd(t); h._leaveCore(); }
    },
    weakrefCallback: (wr, id) => {
      const h = heap();
      if (!h) return;
      h._enterCore();
      const t = h.gc._hostBegin();
      try { h._weakrefCallbackHook(wr, id); } finally { h.gc._hostEnd(t); h._leaveCore(); }
    },
    weakrefFreed: (id) => { heap()?._weakrefFreedHook(id); },
    gcPhase: (phase, g, c, u, n) => inCore((h) => h.gc._phase(phase, g, c, u, n)),
    gcGarbage: (obj, why) => inCore((h) => h.gc._host(() => h.gc._garbage(obj, why))),
    allocationEvents: (buffer, count) => inCore((h) => h._allocationEventsHook(buffer, count)),
    censusBatch: (buffer, words) => heap()?._censusHook(buffer, words),
    corrupted: (err) => heap()?._corrupted(err),
  };
}

/**
 * Instantiates the build the options ask for (or `build`: the bench module, which links the release
 * core with in-wasm workloads) and runs init(); HeapOutOfMemoryError if maxBytes cannot hold the start.
 */
export async function startCore(opts: ResolvedOptions, hooks: HostHooks, build?: Build): Promise<{ exports: CoreExports; views: Views }> {
  const inst = await instantiate(build ?? (opts.debug ? "debug" : "release"), undefined, hooks);
  // the codes below mean this host's strategies only in a core generated from the same registry
  if (inst.exports.registryId() >>> 0 !== REGISTRY_ID) { // a u32 arrives as an i32
    throw new HeapConfigError("the core (build/*.wasm) and this host come from builds of different strategy registries (an --allocator or --collector file added or left out since): rebuild both, `npm run build` for dist/");
  }
  const rc = inst.exports.init(ALLOCATOR_CODES[opts.allocator], Math.floor(opts.maxBytes / PAGE), COLLECTOR_CODES[opts.collector], opts.finalizerMode === "legacy" ? 1 : 0);
  if (rc !== 0) {
    throw new HeapOutOfMemoryError(`maxBytes ${opts.maxBytes} is too small: the heap needs ${inst.exports.memory.buffer.byteLength + PAGE} bytes to start`);
  }
  return inst;
}
