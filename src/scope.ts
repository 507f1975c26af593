// Scopes: every handle made while a scope is the innermost open one (by alloc, get, at, pop, dup,
// deref, weakref, proxy, gc.getObjects...) is released when the scope ends, unless kept or escaped
// (quickjs-emscripten's Scope, V8's HandleScope / EscapableHandleScope). The handles of weak
// containers and finalize objects are theirs, not the scope's.
//
//   using scope = heap.scope();            // TypeScript (or Node >= 24): released at block end
//   const n = heap.scope((s) => { ...; return result; });   // plain JS: a returned Handle escapes
//
// Scopes are for synchronous stretches: the innermost open scope is a property of the heap, not of
// an async task, so across an await another task's handles would land in it.

import { HeapConfigError, HeapTypeError } from "./errors.js";
import { Handle } from "./handle.js";
import { inspectSymbol } from "./show.js";
import { isWeakProxy } from "./weak.js";

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

/** @internal What a scope needs of its heap. */
export interface ScopeStack {
  /** @internal */
  readonly scopes: (Scope | null)[];
}

/** A weak proxy stands for its weakref handle. */
function handleOf(h: unknown, what: string): Handle {
  if (isWeakProxy(h)) return h.weakref;
  if (!(h instanceof Handle)) throw new HeapTypeError(`scope.${what}: expected a Handle, got ${h === null ? "null" : typeof h}`);
  return h;
}

export class Scope {
  readonly #heap: ScopeStack;
  readonly #handles = new Set<Handle>();
  #open = true;

  /** @internal use heap.scope() */
  constructor(heap: ScopeStack) {
    this.#heap = heap;
    heap.scopes.push(this);
  }

  /** True until disposed. */
  get alive(): boolean { return this.#open; }
  /** Handles this scope will release. */
  get size(): number { return this.#handles.size; }

  /** @internal a new handle made while this scope is innermost */
  _add(h: Handle): void { this.#handles.add(h); }
  /** @internal the handle was disposed or left the scope; false if it was not in it */
  _forget(h: Handle): boolean { return this.#handles.delete(h); }

  #check(what: string): void {
    if (!this.#open) throw new HeapConfigError(`scope.${what}: this scope has ended`);
  }

  /** Takes h into this scope (from another scope, or from none): it is released at the end of this one. */
  manage<H>(h: H): H {
    this.#check("manage");
    const handle = handleOf(h, "manage");
    if (handle.alive) {
      forget(this.#heap, handle);
      this.#handles.add(handle);
    }
    return h;
  }

  /** Takes h out of every scope: it stays alive until you dispose it. */
  keep<H>(h: H): H {
    this.#check("keep");
    forget(this.#heap, handleOf(h, "keep"));
    return h;
  }

  /** Moves h from this scope to the enclosing one (released when that one ends; kept if there is none). */
  escape<H>(h: H): H {
    this.#check("escape");
    const handle = handleOf(h, "escape");
    if (!this.#handles.delete(handle)) forget(this.#heap, handle);
    const stack = this.#heap.scopes;
    const outer = stack[stack.lastIndexOf(this) - 1];
    if (outer && handle.alive) outer._add(handle);
    return h;
  }

  /** Ends the scope (and any scope opened inside it and still open), releasing its handles, newest first. A second call does nothing. */
  dispose(): void {
    if (!this.#open) return;
    const stack = this.#heap.scopes;
    const at = stack.lastIndexOf(this);
    if (at >= 0) {
      for (let i = stack.length - 1; i > at; i--) stack[i]?.dispose();
      stack.splice(at);
    }
    this.#open = false;
    const handles = [...this.#handles].reverse();
    this.#handles.clear();
    let first: { err: unknown } | undefined;
    for (const h of handles) {
      try { h.dispose(); } catch (err) { first ??= { err }; }
    }
    if (first) throw first.err;
  }

  [disposeSymbol](): void { this.dispose(); }

  [inspectSymbol](): string {
    return this.#open ? `<Scope ${this.#handles.size} handle${this.#handles.size === 1 ? "" : "s"}>` : "<Scope (ended)>";
  }
}

/** @internal Removes h from whichever open scope holds it (searching from the innermost). */
export function forget(heap: ScopeStack, h: Handle): void {
  const stack = heap.scopes;
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]?._forget(h)) return;
}
