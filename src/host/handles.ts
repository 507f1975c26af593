// The handle table: counts live handles and releases forgotten ones through a FinalizationRegistry.
//
// Registering every handle with the registry cost more than everything else a handle does (~350 ns
// for register + unregister, and the registry's cells for the JS collector: 2 handles per node made
// the W1 Handles row ~1,500 ns/node). Most handles live for microseconds (a child fetched, read,
// disposed), so a new handle starts in the nursery: a fixed-size stack holding it strongly, with
// no registration. A handle knows its slot: disposing it empties the slot, and disposing the top
// one pops it and every emptied slot below, so handles disposed in the order they were made
// (nested calls, a loop body) keep the nursery a few slots deep. The nursery is emptied when it
// fills and in a microtask after it was first used: each handle still alive then is registered
// (its leak can now be noticed). A forgotten handle is therefore released like before, at most
// one nursery sweep later; a disposed one never touches the registry, and is garbage for the JS
// collector at once (a disposed handle held until the sweep was copied by every scavenge, and
// a full nursery meant a sweep per 4,096 handles registering whatever was alive then: the W1
// Handles row went from ~210 to ~150 ns/node without it). Handles the core's hooks make for
// their own arguments are disposed by the hook itself and never registered.

import type { Handle } from "../handle.js";
import { HeapCorruptedError } from "../errors.js";
import type { CoreExports } from "../wasm.js";

/** Handle._mark: where the table keeps a handle; IN_NURSERY + i: in nursery slot i. */
export const REGISTERED = 1, HOOK = 2, RELEASED = 3, IN_NURSERY = 4;

/** Nursery size: a sweep costs one pass over it, so about one check per handle made. */
const NURSERY = 4096;

export interface LeakRecord { ptr: number; type: string; stack?: string; /** HandleTable.#id */ table: number }

// One FinalizationRegistry for every heap of the process, never unreachable. A registry collected
// with cleanups pending (a heap dropped with its forgotten handles, each heap had its own registry)
// can stop V8 from cleaning up ANY registry of the process again: measured on Node 20.20.2, 22.23.3
// and 24.21.0 (tests/handles.test.ts: with per-heap registries its releases stopped from the second
// strategy on). Its records name their table by number: a record holding the heap kept every heap
// alive whose handle was captured by something the heap holds (200 such heaps kept ~900 MiB).
const tables = new Map<number, WeakRef<HandleTable>>();
let nextTable = 1;
const registry = new FinalizationRegistry<LeakRecord | number>((held) => {
  if (typeof held === "number") { tables.delete(held); return; } // a table JS collected (its heap dropped undestroyed)
  tables.get(held.table)?.deref()?.released(held);
});

export class HandleTable {
  /** Handles made and not yet disposed (nor released by the registry). */
  live = 0;
  /** Handles that JS collected without dispose() and whose references were released for them. */
  leakedReleased = 0;
  /** Handles registered with the FinalizationRegistry so far (a work count for tests). */
  registrations = 0;
  readonly #id = nextTable++;
  #nursery: (Handle | undefined)[] = new Array(NURSERY).fill(undefined);
  /** Handles to add before the nursery's array is copied (see add). */
  #untilCopy = NURSERY;
  readonly #nurseryPtrs = new Uint32Array(NURSERY);
  #nurseryCount = 0;
  #sweepScheduled = false;
  /** The next handle made is a hook's own (see hookHandle). */
  #nextIsHook = false;

