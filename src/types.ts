// Heap types as the host sees them: names for the core's type records (assembly/types.ts).

import { HeapTypeError, describeValue } from "./errors.js";
import { TF_FINALIZER, TF_WEAKREFABLE, USER_KIND_CODES } from "./generated/boundary.js";
import type { Handle } from "./handle.js";
import { inspectSymbol } from "./show.js";

export type TypeKind = "fixed" | "refarray" | "bytes";
/** Kinds of objects: the user kinds and the built-in weak reference. */
export type ObjectKind = TypeKind | "weakref" | "weakmap";
export type ScalarKind = "i32" | "f64";

export interface TypeSpec<R extends readonly string[] = readonly string[], S extends Readonly<Record<string, ScalarKind>> = Readonly<Record<string, ScalarKind>>> {
  name: string;
  /** Default 'fixed'. */
  kind?: TypeKind;
  /** Reference fields (fixed types). */
  refs?: R;
  /** Scalar fields (fixed types), in layout order within each kind. */
  scalars?: S;
  /** Adds a weak-list slot, as `__weakref__` in `__slots__`. */
  weakrefable?: boolean;
  /**
   * Called once when an object of this type is about to die (PEP 442): it receives a borrowed
   * handle (dup() it, or store the object in the heap, to resurrect it). Exceptions go to
   * heap.onUnraisable.
   */
  finalizer?: (obj: Handle) => void;
}

/** The kinds a user defines, and their codes in the core (boundary.json). */
export const KIND_CODES: Readonly<Record<TypeKind, number>> = USER_KIND_CODES;
export { TF_FINALIZER, TF_WEAKREFABLE };

export interface ScalarField { kind: ScalarKind; offset: number }

// Set only while mintType runs: a HeapType made any other way (`new HeapType(...)` with a made-up
// id, a subclass) is refused, since alloc would trust its id and sizes (an out-of-bounds trap, a
// heap that fails verify).
let minting = false;

/** @internal The one way to make a HeapType: heap.defineType and the heap's built-in types. */
export function mintType(...args: ConstructorParameters<typeof HeapType>): HeapType {
  minting = true;
  try { return new HeapType(...args); } finally { minting = false; }
}

/**
 * A defined type (from heap.defineType only). Field offsets come from the core's type record, so layout lives in one place.
 * `R` and `S` are its reference and scalar field names, inferred by defineType from the spec, so
 * that `handle.set("c", ...)` on a type without a reference field c fails at compile time.
 */
export class HeapType<R extends string = string, S extends string = string> {
  /** @internal */
  readonly refIndex = new Map<string, number>();
  /** @internal */
  readonly scalarFields = new Map<string, ScalarField>();
  /**
   * @internal Scalar field names and, at the same index, offset << 1 | 1 for f64: Handle looks a
   * field name up by scanning these (and refs) when there are few (field names are literals,
   * compared by identity), which cost a fraction of a Map lookup, then a large part of Handle.get.
   */
  readonly _scalarNames: string[] = [];
  /** @internal */
  readonly _scalarCodes: number[] = [];
  /** @internal Types come from heap.defineType; constructing one directly throws HeapTypeError. */
  constructor(
    /** @internal */
    readonly heapId: number,
    readonly id: number,
    readonly name: string,
    readonly kind: ObjectKind,
    readonly refs: readonly R[],
    readonly scalars: Readonly<Record<S, ScalarKind>>,
    readonly weakrefable: boolean,
    readonly finalizer: ((obj: Handle) => void) | undefined,
    /** Object size in bytes (fixed part for lists and bytes), header included. */
    readonly size: number,
    /** Byte offset of the first reference field (fixed types). */
    readonly refsOffset: number,
    i32Offset: number,
    f64Offset: number,
  ) {
    if (!minting) throw new HeapTypeError("HeapType: types come from heap.defineType(spec), not from the constructor");
    minting = false; // a subclass's or a nested construction is not the minted one
    refs.forEach((r, i) => this.refIndex.set(r, i));
    let i32 = i32Offset, f64 = f64Offset;
    for (const [name, kind] of Object.entries<ScalarKind>(scalars)) {
      if (kind === "i32") { this.scalarFields.set(name, { kind, offset: i32 }); i32 += 4; }
      else { this.scalarFields.set(name, { kind, offset: f64 }); f64 += 8; }
    }
    for (const [name, f] of this.scalarFields) { this._scalarNames.push(name); this._scalarCodes.push((f.offset << 1) | (f.kind === "f64" ? 1 : 0)); }
  }
  toString(): string { return `HeapType(${this.name})`; }

