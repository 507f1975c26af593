// Allocation events (assembly/events.ts) and the census stream (assembly/census.ts): what the core
// streams to the host in batches, and when the listeners may use the heap. A delivery the core
// starts because its buffer filled runs mid-allocation or mid-free (the heap is not usable: a
// half-made object, a dying one still linked); flushAllocationEvents() delivers at a safe point.

import { EVENT_WORDS } from "../generated/boundary.js";
import { HeapConfigError } from "../errors.js";
import type { CoreExports, Views } from "../wasm.js";
import { nameOf, type UnraisableQueue } from "./unraisable.js";

type Listener = (events: Uint32Array) => void;
const listenerContext = (l: Listener) => `allocation events listener ${nameOf(l)}`;

export class AllocationEvents {
  readonly #listeners = new Set<{ listener: Listener }>();
  /** Set while flushAllocationEvents() (a safe point) delivers. */
  #safeFlush = false;
  /** Set while a delivery the core started mid-operation runs. */
  midOperation = false;
  #censusSink: Listener | null = null;

  constructor(private readonly core: CoreExports, private readonly views: Views, private readonly unraisable: UnraisableQueue) {}

  /** Adds a listener; returns the unsubscribe function (which first delivers what the listener saw happen). */
  subscribe(listener: Listener, destroyed: () => boolean): () => void {
    const entry = { listener };
    this.#listeners.add(entry);
    if (this.#listeners.size === 1) this.core.eventsSetOn(1);
    return () => {
      if (!this.#listeners.has(entry) || destroyed()) { this.#listeners.delete(entry); return; }
      this.flushAtSafePoint();
      this.#listeners.delete(entry);
      if (!this.#listeners.size) this.core.eventsSetOn(0);
    };
  }

  /** Delivers the buffered events now, at a safe point: listeners may use the heap. */
  flushAtSafePoint(): void {
    const outer = this.#safeFlush;
    this.#safeFlush = true;
    try { this.core.eventsFlush(); } finally { this.#safeFlush = outer; }
  }

  /** The core hook: `count` allocation events at `buffer`. */
  deliver(buffer: number, count: number): void {
    // copied first: a listener that allocates makes the core write new events into the same buffer
    const batch = this.views.u32.slice(buffer >>> 2, (buffer >>> 2) + count * EVENT_WORDS);
    const outerMid = this.midOperation;
    this.midOperation = !this.#safeFlush;
    // a safe flush's listener may allocate, whose own deliveries are mid-operation again
    const outerSafe = this.#safeFlush;
    this.#safeFlush = false;
    for (const { listener } of [...this.#listeners]) {
      try {
        this.unraisable.settle(listener(batch), () => listenerContext(listener));
      } catch (err) {
        this.unraisable.push(err, listenerContext(listener));
      }
    }
    this.midOperation = outerMid;
    this.#safeFlush = outerSafe;
  }

  /** Streams every live block and its strong references to sink; the sink must not call into the heap. */
  census(sink: Listener): void {
    if (this.#censusSink) throw new HeapConfigError("census: a census is already running (called from a census sink?)");
    // an event reaches the host in the middle of an allocation or a free: the heap is not walkable then
    // (only mid-operation: a delivery from flushAllocationEvents() is a safe point, and so is what a listener there runs)
    if (this.midOperation) throw new HeapConfigError("census: not from an allocation events listener called mid-allocation or mid-free (the heap is not walkable then)");
    this.#censusSink = sink;
    try { this.core.census(); } finally { this.#censusSink = null; }
  }

  /** The core hook: `words` words of the census stream at `buffer`. */
  censusBatch(buffer: number, words: number): void {
    this.#censusSink?.(this.views.u32.subarray(buffer >>> 2, (buffer >>> 2) + words));
  }
}
