// Weak references on the host side: weakref handles, weak proxies and finalize objects, with the
// semantics of CPython's weakref module (Objects/weakrefobject.c, Lib/weakref.py).

import { Handle } from "./handle.js";
import { HeapReferenceError, HeapTypeError } from "./errors.js";
import type { HeapInternals } from "./heap.js";
import type { HeapType } from "./types.js";
import { hex, inspectSymbol } from "./show.js";

import { WR_PROXY } from "./generated/boundary.js";

/**
 * A handle to a weakref object in the heap (it owns one strong reference to the weakref, none to
 * its referent). deref() gives a new handle to the referent, or null once it has died.
 */
export class HeapWeakRef<R extends string = string, S extends string = string> extends Handle {
  /** @internal the callback id when this is the handle heap.weakref() returned with a callback, else 0 */
  _callbackId = 0;

  /** @internal */
  constructor(heap: HeapInternals, ptr: number, type: HeapType) {
    super(heap, ptr, type);
  }

  /** A new handle to the referent, or null if it has died (CPython: wr()). */
  deref(): Handle<R, S> | null {
    return this._heap.wrapBorrowed(this._heap.core.weakrefGet(this.ptr)) as Handle<R, S> | null;
  }

  /** True once the referent has died. */
  get dead(): boolean { return this._heap.core.weakrefGet(this.ptr) === 0; }

  /** Is this a weak proxy's weakref? */
  get isProxy(): boolean { return (this._heap.core.weakrefKind(this.ptr) & WR_PROXY) !== 0; }

  /**
   * The callback given at creation (CPython: __callback__), or null: null too once the referent
   * has died, as CPython drops the callback when it clears the weakref (before calling it).
   */
  get callback(): ((wr: HeapWeakRef) => void) | null {
    if (this._heap.core.weakrefGet(this.ptr) === 0) return null;
    return this._heap.weakrefCallbackOf(this._heap.core.weakrefKind(this.ptr));
  }

  /**
   * CPython's weakref equality: if both referents are alive, are they the same object; if either
   * is dead, are these the same weakref object.
   */
  equals(other: HeapWeakRef): boolean {
    if (!(other instanceof HeapWeakRef)) return false;
    const a = this._heap.core.weakrefGet(this.ptr), b = other._heap.core.weakrefGet(other.ptr);
    if (a && b) return a === b && this._heap === other._heap;
    return this.ptr === other.ptr && this._heap === other._heap;
  }

  /**
   * The referent's hash (its identity), cached in the weakref at the first call so it survives
   * the referent's death; a first call after death is an error ("weak object has gone away").
   */
  hash(): number {
    const core = this._heap.core;
    const cached = core.weakrefHash(this.ptr);
    if (cached) return cached - 1;
    const obj = core.weakrefGet(this.ptr);
    if (!obj) throw new HeapTypeError("weak object has gone away");
    core.weakrefSetHash(this.ptr, obj + 1);
    return obj;
  }

  override toString(): string {
    if (!this.alive) return super.toString();
    const obj = this._heap.core.weakrefGet(this.ptr);
    const what = obj ? `to '${this._heap.typeOfPtr(obj).name}' at 0x${obj.toString(16)}` : "dead";
    return `<${this.isProxy ? "weakproxy" : "weakref"} at 0x${this.ptr.toString(16)}; ${what}>`;
  }

