// The unraisable queue (CPython's sys.unraisablehook): exceptions from finalizers, weakref
// callbacks, finalize objects and event listeners never propagate into the core. They are queued
// and reported to the heap's onUnraisable once the core has returned: inside host code the core
// called (a finalizer disposing a handle) nothing is reported, the outermost call reports. (A
// finalizer's own borrowed handle used to flush, so onUnraisable ran mid-death or mid-collection.)

export type UnraisableHook = (err: unknown, context: string) => void;

/**
 * Host code's name for a report's context, never throwing: read inside a catch, a name that threw
 * (null in gc.callbacks, a Proxy's getter) escaped the hook through the core, and the heap refused
 * every later call.
 */
export function nameOf(fn: unknown): string {
  try {
    return (typeof fn === "function" && typeof fn.name === "string" && fn.name) || "<anonymous>";
  } catch {
    return "<anonymous>";
  }
}

export class UnraisableQueue {
  readonly #queue: { err: unknown; context: string }[] = [];
  #scheduled = false;
  /** Host code the core called (hooks) running now, nested. */
  #coreDepth = 0;

  /** @param report where errors go (read at each report: the user may replace the hook) */
  constructor(private readonly report: () => UnraisableHook) {}

  /** Runs host code the core called (a hook), counting the depth. */
  insideCore(fn: () => void): void {
    this.#coreDepth++;
    try { fn(); } finally { this.#coreDepth--; }
  }

  /** insideCore in two halves, for a hook that runs on every death (no closure per call): leaveCore in a finally. */
  enterCore(): void { this.#coreDepth++; }
  leaveCore(): void { this.#coreDepth--; }

  /** Queues an error; reported at the next flush outside the core, or in a microtask. */
  push(err: unknown, context: string): void {
    this.#queue.push({ err, context });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => { this.#scheduled = false; this.flush(); });
    }
  }

  /**
   * What host code returned: a promise (an async finalizer, callback or listener) that rejects
   * later is reported like a throw, not left an unhandled rejection (which ends a Node process).
   * `context` as a function is called only for a result that may be a promise, and at once: the
   * common result, undefined, formats no string (a finalizer's names its object at every death).
   */
  settle(result: unknown, context: string | (() => string)): void {
    if (!mayBePromise(result)) return;
    const text = typeof context === "function" ? context() : context;
    try {
      onRejected(result, (err) => this.push(err, text));
    } catch (err) {
      this.push(err, text);
    }
  }

  /** Reports the queued errors, unless host code the core called is running, or a report is. */
  flush(): void {
    // Not from inside a report: the loop below reports what the hook's own calls queued (a
    // dispose whose finalizer threw). Reported nested, a hook that drops the next link of a chain
    // of throwing finalizers ran the JS stack out a few thousand links in.
    if (this.#coreDepth || this.#reporting || !this.#queue.length) return;
    this.#reporting = true;
    try {
      while (this.#queue.length) {
        const { err, context } = this.#queue.shift()!;
        try {
          hookSettled(this.report()(err, context), err, context);
        } catch (e) {
          hookFailed("threw", err, e, context);
        }
      }
    } finally {
      this.#reporting = false;
    }
  }
  #reporting = false;
}

/**
 * What onUnraisable returned: an async hook's rejection is printed like a hook's throw, once, on
 * console.error. Not back to onUnraisable (a hook that always rejects would report itself without
 * end), and not left an unhandled rejection (which ends a Node process; a hook's throw does not).
 */
function hookSettled(result: unknown, err: unknown, context: string): void {
  // a `then` getter that throws: the caller's catch prints it
  if (mayBePromise(result)) onRejected(result, (e) => hookFailed("rejected", err, e, context));
}

/** What host code returned may be a promise: an object or a function (anything else has no `then`). */
function mayBePromise(result: unknown): result is object {
  return result !== null && (typeof result === "object" || typeof result === "function");
}

/** Calls `rejected` when `result` is a thenable that rejects; a `then` getter's throw propagates. */
function onRejected(result: object, rejected: (err: unknown) => void): void {
  const then = (result as { then?: unknown }).then;
  if (typeof then === "function") then.call(result, undefined, rejected);
}

/** The last resort: prints what the hook did with `err`, and never throws. */
function hookFailed(how: "threw" | "rejected", err: unknown, e: unknown, context: string): void {
  // printing an error whose stack getter throws threw again, out of the flush (out of a
  // dispose(), or uncaught from the microtask)
  try {
    console.error(`refheap: onUnraisable ${how} while reporting an exception from ${context}:`, err, e);
  } catch {
    try { console.error(`refheap: onUnraisable ${how} while reporting an exception from ${context}; neither can be printed`); } catch { /* no console left */ }
  }
}
