// Out of memory: CPython raises MemoryError only after a full collection failed to make room, and
// so does refheap. An allocation that fails collects everything (when the collector collects
// cycles and none is running) and tries once more; the error names what was asked for.

import { HeapOutOfMemoryError } from "../errors.js";
import type { CoreExports, Views } from "../wasm.js";

export class OomPolicy {
  constructor(
    private readonly core: CoreExports,
    private readonly views: Views,
    private readonly maxBytes: number,
    private readonly collectsCycles: boolean,
    private readonly flushUnraisable: () => void,
  ) {}

  /**
   * Runs an allocation; if it fails, collects everything and tries once more. `hold`: pointers
   * the attempt uses, held while the collection runs (its finalizers may dispose their handles).
   */
  allocating(attempt: () => number, hold?: readonly number[]): number {
    let p = attempt();
    if (!p && this.collectsCycles && !this.core.gcIsCollecting()) {
      p = this.holding(hold ?? [], () => {
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
  holding<T>(ptrs: readonly number[], body: () => T): T {
    for (const c of ptrs) if (c) this.core.incref(c);
    try {
      return body();
    } finally {
      for (const c of ptrs) if (c) this.core.unhold(c); // no trace in the recycler's candidates
      this.flushUnraisable();
    }
  }

  /** The error for a failed allocation of `what`. */
  error(what: string): HeapOutOfMemoryError {
    return new HeapOutOfMemoryError(`${what}: out of memory (${this.views.u8.length} bytes committed, maxBytes ${this.maxBytes})`);
  }
}