  /** @internal console.log(wr): `<HeapWeakRef@0x5c040 rc=1 to Node@0x5c020>` or `... dead>` */
  override [inspectSymbol](): string { return this.#show(this.isProxy ? "WeakProxy" : "HeapWeakRef"); }

  /** @internal */
  _show(): string { return this.#show("WeakProxy"); }

  #show(kind: string): string {
    return this._describe(kind, (p) => {
      const obj = this._heap.core.weakrefGet(p);
      return obj ? ` to ${this._heap.typeOfPtr(obj).name}@${hex(obj)}` : " dead";
    });
  }
}

/** Members a weak proxy answers itself. */
const PROXY_OWN = new Set<PropertyKey>(["dispose", Symbol.dispose, "toString", "weakref", "isProxy", "then", inspectSymbol]);
/** Members forwarded to the referent: the Handle API. */
const FORWARDED = new Set<PropertyKey>([...Object.getOwnPropertyNames(Handle.prototype), "type"].filter((k) => k !== "constructor" && !k.startsWith("_")));

/**
 * A weak proxy: behaves like its referent (every Handle member is forwarded) and throws
 * HeapReferenceError once the referent has died (CPython: "weakly-referenced object no longer
 * exists"). Its own members: dispose(), weakref (the underlying HeapWeakRef), toString().
 */
export type WeakProxy<R extends string = string, S extends string = string> = Handle<R, S> & { readonly weakref: HeapWeakRef<R, S>; readonly isProxy: true };

const proxies = new WeakSet<object>();

/** Is x a weak proxy made by makeProxy? (asks no property of x: x may be any proxy) */
export function isWeakProxy(x: unknown): x is WeakProxy {
  return typeof x === "object" && x !== null && proxies.has(x);
}

export function makeProxy(wr: HeapWeakRef): WeakProxy {
  const heap = wr._heap;
  const referent = (): Handle => {
    const h = wr.deref();
    if (!h) throw new HeapReferenceError("weakly-referenced object no longer exists");
    return h;
  };
  const target = {
    dispose: () => wr.dispose(),
    [Symbol.dispose]: () => wr.dispose(),
    toString: () => wr.toString(),
    weakref: wr,
    isProxy: true,
    then: undefined, // not a thenable: `await proxy` must not forward
    // console.log(proxy) inspects this target (Node does not run the traps): never the referent
    [inspectSymbol]: () => wr._show(),
  };
  const proxy = new Proxy(target, {
    get(t, prop) {
      if (PROXY_OWN.has(prop)) return (t as Record<PropertyKey, unknown>)[prop];
      // only the Handle API is forwarded: probes such as Symbol.toPrimitive or an inspector's
      // custom hooks get undefined rather than an error from a dead referent
      if (!FORWARDED.has(prop)) return undefined;
      const h = referent();
      let value: unknown;
      try {
        value = (h as unknown as Record<PropertyKey, unknown>)[prop];
      } finally {
        h.dispose(); // also when the getter throws: the borrowed reference must not leak
      }
      if (typeof value !== "function") return value;
      // a method: resolve the referent again at call time (it may have died in between)
      return (...args: unknown[]) => {
        const now = referent();
        try {
          return (now as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[prop as string](...args);
        } finally {
          now.dispose();
          heap.flushUnraisable();
        }
      };
    },
    set() { throw new HeapTypeError("set fields through proxy.set(field, value) or proxy.setScalar(field, value)"); },
    has(t, prop) { return PROXY_OWN.has(prop) || FORWARDED.has(prop); },
  }) as unknown as WeakProxy;
  proxies.add(proxy);
  return proxy;
}

let finalizeCounter = 0;

/**
 * weakref.finalize: calls fn(...args) once, when obj dies, when called directly, or at heap exit
 * (if atexit). Holds fn and args strongly, obj weakly. Exceptions go to heap.onUnraisable.
 */
export class Finalize<A extends unknown[] = unknown[], R = unknown> {
  /** Run at heap.destroy() (and process exit) if still alive. */
  atexit = true;
  /** @internal creation order: exit-time finalizers run newest first */
  readonly index = finalizeCounter++;
  #wr: HeapWeakRef | null;
  #fn: ((...args: A) => R) | null;
  #args: A | null;
  readonly #heap: HeapInternals;

  /** @internal use heap.finalize(obj, fn, ...args) */
  constructor(heap: HeapInternals, obj: Handle, fn: (...args: A) => R, args: A) {
    this.#heap = heap;
    this.#fn = fn;
    this.#args = args;
    this.#wr = heap.weakrefWithCallback(obj, () => { this.#heap.runFinalize(this); });
    heap.registerFinalize(this);
  }

  /** True until called or detached. */
  get alive(): boolean { return this.#fn !== null; }

  /** @internal console.log(f) */
  [inspectSymbol](): string {
    return this.#fn ? `<Finalize ${this.#fn.name || "<anonymous>"} alive${this.atexit ? ", atexit" : ""}>` : "<Finalize dead>";
  }

  /** Calls fn(...args) if still alive (then never again); returns its result, else undefined. */
  call(): R | undefined {
    const fn = this.#fn, args = this.#args;
    if (!fn || !args) return undefined;
    // refused before it is cleared: refused at its weakref's release, fn was lost without running
    this.#heap.assertNotMidOperation("finalize.call");
    this.#clear();
    return fn(...args);
  }

  /** If alive: stops it and returns [obj, fn, args] (obj as a new handle); else null. */
  detach(): [Handle, (...args: A) => R, A] | null {
    const got = this.peek();
    if (got) this.#clear();
    return got;
  }

  /** If alive: [obj, fn, args] (obj as a new handle); else null. */
  peek(): [Handle, (...args: A) => R, A] | null {
    if (!this.#fn || !this.#args || !this.#wr) return null;
    const obj = this.#wr.deref();
    return obj ? [obj, this.#fn, this.#args] : null;
  }

  #clear(): void {
    this.#fn = null;
    this.#args = null;
    this.#heap.unregisterFinalize(this);
    const wr = this.#wr;
    this.#wr = null;
    wr?.dispose();
  }
}
