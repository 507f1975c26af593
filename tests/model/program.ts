// Random programs and the runner that plays one against a heap and the model (tests/model/model.ts)
// in lockstep, comparing them after every step: events (finalizers, weakref callbacks, finalize
// objects, collections), reported exceptions, the live set, every refcount, field and weakref,
// generation membership, and heap.verify().
import { collectorCaps } from "../helpers.js";
import fc from "fast-check";
import { FLAG_FINALIZED, GC_NEXT_OFFSET, INFO_OFFSET, MAP_TABLE } from "../../src/generated/boundary.js";
import {
  Heap, HeapIndexError, HeapOutOfMemoryError, HeapReferenceError, HeapTypeError, HeapConfigError, HeapWeakRef,
  WeakKeyMap, WeakSet, WeakValueMap, type Finalize, type Handle, type HeapType, type WeakProxy,
} from "../../src/index.js";
import { Model, WEAKREFABLE, type CallbackKind, type CollectorName, type MObj, type ObjKind } from "./model.js";
import { ReentryPlayer, entryWeakref, handlePtr, reentryArb, reentryFigures, trace, type Ref, type Reentry } from "./reentry.js";

export type AllocKind = "node" | "cell" | "list" | "blob";
export type Op =
  | { op: "alloc"; kind: AllocKind }
  | { op: "allocFail"; kind: AllocKind }
  | { op: "dup"; h: number }
  | { op: "drop"; h: number }
  | { op: "set"; h: number; field: number; v: number | null }
  | { op: "get"; h: number; field: number }
  | { op: "push"; h: number; v: number | null }
  | { op: "pop"; h: number }
  | { op: "setAt"; h: number; i: number; v: number | null }
  | { op: "weakref"; h: number; cb: CallbackKind }
  | { op: "proxy"; h: number; cb: CallbackKind }
  | { op: "deref"; h: number }
  | { op: "finalize"; h: number }
  | { op: "finalizeCall"; f: number }
  | { op: "resurrect"; h: number }
  | { op: "throwing"; h: number }
  /** The node's finalizer will store it in a weak container without keeping it (issue 14, item 3). */
  | { op: "store"; h: number; into: "wvm" | "wkm" | "ws"; k: number }
  | { op: "collect"; g: number }
  | { op: "freeze" }
  | { op: "unfreeze" }
  | { op: "wvmSet"; k: number; h: number }
  | { op: "wvmGet"; k: number }
  | { op: "wvmDelete"; k: number }
  | { op: "wkmSet"; h: number; blob: boolean }
  | { op: "wkmGet"; h: number }
  | { op: "wkmDelete"; h: number }
  | { op: "wsAdd"; h: number }
  | { op: "wsDelete"; h: number }
  /** A ring of n new objects, linked through field a, whose handles are then dropped: cyclic garbage. */
  | { op: "ring"; n: number; kind: "node" | "cell" }
  /** gc.set_debug(DEBUG_SAVEALL) on or off. */
  | { op: "saveall"; on: boolean }
  /** Arms fault injection for the next step: `after` allocations succeed, then one (once) or all fail. */
  | { op: "fail"; after: number; once: boolean }
  /** Not generated: the end of a program disposes the weak containers. */
  | { op: "disposeMaps" };

export interface Program {
  threshold: number;
  gcCallbackThrows: boolean;
  /** Finalizer mode 'legacy': cycles holding a finalizer are uncollectable (gc.garbage). */
  legacy?: boolean;
  ops: Op[];
  /** Host code that re-enters the heap (tests/model/reentry.ts). */
  reentry?: Reentry;
}

