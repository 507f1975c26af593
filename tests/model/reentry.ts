// Re-entrancy for the model-based programs (tests/model/program.ts): host code that calls back
// into the heap at random points. Finalizers, weakref callbacks, finalize objects, gc callbacks,
// onUnraisable, allocation events listeners and gc.observePhases listeners each take, at their
// i-th call, the i-th list of actions of the program (allocate, dispose, collect, store into a
// weak container, inspect, iterate a weak container, freeze, unfreeze, set thresholds, enable or
// disable the collector, flush allocation events, throw a non-Error).
//
// The heap runs first: each action is done on the heap where the host code runs, and leaves a
// closure that plays its effect on the model. The model plays a closure when it runs the same host
// code (the same event: fin:X, cb:W, final:F, gc-start, gc-stop), or, for host code that is not
// one of its events (onUnraisable, listeners), right after the action during which the heap ran it.
// Objects the host code allocates get their model id when the model plays the allocation (a
// token until then). Where the heap documents a call as refused (an allocation listener in the
// middle of an allocation or a free; a phase listener in the middle of a collection), the action
// must throw HeapConfigError and leave every byte of the heap, the handle count and gc.garbage as
// they were.
import fc from "fast-check";
import { HeapConfigError, HeapTypeError, HeapWeakRef, type Handle, type Heap, type HeapType, type WeakKeyMap, type WeakSet, type WeakValueMap } from "../../src/index.js";
import { WEAKREFABLE, type Model } from "./model.js";

/** Kinds of host code. */
export const HOSTS = ["fin", "cb", "final", "gc", "report", "events", "phase"] as const;
export type HostKind = (typeof HOSTS)[number];

export type Act =
  /** A new object: kept (its handle joins the program's at the end of the step), or stored in field a of the finalizer's object, or dropped at once. */
  | { a: "alloc"; kind: "node" | "cell" | "list"; keep: boolean; self: boolean }
  | { a: "dispose"; h: number }
  /**
   * Makes a weakref with a callback to a program object, disposes the program's handle to the
   * object, then the weakref: where that was the object's last reference, its death waits on the
   * worklist (host code is running) while the weakref's begins, the shape whose weakref death is
   * deferred behind its referent's (assembly/weak.ts, "Deferred deaths").
   */
  | { a: "disposeReferent"; h: number }
  | { a: "collect"; g: number }
  /** Stores the finalizer's own object (self) or a program object in a weak container, without keeping it. */
  | { a: "store"; into: "wvm" | "wkm" | "ws"; self: boolean; h: number; k: number }
  /** heap.inspect.byType("Node"): every handle disposed again. */
  | { a: "inspect" }
  /** Iterates a weak container to the end, doing `mid` after the first entry. */
  | { a: "iterate"; of: "wvm" | "wkm" | "ws"; mid: Act | null }
  | { a: "freeze" }
  | { a: "unfreeze" }
  | { a: "threshold"; t: [number, number, number] }
  | { a: "enable"; on: boolean }
  | { a: "flushEvents" }
  | { a: "throw"; v: "string" | "number" | "null" | "undefined" | "object" | "symbol" };

export interface Reentry {
  /** Per kind of host code, the actions of its i-th call (null or absent: none). */
  hosts: Record<HostKind, (Act[] | null)[]>;
  /** Allocation events per delivery (small: deliveries in the middle of allocations and frees). */
  batch: number;
}