  /** @internal console.log(type): `<HeapType Node fixed refs=[a, b] scalars={v: i32} weakrefable>` */
  [inspectSymbol](): string {
    const parts = [`<HeapType ${this.name} ${this.kind}`];
    if (this.refs.length) parts.push(`refs=[${this.refs.join(", ")}]`);
    const sc = Object.entries<ScalarKind>(this.scalars);
    if (sc.length) parts.push(`scalars={${sc.map(([k, v]) => `${k}: ${v}`).join(", ")}}`);
    if (this.weakrefable) parts.push("weakrefable");
    if (this.finalizer) parts.push("finalizer");
    return `${parts.join(" ")}>`;
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Validates a spec; returns the normalised parts. Throws HeapTypeError with the exact problem. */
export function checkSpec(spec: TypeSpec): { name: string; kind: TypeKind; refs: string[]; scalars: Record<string, ScalarKind>; weakrefable: boolean; finalizer?: (obj: Handle) => void } {
  if (spec === null || typeof spec !== "object") throw new HeapTypeError("defineType expects a spec object");
  const { name } = spec;
  if (typeof name !== "string" || name.length === 0) throw new HeapTypeError("a type needs a non-empty string name");
  const kind = spec.kind ?? "fixed";
  // own properties only: `kind: 'toString'` must not find Object.prototype.toString
  if (typeof kind !== "string" || !Object.hasOwn(KIND_CODES, kind)) throw new HeapTypeError(`type ${name}: unknown kind ${describeValue(kind)} (fixed, refarray or bytes)`);
  if (spec.refs != null && !Array.isArray(spec.refs)) throw new HeapTypeError(`type ${name}: refs must be an array of field names, got ${describeValue(spec.refs)}`);
  if (spec.scalars != null && (typeof spec.scalars !== "object" || Array.isArray(spec.scalars))) {
    throw new HeapTypeError(`type ${name}: scalars must be an object of field name to 'i32' or 'f64', got ${describeValue(spec.scalars)}`);
  }
  const refs = [...(spec.refs ?? [])];
  const scalars = { ...(spec.scalars ?? {}) };
  if (kind !== "fixed" && (refs.length || Object.keys(scalars).length)) {
    throw new HeapTypeError(`type ${name}: a ${kind} type has no named fields`);
  }
  const seen = new Set<string>();
  for (const f of [...refs, ...Object.keys(scalars)]) {
    if (typeof f !== "string" || !IDENT.test(f)) throw new HeapTypeError(`type ${name}: bad field name ${JSON.stringify(f)}`);
    if (seen.has(f)) throw new HeapTypeError(`type ${name}: field '${f}' defined twice`);
    seen.add(f);
  }
  for (const [f, k] of Object.entries(scalars)) {
    if (k !== "i32" && k !== "f64") throw new HeapTypeError(`type ${name}: scalar '${f}' must be 'i32' or 'f64', not ${JSON.stringify(k)}`);
  }
  const weakrefable = spec.weakrefable ?? false;
  if (typeof weakrefable !== "boolean") throw new HeapTypeError(`type ${name}: weakrefable must be a boolean`);
  if (kind === "bytes" && weakrefable) throw new HeapTypeError(`type ${name}: bytes types cannot be weakrefable (as CPython's bytes)`);
  const { finalizer } = spec;
  if (finalizer !== undefined && typeof finalizer !== "function") throw new HeapTypeError(`type ${name}: finalizer must be a function`);
  if (finalizer && kind === "bytes") throw new HeapTypeError(`type ${name}: bytes types cannot have finalizers`);
  return { name, kind, refs, scalars, weakrefable, finalizer };
}
