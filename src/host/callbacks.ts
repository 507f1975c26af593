// Weakref callback ids. A weakref with a callback carries an id in its kind word (the core knows
// nothing of JS functions); the callback and the HeapWeakRef that heap.weakref()/proxy() returned
// live here by id, in arrays indexed by it (ids are small and reused). The callback receives that
// very wrapper while the user keeps it (CPython passes the same ref), without the heap keeping it
// alive: it is held weakly (a JS WeakRef) once it could be forgotten unnoticed, i.e. once the handle
// table registers it for leak release (src/host/handles.ts); until then the handle nursery holds it
// strongly anyway, and so may this table. Most such wrappers are disposed or registered within
// microseconds: a WeakRef for each (and a Map entry and record object per id) was the bulk of
// making a weakref with a callback (5.4 µs of a 200,000-link chain's 7 µs a link).

import { HeapTypeError } from "../errors.js";
import type { Handle } from "../handle.js";
import { HeapWeakRef, type WeakProxy } from "../weak.js";
import { nameOf, type UnraisableQueue } from "./unraisable.js";

import { WR_CALLBACK, WR_ID_SHIFT, WR_PROXY } from "../generated/boundary.js";
export { WR_CALLBACK, WR_ID_SHIFT, WR_PROXY };
/** Ids fit in the kind word above WR_ID_SHIFT. */
const MAX_ID = 2 ** (32 - WR_ID_SHIFT);

type Callback = (wr: HeapWeakRef) => void;

export class CallbackIds {
  /** The callback by id (undefined: the id is free, or its referent died). */
  readonly #fns: (Callback | undefined)[] = [undefined];
  /** The user's wrapper by id: strongly until weaken(), then a WeakRef; null once disposed or never made. */
  readonly #wrappers: (HeapWeakRef | WeakRef<HeapWeakRef> | null)[] = [null];
  #next = 1;
  /** Ids whose weakref object was freed: reused, so the 2^24 limit is on weakrefs alive at once. */
  readonly #free: number[] = [];

  /** A new id for fn; HeapTypeError when 2^24 - 1 are alive at once. */
  take(fn: Callback, what: string): number {
    let id = this.#free.pop();
    if (id === undefined) {
      if (this.#next >= MAX_ID) throw new HeapTypeError(`${what}: too many weakref callbacks alive at once (${(MAX_ID - 1).toLocaleString("en-US")})`);
      id = this.#next++;
    }
    this.#fns[id] = fn;
    this.#wrappers[id] = null;
    return id;
  }

  /** The weakref object for id was made: remember its wrapper (strongly: see weaken). */
  attach(id: number, wrapper: HeapWeakRef): void {
    if (this.#fns[id] !== undefined) this.#wrappers[id] = wrapper;
  }

  /** The wrapper of id could now be forgotten unnoticed (it is registered for leak release): hold it weakly. */
  weaken(id: number): void {
    const w = this.#wrappers[id];
    if (w && !(w instanceof WeakRef)) this.#wrappers[id] = new WeakRef(w);
  }

  /** The user disposed the wrapper: the callback will get a fresh handle, with no WeakRef to deref. */
  detach(id: number): void {
    if (id < this.#wrappers.length) this.#wrappers[id] = null;
  }

  /** The id was taken but its weakref never made: free it at once. */
  cancel(id: number): void { this.#freed(id); }

  /**
   * The referent died: the callback and the user's wrapper if still held. Called once; the
   * weakref's callback is None from now on (CPython's clear_weakref drops it).
   */
  consume(id: number): { fn: Callback; wrapper: HeapWeakRef | undefined } | undefined {
    const fn = this.#fns[id];
    if (fn === undefined) return undefined;
    const w = this.#wrappers[id];
    this.#fns[id] = undefined;
    this.#wrappers[id] = null;
    return { fn, wrapper: w instanceof WeakRef ? w.deref() : w ?? undefined };
  }

  /**
   * The core hook: weakref wr's referent died; calls its callback (once) with the user's own
   * HeapWeakRef if they still hold it, else with a hook handle (`hookHandle`) disposed after.
   */
  run(wr: number, id: number, hookHandle: (ptr: number) => Handle, unraisable: UnraisableQueue): void {
    try {
      const rec = this.consume(id);
      if (!rec) return;
      const cb = rec.fn;
      // the user's own HeapWeakRef if they still hold it (the core holds a reference for the call)
      const held = rec.wrapper;
      const own = held?.alive && held.ptr === wr ? held : null;
      let weak: HeapWeakRef;
      if (own) weak = own;
      else {
        const h = hookHandle(wr) as HeapWeakRef | WeakProxy;
        weak = h instanceof HeapWeakRef ? h : h.weakref;
      }
      const context = () => `weakref callback ${nameOf(cb)} of ${weak}`;
      try {
        unraisable.settle(cb(weak), context);
      } catch (err) {
        unraisable.push(err, context());
      } finally {
        if (weak !== own) weak.dispose();
      }
    } catch (err) {
      unraisable.push(err, `refheap weakref callback hook at 0x${wr.toString(16)}`);
    }
  }

  /** The callback of a weakref whose kind word is kindWord, or null. */
  callbackOf(kindWord: number): Callback | null {
    return kindWord & WR_CALLBACK ? this.#fns[kindWord >>> WR_ID_SHIFT] ?? null : null;
  }

  /** The weakref object carrying id was freed: the id is free only now (until then it is in its kind word). */
  freed(id: number): void { this.#freed(id); }

  #freed(id: number): void {
    this.#fns[id] = undefined;
    this.#wrappers[id] = null;
    this.#free.push(id);
  }
}