const h = fc.nat(63);
const simpleAct: fc.Arbitrary<Act> = fc.oneof(
  { arbitrary: fc.record({ a: fc.constant("alloc" as const), kind: fc.constantFrom("node" as const, "node" as const, "cell" as const, "list" as const), keep: fc.boolean(), self: fc.boolean() }), weight: 6 },
  { arbitrary: fc.record({ a: fc.constant("dispose" as const), h }), weight: 5 },
  { arbitrary: fc.record({ a: fc.constant("disposeReferent" as const), h }), weight: 2 },
  { arbitrary: fc.record({ a: fc.constant("collect" as const), g: fc.nat(2) }), weight: 3 },
  { arbitrary: fc.record({ a: fc.constant("store" as const), into: fc.constantFrom("wvm" as const, "wkm" as const, "ws" as const), self: fc.boolean(), h, k: fc.nat(5) }), weight: 5 },
  { arbitrary: fc.record({ a: fc.constant("inspect" as const) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant("freeze" as const) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant("unfreeze" as const) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant("threshold" as const), t: fc.tuple(fc.nat(8), fc.nat(4), fc.nat(4)) }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant("enable" as const), on: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ a: fc.constant("flushEvents" as const) }), weight: 1 },
);
export const actArb: fc.Arbitrary<Act> = fc.oneof(
  { arbitrary: simpleAct, weight: 10 },
  { arbitrary: fc.record({ a: fc.constant("iterate" as const), of: fc.constantFrom("wvm" as const, "wkm" as const, "ws" as const), mid: fc.option(simpleAct, { freq: 2 }) }), weight: 2 },
);
const throwArb = fc.record({ a: fc.constant("throw" as const), v: fc.constantFrom("string" as const, "number" as const, "null" as const, "undefined" as const, "object" as const, "symbol" as const) });
/** One call's actions: up to three, maybe ending with a throw. */
const callArb: fc.Arbitrary<Act[] | null> = fc.option(
  fc.tuple(fc.array(actArb, { minLength: 1, maxLength: 3 }), fc.option(throwArb, { freq: 3 })).map(([acts, t]) => (t ? [...acts, t] : acts)),
  { freq: 2 },
);
/** Host code of the kinds `kinds` re-enters (default: FUZZ_HOSTS=fin,cb,... or all). */
export const reentryArb = (kinds: readonly HostKind[] = hostKinds()): fc.Arbitrary<Reentry> => fc.record({
  hosts: fc.record(Object.fromEntries(HOSTS.map((k) => [k, kinds.includes(k) ? fc.array(callArb, { maxLength: 12 }) : fc.constant([])])) as Record<HostKind, fc.Arbitrary<(Act[] | null)[]>>),
  batch: fc.constantFrom(1, 2, 3, 5, 8, 1024),
});

function hostKinds(): HostKind[] {
  const env = typeof process !== "undefined" ? process.env.FUZZ_HOSTS : undefined;
  if (!env) return [...HOSTS];
  const kinds = env.split(",").map((k) => k.trim());
  for (const k of kinds) if (!(HOSTS as readonly string[]).includes(k)) throw new Error(`FUZZ_HOSTS: unknown kind '${k}' (kinds: ${HOSTS.join(", ")})`);
  return kinds as HostKind[];
}

/** A model id, or a token that gets one when the model plays the allocation. */
export interface Tok { id: number }
export type Ref = number | Tok;
const idOf = (r: Ref) => (typeof r === "number" ? r : r.id);

/** What one action or host call did meanwhile: collections it started, and host code run with no model event of its own. */
interface Frame { starts: number[]; after: (() => void)[] }
/** Host code run directly under the step's own calls, with the number of the call that ran it. */
interface TopPlay { epoch: number; seq: number; play: () => void }

/** What the runner shares with the re-entrant host code. */
export interface ReentryHost {
  heap: Heap;
  model: Model;
  hs: Handle[];
  types: Record<"node" | "cell" | "list", HeapType>;
  maps: { wvm: number; wkm: number; ws: number };
  wvm: WeakValueMap;
  wkm: WeakKeyMap;
  ws: WeakSet;
  /** The model id (or token) of the object at ptr, as of now. */
  idAt(ptr: number): Ref | undefined;
  /** Handle indexes the current step's own call uses (host code must not dispose them under it). */
  busy: Set<number>;
  mapsDisposed: boolean;
  /** Appends an event to the runner's log (resolved when the logs are compared). */
  log(event: () => string): void;
}

/** Figures of the runs. */
export const reentryFigures = { hostCalls: 0, actions: 0, refused: 0, unraisableThrew: 0, byAct: {} as Record<string, number> };

const NOTHING = Symbol("nothing");
/** FUZZ_TRACE=1: prints what the host code does on the heap and what the model plays. */
export const trace = typeof process !== "undefined" && process.env.FUZZ_TRACE ? (...a: unknown[]) => console.log(...a) : null;

/** A handle's own pointer (a proxy's weakref object: reading .ptr through a proxy would borrow its referent). */
export function handlePtr(H: Handle): number {
  const w = (H as unknown as { weakref?: unknown }).weakref;
  return w instanceof HeapWeakRef && (H as unknown as { isProxy?: unknown }).isProxy === true ? w.ptr : H.ptr;
}

