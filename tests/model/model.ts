import { collectorCaps } from "../helpers.js";
// The reference model: the heap's documented semantics as a plain graph, with no memory, lists or
// bit packing. Objects have fields, a refcount (host handles + field references), weakref lists,
// a finalizer flag; collections compute reachability over the graph. The property tests run the
// same program against the heap and this model and compare them after every step.
//
// What the model fixes exactly: refcount deaths (CPython order, through the core's worklist:
// finalizer, then every weakref cleared, then the callbacks newest first, then the references,
// last-pushed dead container first), which objects a collection finds (generation membership for
// the generational collector, candidate roots for the recycler), resurrection, the weakref
// callback rule in collections (only weakrefs that are not garbage themselves are called back).
// What it leaves open, as CPython does: the order of events inside one collection (the heap's
// list order), so those are compared as a multiset; and whether a weakref held only by the
// garbage is called back when its referent dies while the garbage is being cleared (`optional`).

import type { CollectorName } from "../../src/index.js";

/** Rare shapes the model has played, so the fuzzers can say how often they reach them. */
export const modelFigures = { deferredWeakrefDeaths: 0 };
export type { CollectorName };
export type ObjKind = "node" | "cell" | "list" | "blob" | "weakref" | "map";
/** Weak containers: int → weak value (WeakValueMap; its string table stays empty), weak key → value, weak set. */
export type MapFlavour = "wvm" | "wvmStrings" | "wkm" | "wset";
export type CallbackKind = "none" | "plain" | "throw" | "finalize" | "internal";

export interface MObj {
  readonly id: number;
  readonly kind: ObjKind;
  /** Address in the heap (set by the runner after allocation). */
  ptr: number;
  rc: number;
  /** Reference fields a, b (node, cell), the items (list); empty otherwise. */
  fields: (number | null)[];
  /** List capacity (its storage block exists while it is not 0). */
  cap: number;
  // containers (node, cell)
  tracked: boolean;
  /** 0..2, 3 = permanent (frozen); 4 = an incremental collection's survivors until it ends. */
  gen: number;
  candidate: boolean;
  /** A hybrid candidate whose walk into old objects waits for an old pass (FLAG_DEFERRED; read only with candidate). */
  waiting?: boolean;
  collecting: boolean;
  finalized: boolean;
  /** The finalizer keeps a new handle to the object (resurrects it), once: the flag is then cleared. */
  resurrect: boolean;
  /** The finalizer throws (after resurrecting, if it does). */
  throwing: boolean;
  /** The finalizer stores the object in a weak container (without keeping it): which, and the int key for 'wvm'. */
  store: "wvm" | "wkm" | "ws" | null;
  storeKey: number;
  /** Weakrefs to this object, in list order: basic ref, basic proxy, then the others newest first. */
  weakrefs: number[];
  // weakref objects
  referent: number | null;
  proxy: boolean;
  callback: CallbackKind;
  /** For callback 'finalize': the finalize object's id. */
  finalizeId: number;
  /** Its last reference went while its referent waited on the death worklist: its death waits for the referent's, which owns that reference (assembly/weak.ts, "Deferred deaths"). */
  deferred: boolean;
  /** Dead, on the worklist: the references it has released so far (assembly/rc.ts releaseChildren's cursor). */
  released: number;
  /** For callback 'internal' (a weak container's entry): its map and key. */
  mapId: number;
  mapKey: number;
  // weak containers: key (int, or the key object's id) -> the entry's internal weakref and value
  flavour: MapFlavour | null;
  entries: Map<number, { wr: number; value: number | null }>;
  /** The map's table block exists (from its first insertion until it is released). */
  table: boolean;
}

export interface MFinalize { id: number; wr: number; alive: boolean }

const CONTAINER: Record<ObjKind, boolean> = { node: true, cell: true, list: true, blob: false, weakref: false, map: true };
/** Kinds weakrefs may point at. */
export const WEAKREFABLE: Record<ObjKind, boolean> = { node: true, cell: true, list: true, blob: false, weakref: false, map: false };

export class Model {
  readonly objects = new Map<number, MObj>();
  /** Host handles, in the runner's order: the object each owns a reference to. */
  readonly handles: number[] = [];
  readonly finalizes = new Map<number, MFinalize>();
  /** Handles the host API keeps inside its weak containers (one per map object). */
  readonly hidden: number[] = [];
  /** Events of the current step: fin:X, cb:W, final:F, gc-start:g, gc-stop:g:found. */
  log: string[] = [];
  /** Errors the current step must report through onUnraisable (their messages). */
  unraisable: string[] = [];
  /** Weakrefs whose callback may or may not run in the current step (see the header). */
  optional = new Set<number>();
  /** Objects resurrected in the current step (their new handles are appended in id order). */
  resurrected: number[] = [];
  gcCallbackThrows = false;
  /**
   * Host code re-entering (tests/model/reentry.ts): called when the model runs a finalizer
   * (`fin:X`, inside its borrowed handle), a weakref callback (`cb:W`), a finalize object
   * (`final:F`) or a gc callback (`gc-start`, `gc-stop`), to play what the heap's host code did
   * there. Returns true when that host code threw (so the hook's own exception was not reached).
   */
  onHost: ((event: string) => boolean) | null = null;
  /** Where the heap ran an event in the current step (its position in the heap's log), to play a collection's host code in the heap's order. */
  heapOrder: ((event: string) => number) | null = null;
  /** The weak containers finalizers store into (set by the runner), and whether they can this step. */
  storeMaps: { wvm: number; wkm: number; ws: number } | null = null;
  finalizerStores = true;
  #nextId = 1;
  #pending: number[] = [];
  #draining = false;
  /** Slow deaths deposited while another was in progress (assembly/rc.ts's death worklist), FIFO. */
  #dying: number[] = [];
  #deathDepth = 0;
  #collecting = false;
  /** Legacy mode: the uncollectable objects a collection has set aside and that have not died since (its `finalizers` list). */
  #legacyHeld = new Set<number>();