const h = fc.nat(63);
const kind = fc.constantFrom<AllocKind>("node", "node", "cell", "list", "blob");
const cb = fc.constantFrom<CallbackKind>("none", "plain", "throw");
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("alloc" as const), kind }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constant("allocFail" as const), kind }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("dup" as const), h }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("drop" as const), h }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant("set" as const), h, field: fc.nat(1), v: fc.option(h, { freq: 5 }) }), weight: 10 },
  { arbitrary: fc.record({ op: fc.constant("get" as const), h, field: fc.nat(1) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("push" as const), h, v: fc.option(h, { freq: 5 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("pop" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("setAt" as const), h, i: fc.nat(7), v: fc.option(h, { freq: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("weakref" as const), h, cb }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("proxy" as const), h, cb }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("deref" as const), h }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("finalize" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("finalizeCall" as const), f: fc.nat(15) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("resurrect" as const), h }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("throwing" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("store" as const), h, into: fc.constantFrom<"wvm" | "wkm" | "ws">("wvm", "wkm", "ws"), k: fc.nat(5) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("collect" as const), g: fc.nat(2) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("freeze" as const) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("unfreeze" as const) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("wvmSet" as const), k: fc.nat(5), h }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("wvmGet" as const), k: fc.nat(5) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("wvmDelete" as const), k: fc.nat(5) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("wkmSet" as const), h, blob: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("wkmGet" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("wkmDelete" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("wsAdd" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("wsDelete" as const), h }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("fail" as const), after: fc.nat(2), once: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant("saveall" as const), on: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("ring" as const), n: fc.integer({ min: 1, max: 4 }), kind: fc.constantFrom<"node" | "cell">("node", "cell") }), weight: 3 },
);

export const programArb = (maxOps: number): fc.Arbitrary<Program> => fc.record({
  threshold: fc.integer({ min: 1, max: 12 }),
  gcCallbackThrows: fc.boolean(),
  legacy: fc.boolean(),
  ops: fc.array(opArb, { minLength: 1, maxLength: maxOps, size: "max" }),
});

/**
 * Programs whose host code re-enters the heap (tests/model/reentry.ts). No injected allocation
 * failures: host code's allocations would fail too, which is the fault tests' subject, not this.
 */
export const reentryProgramArb = (maxOps: number): fc.Arbitrary<Program> => fc.record({
  threshold: fc.integer({ min: 1, max: 12 }),
  gcCallbackThrows: fc.boolean(),
  legacy: fc.boolean(),
  ops: fc.array(opArb.filter((op) => op.op !== "fail" && op.op !== "allocFail"), { minLength: 1, maxLength: maxOps, size: "max" }),
  reentry: reentryArb(),
});

const FIELDS = ["a", "b"];

/** Figures of the runs, for the README. */
export const figures = { programs: 0, operations: 0, collections: 0, finalizers: 0, callbacks: 0, unraisable: 0, faults: 0, failedSteps: 0, garbage: 0 };

/** Collection events are compared as a multiset (their order is the heap's list order); the rest in order. */
function canonical(log: string[], optional: Set<number>): string[] {
  const kept = log.filter((e) => !(e.startsWith("cb:") && optional.has(Number(e.slice(3)))));
  const out: string[] = [];
  for (let i = 0; i < kept.length; i++) {
    if (!kept[i].startsWith("gc-start")) { out.push(kept[i]); continue; }
    const inner: string[] = [];
    let j = i + 1;
    while (j < kept.length && !kept[j].startsWith("gc-stop")) inner.push(kept[j++]);
    out.push(kept[i], ...inner.sort(), kept[j] ?? "(no gc-stop)");
    i = j;
  }
  return out;
}

export class Runner {
  readonly model: Model;
  readonly hs: Handle[] = [];
  readonly fins: Finalize[] = [];
  readonly Node: HeapType;
  readonly Cell: HeapType;
  readonly List: HeapType;
  readonly Blob: HeapType;
  readonly wvm: WeakValueMap;
  readonly wkm: WeakKeyMap;
  readonly ws: WeakSet;
  /** The model ids of the maps: WeakValueMap's int and string tables, the WeakKeyMap's, the WeakSet's. */
  readonly maps: { wvm: number; wkm: number; ws: number };
  #log: (string | (() => string))[] = [];
  #reported: string[] = [];
  #idOf = new Map<number, number>();
  /** Collections the step's own call started (those host code started belong to its actions). */
  #starts: number[] = [];
  /** Re-entrant host code, if the program has some. */
  readonly re: ReentryPlayer | null = null;
  /** Handle indexes the step's own call uses. */
  readonly #busy = new Set<number>();
  #mapsDisposed = false;
  #callingFinalize = false;
  /** The finalize object finalizeCall calls (its id), and the host code run before its fn began (a mark) (see there). */
  #calledFinalize = 0;
  #finalizeMark: number | null = null;
  #resurrected = new Map<number, Handle>();
  /** Fault injection armed by a "fail" step for the next one. */
  #armed: { after: number; count: number } | null = null;
  /** gc-start events of the current step already played on the model. */
  #applied = 0;

  constructor(readonly heap: Heap, collector: CollectorName, prog: Program) {
    this.model = new Model(collector, prog.legacy ?? false);
    this.Node = heap.defineType({
      name: "Node", refs: FIELDS, weakrefable: true,
      finalizer: (obj) => {
        const ref = this.idAt(obj.ptr);
        const key = typeof ref === "object" ? () => `fin:${ref.id}` : () => `fin:${ref ?? `unknown object 0x${obj.ptr.toString(16)}`}`;
        this.#log.push(typeof ref === "object" ? key : key());
        // (an object the host code made in this step has no model id yet, nor flags)
        const o = typeof ref === "number" ? this.model.objects.get(ref) : undefined;
        if (o?.resurrect) this.#resurrected.set(o.id, obj.dup());
        if (o?.store && this.model.finalizerStores) {
          if (o.store === "wvm") this.wvm.set(o.storeKey, obj);
          else if (o.store === "wkm") this.wkm.set(obj, null);
          else this.ws.add(obj);
        }
        this.re?.hostCall("fin", key, obj);
        if (o?.throwing) throw new Error(`fin:${o.id}`);
      },
    });
    this.Cell = heap.defineType({ name: "Cell", refs: FIELDS, weakrefable: true });
    this.List = heap.defineType({ name: "List", kind: "refarray", weakrefable: true });
    this.Blob = heap.defineType({ name: "Blob", kind: "bytes" });
    heap.onUnraisable = (err) => {
      this.#reported.push(err instanceof Error ? err.message : String(err));
      this.re?.hostCall("report", null);
    };
    heap.gc.callbacks.push((phase, info) => {
      this.#log.push(phase === "start" ? `gc-start:${info.generation}` : `gc-stop:${info.generation}:${info.collected}`);
      if (phase === "start") (this.re?.frame?.starts ?? this.#starts).push(info.generation);
      if (phase === "start" && collectorCaps(collector).oldSpaces) {
        // the old spaces' list order, which decides what an increment takes (the model takes the heap's)
        const u32 = heap.views.u32;
        this.model.oldSpaceOrders.push([1, 2].map((g) => {
          const head = heap.core.gcGenerationHead(g), ptrs: number[] = [];
          for (let p = u32[(head + 8) >>> 2]; p !== head; p = u32[(p + 8) >>> 2]) ptrs.push(p);
          return ptrs;
        }));
      }
      // keyed by the collection's ordinal in the step (collections never nest)
      const nth = this.#log.filter((e) => typeof e === "string" && e.startsWith(`gc-${phase}`)).length;
      this.re?.hostCall("gc", () => `gc-${phase}#${nth}`);
    });
    if (prog.gcCallbackThrows) {
      this.model.gcCallbackThrows = true;
      heap.gc.callbacks.push(() => { throw new Error("gc"); });
    }
    // the weak containers, made first (before the small threshold): their map objects are the
    // only tracked objects, read off the generation list without taking handles (which would
    // make them the recycler's candidates)
    this.wvm = new WeakValueMap(heap);
    this.wkm = new WeakKeyMap(heap);
    this.ws = new WeakSet(heap);
    const head = heap.core.gcGenerationHead(collectorCaps(collector).candidates ? 1 : 0), u32 = heap.views.u32;
    const ptrs: number[] = [];
    for (let p = u32[(head + GC_NEXT_OFFSET) >>> 2]; p !== head; p = u32[(p + GC_NEXT_OFFSET) >>> 2]) ptrs.push(p);
    if (collectorCaps(collector).collectsCycles) heap.gc.setThreshold(prog.threshold, 2, 2);
    this.model.threshold1 = 2;
    this.model.threshold0 = prog.threshold;
    const [wvm, , wkm, ws] = (["wvm", "wvmStrings", "wkm", "wset"] as const).map((f, i) => { const m = this.model.newMap(f); m.ptr = ptrs[i]; return m.id; });
    this.maps = { wvm, wkm, ws };
    if (collectorCaps(collector).oldSpaces) {
      // a fresh heap's increments start 5000 objects in debt (work_to_do = -5000), more than a program
      // makes: a full collection ends the pass, so the program's increments mark, then take pending objects
      heap.gc.collect(2);
      this.model.collect(2);
      this.#starts = [];
    }
    if (prog.reentry) {
      const runner = this; // eslint-disable-line @typescript-eslint/no-this-alias
      this.re = new ReentryPlayer({
        heap, model: this.model, hs: this.hs, types: { node: this.Node, cell: this.Cell, list: this.List }, maps: this.maps,
        wvm: this.wvm, wkm: this.wkm, ws: this.ws, idAt: (p) => this.idAt(p), busy: this.#busy,
        get mapsDisposed() { return runner.#mapsDisposed; },
        log: (event) => { this.#log.push(event); },
      }, prog.reentry);
      // a collection's host calls are played on the model in the heap's order (see Model.heapOrder)
      this.model.heapOrder = (event) => { const i = this.#resolvedLog().indexOf(event); return i < 0 ? 1e9 : i; };
    }
    this.model.storeMaps = this.maps;
  }

  /** The model id of the object at ptr in this step (or the token of one host code made in it). */
  idAt(ptr: number): Ref | undefined {
    const r = this.re?.tokAt(ptr) ?? this.#idOf.get(ptr);
    if (r !== undefined) return r;
    // made by the step's own call after the step began (the model has it by now)
    for (const o of this.model.objects.values()) if (o.ptr === ptr) return o.id;
    return undefined;
  }

  /** The model object o now stands at its address (for the host code that runs later in this step). */
  #bind(o: MObj): void {
    this.#idOf.set(o.ptr, o.id);
    this.re?.forget(o.ptr);
  }

  #resolvedLog(): string[] { return this.#log.map((e) => (typeof e === "string" ? e : e())); }

  #type(kind: AllocKind): HeapType { return { node: this.Node, cell: this.Cell, list: this.List, blob: this.Blob }[kind]; }

  /** Plays one operation on the heap, then on the model, and compares them. */
  step(op: Op): void {
    const { model, heap, hs } = this;
    trace?.(`step ${JSON.stringify(op)} (handles: ${JSON.stringify(model.handles)})`);
    model.beginStep();
    this.#log = [];
    this.#reported = [];
    this.#resurrected.clear();
    this.#applied = 0;
    this.#starts = [];
    this.re?.beginStep();
    const armed = op.op === "fail" ? null : this.#armed;
    if (op.op !== "fail") this.#armed = null;
    // finalizers store into the weak containers unless an allocation may be made to fail, or the maps are gone
    model.finalizerStores = !armed && op.op !== "allocFail" && !this.#mapsDisposed;
    this.#idOf = new Map([...model.objects.values()].map((o) => [o.ptr, o.id]));
    const idx = (i: number) => i % hs.length;
    const none = !hs.length && "h" in op; // an operation on a handle, and there is none
    this.#busy.clear();
    if (hs.length && op.op !== "drop") for (const k of ["h", "v"]) { const v = (op as unknown as Record<string, unknown>)[k]; if (typeof v === "number") this.#busy.add(idx(v)); }
    const newHandles: { id: number; h: Handle }[] = [];
    const expectError = (cls: new (...a: never[]) => Error, fn: () => unknown) => {
      let err: unknown;
      try { fn(); } catch (e) { err = e; }
      if (!(err instanceof cls)) throw new Error(`expected ${cls.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : "no error"}`);
    };
    /**
     * Plays on the model the collections the heap ran so far in this step and the model has not:
     * automatic ones (before a container allocation) and the full one before an allocation is
     * retried. Called between the heap's call and the model's effect.
     */
    const syncCollections = () => {
      this.re?.settle();
      const starts = this.#starts;
      for (; this.#applied < starts.length; this.#applied++) model.collect(starts[this.#applied]);
    };
    /** The referent of a proxy handle's object, or null when it is dead. */
    const proxied = (o: MObj) => (o.kind === "weakref" && o.proxy ? o.referent : undefined);
    /**
     * A Handle method on handle i: on its object, or through a weak proxy on the referent (the
     * proxy holds a borrowed handle to it while it looks the method up, and another during the
     * call). The wrong kind is a HeapTypeError, an index error (`outOfRange`) a HeapIndexError, a
     * dead proxy a HeapReferenceError: each changes nothing but the proxy's borrowing.
     */
    const method = <R,>(i: number, kinds: ObjKind[], call: (H: Handle, t: MObj) => R, apply: (t: MObj, result: R) => void, outOfRange?: (t: MObj) => boolean) => {
      i = idx(i);
      const o = model.get(model.handles[i]);
      const r = proxied(o);
      if (r === null) { expectError(HeapReferenceError, () => call(hs[i], o)); return; }
      const t = r === undefined ? o : model.get(r);
      const refused = !kinds.includes(t.kind) ? HeapTypeError : outOfRange?.(t) ? HeapIndexError : null;
      if (refused) {
        expectError(refused, () => call(hs[i], t));
        if (r !== undefined) { model.touch(t.id); model.touch(t.id); }
        return;
      }
      let result: R;
      // through a proxy: the method's own flush (onUnraisable) runs before the proxy releases its
      // borrowed handle, whose release may kill the referent; that host code is played between
      // the two (soak --fuzz, mimalloc/hybrid seed 21887: "events: heap [fin:5, fin:8, fin:6],
      // model [fin:5, fin:6, fin:8]"). The last release of the referent at top level is the proxy's.
      let mark: number | null = null;
      const release = heap.releaseHandle;
      const re = this.re;
      if (r !== undefined && re) heap.releaseHandle = (H, p) => { if (!re.frame && p === t.ptr) mark = re.mark(); release.call(heap, H, p); };
      try {
        result = call(hs[i], t);
      } catch (err) {
        // out of memory (injected): the proxy's borrowing happened, and the collection before the retry
        if (r !== undefined) { model.touch(t.id); model.incref(t.id); }
        syncCollections();
        if (r !== undefined) model.decref(t.id);
        throw err;
      } finally {
        if (r !== undefined && re) delete (heap as { releaseHandle?: unknown }).releaseHandle;
      }
      if (r !== undefined) { model.touch(t.id); model.incref(t.id); }
      syncCollections();
      apply(t, result);
      if (mark !== null) re!.playBefore(mark);
      if (r !== undefined) model.decref(t.id);
    };

    if (armed) heap.failAllocations(armed.after, armed.count);
    let failed = false;
    try {
    if (!none) switch (op.op) {
      case "fail": if (heap.debug) this.#armed = { after: op.after, count: op.once ? 1 : Infinity }; break; // (debug builds only)
      case "alloc": {
        const H = heap.alloc(this.#type(op.kind));
        syncCollections();
        const o = model.alloc(op.kind);
        o.ptr = H.ptr;
        this.#bind(o);
        hs.push(H);
        break;
      }
      case "allocFail": {
        if (!heap.debug) break; // fault injection: debug builds only
        heap.failAllocations(0);
        try { expectError(HeapOutOfMemoryError, () => heap.alloc(this.#type(op.kind), op.kind === "blob" ? 16 : undefined)); } finally { heap.failAllocations(null); }
        syncCollections();
        figures.faults++;
        break;
      }
      case "dup": method(op.h, ["node", "cell", "list", "blob", "weakref"], (H) => H.dup(), (t, H) => {
        model.incref(t.id);
        newHandles.push({ id: t.id, h: H as Handle });
      });
        break;
      case "get": method(op.h, ["node", "cell"], (H) => H.get(FIELDS[op.field]), (t, H) => {
        const c = t.fields[op.field];
        if (c === null) { if (H !== null) throw new Error("get returned a handle where the model has null"); return; }
        model.incref(c);
        newHandles.push({ id: c, h: H as Handle });
      });
        break;
      case "drop": {
        const i = idx(op.h);
        const [H] = hs.splice(i, 1);
        const [id] = model.handles.splice(i, 1);
        H.dispose();
        model.decref(id);
        break;
      }
      case "set": case "push": case "setAt": {
        const v = op.v === null ? null : idx(op.v);
        const V = v === null ? null : hs[v], vid = v === null ? null : model.handles[v];
        if (op.op === "set") method(op.h, ["node", "cell"], (H) => H.set(FIELDS[op.field], V), (t) => model.setField(t.id, op.field, vid));
        else if (op.op === "push") method(op.h, ["list"], (H) => H.push(V), (t) => model.push(t.id, vid));
        else {
          method(op.h, ["list"], (H, t) => H.setAt(t.fields.length ? op.i % t.fields.length : op.i, V), (t) => model.setField(t.id, op.i % t.fields.length, vid),
            (t) => t.fields.length === 0);
        }
        break;
      }
      case "pop": method(op.h, ["list"], (H) => H.pop(), (t, H) => {
        const item = model.pop(t.id);
        if (item === null) { if (H !== null) throw new Error("pop returned a handle where the model has null"); return; }
        newHandles.push({ id: item, h: H as Handle });
      }, (t) => t.fields.length === 0);
        break;
      case "weakref": case "proxy": case "finalize": {
        const i = idx(op.h);
        const o = model.get(model.handles[i]);
        if (!WEAKREFABLE[o.kind]) {
          expectError(HeapTypeError, () => op.op === "finalize" ? heap.finalize(hs[i], () => {}) : heap[op.op](hs[i]));
          break;
        }
        if (op.op === "finalize") {
          const id = this.fins.length + 1;
          // (called directly, Finalize.call() hands fn's exception to its caller: the host code then does not throw)
          this.fins.push(heap.finalize(hs[i], () => {
            if (this.#calledFinalize === id && this.re) this.#finalizeMark = this.re.mark();
            this.#log.push(`final:${id}`); this.re?.hostCall("final", () => `final:${id}`, null, true, false, !this.#callingFinalize); }));
          const f = model.finalize(o.id);
          model.get(f.wr).ptr = heap.core.weakrefAt(o.ptr, o.weakrefs.indexOf(f.wr));
          this.#bind(model.get(f.wr));
          break;
        }
        const box: { id: number; W?: HeapWeakRef | WeakProxy } = { id: 0 };
        const fn = op.cb === "none" ? undefined : (W: HeapWeakRef) => {
          this.#log.push(`cb:${box.id}`);
          // CPython passes the callback the weakref object itself: the one heap.weakref() returned, while the program holds it
          if (box.W instanceof HeapWeakRef && box.W.alive && W !== box.W) this.re?.violation(`the callback of weakref ${box.id} received another object than the HeapWeakRef heap.weakref() returned`);
          // (only the callbacks of weakrefs the program holds are certain to run: see Model.optional)
          this.re?.hostCall("cb", () => `cb:${box.id}`, null, this.hs.some((H, k) => this.re!.live(k) && handlePtr(H) === W.ptr));
          if (op.cb === "throw") throw new Error(`cb:${box.id}`);
        };
        const W = op.op === "weakref" ? heap.weakref(hs[i], fn) : heap.proxy(hs[i], fn);
        const w = model.weakref(o.id, op.op === "proxy", op.cb);
        box.id = w.id;
        box.W = W;
        w.ptr = W instanceof HeapWeakRef ? W.ptr : (W as WeakProxy).weakref.ptr;
        this.#bind(w);
        model.handles.push(w.id);
        hs.push(W);
        break;
      }
      case "deref": {
        const i = idx(op.h);
        const o = model.get(model.handles[i]);
        if (o.kind !== "weakref" || o.proxy) break;
        const H = (hs[i] as HeapWeakRef).deref();
        if (o.referent === null) { if (H !== null) throw new Error("deref of a dead weakref gave a handle"); break; }
        model.incref(o.referent);
        newHandles.push({ id: o.referent, h: H! });
        break;
      }
      case "finalizeCall": {
        if (!this.fins.length) break;
        const f = op.f % this.fins.length;
        this.#callingFinalize = true;
        this.#calledFinalize = f + 1;
        this.#finalizeMark = null;
        try { this.fins[f].call(); } finally { this.#callingFinalize = false; this.#calledFinalize = 0; }
        // Finalize.call() releases its weakref, whose flush may run onUnraisable, before fn: that
        // host code is played between the two (soak --fuzz, bump/none seed 27612: "events: heap
        // [fin:5, final:1], model [final:1, fin:5]"; tlsf/recycler 10715, tlsf/hybrid 11766)
        const mark = this.#finalizeMark;
        model.finalizeCall(f + 1, () => { if (mark !== null) this.re?.playBefore(mark); });
        break;
      }
      case "resurrect": case "throwing": {
        const o = model.get(model.handles[idx(op.h)]);
        if (o.kind === "node") o[op.op === "resurrect" ? "resurrect" : "throwing"] = true;
        break;
      }
      case "store": {
        const o = model.get(model.handles[idx(op.h)]);
        if (o.kind === "node") { o.store = op.into; o.storeKey = op.k; }
        break;
      }
      case "collect": {
        if (!collectorCaps(model.collector).collectsCycles) { expectError(HeapConfigError, () => heap.gc.collect(op.g)); break; }
        const n = heap.gc.collect(op.g);
        const m = model.collect(op.g);
        this.#applied++;
        if (n !== m) throw new Error(`gc.collect(${op.g}) found ${n}, the model ${m}`);
        break;
      }
      case "wvmSet": case "wkmSet": case "wsAdd": {
        const i = idx(op.h);
        const o = model.get(model.handles[i]);
        const mapId = op.op === "wvmSet" ? this.maps.wvm : op.op === "wkmSet" ? this.maps.wkm : this.maps.ws;
        if (!WEAKREFABLE[o.kind]) {
          expectError(HeapTypeError, () => op.op === "wvmSet" ? this.wvm.set(op.k, hs[i]) : op.op === "wkmSet" ? this.wkm.set(hs[i], null) : this.ws.add(hs[i]));
          break;
        }
        let w;
        if (op.op === "wvmSet") {
          this.wvm.set(op.k, hs[i]);
          w = model.mapSet(mapId, op.k, o.id, null);
        } else if (op.op === "wkmSet" && op.blob) {
          const B = heap.alloc(this.Blob);
          syncCollections();
          const b = model.newObject("blob");
          b.ptr = B.ptr;
          this.#bind(b);
          try {
            this.wkm.set(hs[i], B);
          } catch (err) {
            B.dispose(); // the value's only reference
            model.decref(b.id);
            throw err;
          }
          B.dispose();
          w = model.mapSet(mapId, o.id, o.id, b.id);
          model.decref(b.id);
        } else {
          if (op.op === "wkmSet") this.wkm.set(hs[i], null); else this.ws.add(hs[i]);
          w = model.mapSet(mapId, o.id, o.id, null);
        }
        if (w) {
          // read from the map: host code the call ran (onUnraisable from its flush) may have made
          // newer weakrefs to the object, ahead of this one in its list (soak --fuzz, pools/none seed 1250)
          const r = model.get(w.referent!);
          w.ptr = entryWeakref(heap, model.get(mapId).ptr, op.op === "wvmSet" ? op.k : r.ptr, op.op === "wvmSet");
          if (!w.ptr) w.ptr = heap.core.weakrefAt(r.ptr, r.weakrefs.indexOf(w.id));
          this.#bind(w);
        }
        break;
      }
      case "wvmGet": case "wkmGet": {
        if (op.op === "wkmGet" && !WEAKREFABLE[model.get(model.handles[idx(op.h)]).kind]) {
          expectError(HeapTypeError, () => this.wkm.get(hs[idx(op.h)])); // as CPython's ref(key) (issue 14, item 15)
          break;
        }
        const key = op.op === "wvmGet" ? op.k : model.handles[idx(op.h)];
        const H = op.op === "wvmGet" ? this.wvm.get(op.k) : this.wkm.get(hs[idx(op.h)]);
        const v = model.mapGet(op.op === "wvmGet" ? this.maps.wvm : this.maps.wkm, key);
        if (v === undefined || v === null) { if (H !== v) throw new Error(`${op.op} gave ${String(H)}, the model ${v}`); break; }
        model.incref(v);
        newHandles.push({ id: v, h: H as Handle });
        break;
      }
      case "wvmDelete": this.wvm.delete(op.k); model.mapDelete(this.maps.wvm, op.k); break;
      case "wkmDelete": case "wsDelete": {
        const i = idx(op.h);
        if (!WEAKREFABLE[model.get(model.handles[i]).kind]) {
          expectError(HeapTypeError, () => op.op === "wkmDelete" ? this.wkm.delete(hs[i]) : this.ws.delete(hs[i]));
          break;
        }
        if (op.op === "wkmDelete") this.wkm.delete(hs[i]); else this.ws.delete(hs[i]);
        model.mapDelete(op.op === "wkmDelete" ? this.maps.wkm : this.maps.ws, model.handles[i]);
        break;
      }
      case "disposeMaps": {
        this.#mapsDisposed = true;
        // finalizers run from here on (host code of this very step) store nowhere: the maps are gone
        model.finalizerStores = false;
        // Four handles (the WeakValueMap holds two maps), each released with a flush of its own:
        // onUnraisable run by one flush comes before the next map dies, and the model plays it
        // there. The order shows in the young count, which never goes below 0 (CPython 3.14's
        // PyObject_GC_Del): played after all four, an allocation onUnraisable made while the
        // count was at 0 was counted once more than the heap did (soak --fuzz, the 30
        // incremental failures "after disposeMaps: young count: heap 0, model 1").
        const marks: number[] = [];
        const flush = heap.flushUnraisable;
        if (this.re) heap.flushUnraisable = () => { flush.call(heap); if (!this.re!.frame) marks.push(this.re!.mark()); };
        try { this.wvm.dispose(); this.wkm.dispose(); this.ws.dispose(); } finally { if (this.re) delete (heap as { flushUnraisable?: unknown }).flushUnraisable; }
        if (this.re && marks.length !== model.hidden.length) throw new Error(`disposeMaps: ${marks.length} top-level flushes for ${model.hidden.length} map handles`);
        for (const [k, id] of [...model.hidden].entries()) { model.disposeMap(id); this.re?.playBefore(marks[k]); }
        break;
      }
      case "ring": {
        const Hs: Handle[] = [], ids: number[] = [];
        try {
          for (let k = 0; k < op.n; k++) {
            const H = heap.alloc(this.#type(op.kind));
            syncCollections();
            const o = model.newObject(op.kind); // its reference is the temporary handle's
            o.ptr = H.ptr;
            this.#bind(o); // it may die (and be finalized) within this step
            Hs.push(H); ids.push(o.id);
          }
          for (let k = 0; k < op.n; k++) { Hs[k].set("a", Hs[(k + 1) % op.n]); this.re?.settle(); model.setField(ids[k], 0, ids[(k + 1) % op.n]); }
        } finally {
          syncCollections(); // a failed allocation's collection came before these disposals
          for (let k = 0; k < Hs.length; k++) { Hs[k].dispose(); model.decref(ids[k]); }
        }
        break;
      }
      case "saveall": heap.gc.setDebug(op.on ? heap.gc.DEBUG_SAVEALL : 0); model.saveAll = op.on; break;
      case "freeze": heap.gc.freeze(); model.freeze(); break;
      case "unfreeze": heap.gc.unfreeze(); model.unfreeze(); break;
    }
    } catch (err) {
      // an injected allocation failure: the step must have changed nothing (the model skips its effect)
      if (!(armed && err instanceof HeapOutOfMemoryError)) throw err;
      failed = true;
      figures.faults++;
      figures.failedSteps++;
    } finally {
      if (armed) heap.failAllocations(null);
    }
    syncCollections();
    if (failed) {
      // the one change a failed step may leave: a weak container's table, grown before its entry's weakref failed
      for (const m of model.objects.values()) if (m.kind === "map") m.table = heap.views.u32[(m.ptr + MAP_TABLE) >>> 2] !== 0;
    }
    heap.flushUnraisable();
    // host code's effects not played yet; the handles it disposed go (its new ones join last)
    const re = this.re?.endStep();
    for (const i of re?.disposed ?? []) { hs.splice(i, 1); model.handles.splice(i, 1); }
    // the step's new handles, then the resurrected objects' handles (in id order, as the model)
    for (const { id, h: H } of newHandles) { model.handles.push(id); hs.push(H); }
    // gc.garbage is emptied into the handle list, as a program that inspects it would
    const garbage = new Map(heap.gc.garbage.splice(0).map((g) => { const r = this.idAt(g.ptr); return [typeof r === "object" ? r.id : r!, g]; }));
    const res = model.endStep();
    const got = [...[...this.#resurrected.keys()].sort((a, b) => a - b), ...[...garbage.keys()].sort((a, b) => a - b)];
    if (JSON.stringify(got) !== JSON.stringify(res)) throw new Error(`resurrected and gc.garbage ${JSON.stringify(got)}, the model ${JSON.stringify(res)}`);
    for (const id of this.#resurrected.keys()) garbage.delete(id); // (an object is never both in one step)
    for (const id of [...this.#resurrected.keys()].sort((a, b) => a - b)) hs.push(this.#resurrected.get(id)!);
    for (const id of [...garbage.keys()].sort((a, b) => a - b)) hs.push(garbage.get(id)!);
    figures.garbage += garbage.size;
    if (re) { hs.push(...re.kept); model.handles.push(...re.keptIds); }
    this.#compare(op);
    figures.operations++;
  }

  #compare(op: Op): void {
    const { model, heap } = this;
    const where = `after ${JSON.stringify(op)}`;
    // entry weakrefs that finalizers made in the heap: the model learns their addresses here
    for (const o of model.objects.values()) {
      if (o.kind === "weakref" && !o.ptr && o.referent !== null) {
        const r = model.get(o.referent);
        o.ptr = heap.core.weakrefAt(r.ptr, r.weakrefs.indexOf(o.id));
      }
    }
    const eq = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${where}: ${what}: heap ${JSON.stringify(a)}, model ${JSON.stringify(b)}`);
    };
    if (this.re) {
      // a dead weakref's callback is gone (CPython: __callback__ is None)
      for (let i = 0; i < this.hs.length; i++) {
        const o = model.get(model.handles[i]), H = this.hs[i];
        if (o.kind === "weakref" && o.referent === null && H instanceof HeapWeakRef && H.callback !== null) this.re.violation(`weakref ${o.id}: its callback is still set after its referent died`);
      }
    }
    this.re?.check();
    const log = this.#resolvedLog();
    eq("events", canonical(log, model.optional), canonical(model.log, model.optional));
    const optionalErr = (m: string) => m.startsWith("cb:") && model.optional.has(Number(m.slice(3)));
    eq("unraisable", this.#reported.filter((m) => !optionalErr(m)).sort(), model.unraisable.filter((m) => !optionalErr(m)).sort());
    for (const e of log) {
      if (e.startsWith("gc-start")) figures.collections++;
      else if (e.startsWith("fin:")) figures.finalizers++;
      else if (e.startsWith("cb:") || e.startsWith("final:")) figures.callbacks++;
    }
    figures.unraisable += this.#reported.length;
    model.checkCounts();
    const s = heap.stats();
    eq("live objects and list storage blocks", s.liveObjects, model.liveBlocks());
    eq("live handles", heap.liveHandles, model.handles.length + model.hidden.length + [...model.finalizes.values()].filter((f) => f.alive).length);
    const core = heap.core;
    const ptrOf = (id: number | null) => (id === null ? 0 : model.get(id).ptr);
    const ptrs = new Set<number>();
    const typeIds: Record<ObjKind, number> = { node: this.Node.id, cell: this.Cell.id, list: this.List.id, blob: this.Blob.id, weakref: 2, map: 3 };
    for (const o of model.objects.values()) {
      ptrs.add(o.ptr);
      eq(`type of ${o.id}`, core.typeOf(o.ptr), typeIds[o.kind]);
      eq(`refcount of ${o.id}`, core.refcount(o.ptr), o.rc);
      if (o.kind === "node" || o.kind === "cell") eq(`fields of ${o.id}`, [core.getRef(o.ptr, 0), core.getRef(o.ptr, 1)], o.fields.map(ptrOf));
      if (o.kind === "list") eq(`items of ${o.id}`, Array.from({ length: core.listLength(o.ptr) }, (_, i) => core.listGet(o.ptr, i)), o.fields.map(ptrOf));
      if (WEAKREFABLE[o.kind]) {
        const wrs: number[] = [];
        for (let i = 0, w; (w = core.weakrefAt(o.ptr, i)); i++) wrs.push(w);
        eq(`weakrefs of ${o.id}`, wrs, o.weakrefs.map(ptrOf));
        eq(`finalized ${o.id}`, (heap.views.u32[(o.ptr + INFO_OFFSET) >>> 2] & FLAG_FINALIZED) !== 0, o.finalized);
      }
      if (o.kind === "weakref") eq(`referent of weakref ${o.id}`, core.weakrefGet(o.ptr), ptrOf(o.referent));
      if (o.kind === "map") {
        eq(`entries of map ${o.id}`, core.weakMapCount(o.ptr), o.entries.size);
        for (const [key, e] of o.entries) {
          if (o.flavour === "wvm") { eq(`wvm[${key}]`, core.wvmGetInt(o.ptr, key), ptrOf(model.get(e.wr).referent)); continue; }
          const slot = core.wkmFind(o.ptr, ptrOf(key));
          eq(`entry of ${key} in map ${o.id}`, [core.weakMapWeakrefAt(o.ptr, slot), core.weakMapValueAt(o.ptr, slot)], [ptrOf(e.wr), ptrOf(e.value)]);
        }
      }
    }
    eq("distinct addresses", ptrs.size, model.objects.size);
    eq("generation lists", [0, 1, 2, 3].map((g) => core.gcGenerationLength(g)), model.generationLengths());
    if (collectorCaps(model.collector).oldSpaces) eq("young count", heap.gc.getCount()[0], model.youngCount);
    eq("candidates", core.gcCandidates(), model.candidates());
    heap.verify();
  }

  /** Ends a program: every handle and finalize object dropped, a full collection; the heap must be empty but for uncollected cycles (collector 'none'). */
  finish(): void {
    // a finalizer may resurrect its object once (a new handle): drop and collect until none is left
    this.re?.finishing(); // host code no longer freezes what the end must collect
    this.step({ op: "unfreeze" });
    this.step({ op: "saveall", on: false });
    this.step({ op: "disposeMaps" });
    for (let round = 0; round < 2 || this.hs.length; round++) {
      if (this.model.legacy) {
        // uncollectable cycles stay until the program breaks them: clear every field it can reach
        for (let i = 0; i < this.hs.length; i++) {
          const o = this.model.get(this.model.handles[i]);
          if (o.kind === "node" || o.kind === "cell") { this.step({ op: "set", h: i, field: 0, v: null }); this.step({ op: "set", h: i, field: 1, v: null }); }
          if (o.kind === "list") for (let j = 0; j < o.fields.length; j++) this.step({ op: "setAt", h: i, i: j, v: null });
        }
      }
      while (this.hs.length) this.step({ op: "drop", h: this.hs.length - 1 });
      if (collectorCaps(this.model.collector).collectsCycles) this.step({ op: "collect", g: 2 });
      if (round > 1000) throw new Error("resurrection without end");
    }
    for (let f = 0; f < this.fins.length; f++) this.step({ op: "finalizeCall", f });
    if (collectorCaps(this.model.collector).collectsCycles) eq0(this.heap.stats().liveObjects);
  }
}

function eq0(n: number): void { if (n !== 0) throw new Error(`${n} objects left after dropping everything and collecting`); }

/** Runs one program on a fresh heap of the strategy. */
/** Runs one program on a fresh heap of the strategy (the checked build unless debug is false). */
export async function runProgram(strategy: { allocator: string; collector: string }, prog: Program, debug = true): Promise<void> {
  const heap = await Heap.create({ debug, ...(strategy as object), finalizerMode: prog.legacy ? "legacy" : "pep442" });
  // an onUnraisable that throws is reported on console.error by the heap: counted, not printed
  const error = console.error;
  if (prog.reentry) console.error = (...args: unknown[]) => { if (String(args[0]).startsWith("refheap: onUnraisable threw")) reentryFigures.unraisableThrew++; else error(...args); };
  try {
    const r = new Runner(heap, strategy.collector as CollectorName, prog);
    for (const op of prog.ops) r.step(op);
    r.finish();
    figures.programs++;
  } finally {
    console.error = error;
    heap.destroy();
  }
}