/**
 * The model side of an action made of several heap calls (inspect, iterate), in the heap's order:
 * its own steps, and the host code that each call's flush ran (the frame's `after`, taken in turn).
 */
class Sequence {
  readonly #steps: (() => void)[] = [];
  constructor(readonly frame: Frame) {}
  add(step: () => void): void { this.#steps.push(step); }
  /** The host code recorded so far runs here. */
  flushed(): void {
    const n = this.frame.after.length;
    this.#steps.push(() => { while (this.#taken < n) { this.frame.after.shift()!(); this.#taken++; } });
  }
  #taken = 0;
  play(): void { for (const s of this.#steps) s(); }
}

export class ReentryPlayer {
  readonly #calls: Record<HostKind, number> = Object.fromEntries(HOSTS.map((k) => [k, 0])) as Record<HostKind, number>;
  readonly #frames: Frame[] = [];
  /** Host code run outside any action (directly under the step's own call). */
  #top: TopPlay[] = [];
  /** The step's own calls so far (counted by settle()). */
  #epoch = 0;
  /** Host code recorded in #top so far (never reset: marks compare with it). */
  #seq = 0;
  /** Host calls the heap ran at a model event: played when the model runs that event. */
  #records: { key: () => string; play: () => boolean }[] = [];
  #kept: { tok: Tok; H: Handle }[] = [];
  #keptIds: number[] = [];
  #disposed = new Set<number>();
  #tokOf = new Map<number, Tok>();
  #inSafeFlush = false;
  #thrown = 0;
  #finishing = false;
  violations: string[] = [];

  constructor(readonly host: ReentryHost, readonly prog: Reentry) {
    const { heap, model } = host;
    model.onHost = (event) => this.#play(event);
    if (prog.hosts.events.length) {
      heap.onAllocationEvents(() => this.#listener());
      heap.core.eventsSetBatchSize(prog.batch);
    }
    if (prog.hosts.phase.length && heap.capabilities.collector.collectsCycles) heap.gc.observePhases(() => this.#phaseListener());
  }

  /** Collections started now belong to the innermost action (null: to the step's own call). */
  get frame(): Frame | null { return this.#frames.at(-1) ?? null; }

  tokAt(ptr: number): Tok | undefined { return this.#tokOf.get(ptr); }
  /** The runner made a model object at ptr: no token stands there any more. */
  forget(ptr: number): void { this.#tokOf.delete(ptr); }

  beginStep(): void {
    this.#top = [];
    this.#epoch = 0;
    this.#records = [];
    this.#kept = [];
    this.#keptIds = [];
    this.#disposed = new Set();
    this.#tokOf.clear();
  }

  #violation(msg: string): void { this.violations.push(msg); }
  /** The runner found a broken rule in host code (reported when the step is compared). */
  violation(msg: string): void { this.#violation(msg); }
  check(): void { if (this.violations.length) throw new Error(`re-entrancy: ${this.violations.join("; ")}`); }

  /**
   * Host code of kind `kind` runs on the heap (key: its model event, null if it has none; self:
   * the finalizer's object). Runs its actions; rethrows its throw, as host code would.
   */
  hostCall(kind: HostKind, key: (() => string) | null, self: Handle | null = null, enabled = true, refused = false, mayThrow = true): void {
    const acts = this.prog.hosts[kind][this.#calls[kind]++];
    if (!acts?.length || !enabled) return;
    reentryFigures.hostCalls++;
    trace?.(`  heap: ${kind} ${key?.() ?? ""} call ${this.#calls[kind] - 1}${refused ? " (refused)" : ""} depth ${this.#frames.length} epoch ${this.#epoch}: ${JSON.stringify(acts)}`);
    const plays: (() => void)[] = [];
    let thrown: unknown = NOTHING;
    let message = "";
    const call: Frame = { starts: [], after: [] };
    this.#frames.push(call);
    // only the listener the flush itself calls is at the safe point: host code run after it
    // (onUnraisable from flushAllocationEvents' flushUnraisable) allocates mid-operation again
    const safe = this.#inSafeFlush;
    if (kind !== "events") this.#inSafeFlush = false;
    try {
      for (const act of acts) {
        if (act.a === "throw") {
          if (!mayThrow) break;
          const n = ++this.#thrown;
          thrown = { string: `thrown ${n}`, number: n, null: null, undefined: undefined, object: { toString: () => `object ${n}` }, symbol: Symbol(`symbol ${n}`) }[act.v];
          message = String(thrown);
          break;
        }
        if (refused) this.#refused(kind, act);
        else plays.push(this.#act(act, self));
      }
    } catch (err) {
      // nothing here may fail: the heap would only report it, so it is made to fail the run
      this.#violation(`${kind} host code: ${JSON.stringify(acts)} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      throw err;
    } finally {
      this.#frames.pop();
      this.#inSafeFlush = safe;
    }
    const play = () => {
      for (const p of plays) p();
      for (const p of call.after) p();
      if (thrown !== NOTHING && kind !== "report") this.host.model.unraisable.push(message);
      return thrown !== NOTHING;
    };
    if (key) this.#records.push({ key, play });
    else if (this.frame) this.frame.after.push(play);
    else this.#top.push({ epoch: this.#epoch, seq: this.#seq++, play });
    if (thrown !== NOTHING) throw thrown;
  }

  /**
   * The runner is between one of the step's own heap calls and its effect on the model: host code
   * that ran directly under the previous call (onUnraisable from its flush, listeners) is played
   * now, after that call's effect, as it ran on the heap.
   */
  settle(): void { const cut = this.#epoch++; this.#playIf((t) => t.epoch < cut); }

  /**
   * Marks where the heap is in one of the step's own calls made of several heap calls (each with
   * its flush), whose effects the runner plays later in turn: playBefore(mark) then plays the
   * host code run directly under that call before the mark.
   */
  mark(): number { return this.#seq; }

  /** Plays the host code run directly under the step's own calls before mark `mark`. */
  playBefore(mark: number): void { this.#playIf((t) => t.seq < mark); }

  #playIf(due: (t: TopPlay) => boolean): void {
    const now = this.#top.filter(due);
    this.#top = this.#top.filter((t) => !due(t));
    for (const t of now) t.play();
  }

  /** The model runs event `event`: plays what the heap's host code did there. */
  #play(event: string): boolean {
    this.check();
    const i = this.#records.findIndex((r) => r.key() === event);
    if (i < 0) return false;
    const [r] = this.#records.splice(i, 1);
    trace?.(`  model plays ${event}`);
    return r.play();
  }

  /** After the step's own call: plays host code run directly under it; the handles it disposed and kept. */
  endStep(): { disposed: number[]; kept: Handle[]; keptIds: number[] } {
    const top = this.#top;
    this.#top = [];
    for (const t of top) t.play();
    this.check();
    if (this.#records.length) throw new Error(`re-entrancy: the heap ran host code the model did not: ${this.#records.map((r) => r.key()).join(", ")}`);
    const byId = new Map(this.#kept.map((k) => [k.tok.id, k.H]));
    const keptIds = [...this.#keptIds].sort((a, b) => a - b);
    return { disposed: [...this.#disposed].sort((a, b) => b - a), kept: keptIds.map((id) => byId.get(id)!), keptIds };
  }

  /** A handle of the program that host code may dispose or store (not disposed yet, not in use by the step's call). */
  #pick(n: number): number {
    const { hs, busy } = this.host;
    const free: number[] = [];
    for (let i = 0; i < hs.length; i++) if (!this.#disposed.has(i) && !busy.has(i)) free.push(i);
    return free.length ? free[n % free.length] : -1;
  }

  #ref(ptr: number, what: string): Ref {
    const r = this.host.idAt(ptr);
    if (r === undefined) { this.#violation(`${what}: the object at 0x${ptr.toString(16)} is not one the program made`); return -1; }
    return r;
  }

  /** Does one action on the heap, in a frame of its own; returns what plays it on the model. */
  #act(act: Act, self: Handle | null): () => void {
    const frame: Frame = { starts: [], after: [] };
    this.#frames.push(frame);
    let play: (() => void) | null;
    try {
      play = this.#do(act, self, frame);
    } finally {
      this.#frames.pop();
    }
    if (play) {
      reentryFigures.actions++;
      reentryFigures.byAct[act.a] = (reentryFigures.byAct[act.a] ?? 0) + 1;
    }
    return () => {
      this.check();
      trace?.(`  model plays ${JSON.stringify(act)}`);
      play?.();
      for (const p of frame.after) p();
    };
  }

  /** The heap side of an action; null if it had nothing to act on (it then called nothing). */
  #do(act: Act, self: Handle | null, frame: Frame, refusing = false): (() => void) | null {
    const { heap, model, hs } = this.host;
    switch (act.a) {
      case "alloc": {
        const H = heap.alloc(this.host.types[act.kind]);
        const tok: Tok = { id: 0 }, ptr = H.ptr;
        this.#tokOf.set(ptr, tok);
        let into: Ref | null = null;
        if (act.keep) this.#kept.push({ tok, H });
        else {
          if (act.self && self) { into = this.#ref(self.ptr, "alloc"); self.set("a", H); }
          H.dispose();
        }
        return () => {
          for (const g of frame.starts) model.collect(g); // the collections the allocation ran first
          const o = model.newObject(act.kind);
          o.ptr = ptr;
          tok.id = o.id;
          if (act.keep) { this.#keptIds.push(o.id); return; }
          if (into !== null) model.setField(idOf(into), 0, o.id);
          model.decref(o.id);
        };
      }
      case "dispose": {
        const i = this.#pick(act.h);
        if (i < 0) return null;
        const expected = this.#ref(handlePtr(hs[i]), "dispose");
        this.#disposed.add(i); // first: its death's host code must not use it
        try { hs[i].dispose(); } catch (err) { this.#disposed.delete(i); throw err; }
        return () => {
          if (model.handles[i] !== idOf(expected)) throw new Error(`re-entrancy: handle ${i} is ${model.handles[i]} in the model, ${idOf(expected)} on the heap`);
          model.decref(model.handles[i]);
        };
      }
      case "disposeReferent": {
        const j = this.#pick(act.h);
        if (j < 0 || !WEAKREFABLE[model.get(model.handles[j]).kind]) return null;
        const expected = idOf(this.#ref(handlePtr(hs[j]), "disposeReferent"));
        const box = { id: 0 };
        // three heap calls, each with its flush: the host code each ran plays after it (Sequence)
        const seq = new Sequence(frame);
        const W = heap.weakref(hs[j], () => { this.host.log(() => `cb:${box.id}`); this.hostCall("cb", () => `cb:${box.id}`, null, false); });
        const ptr = W.ptr;
        seq.add(() => {
          if (model.handles[j] !== expected) throw new Error(`re-entrancy: handle ${j} is ${model.handles[j]} in the model, ${expected} on the heap`);
          const w = model.weakref(expected, false, "plain");
          w.ptr = ptr;
          box.id = w.id;
        });
        seq.flushed();
        this.#disposed.add(j);
        try { hs[j].dispose(); } catch (err) { this.#disposed.delete(j); throw err; }
        seq.add(() => model.decref(expected));
        seq.flushed();
        W.dispose();
        seq.add(() => model.decref(box.id));
        seq.flushed();
        return () => seq.play();
      }
      case "collect": {
        if (!heap.capabilities.collector.collectsCycles) {
          if (refusing) heap.gc.collect(act.g); // (refused either way)
          else this.#expect(HeapConfigError, () => heap.gc.collect(act.g), "gc.collect under collector 'none'");
          return () => {};
        }
        const n = heap.gc.collect(act.g);
        return () => {
          const m = model.collect(act.g);
          if (m !== n) this.#violation(`gc.collect(${act.g}) from host code found ${n}, the model ${m}`);
        };
      }
      case "store": {
        if (this.host.mapsDisposed) return null;
        let target: Handle, ref: Ref;
        if (act.self && self) { target = self; ref = this.#ref(self.ptr, "store"); } else {
          const i = this.#pick(act.h);
          if (i < 0) return null;
          target = hs[i];
          ref = this.#ref(handlePtr(target), "store");
        }
        const mapId = this.host.maps[act.into];
        const mapPtr = model.get(mapId).ptr;
        let refusedAs: string | null = null;
        const targetPtr = handlePtr(target);
        try {
          if (act.into === "wvm") this.host.wvm.set(act.k, target);
          else if (act.into === "wkm") this.host.wkm.set(target, null);
          else this.host.ws.add(target);
        } catch (err) {
          if (!(err instanceof HeapTypeError)) throw err;
          refusedAs = err.message;
        }
        // (read after the call: if its flush ran host code that killed the object, the entry and its weakref are gone, and never compared)
        let wr = 0;
        try { if (refusedAs === null) wr = this.#entryWeakref(mapPtr, act.into === "wvm" ? act.k : targetPtr, act.into === "wvm"); } catch { /* gone */ }
        return () => {
          const o = model.get(idOf(ref));
          if (!WEAKREFABLE[o.kind]) { if (refusedAs === null) this.#violation(`${act.into}: a ${o.kind} was stored`); return; }
          if (refusedAs !== null) { this.#violation(`${act.into}: storing a ${o.kind} was refused: ${refusedAs}`); return; }
          const w = model.mapSet(mapId, act.into === "wvm" ? act.k : o.id, o.id, null);
          if (w) w.ptr = wr;
          trace?.(`    ${act.into} entry weakref ${w?.id} at ${wr}; weakrefs of ${o.id}: ${JSON.stringify(o.weakrefs.map((x) => [x, model.get(x).ptr]))}`);
        };
      }
      case "inspect": {
        const Hs = heap.inspect.byType("Node");
        const seq = new Sequence(frame);
        for (const H of Hs) {
          // a live object has a reference besides the handle just made; a dying one (count 0) has none
          if (heap.core.refcount(H.ptr) < 2) this.#violation(`inspect.byType handed out a dying object (0x${H.ptr.toString(16)}, refcount 0 before its handle)`);
        }
        this.#disposeAll(Hs, seq);
        return () => seq.play();
      }
      case "iterate": {
        if (this.host.mapsDisposed) return null;
        const keys: Ref[] = [];
        const seq = new Sequence(frame);
        let midDone = false;
        const item = (key: Ref, handles: (Handle | null)[]) => {
          if (keys.includes(key)) this.#violation(`iterating ${act.of}: entry ${typeof key === "number" ? key : "(new)"} visited twice`);
          keys.push(key);
          this.#disposeAll(handles.filter((H): H is Handle => H !== null), seq);
          if (act.mid && !midDone) { midDone = true; seq.add(this.#act(act.mid, self)); }
        };
        if (act.of === "wvm") for (const [k, V] of this.host.wvm.entries()) item(k as number, [V]);
        else if (act.of === "wkm") for (const [K, V] of this.host.wkm.entries()) item(this.#ref(K.ptr, "iterate"), [K, V]);
        else for (const K of this.host.ws.values()) item(this.#ref(K.ptr, "iterate"), [K]);
        const mapId = this.host.maps[act.of];
        return () => {
          // (an entry whose weakref is dead is skipped, as Lib/weakref.py does, even before the core
          // drops it; so is one whose object waits on the death worklist, count 0: its weakref reads
          // as dead, gh-60806; soak --fuzz, pools/none seed 959)
          const alive = (wr: number) => { const r = model.get(wr).referent; return r !== null && model.get(r).rc > 0; };
          const entries = () => new Map([...model.get(mapId).entries].filter(([, e]) => alive(e.wr)).map(([k, e]) => [k, e.wr]));
          const start = entries();
          seq.play();
          const end = entries();
          const visited = keys.map(idOf);
          // Python 3.14's iteration over a copy: no entry added meanwhile; every entry there at the start and still there at the end, once
          for (const k of visited) if (!start.has(k)) this.#violation(`iterating ${act.of}: visited ${k}, which was not an entry at the start`);
          for (const [k, wr] of start) if (end.get(k) === wr && !visited.includes(k)) this.#violation(`iterating ${act.of}: skipped entry ${k}, live from start to end (visited ${JSON.stringify(visited)} of ${JSON.stringify([...start.keys()])})`);
        };
      }
      case "freeze": if (this.#finishing) return null; heap.gc.freeze(); return () => model.freeze();
      case "unfreeze": heap.gc.unfreeze(); return () => model.unfreeze();
      // threshold0 bounds the hybrid's walks into old objects and its credit (deferred.ts); threshold1
      // sizes the incremental collector's increments (soak --fuzz, incremental seeds 23853 and 39383:
      // the model kept the old one)
      case "threshold": heap.gc.setThreshold(...act.t); return () => { model.threshold0 = act.t[0]; model.threshold1 = act.t[1]; };
      case "enable": if (act.on) heap.gc.enable(); else heap.gc.disable(); return () => {};
      case "flushEvents": {
        const outer = this.#inSafeFlush;
        this.#inSafeFlush = true;
        try { heap.flushAllocationEvents(); } finally { this.#inSafeFlush = outer; }
        return () => {};
      }
      case "throw": return null;
    }
  }

  /**
   * Disposes handles the host API made (borrowed references: increfs when it made them, a decref
   * each here), and plays them on the model in the heap's order: the references first, then each
   * release (the recycler's candidate, or a death) and the host code its flush ran. Host code run
   * by one dispose may drop other references to the objects of the next ones, which the handles
   * still keep alive (soak --fuzz, bump/recycler seed 2884: the model, touching each in turn,
   * freed one before its handle was disposed).
   */
  #disposeAll(Hs: Handle[], seq: Sequence): void {
    const refs = Hs.map((H) => (H.type.kind === "bytes" ? this.host.idAt(H.ptr) ?? null : this.#ref(H.ptr, "a handle from the host API")));
    seq.add(() => { for (const r of refs) if (r !== null) this.host.model.incref(idOf(r)); });
    Hs.forEach((H, i) => {
      H.dispose();
      const r = refs[i];
      seq.add(() => { if (r !== null) this.host.model.decref(idOf(r)); });
      seq.flushed();
    });
  }

  #entryWeakref(mapPtr: number, key: number, intKey: boolean): number { return entryWeakref(this.host.heap, mapPtr, key, intKey); }

  #expect(cls: new (...a: never[]) => Error, fn: () => unknown, what: string): void {
    try { fn(); } catch (err) { if (err instanceof cls) return; throw err; }
    this.#violation(`${what}: expected ${cls.name}`);
  }

  /** Everything a refused call must leave as it was: every byte of linear memory, the handle count, gc.garbage. */
  #fingerprint(): string {
    const { heap } = this.host;
    const words = new Int32Array(heap.core.memory.buffer);
    let a = 1, b = 0;
    for (let i = 0; i < words.length; i++) { a = (a + words[i]) | 0; b = (b + a) | 0; }
    return `${words.length}:${a}:${b}:${heap.liveHandles}:${heap.gc.garbage.length}:${heap.gc.callbacks.length}`;
  }

  /** Host code the heap documents as unable to use it: each heap call must be refused (HeapConfigError) and change nothing. */
  #refused(kind: HostKind, act: Act): void {
    const before = this.#fingerprint();
    let err: unknown = NOTHING;
    let did: (() => void) | null = null;
    const frame: Frame = { starts: [], after: [] };
    this.#frames.push(frame);
    try { did = this.#do(act, null, frame, true); } catch (e) { err = e; } finally { this.#frames.pop(); }
    if (err === NOTHING && !did) return; // nothing to act on: no call was made
    const where = kind === "phase" ? "a gc.observePhases listener (mid-collection)" : "an allocation events listener (mid-allocation or mid-free)";
    if (!(err instanceof HeapConfigError)) {
      this.#violation(`${act.a} from ${where} was not refused (${err === NOTHING ? "it ran" : `${(err as Error)?.name}: ${(err as Error)?.message}`})`);
      return;
    }
    reentryFigures.refused++;
    if (this.#fingerprint() !== before) this.#violation(`${act.a} from ${where} was refused but changed the heap`);
  }

  #listener(): void {
    const safe = this.#inSafeFlush;
    this.#inSafeFlush = false; // a safe delivery's listener may allocate, whose own deliveries are mid-operation
    try { this.hostCall("events", null, null, true, !safe); } finally { this.#inSafeFlush = safe; }
  }

  #phaseListener(): void { this.hostCall("phase", null, null, true, true); }

  /** The program ends: host code no longer freezes (what is frozen is never collected). */
  finishing(): void { this.#finishing = true; }

  /** Is handle i of the program still live (not disposed by host code in this step)? */
  live(i: number): boolean { return !this.#disposed.has(i); }
}

/** The internal weakref of a weak container's entry for key (an int key in a WeakValueMap, else an object's address), 0 if none. */
export function entryWeakref(heap: Heap, mapPtr: number, key: number, intKey: boolean): number {
  const core = heap.core;
  if (!intKey) { const slot = core.wkmFind(mapPtr, key); return slot < 0 ? 0 : core.weakMapWeakrefAt(mapPtr, slot); }
  for (let i = core.weakMapNext(mapPtr, 0); i >= 0; i = core.weakMapNext(mapPtr, i + 1)) if ((core.weakMapKeyAt(mapPtr, i) | 0) === key) return core.weakMapWeakrefAt(mapPtr, i);
  return 0;
}
