// Finalize and exit hooks: a type's finalizer called by the core as an object dies, and the
// finalize objects (weakref.finalize) with the process-exit hook that runs the exit-time ones.
// Their exceptions go to the unraisable queue, never into the core.

import type { Handle } from "../handle.js";
import type { HeapType } from "../types.js";
import type { UnraisableQueue } from "./unraisable.js";

/** What the heap needs of a finalize object. */
export interface FinalizeEntry { readonly index: number; readonly atexit: boolean; readonly alive: boolean; call(): unknown }

/** A heap that has exit-time finalizers to run. */
interface ExitRunner { runExitFinalizers(): void }

// Heaps with exit-time finalizers still pending, run when the process exits (weakly held).
const exitHeaps = new Set<WeakRef<ExitRunner>>();
let exitHookInstalled = false;
function installExitHook(heap: ExitRunner): void {
  for (const ref of exitHeaps) if (!ref.deref()) exitHeaps.delete(ref); // collected heaps leave no trace
  exitHeaps.add(new WeakRef(heap));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  if (typeof process === "undefined" || typeof process.once !== "function") return; // a browser: no exit
  process.once("exit", () => {
    for (const ref of exitHeaps) ref.deref()?.runExitFinalizers();
  });
}

export class Finalizers {
  readonly #entries = new Set<FinalizeEntry>();

  constructor(private readonly heap: ExitRunner, private readonly unraisable: UnraisableQueue) {}

  register(f: FinalizeEntry): void {
    if (!this.#entries.size) installExitHook(this.heap);
    this.#entries.add(f);
  }

  unregister(f: FinalizeEntry): void { this.#entries.delete(f); }

  /** Calls a finalize object, routing its exception to onUnraisable. */
  run(f: FinalizeEntry): void {
    const context = () => `finalize object ${f.index}`;
    try {
      this.unraisable.settle(f.call(), context);
    } catch (err) {
      this.unraisable.push(err, context());
    }
  }

  /** Runs live exit-time finalize objects, newest first (as weakref.finalize at exit). */
  runAtExit(): void {
    for (;;) {
      const pending = [...this.#entries].filter((f) => f.atexit && f.alive);
      if (!pending.length) break;
      const newest = pending.reduce((a, b) => (a.index > b.index ? a : b));
      this.run(newest);
    }
  }

  /**
   * The core hook: obj is about to die and its type has a finalizer. The finalizer gets a handle
   * of its own (`hookHandle`), disposed when it returns.
   */
  typeFinalizer(obj: number, typeOf: (ptr: number) => HeapType, hookHandle: (ptr: number) => Handle): void {
    try {
      const type = typeOf(obj);
      const h = hookHandle(obj);
      const context = () => `finalizer of <${type.name} object at 0x${obj.toString(16)}>`;
      try {
        this.unraisable.settle(type.finalizer?.(h), context);
      } catch (err) {
        this.unraisable.push(err, context());
      } finally {
        h.dispose();
      }
    } catch (err) {
      this.unraisable.push(err, `refheap finalize hook at 0x${obj.toString(16)}`);
    }
  }
}