  /** Objects handed to gc.garbage in the current step (uncollectable, or saved by DEBUG_SAVEALL). */
  garbage: number[] = [];
  /** gc.set_debug(DEBUG_SAVEALL): garbage is kept in gc.garbage instead of being freed. */
  saveAll = false;

  /** legacy: finalizer mode 'legacy' (a cycle holding a finalizer is uncollectable, as in Python 2). */
  constructor(readonly collector: CollectorName, readonly legacy = false) {}

  // ── CPython 3.14's incremental collector (the oldSpaces capability): gen 0 young, 1 + s old space s, 3 permanent ──
  /** The heap's two old-space lists (pointers, in list order) at each collection's start: the model leaves list order open and takes the heap's. */
  oldSpaceOrders: number[][][] = [];
  /** young.count: containers tracked minus untracked since it was last reset (never below 0). */
  youngCount = 0;
  /** youngGeneration: gc.unfreeze() ran since the last collection that examined the young generation. */
  #thawed = false;
  /** A decrement legacy mode ignored during a collection (a possible candidate missed). */
  #missed = false;
  #visited = 0;
  #markPhase = true;
  #workToDo = -5000;
  /** threshold1 (the program sets it): the heap's share an increment adds is heap / 10 / max(threshold1, 2). */
  threshold1 = 10;
  /** threshold0 (the program sets it): the hybrid's young walk into old objects stops beyond it. */
  threshold0 = 700;
  /** The hybrid's credit toward an old pass (assembly/collect/deferred.ts). */
  #credit = 0;
  #oldSpaces(): boolean { return collectorCaps(this.collector).oldSpaces; }
  #tracks(): void { if (this.#oldSpaces()) this.youngCount++; }

  get(id: number): MObj {
    const o = this.objects.get(id);
    if (!o) throw new Error(`model: object ${id} is not alive`);
    return o;
  }

  isContainer(o: MObj): boolean { return CONTAINER[o.kind]; }

  /** Starts a step: clears the per-step logs. */
  beginStep(): void {
    this.log = [];
    this.unraisable = [];
    this.optional = new Set();
    this.resurrected = [];
    this.garbage = [];
  }

  /** Ends a step: resurrected objects' handles, then gc.garbage's, join the handle list in id order. */
  endStep(): number[] {
    const ids = [...[...this.resurrected].sort((a, b) => a - b), ...[...this.garbage].sort((a, b) => a - b)];
    this.handles.push(...ids);
    return ids;
  }

  // ── allocation ──

  newObject(kind: ObjKind): MObj {
    const o: MObj = {
      id: this.#nextId++, kind, ptr: 0, rc: 1, cap: 0, fields: kind === "node" || kind === "cell" ? [null, null] : [],
      tracked: CONTAINER[kind], gen: collectorCaps(this.collector).candidates ? 1 : 0, candidate: false, collecting: false,
      finalized: false, resurrect: false, throwing: false, store: null, storeKey: 0, weakrefs: [], referent: null, proxy: false, callback: "none", finalizeId: 0, deferred: false, released: 0,
      mapId: 0, mapKey: 0, flavour: null, entries: new Map(), table: false,
    };
    this.objects.set(o.id, o);
    if (o.tracked) this.#tracks();
    return o;
  }

  /** heap.alloc: a new object and a handle to it. */
  alloc(kind: ObjKind): MObj {
    const o = this.newObject(kind);
    this.handles.push(o.id);
    return o;
  }

  /** heap.weakref / heap.proxy (callback 'none': the shared basic one) / heap.finalize's weakref. */
  weakref(target: number, proxy: boolean, callback: CallbackKind, finalizeId = 0): MObj {
    const t = this.get(target);
    const list = t.weakrefs;
    const basicAt = (i: number) => i < list.length && this.get(list[i]).callback === "none" ? this.get(list[i]) : null;
    const first = basicAt(0), second = first ? basicAt(1) : null;
    const basicRef = first && !first.proxy ? first : null;
    const basicProxy = first?.proxy ? first : second?.proxy ? second : null;
    if (callback === "none") {
      const shared = proxy ? basicProxy : basicRef;
      if (shared) { shared.rc++; return shared; }
    }
    const w = this.newObject("weakref");
    w.referent = target;
    w.proxy = proxy;
    w.callback = callback;
    w.finalizeId = finalizeId;
    const basics = (basicRef ? 1 : 0) + (basicProxy ? 1 : 0);
    if (callback !== "none") list.splice(basics, 0, w.id);
    else if (proxy) list.splice(basicRef ? 1 : 0, 0, w.id);
    else list.unshift(w.id);
    return w;
  }

  // ── reference counting ──

  incref(id: number): void { this.get(id).rc++; }

