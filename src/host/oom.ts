// Out of memory, the host's part. The policy itself (a failed allocation collects everything and
// tries once more, CPython's MemoryError only after that) lives in the core, assembly/oom.ts, so
// that the host API, the VM and AssemblyScript programs linked with the core all get it. Here:
// holding objects across a call that may run host code, and the error that names the request.

import { HeapOutOfMemoryError } from "../errors.js";
import type { CoreExports, Views } from "../wasm.js";

export class OomPolicy {
  constructor(
    private readonly core: CoreExports,
    private readonly views: Views,
    private readonly maxBytes: number,
    private readonly flushUnraisable: () => void,
  ) {}

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