  /**
   * @param onReleased releases a forgotten handle's reference; true if it did (false: the heap refuses)
   * @param leakWarnings capture where each handle is made, for onHandleLeak (registered at once: its
   *   stack costs ~12 µs anyway)
   * @param onRegister h was registered: from now on it may be forgotten unnoticed (weakref callbacks
   *   then hold their wrapper weakly: src/host/callbacks.ts)
   */
  constructor(private readonly onReleased: (rec: LeakRecord) => void, readonly leakWarnings: boolean, private readonly onRegister: (h: Handle) => void) {
    tables.set(this.#id, new WeakRef(this));
    registry.register(this, this.#id);
  }

  /** The registry's callback for one of this table's handles. */
  released(rec: LeakRecord): void { this.onReleased(rec); }

  /** A new handle owning one reference to ptr. */
  add(h: Handle, ptr: number): void {
    this.live++;
    if (this.#nextIsHook || this.leakWarnings) { this.#addSlow(h, ptr); return; }
    let n = this.#nurseryCount;
    if (n === NURSERY) { this.sweep(); n = 0; } // before adding: the newest handle is not swept at birth
    // A copy of the array every NURSERY handles keeps it in V8's young generation: a store into an
    // old-generation array of a young object (every new handle) takes the write barrier's slow
    // path, recording the slot for the next scavenge, and cost more than the rest of add.
    if (--this.#untilCopy === 0) { this.#untilCopy = NURSERY; this.#nursery = this.#nursery.slice(); }
    this.#nursery[n] = h;
    this.#nurseryPtrs[n] = ptr;
    h._mark = IN_NURSERY + n;
    this.#nurseryCount = n + 1;
    if (!this.#sweepScheduled) this.#scheduleSweep();
  }

  #scheduleSweep(): void {
    this.#sweepScheduled = true;
    queueMicrotask(() => { this.#sweepScheduled = false; this.sweep(); });
  }

  /** A hook's own handle, or one whose creation stack is captured (leakWarnings): registered at once. */
  #addSlow(h: Handle, ptr: number): void {
    if (this.#nextIsHook) {
      this.#nextIsHook = false;
      h._mark = HOOK;
      return;
    }
    this.#register(h, ptr, new Error().stack?.split("\n").slice(5).join("\n"));
  }

  /** h was disposed. */
  remove(h: Handle): void {
    const m = h._mark;
    if (m >= IN_NURSERY) {
      const nursery = this.#nursery, i = m - IN_NURSERY;
      nursery[i] = undefined;
      if (i === this.#nurseryCount - 1) {
        let n = i; // pop it, and the slots emptied below it (handles disposed out of order)
        while (n > 0 && nursery[n - 1] === undefined) n--;
        this.#nurseryCount = n;
      }
    } else if (m === REGISTERED) {
      registry.unregister(h);
    }
    h._mark = RELEASED;
    this.live--;
  }

  /** Registers the nursery's live handles and empties it. */
  sweep(): void {
    const n = this.#nurseryCount;
    this.#nurseryCount = 0;
    const nursery = this.#nursery, ptrs = this.#nurseryPtrs;
    for (let i = 0; i < n; i++) {
      const h = nursery[i];
      if (h === undefined) continue; // disposed
      nursery[i] = undefined;
      this.#register(h, ptrs[i]);
    }
  }

  /** Handles in the nursery now (tests bound this work). */
  get nurserySize(): number { return this.#nurseryCount; }

  #register(h: Handle, ptr: number, stack?: string): void {
    const rec: LeakRecord = { ptr, type: h.type.name, table: this.#id };
    if (stack !== undefined) rec.stack = stack;
    registry.register(h, rec, h);
    h._mark = REGISTERED;
    this.registrations++;
    this.onRegister(h);
  }

  /** The registry's job for a handle JS collected without dispose(): its reference is released (the heap does not refuse). */
  releaseLeaked(rec: LeakRecord, core: CoreExports, onLeak: (leak: { type: string; address: number; createdAt?: string }) => void): void {
    this.live--;
    this.leakedReleased++;
    try {
      core.decref(rec.ptr);
    } catch (err) {
      if (!(err instanceof HeapCorruptedError)) throw err;
      return;
    }
    if (this.leakWarnings) {
      try {
        onLeak({ type: rec.type, address: rec.ptr, createdAt: rec.stack });
      } catch { /* a throwing hook must not break the registry's job */ }
    }
  }

  /** Runs make() marking the handle it makes as a hook's own: disposed by the hook, never leaked, never registered. */
  hookHandle(make: (ptr: number) => Handle, ptr: number): Handle {
    this.#nextIsHook = true;
    try { return make(ptr); } finally { this.#nextIsHook = false; }
  }

  /** The heap was destroyed: its handles died with it (the registry's calls for them are ignored). */
  clear(): void {
    tables.delete(this.#id);
    this.#nursery.fill(undefined, 0, this.#nurseryCount);
    this.#nurseryCount = 0;
  }
}