  /** A count decremented to non-zero: under the recycler, a container may become a candidate root. */
  possibleRoot(o: MObj): void {
    if (!collectorCaps(this.collector).candidates) return;
    if (this.isContainer(o) && o.tracked && !o.candidate && !o.collecting && o.gen !== 3) {
      if (this.legacy && this.#collecting) { this.#missed = true; return; } // legacy mode: no candidates while a collection holds uncollectable objects
      o.candidate = true;
      o.waiting = false;
      o.gen = 0;
    }
  }

  decref(id: number): void {
    const o = this.get(id);
    if (o.rc === 1) this.dealloc(o);
    else { o.rc--; this.possibleRoot(o); }
  }

  /** An incref then a decref (a borrowed handle made and disposed): only its candidate effect remains. */
  touch(id: number): void { this.incref(id); this.decref(id); }

  /** CPython's list_resize: over-allocates on growth, shrinks below half. */
  #resize(o: MObj, n: number): void {
    if (o.cap >= n && n >= o.cap >> 1) return;
    o.cap = n === 0 ? 0 : (n + (n >> 3) + 6) & ~3;
  }

  /** list.push: the list takes a new reference. */
  push(id: number, value: number | null): void {
    const o = this.get(id);
    this.#resize(o, o.fields.length + 1);
    if (value !== null) this.incref(value);
    o.fields.push(value);
  }

  /** list.pop: the list's reference moves to the caller (a new handle; none for a null item). */
  pop(id: number): number | null {
    const o = this.get(id);
    const item = o.fields.pop()!;
    this.#resize(o, o.fields.length);
    return item;
  }

  /** Live blocks: objects plus the lists' and maps' storage blocks (stats().liveObjects counts both). */
  liveBlocks(): number {
    let n = this.objects.size;
    for (const o of this.objects.values()) if (o.cap || o.table) n++;
    return n;
  }

  // ── weak containers ──

  /** A map object, owned by a handle inside its host container. */
  newMap(flavour: MapFlavour): MObj {
    const m = this.newObject("map");
    m.flavour = flavour;
    this.hidden.push(m.id);
    return m;
  }

