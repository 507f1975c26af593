// heap.gc: CPython's gc module for this heap (Doc/library/gc.rst, 3.12 semantics).

import { collectorsWith } from "./strategies.js";
import { PHASE_NAMES, collectorList, snapshotPhase, type PhaseName, type PhaseSnapshot } from "./phases.js";
import type { Handle } from "./handle.js";
import type { Heap } from "./heap.js";
import { HeapConfigError, HeapIndexError, HeapTypeError, describeValue } from "./errors.js";
import { nameOf } from "./host/unraisable.js";

import {
  DEBUG_COLLECTABLE, DEBUG_LEAK, DEBUG_SAVEALL, DEBUG_STATS, DEBUG_UNCOLLECTABLE, FLAG_FINALIZED, FLAG_TRACKED, GARBAGE_COLLECTABLE, GARBAGE_LEGACY,
  GARBAGE_SAVEALL, GARBAGE_UNCOLLECTABLE, GEN_STATS_WORDS, INFO_OFFSET, NUM_GENERATIONS, PERMANENT, PHASE_START, PHASE_STOP,
} from "./generated/boundary.js";

export { DEBUG_COLLECTABLE, DEBUG_LEAK, DEBUG_SAVEALL, DEBUG_STATS, DEBUG_UNCOLLECTABLE };

/** A pause's anatomy: what the collection did and where its time went ("stop" only; 0 at "start"). */
export interface PauseAnatomy {
  /**
   * Objects the collection visited, counted by the core: one per object per pass that walks or
   * clears its references (trial deletion's passes, gathering, weakrefs, clearing). A
   * deterministic work count: the same program visits the same number on any machine.
   */
  visited: number;
  /** Milliseconds of the pause spent in host code the collection called: finalizers, weakref callbacks, the gc.garbage hook, a phase listener. */
  hostMs: number;
  /** Bytes of linear memory committed during the collection (memory.grow; finalizers may allocate). */
  grownBytes: number;
  /** Milliseconds per step of the collection, with gc.setPhaseTiming(true) (host code excluded); absent otherwise. */
  phases?: Partial<Record<PhaseName, number>>;
}

export interface GcInfo extends PauseAnatomy {
  generation: number;
  collected: number;
  uncollectable: number;
  /** Objects examined (the generations merged into the collected one). */
  candidates: number;
  /** Milliseconds ("stop" only; 0 at "start"). */
  duration: number;
}
export type GcCallback = (phase: "start" | "stop", info: GcInfo) => void;
export interface Pause extends PauseAnatomy { generation: number; ms: number }

export interface GenerationStats {
  collections: number;
  collected: number;
  uncollectable: number;
  /** Total and longest pause, milliseconds. */
  duration: number;
  maxPause: number;
}

export class GcController {
  readonly DEBUG_STATS = DEBUG_STATS;
  readonly DEBUG_COLLECTABLE = DEBUG_COLLECTABLE;
  readonly DEBUG_UNCOLLECTABLE = DEBUG_UNCOLLECTABLE;
  readonly DEBUG_SAVEALL = DEBUG_SAVEALL;
  readonly DEBUG_LEAK = DEBUG_LEAK;
  /** Called with ("start" | "stop", info) around every collection, automatic or not. */
  readonly callbacks: GcCallback[] = [];
  /** Uncollectable objects (legacy finalizer cycles) and, with DEBUG_SAVEALL, all the garbage found. */
  readonly garbage: Handle[] = [];
  /** Every pause, in order (for pause histograms). Cleared by takePauses(). */
  #pauses: Pause[] = [];
  readonly #durations = [0, 0, 0];
  readonly #maxPause = [0, 0, 0];
  #started = 0;