  /** The map's strong references (visited by the collector): each entry's internal weakref and value. */
  #syncFields(m: MObj): void {
    m.fields = [...m.entries.values()].flatMap((e) => (e.value === null ? [e.wr] : [e.wr, e.value]));
  }

  #newEntryWeakref(m: MObj, key: number, target: number): MObj {
    const w = this.weakref(target, false, "internal");
    w.mapId = m.id;
    w.mapKey = key;
    return w;
  }

  /**
   * set: a weak-value map's key (int) gets a fresh entry weakref to `target` unless it already
   * points there; a weak-key map's or set's key object `target` gets its value replaced, or a new entry.
   */
  mapSet(mapId: number, key: number, target: number, value: number | null): MObj | null {
    const m = this.get(mapId);
    const e = m.entries.get(key);
    if (m.flavour === "wvm") {
      if (e && this.get(e.wr).referent === target) return null;
      const w = this.#newEntryWeakref(m, key, target);
      m.table = true;
      const old = e?.wr;
      m.entries.set(key, { wr: w.id, value: null });
      this.#syncFields(m);
      if (old !== undefined) this.decref(old);
      return w;
    }
    if (e) {
      const old = e.value;
      if (value !== null) this.incref(value);
      e.value = value;
      this.#syncFields(m);
      if (old !== null) this.decref(old);
      return null;
    }
    const w = this.#newEntryWeakref(m, key, target);
    m.table = true;
    if (value !== null) this.incref(value);
    m.entries.set(key, { wr: w.id, value });
    this.#syncFields(m);
    return w;
  }

  /** get: the weakly held value (value maps) or the value (key maps), or undefined when absent. */
  mapGet(mapId: number, key: number): number | null | undefined {
    const m = this.get(mapId);
    const e = m.entries.get(key);
    if (!e) return undefined;
    return m.flavour === "wvm" ? this.get(e.wr).referent : e.value;
  }

  mapDelete(mapId: number, key: number): void {
    const m = this.get(mapId);
    if (m.entries.has(key)) this.#removeEntry(m, key);
  }

  /** Drops one entry: the slot is emptied before any reference is released. */
  #removeEntry(m: MObj, key: number): void {
    const e = m.entries.get(key)!;
    m.entries.delete(key);
    this.#syncFields(m);
    this.decref(e.wr);
    if (e.value !== null) this.decref(e.value);
  }

  /** A dead map, or a garbage one being cleared: every entry released, the table freed. */
  #releaseMap(m: MObj): void {
    const entries = [...m.entries.values()];
    m.entries.clear();
    m.fields = [];
    m.table = false;
    for (const e of entries) {
      this.decref(e.wr);
      if (e.value !== null) this.decref(e.value);
    }
  }

  /** The host container is disposed: its hidden handle goes. */
  disposeMap(mapId: number): void {
    this.hidden.splice(this.hidden.indexOf(mapId), 1);
    this.decref(mapId);
  }

  /** setRef: the new value gains a reference before the old one loses its own. */
  setField(id: number, i: number, value: number | null): void {
    const o = this.get(id);
    const old = o.fields[i];
    if (value !== null) this.incref(value);
    o.fields[i] = value;
    if (old !== null) this.decref(old);
  }

  dealloc(o: MObj): void {
    o.rc = 1;
    if (this.#draining) { this.#releaseRef(o); return; }
    this.#draining = true;
    this.#releaseRef(o);
    for (;;) {
      // deposited slow deaths first, in order (assembly/rc.ts, the death worklist)
      const d = this.#dying.shift();
      if (d !== undefined) {
        const c = this.get(d);
        c.rc = 1;
        if (this.#slowDeath(c)) this.#finishDeath(c);
        else this.#releaseDeferred(c);
        continue;
      }
      if (!this.#pending.length) break;
      this.#releasePending(this.get(this.#pending.pop()!));
    }
    this.#draining = false;
  }

  /**
   * A dead container off the worklist releases its references (assembly/rc.ts releaseChildren):
   * depth first, as CPython's nested deallocs. The containers its releases kill are turned over
   * (the first to die on top); a reference whose death would run host code while an earlier one's
   * subtree waits sets the container aside beneath that subtree, to go on from there.
   */
  #releasePending(q: MObj): void {
    if (q.kind === "map") { this.#releaseMap(q); this.#free(q); return; }
    // a list releases its last item first (CPython's list_dealloc)
    const refs = q.kind === "list" ? [...q.fields].reverse() : q.fields;
    const mark = this.#pending.length;
    for (let i = q.released; i < refs.length; i++) {
      const c = refs[i];
      if (c === null) continue;
      const o = this.get(c);
      if (this.#pending.length > mark && o.rc === 1 && (this.#diesSlowly(o) || o.kind === "weakref")) {
        q.released = i;
        this.#turnOver(mark, q.id);
        return;
      }
      this.#releaseRef(o);
    }
    this.#turnOver(mark, null);
    q.released = 0;
    this.#free(q);
  }

  /** The deaths above `mark` turned over, the first on top, `aside` beneath them. */
  #turnOver(mark: number, aside: number | null): void {
    const above = this.#pending.splice(mark).reverse();
    if (aside !== null) this.#pending.push(aside);
    this.#pending.push(...above);
  }

  /**
   * The containers that died since the worklist stood at `mark` release their references now, and
   * those that die meanwhile (assembly/rc.ts releaseDiedSince): a collection's deletion, and a
   * finalizer whose object looks resurrected, see their own deaths complete.
   */
  #releaseDiedSince(mark: number): void {
    while (this.#pending.length > mark) this.#releasePending(this.get(this.#pending.pop()!));
  }

  /** Does c's death run host code (a finalizer) or clear weakrefs? */
  #diesSlowly(c: MObj): boolean {
    return (c.kind === "node" && (this.legacy || !c.finalized)) || c.weakrefs.length > 0;
  }

  #releaseRef(c: MObj): void {
    if (c.rc > 1) { c.rc--; this.possibleRoot(c); return; }
    if (this.#diesSlowly(c)) {
      // a slow death that begins during another one waits its turn (no nesting)
      if (this.#deathDepth) { this.#untrack(c); c.rc = 0; this.#dying.push(c.id); return; }
      if (!this.#slowDeath(c)) return;
    } else if (c.kind === "weakref" && c.callback !== "none" && c.callback !== "internal" && c.referent !== null && this.#dying.includes(c.referent)) {
      // its referent waits its turn: so does this weakref's death, to be called back there (CPython
      // frees nested: the referent dies, calling it back, before the weakref's own turn)
      c.deferred = true;
      modelFigures.deferredWeakrefDeaths++;
      return;
    }
    this.#finishDeath(c);
  }

  /** `c`'s finalizer resurrected it: the weakrefs whose deaths waited for its death die now, without callbacks. */
  #releaseDeferred(c: MObj): void {
    for (const wid of [...c.weakrefs]) {
      const w = this.get(wid);
      if (w.deferred) { w.deferred = false; this.decref(wid); }
    }
  }

  #finishDeath(c: MObj): void {
    c.rc = 0;
    if (this.isContainer(c)) {
      this.#untrack(c);
      this.#pending.push(c.id);
    } else {
      this.#free(c);
    }
  }

  #untrack(c: MObj): void {
    this.#legacyHeld.delete(c.id);
    if (c.tracked && this.youngCount > 0) this.youngCount--;
    c.tracked = false; c.candidate = false;
  }

  #free(o: MObj): void {
    if (o.kind === "weakref") this.#unlink(o);
    this.objects.delete(o.id);
  }

  /** The host finalizer: a borrowed handle around the call, maybe a resurrecting dup, maybe a throw. */
  #runFinalizer(o: MObj, atDeath: boolean): void {
    if (atDeath && this.isContainer(o)) {
      // untracked, then tracked for the finalizer as a new object, young and unfrozen, whether it
      // was tracked or not (subtype_dealloc; assembly/rc.ts finalize); no longer a collection's
      this.#untrack(o);
      o.tracked = true;
      o.collecting = false;
      o.gen = collectorCaps(this.collector).candidates ? 1 : 0;
      this.#tracks();
    }
    if (!this.legacy) o.finalized = true; // legacy finalizers (tp_del) run at every death
    this.log.push(`fin:${o.id}`);
    o.rc++; // the borrowed handle the hook gives the finalizer
    // (once: a legacy finalizer runs at every death, and a program resurrecting forever would never end)
    if (o.resurrect) { o.resurrect = false; o.rc++; this.resurrected.push(o.id); }
    if (o.store && this.storeMaps && this.finalizerStores) {
      // a new entry whose weakref the object's death must drop
      const m = this.storeMaps[o.store];
      this.mapSet(m, o.store === "wvm" ? o.storeKey : o.id, o.id, null);
    }
    const mark = this.#pending.length;
    const threw = this.onHost?.(`fin:${o.id}`) ?? false;
    if (o.throwing && !threw) this.unraisable.push(`fin:${o.id}`);
    this.decref(o.id); // the borrowed handle disposed
    // at a death, containers that died in the finalizer release their references before the
    // resurrection check, only if the object looks resurrected (assembly/rc.ts finalize)
    if (atDeath && o.rc > 1) this.#releaseDiedSince(mark);
  }

  /** PEP 442: finalizer, then weakrefs and callbacks. Legacy (tp_del): weakrefs and callbacks first, then the finalizer at every death. */
  #slowDeath(c: MObj): boolean {
    this.#deathDepth++;
    try {
      if (this.legacy) {
        this.#clearWeakrefsAtDeath(c);
        if (c.kind === "node") {
          this.#runFinalizer(c, true);
          if (c.rc > 1) { c.rc--; return false; }
          // weakrefs the finalizer made are cleared without callbacks (Python 2's subtype_dealloc
          // after tp_del); a weak container's entry still goes with its object (assembly/rc.ts)
          this.#clearWeakrefsAtDeath(c, (w) => w.callback === "internal" && w.rc > 0);
        }
        return true;
      }
      if (c.kind === "node" && !c.finalized) {
        this.#runFinalizer(c, true);
        if (c.rc > 1) { c.rc--; return false; }
      }
      this.#clearWeakrefsAtDeath(c);
      return true;
    } finally {
      this.#deathDepth--;
    }
  }

  #clearWeakrefsAtDeath(c: MObj, owedIf = (w: MObj) => w.callback !== "none" && w.rc > 0): void {
    if (!c.weakrefs.length) return;
    // untracked first (subtype_dealloc): a callback may run a collection, which must not find it
    if (this.isContainer(c)) this.#untrack(c);
    c.rc = 0;
    const owed = this.#detach(c, owedIf);
    this.#runCallbacks(owed);
    c.rc = 1;
  }

  #unlink(w: MObj): void {
    if (w.referent === null) return;
    const r = this.objects.get(w.referent);
    if (r) r.weakrefs = r.weakrefs.filter((x) => x !== w.id);
    w.referent = null;
  }

  /** Clears every weakref to `o`; returns those owed a callback (each held by a new reference), in list order. */
  /** Clears o's weakrefs (but those `keep` names) and returns those owed a callback. */
  #detach(o: MObj, owedIf: (w: MObj) => boolean, keep: (w: MObj) => boolean = () => false): MObj[] {
    const owed: MObj[] = [];
    const kept: number[] = [];
    for (const wid of o.weakrefs) {
      const w = this.get(wid);
      if (keep(w)) { kept.push(wid); continue; }
      // a weakref whose death waited for this one is called back, with the reference it left
      if (w.deferred) { w.deferred = false; owed.push(w); }
      else if (owedIf(w)) { w.rc++; owed.push(w); }
      w.referent = null;
    }
    o.weakrefs = kept;
    return owed;
  }

  #runCallbacks(owed: MObj[]): void {
    for (const w of owed) {
      if (w.callback === "internal") {
        // a weak container's entry: the core drops it (unless the map itself is going)
        const m = this.objects.get(w.mapId);
        if (m && m.rc > 0 && m.entries.get(w.mapKey)?.wr === w.id) this.#removeEntry(m, w.mapKey);
      } else if (w.callback === "finalize") {
        // (Finalize.call: the finalize object is cleared, its weakref dropped, then fn runs)
        const f = this.finalizes.get(w.finalizeId)!;
        // (called or detached since, while its referent's death waited: Finalize.call does nothing)
        if (f.alive) {
          this.#finalizeDone(f);
          this.log.push(`final:${f.id}`);
          this.onHost?.(`final:${f.id}`);
        }
      } else {
        this.log.push(`cb:${w.id}`);
        const threw = this.onHost?.(`cb:${w.id}`) ?? false;
        if (w.callback === "throw" && !threw) this.unraisable.push(`cb:${w.id}`);
      }
      this.decref(w.id); // the reference held for the callback
    }
  }

  /** A finalize object ran or was called: it drops its weakref. */
  #finalizeDone(f: MFinalize): void {
    f.alive = false;
    this.decref(f.wr);
  }

  /** finalize.call(): runs fn if still alive, after its weakref is dropped and `released` (host code run between the two) played. */
  finalizeCall(fid: number, released?: () => void): void {
    const f = this.finalizes.get(fid)!;
    if (!f.alive) return;
    this.#finalizeDone(f);
    released?.();
    this.log.push(`final:${f.id}`);
    this.onHost?.(`final:${f.id}`);
  }

  /** heap.finalize(obj, fn): a callback weakref owned by the finalize object. */
  finalize(target: number): MFinalize {
    const id = this.finalizes.size + 1;
    const w = this.weakref(target, false, "finalize", id);
    const f: MFinalize = { id, wr: w.id, alive: true };
    this.finalizes.set(id, f);
    return f;
  }

  // ── the collectors ──

  /** References to `x` held by the fields of the objects in `set`. */
  #refsFrom(set: Set<number>, x: number): number {
    let n = 0;
    for (const id of set) for (const c of this.get(id).fields) if (c === x) n++;
    return n;
  }

  /** The members of `set` not reachable from a member with references from outside it. */
  #unreachable(set: Set<number>): Set<number> {
    const internal = new Map<number, number>();
    for (const id of set) for (const c of this.get(id).fields) if (c !== null && set.has(c)) internal.set(c, (internal.get(c) ?? 0) + 1);
    const reached = new Set<number>();
    const work: number[] = [];
    for (const id of set) if (this.get(id).rc - (internal.get(id) ?? 0) > 0) { reached.add(id); work.push(id); }
    while (work.length) {
      for (const c of this.get(work.pop()!).fields) if (c !== null && set.has(c) && !reached.has(c)) { reached.add(c); work.push(c); }
    }
    return new Set([...set].filter((id) => !reached.has(id)));
  }

  #tracked(): MObj[] { return [...this.objects.values()].filter((o) => o.tracked); }

  /** gc.collect(g) or an automatic collection of generation g: the number of unreachable objects found. */
  collect(g: number): number {
    if (!collectorCaps(this.collector).collectsCycles || this.#collecting) return 0;
    // the hybrid: after a decrement legacy mode ignored, a full collection
    if (collectorCaps(this.collector).youngGeneration && this.#missed) g = 2;
    this.#missed = false;
    this.#collecting = true;
    // the recycler reports a collection that is not full as generation 0
    const reported = collectorCaps(this.collector).candidates && g !== 2 ? 0 : g;
    this.log.push(`gc-start:${reported}`);
    if (this.gcCallbackThrows) this.unraisable.push("gc");
    this.onHost?.(`gc-start#${this.log.filter((e) => e.startsWith("gc-start")).length}`);
    let set: Set<number>;
    let old: number;
    let afterwards = () => {};
    if (this.#oldSpaces()) {
      const planned = this.#increment(g);
      if (planned === null) {
        // nothing collected: the pass's marking step
        this.log.push(`gc-stop:${reported}:0`);
        if (this.gcCallbackThrows) this.unraisable.push("gc");
        this.onHost?.(`gc-stop#${this.log.filter((e) => e.startsWith("gc-stop")).length}`);
        this.#collecting = false;
        return 0;
      }
      [set, afterwards] = planned;
      // a young collection's or an increment's survivors wait on a list of their own (4) until it ends
      old = g === 2 ? 1 + this.#visited : 4;
    } else if (collectorCaps(this.collector).generations) {
      set = new Set(this.#tracked().filter((o) => o.gen <= g).map((o) => o.id));
      old = Math.min(g + 1, 2);
    } else {
      // youngGeneration (hybrid): list 1 is the young generation, examined whole; survivors are old (list 2)
      const young = collectorCaps(this.collector).youngGeneration;
      old = young ? 2 : 1;
      const reach = (from: Set<number>): Set<number> => {
        const found = new Set<number>();
        const work = [...from];
        while (work.length) {
          for (const c of this.get(work.pop()!).fields) {
            const o = c === null ? null : this.get(c);
            if (o && o.tracked && o.gen !== 3 && !from.has(o.id) && !found.has(o.id)) { found.add(o.id); work.push(o.id); }
          }
        }
        return found;
      };
      if (g === 2) { set = new Set(this.#tracked().filter((o) => o.gen !== 3).map((o) => o.id)); this.#thawed = false; this.#credit = 0; }
      else if (!young) {
        // the recycler: the candidates and every tracked, unfrozen object they reach
        set = new Set(this.#tracked().filter((o) => o.candidate).map((o) => o.id));
        for (const id of reach(set)) set.add(id);
      } else {
        // the hybrid (assembly/collect/deferred.ts): the new candidates, or at an old pass every
        // candidate; a walk into more than threshold0 old objects is not taken, its frontier deferred
        const candidates = this.#tracked().filter((o) => o.candidate);
        this.#credit += Math.max(this.threshold0, 1) + candidates.length;
        const oldPass = g === 1 || (candidates.some((o) => o.waiting) && this.#credit >= Math.floor(this.#tracked().length / 4));
        if (oldPass) this.#credit = 0;
        const taken = candidates.filter((o) => oldPass || !o.waiting);
        if (!taken.length && !this.#thawed) {
          // nothing to examine: the young generation is promoted unexamined
          set = new Set();
          for (const o of this.#tracked()) if (o.gen === 1) o.gen = 2;
        } else {
          this.#thawed = false;
          set = new Set([...taken, ...this.#tracked().filter((o) => o.gen === 1)].map((o) => o.id));
          const further = reach(set);
          if (oldPass || further.size <= this.threshold0) for (const id of further) set.add(id);
          else {
            const frontier = new Set<number>();
            for (const id of set) for (const c of this.get(id).fields) if (c !== null && further.has(c)) frontier.add(c);
            for (const id of further) {
              const o = this.get(id);
              if (frontier.has(id)) { o.candidate = true; o.waiting = true; o.gen = 0; }
              else if (o.candidate) { o.candidate = false; o.gen = 2; } // gathered, then left: reached from the frontier
            }
          }
        }
      }
      for (const id of set) this.get(id).candidate = false;
    }
    const unreachable = this.#unreachable(set);
    for (const id of set) {
      const o = this.get(id);
      if (unreachable.has(id)) o.collecting = true;
      else o.gen = old;
    }
    const [found, uncollectable] = this.#finish(unreachable, old);
    afterwards();
    this.log.push(`gc-stop:${reported}:${found}`);
    if (this.gcCallbackThrows) this.unraisable.push("gc");
    this.onHost?.(`gc-stop#${this.log.filter((e) => e.startsWith("gc-stop")).length}`);
    this.#collecting = false;
    return found + uncollectable;
  }

  /**
   * oldSpaces: what collection g examines (its survivors then join the visited space, 1 + visited)
   * and what is left to do after it, or null when it examines nothing. The heap's old-space order
   * at the collection's start decides which pending objects an increment takes.
   */
  #increment(g: number): [Set<number>, () => void] | null {
    const order = this.oldSpaceOrders.shift();
    const young = this.#tracked().filter((o) => o.gen === 0);
    const byPtr = new Map([...this.objects.values()].map((o) => [o.ptr, o]));
    const pendingGen = 1 + (this.#visited ^ 1);
    const endPass = () => {
      if (this.#tracked().some((o) => o.gen === pendingGen)) return;
      // completed_scavenge: swap the spaces, or with frozen objects move visited back to pending
      if (this.#tracked().some((o) => o.gen === 3)) { for (const o of this.#tracked()) if (o.gen === 1 + this.#visited) o.gen = pendingGen; }
      else this.#visited ^= 1;
      this.#workToDo = 0;
      this.#markPhase = true;
    };
    // gc_collect_young / gc_collect_increment: the survivors join the visited space once it ends
    const settle = () => { for (const o of this.#tracked()) if (o.gen === 4) o.gen = 1 + this.#visited; };
    if (g === 0) return [new Set(young.map((o) => o.id)), () => { settle(); this.youngCount = 0; }];
    if (g === 2) {
      this.youngCount = 0;
      return [new Set(this.#tracked().filter((o) => o.gen !== 3).map((o) => o.id)), () => { this.youngCount = 0; endPass(); }];
    }
    // assess_work_to_do
    const heapSize = this.#tracked().length;
    const fresh = this.youngCount;
    const scale = Math.max(this.threshold1, 2);
    this.#workToDo += fresh + Math.min(Math.floor(Math.floor(heapSize / 10) / scale), Math.floor(fresh * 3 / 2));
    this.youngCount = 0;
    if (this.#markPhase) { this.#markPhase = false; return null; } // no root: nothing marked
    const set = new Set(young.map((o) => o.id));
    let size = set.size;
    const pending = (order?.[this.#visited ^ 1] ?? []).map((p) => byPtr.get(p)).filter((o): o is MObj => !!o && o.tracked && o.gen === pendingGen);
    for (const first of pending) {
      if (size >= this.#workToDo) break;
      if (set.has(first.id)) continue;
      // the object and every pending object it reaches
      const work = [first];
      set.add(first.id);
      size++;
      while (work.length) {
        for (const c of work.pop()!.fields) {
          const o = c === null ? undefined : this.objects.get(c);
          if (o && o.tracked && o.gen === pendingGen && !set.has(o.id)) { set.add(o.id); size++; work.push(o); }
        }
      }
    }
    // after it: the heap's share again (heap_size once the garbage went), less what it held
    return [set, () => { settle(); this.#workToDo += Math.floor(Math.floor(this.#tracked().length / 10) / scale) - size; endPass(); }];
  }

  /** The steps after deduction: weakrefs, finalizers, resurrection, deletion. */
  #finish(u: Set<number>, old: number): [number, number] {
    // legacy mode: objects with a finalizer, and all they reach in the garbage, are uncollectable
    const legacy = new Set<number>();
    if (this.legacy) {
      const work = [...u].filter((id) => this.get(id).kind === "node");
      for (const id of work) legacy.add(id);
      while (work.length) {
        for (const c of this.get(work.pop()!).fields) if (c !== null && u.has(c) && !legacy.has(c)) { legacy.add(c); work.push(c); }
      }
      for (const id of legacy) { this.get(id).collecting = false; u.delete(id); }
    }
    this.#legacyHeld = new Set(legacy);
    let garbage = u;
    const objs = [...u].map((id) => this.get(id));
    if (objs.some((o) => o.weakrefs.length || o.kind === "node")) {
      // weakrefs: all cleared first; called back only if referenced from outside the garbage
      const trial = new Map<number, number>();
      for (const o of objs) for (const wid of o.weakrefs) trial.set(wid, this.get(wid).rc - this.#refsFrom(u, wid));
      const owed: MObj[] = [];
      // an entry is dropped unless its map is garbage too
      const owedIf = (w: MObj) => w.callback === "internal" ? !this.get(w.mapId).collecting : w.callback !== "none" && trial.get(w.id)! > 0;
      // lateWeakrefClearing (CPython 3.14): those without a callback stay until after the finalizers (gh-135552)
      const untilLater = collectorCaps(this.collector).lateWeakrefClearing ? (w: MObj) => w.callback === "none" : undefined;
      for (const o of objs) owed.push(...this.#detach(o, owedIf, untilLater));
      this.#runCallbacks(this.#inHeapOrder(owed, (w) => w.callback === "finalize" ? `final:${w.finalizeId}` : w.callback === "internal" ? null : `cb:${w.id}`));
      // finalizers, once each, of what is still in the collection: an object whose count reached 0
      // meanwhile left it (untracked), and waits on the death worklist to be finalized there
      // (soak --fuzz, pools/recycler seed 578: the model finalized it twice)
      const inCollection = (o: MObj) => this.objects.has(o.id) && o.tracked && o.collecting;
      for (const o of this.#inHeapOrder(objs, (o) => `fin:${o.id}`)) if (inCollection(o) && o.kind === "node" && !o.finalized) this.#runFinalizer(o, false);
      // resurrection: deduce again with the real counts
      // An object that died by refcount meanwhile left the collection, untracked (as CPython's
      // subtype_dealloc does): it is not counted, and not deleted, even if it waits on the worklist
      // (soak --fuzz, pools/recycler seed 514); one its finalizer resurrected was re-tracked young.
      const live = new Set([...u].filter((id) => { const o = this.objects.get(id); return o !== undefined && inCollection(o); }));
      garbage = this.#unreachable(live);
      for (const id of live) if (!garbage.has(id)) { const o = this.get(id); o.collecting = false; o.gen = old; }
      // weakrefs the finalizers made to what is still garbage stay, and go with it below (CPython 3.12);
      // lateWeakrefClearing (3.14.0's clear_weakrefs): every one left is cleared without callbacks,
      // but the weak-container entries among them are dropped (issue 14, item 3)
      if (collectorCaps(this.collector).lateWeakrefClearing) {
        const late: MObj[] = [];
        for (const id of garbage) late.push(...this.#detach(this.get(id), (w) => w.callback === "internal" && !this.get(w.mapId).collecting));
        this.#runCallbacks(late);
      }
    }
    const found = garbage.size;
    // weakref callbacks that depend on the order in which the garbage drops its references
    for (const id of garbage) {
      for (const c of this.get(id).fields) {
        const w = c === null ? null : this.get(c);
        if (w && w.kind === "weakref" && w.callback !== "none" && w.callback !== "internal" && w.referent !== null) this.optional.add(w.id);
      }
    }
    // a collection nested in a death frees its garbage within itself (assembly/collect/trial.ts deleteGarbage)
    const mark = this.#pending.length;
    for (const id of garbage) {
      const o = this.objects.get(id);
      // (one already dying waits on the worklist of a death this collection runs inside: untracked)
      if (!o || !o.tracked) continue;
      if (this.saveAll) { o.rc++; this.garbage.push(id); continue; } // kept alive by gc.garbage
      o.rc++;
      if (o.kind === "map") {
        this.#releaseMap(o);
      } else if (o.kind === "list") {
        // a list is cleared from its end, each item removed before its reference is dropped
        while (o.fields.length) { const c = this.pop(o.id); if (c !== null) this.decref(c); }
      } else {
        for (let i = 0; i < o.fields.length; i++) {
          const c = o.fields[i];
          if (c !== null) { o.fields[i] = null; this.decref(c); }
        }
      }
      this.decref(id);
      this.#releaseDiedSince(mark);
    }
    for (const id of garbage) {
      const o = this.objects.get(id);
      if (o) { o.collecting = false; o.gen = old; }
    }
    // the uncollectable still set aside go to the older generation (and gc.garbage), as
    // gc_collect_main counts and appends its `finalizers` list after delete_garbage: one that
    // died meanwhile (the garbage held its last reference: "It may also cause some objects in
    // finalizers to be freed") left the list, untracked, even if its finalizer resurrected it
    // (soak --fuzz, bump/hybrid seed 26305: "gc.collect(2) found 1, the model 2")
    let uncollectable = 0;
    const held = this.#legacyHeld;
    this.#legacyHeld = new Set();
    for (const id of legacy) {
      const o = this.objects.get(id);
      if (!o || !held.has(id)) continue;
      uncollectable++;
      // gc.garbage takes those with a finalizer (nodes), or all under DEBUG_SAVEALL (handle_legacy_finalizers)
      if (this.saveAll || o.kind === "node") { o.rc++; this.garbage.push(id); }
      o.gen = old;
    }
    return [found, uncollectable];
  }

  /**
   * The order of a collection's host calls is the heap's list order, which the model leaves open;
   * when host code re-enters, its effects depend on that order, so the model takes the heap's:
   * the items with an event are put in the order the heap ran them (the others keep their places).
   */
  #inHeapOrder<T>(items: T[], event: (t: T) => string | null): T[] {
    const at = this.heapOrder;
    if (!at) return items;
    const slots = items.map((t, i) => (event(t) === null ? -1 : i)).filter((i) => i >= 0);
    const keyed = slots.map((i) => items[i]).sort((a, b) => at(event(a)!) - at(event(b)!));
    const out = [...items];
    slots.forEach((i, k) => { out[i] = keyed[k]; });
    return out;
  }

  freeze(): void {
    for (const o of this.#tracked()) if (o.gen !== 3 && o.gen !== 4) { o.gen = 3; o.candidate = false; }
    if (this.#oldSpaces()) this.youngCount = 0;
  }

  unfreeze(): void {
    if (collectorCaps(this.collector).youngGeneration) this.#thawed = true;
    const to = collectorCaps(this.collector).candidates ? 1 : this.#oldSpaces() ? 1 + this.#visited : 2;
    for (const o of this.#tracked()) if (o.gen === 3) o.gen = to;
  }

  // ── views for the comparison ──

  /** Objects per generation list (0, 1, 2, permanent). Recycler: list 0 holds the candidates. */
  generationLengths(): number[] {
    const n = [0, 0, 0, 0];
    for (const o of this.#tracked()) n[o.gen]++;
    return n;
  }

  candidates(): number { return this.#tracked().filter((o) => o.candidate).length; }

  /** rc = handles + field references + finalize objects' weakrefs, for every object. */
  checkCounts(): void {
    const expected = new Map<number, number>();
    const add = (id: number) => expected.set(id, (expected.get(id) ?? 0) + 1);
    for (const id of this.handles) add(id);
    for (const id of this.hidden) add(id);
    for (const o of this.objects.values()) for (const c of o.fields) if (c !== null) add(c);
    for (const f of this.finalizes.values()) if (f.alive) add(f.wr);
    for (const o of this.objects.values()) if (o.deferred) add(o.id); // owned by its referent's pending death
    for (const o of this.objects.values()) {
      if ((expected.get(o.id) ?? 0) !== o.rc) throw new Error(`model: object ${o.id} has rc ${o.rc} but ${expected.get(o.id) ?? 0} references`);
    }
  }
}