  /** The core's visited count (a u32 address, assembly/collect/generational.ts VISITED). */
  #visitedAt = -1;
  /** In a collection, between its start and stop reports: host time and growth are counted. */
  #inCollection = false;
  /** @internal Host code a collection runs is running now (between its start and stop reports): its lists are mid-way. */
  get _midCollection(): boolean { return this.#inCollection; }
  #hostMs = 0;
  #bytesAtStart = 0;
  #phaseTiming = false;
  #phaseMs: Partial<Record<PhaseName, number>> | null = null;
  #stepStarted = 0;
  #hostAtStep = 0;

  /** @internal */
  constructor(private readonly heap: Heap) {}

  /** @internal runs host code the core called (a finalizer, a weakref callback, gc.garbage); inside a collection its time is the pause's hostMs. */
  _host(fn: () => void): void {
    const t = this._hostBegin();
    try { fn(); } finally { this._hostEnd(t); }
  }

  /** @internal _host in two halves (no closure per call): the start time, or -1 outside a collection; _hostEnd(it) in a finally. */
  _hostBegin(): number { return this.#inCollection ? performance.now() : -1; }
  /** @internal */
  _hostEnd(t: number): void { if (t >= 0) this.#hostMs += performance.now() - t; }

  /**
   * Times each step of every collection (info.phases, and each Pause's phases): the core reports
   * every step boundary to the host, which costs about a microsecond per collection (measured on
   * W2: bench/probe.ts), so it is off unless asked for.
   */
  setPhaseTiming(on: boolean): void {
    this.#live("setPhaseTiming"); this.heap.assertNotMidOperation("gc.setPhaseTiming");
    if (typeof on !== "boolean") throw new HeapTypeError(`gc.setPhaseTiming: expected a boolean, got ${describeValue(on)}`);
    this.#phaseTiming = on;
    this.heap.core.gcObservePhases(on || this.#phaseListener ? 1 : 0);
  }
  getPhaseTiming(): boolean { return this.#phaseTiming; }

  /** Every call that reaches the core refuses a destroyed heap, as the rest of the API does (it ran finalizers with dead handles). */
  #live(what: string): void { this.heap.assertNotDestroyed(`gc.${what}`); }

  #requireCollector(what: string): void {
    this.#live(what);
    if (!this.heap.capabilities.collector.collectsCycles) throw new HeapConfigError(`gc.${what}: this heap was created with collector '${this.heap.collector}' (refcounting only)`);
  }

  /** Collects generation 0, 1 or 2 (default: full). Returns the number of unreachable objects found. */
  collect(generation = 2): number {
    this.#requireCollector("collect");
    this.heap.assertNotMidOperation("gc.collect");
    if (!Number.isInteger(generation) || generation < 0 || generation > 2) throw new HeapIndexError(`gc.collect: invalid generation ${describeValue(generation)}`);
    const n = this.heap.core.gcCollect(generation);
    this.heap.flushUnraisable();
    return n;
  }

  #budgetUs = 0;
  /** Measured cost of a collection per object examined (ns), a moving average; the budget's exchange rate. */
  #nsPerObject = 40;

  /**
   * Recycler: bounds each automatic collection step to about `microseconds` (0 = no bound). The core
   * has no clock, so the budget becomes a number of objects per step, from the measured cost per
   * object of recent collections. Work that does not fit stays buffered (no garbage is lost); a step
   * exceeds the budget only when one candidate's subgraph alone is too large, or when more than
   * 16 × threshold0 candidates wait (then it takes them all, so memory cannot grow without bound).
   * The generational collector cannot bound a full collection without incremental marking, so it refuses.
   */
  setPauseBudget(microseconds: number): void {
    this.#live("setPauseBudget"); this.heap.assertNotMidOperation("gc.setPauseBudget");
    if (!this.heap.capabilities.collector.boundedPauses) {
      throw new HeapConfigError(`gc.setPauseBudget: only the ${collectorsWith("boundedPauses").map((c) => `'${c}'`).join(", ")} collector can bound its pauses (this heap: '${this.heap.collector}')`);
    }
    if (typeof microseconds !== "number" || !(microseconds >= 0) || !Number.isFinite(microseconds)) throw new HeapTypeError(`gc.setPauseBudget: expected microseconds >= 0, got ${describeValue(microseconds)}`);
    this.#budgetUs = microseconds;
    this.#applyBudget();
  }
  getPauseBudget(): number { return this.#budgetUs; }

  #applyBudget(): void {
    // 80 %: the deduction and deletion after gathering are part of the same pause
    const limit = this.#budgetUs ? Math.max(1, Math.floor((this.#budgetUs * 1000 * 0.8) / this.#nsPerObject)) : 0;
    this.heap.core.gcSetStepWorkLimit(limit);
  }

  /** Recycler: candidate roots waiting for the next collection (0 under the generational collector). */
  getCandidateCount(): number { this.#live("getCandidateCount"); return this.heap.core.gcCandidates(); }

  enable(): void { this.#live("enable"); this.heap.assertNotMidOperation("gc.enable"); this.heap.core.gcSetEnabled(1); }
  disable(): void { this.#live("disable"); this.heap.assertNotMidOperation("gc.disable"); this.heap.core.gcSetEnabled(0); }
  isEnabled(): boolean { this.#live("isEnabled"); return this.heap.core.gcIsEnabled() !== 0; }

  getCount(): [number, number, number] {
    this.#live("getCount");
    const b = this.heap.core.gcCounts() >>> 2, u = this.heap.views.u32;
    return Array.from({ length: NUM_GENERATIONS }, (_, g) => u[b + g]) as [number, number, number];
  }

  getThreshold(): [number, number, number] {
    this.#live("getThreshold");
    const b = this.heap.core.gcThresholds() >>> 2, u = this.heap.views.u32;
    return Array.from({ length: NUM_GENERATIONS }, (_, g) => u[b + g]) as [number, number, number];
  }

  /** threshold0 = 0 disables automatic collection. */
  setThreshold(t0: number, t1?: number, t2?: number): void {
    this.#live("setThreshold"); this.heap.assertNotMidOperation("gc.setThreshold");
    const values = [t0, t1, t2];
    // every argument is checked before any is set (a bad threshold1 once left threshold0 changed)
    values.forEach((v, g) => {
      if (v === undefined && g > 0) return;
      if (!Number.isInteger(v) || v! < 0 || v! > 0x7fff_ffff) throw new HeapTypeError(`gc.setThreshold: threshold${g} must be a non-negative integer, got ${describeValue(v)}`);
    });
    values.forEach((v, g) => { if (v !== undefined) this.heap.core.gcSetThreshold(g, v); });
  }

  getStats(): GenerationStats[] {
    this.#live("getStats");
    const b = this.heap.core.gcStats() >>> 2, u = this.heap.views.u32;
    return Array.from({ length: NUM_GENERATIONS }, (_, g) => ({
      collections: u[b + g * GEN_STATS_WORDS], collected: u[b + g * GEN_STATS_WORDS + 1], uncollectable: u[b + g * GEN_STATS_WORDS + 2],
      duration: this.#durations[g], maxPause: this.#maxPause[g],
    }));
  }

  /** Pauses recorded since the last call, oldest first: the generation collected and milliseconds. */
  takePauses(): Pause[] {
    const p = this.#pauses;
    this.#pauses = [];
    return p;
  }

  setDebug(flags: number): void {
    this.#live("setDebug"); this.heap.assertNotMidOperation("gc.setDebug");
    // an int, as CPython's (2**40 was stored as 0: the core's u32 wrapped it)
    if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fff_ffff) throw new HeapTypeError(`gc.setDebug: flags must be a non-negative integer below 2**31, got ${describeValue(flags)}`);
    this.heap.core.gcSetDebug(flags);
  }
  getDebug(): number { this.#live("getDebug"); return this.heap.core.gcGetDebug(); }
  /**
   * The flags for the hooks: never refused. Host code may destroy the heap mid-collection, and
   * getDebug's HandleDisposedError then unwound through the core from the stop report.
   */
  #debugFlags(): number { return this.heap.core.gcGetDebug(); }

  /** Moves every tracked object to the permanent generation: future collections ignore them. */
  freeze(): void { this.#live("freeze"); this.heap.assertNotMidOperation("gc.freeze"); this.heap.core.gcFreeze(); }
  /** Moves the permanent generation back into the oldest generation. */
  unfreeze(): void { this.#live("unfreeze"); this.heap.assertNotMidOperation("gc.unfreeze"); this.heap.core.gcUnfreeze(); }
  getFreezeCount(): number { this.#live("getFreezeCount"); return this.heap.core.gcGenerationLength(PERMANENT); }

  #walk(g: number, fn: (p: number) => void): void {
    // collected first: the callback may allocate (and memory may grow)
    for (const p of collectorList(this.heap.views.u32, this.heap.core.gcGenerationHead(g), Infinity)) fn(p);
  }

  /**
   * New handles to the tracked objects (of one generation, or all three; never the permanent one).
   * With old spaces (CPython 3.14), generation 1 has no objects and 2 is both old spaces.
   */
  getObjects(generation?: number): Handle[] {
    this.#live("getObjects"); this.heap.assertNotMidOperation("gc.getObjects");
    if (generation !== undefined && (!Number.isInteger(generation) || generation < 0 || generation > 2)) {
      throw new HeapIndexError(`gc.getObjects: generation must be 0, 1 or 2, got ${describeValue(generation)}`);
    }
    const lists = generation === undefined ? [0, 1, 2]
      : this.heap.capabilities.collector.oldSpaces ? [[0], [], [1, 2]][generation] : [generation];
    const out: Handle[] = [];
    for (const g of lists) this.#walk(g, (p) => out.push(this.heap.wrapBorrowed(p)!));
    return out;
  }

  /**
   * The heap's global namespace (CPython's sys dict and builtins): the heap holds a reference to
   * it until replaced (null: none). The incremental collector marks everything it reaches at the
   * start of each pass; the other collectors only keep it alive.
   */
  setRoot(obj: Handle | null): void {
    this.#live("setRoot"); this.heap.assertNotMidOperation("gc.setRoot");
    this.heap.core.gcSetRoot(obj === null ? 0 : this.heap.objectPtr(obj, "gc.setRoot"));
    this.heap.flushUnraisable();
  }
  /** A new handle to the object given to setRoot, or null. */
  getRoot(): Handle | null { this.#live("getRoot"); return this.heap.wrapBorrowed(this.heap.core.gcRoot()); }

  /** The lists in CPython's GEN_HEAD(0..2) order: with old spaces, young, then visited, then pending. */
  #genHeadOrder(): number[] {
    const v = this.heap.core.gcVisitedList();
    return [0, v, 3 - v];
  }

  /** New handles to the tracked objects that hold a reference to obj (a debugging aid: scans the heap). */
  getReferrers(obj: Handle): Handle[] {
    this.#live("getReferrers");
    const target = this.heap.objectPtr(obj, "gc.getReferrers");
    const out: Handle[] = [];
    for (const g of this.#genHeadOrder()) this.#walk(g, (p) => { if (this.heap.core.gcReferences(p, target)) out.push(this.heap.wrapBorrowed(p)!); });
    return out;
  }

  /** New handles to the objects obj holds references to (what the collector traverses). */
  getReferents(obj: Handle): Handle[] {
    this.#live("getReferents");
    const p = this.heap.objectPtr(obj, "gc.getReferents");
    const out: Handle[] = [];
    if (!this.isTracked(obj)) return out;
    for (let i = 0, c; (c = this.heap.core.gcReferentAt(p, i)); i++) out.push(this.heap.wrapBorrowed(c)!);
    return out;
  }

  isTracked(obj: Handle): boolean {
    this.#live("isTracked");
    const p = this.heap.objectPtr(obj, "gc.isTracked");
    return (this.heap.views.u32[(p + INFO_OFFSET) >>> 2] & FLAG_TRACKED) !== 0;
  }

  isFinalized(obj: Handle): boolean {
    this.#live("isFinalized");
    const p = this.heap.objectPtr(obj, "gc.isFinalized");
    return (this.heap.views.u32[(p + INFO_OFFSET) >>> 2] & FLAG_FINALIZED) !== 0;
  }

  #describe(p: number): string { return `<${this.heap.typeOfPtr(p).name} 0x${p.toString(16)}>`; }

  /**
   * Calls `listener` at each step of every collection (merge, copy refcounts, subtract internal
   * references, move unreachable, weakrefs, finalizers, resurrection check, clear, promote; the
   * recycler's gathering) with a snapshot of the objects involved and their gc_refs. The heap is
   * mid-collection: the listener must only read the snapshot, not use the heap. null turns it off.
   */
  observePhases(listener: ((snapshot: PhaseSnapshot) => void) | null): void {
    this.#live("observePhases"); this.heap.assertNotMidOperation("gc.observePhases");
    if (listener !== null && typeof listener !== "function") throw new HeapTypeError(`gc.observePhases: expected a function or null, got ${typeof listener}`);
    this.#phaseListener = listener;
    this.heap.core.gcObservePhases(listener || this.#phaseTiming ? 1 : 0);
  }
  #phaseListener: ((snapshot: PhaseSnapshot) => void) | null = null;

  /** @internal hook: a collection starts (PHASE_START) or stops (PHASE_STOP), or, observed, a step */
  _phase(phase: number, generation: number, collected: number, uncollectable: number, candidates: number): void {
    if (phase !== PHASE_START && phase !== PHASE_STOP) {
      // a step report (arguments: the lists it names): not a start or a stop
      const reached = performance.now();
      if (this.#phaseMs) {
        const name = PHASE_NAMES[phase]!;
        this.#phaseMs[name] = (this.#phaseMs[name] ?? 0) + (reached - this.#stepStarted) - (this.#hostMs - this.#hostAtStep);
      }
      const listener = this.#phaseListener;
      if (listener) {
        try {
          this.heap.duringCollectionStep(() => this.heap.settleUnraisable(listener(snapshotPhase(this.heap, phase, generation, collected, uncollectable)), "gc phase listener"));
        } catch (err) {
          this.heap.queueUnraisable(err, "gc phase listener");
        }
      }
      const done = performance.now();
      if (listener && this.#inCollection) this.#hostMs += done - reached;
      this.#stepStarted = done;
      this.#hostAtStep = this.#hostMs;
      return;
    }
    const now = performance.now();
    let duration = 0;
    let anatomy: PauseAnatomy = { visited: 0, hostMs: 0, grownBytes: 0 };
    if (phase !== PHASE_START) {
      duration = now - this.#started;
      this.#inCollection = false;
      anatomy = {
        visited: this.heap.views.u32[this.#visitedAt < 0 ? (this.#visitedAt = this.heap.core.gcVisited() >>> 2) : this.#visitedAt]!,
        hostMs: this.#hostMs,
        grownBytes: this.heap.core.memory.buffer.byteLength - this.#bytesAtStart,
        ...(this.#phaseMs ? { phases: this.#phaseMs } : {}),
      };
      this.#phaseMs = null;
      this.#durations[generation] += duration;
      if (duration > this.#maxPause[generation]) this.#maxPause[generation] = duration;
      this.#pauses.push({ generation, ms: duration, ...anatomy });
      if (this.#budgetUs && candidates >= 64) {
        // re-derive the step size from what this collection cost per object examined
        this.#nsPerObject = 0.7 * this.#nsPerObject + 0.3 * ((duration * 1e6) / candidates);
        this.#applyBudget();
      }
      // unreachable = collected + uncollectable; CPython 3.14.0's _PyGC_Collect prints no such line
      if (this.#debugFlags() & DEBUG_STATS && !this.heap.capabilities.collector.oldSpaces) {
        console.error(`gc: done, ${collected + uncollectable} unreachable, ${uncollectable} uncollectable, ${(duration / 1000).toFixed(4)}s elapsed`);
      }
    }
    const info: GcInfo = { generation, collected, uncollectable, candidates, duration, ...anatomy };
    // the list as it stands at each step, as invoke_gc_callback indexes it: one added meanwhile runs
    for (let i = 0; i < this.callbacks.length; i++) {
      const cb = this.callbacks[i]!;
      const context = () => `gc callback ${nameOf(cb)}`;
      try {
        this.heap.settleUnraisable(cb(phase === PHASE_START ? "start" : "stop", info), context);
      } catch (err) {
        this.heap.queueUnraisable(err, context());
      }
    }
    // the pause starts after the start callbacks: their work is the host's, not the collector's
    if (phase === PHASE_START) {
      // printed by gc_collect_main, after the start callbacks, with the lists before the merge
      if (!this.heap.destroyed && this.#debugFlags() & DEBUG_STATS) {
        // show_stats_each_generations
        const core = this.heap.core;
        console.error(`gc: collecting generation ${generation}...`);
        console.error(`gc: objects in each generation: ${this.#genHeadOrder().map((g) => core.gcGenerationLength(g)).join(" ")}`);
        console.error(`gc: objects in permanent generation: ${core.gcGenerationLength(PERMANENT)}`);
      }
      this.#hostMs = this.#hostAtStep = 0;
      this.#bytesAtStart = this.heap.core.memory.buffer.byteLength;
      this.#phaseMs = this.#phaseTiming ? {} : null;
      this.#inCollection = true;
      this.#started = this.#stepStarted = performance.now();
    }
  }

  /** @internal hook: an object for gc.garbage, or to print under DEBUG_COLLECTABLE */
  _garbage(obj: number, why: number): void {
    try {
      const debug = this.#debugFlags();
      if (why === GARBAGE_COLLECTABLE) {
        if (debug & DEBUG_COLLECTABLE) console.error(`gc: collectable ${this.#describe(obj)}`);
        return;
      }
      if ((why === GARBAGE_LEGACY || why === GARBAGE_UNCOLLECTABLE) && debug & DEBUG_UNCOLLECTABLE) console.error(`gc: uncollectable ${this.#describe(obj)}`);
      // gc.garbage's handles are the gc module's, not those of a scope open around the collection
      if (why === GARBAGE_SAVEALL || why === GARBAGE_LEGACY) this.garbage.push(this.heap.outsideScopes(() => this.heap.wrapBorrowed(obj)!));
    } catch (err) {
      this.heap.queueUnraisable(err, "gc garbage hook");
    }
  }
}
