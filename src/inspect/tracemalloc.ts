// tracemalloc for the heap (Doc/library/tracemalloc.rst): while tracing, every block allocated
// records where: the host stack (`frames` frames, refheap's own frames left out) and/or a tag the
// caller supplies (withTag). Built on the allocation events (assembly/events.ts) delivered one at a
// time while tracing, so each event reaches us inside the host call that caused it, whatever the
// path: heap.alloc, list growth, weakrefs, weak maps, raw API, finalizers.
//
// A freed block's trace is removed by its free event, so a block freed and reused gets the new
// allocation's site (cpython#79234, where a realloc'ed block kept its old traceback).

/** file:// URL to a path, without node:url (this file is also bundled for browsers by the explorer). */
function fileURLToPath(url: string | URL): string {
  return decodeURIComponent(new URL(url).pathname);
}
import type { Heap } from "../heap.js";
import type { Handle } from "../handle.js";
import { HeapConfigError, HeapTypeError } from "../errors.js";
import { EVENT_CAPACITY, EVENT_FREED, EVENT_TYPE_SHIFT, EVENT_WORDS, TYPE_STORAGE } from "../generated/boundary.js";

export interface Frame { filename: string; lineno: number; name: string }
export interface Trace { address: number; size: number; type: string; traceback: Frame[]; tag: string | null }
export type StatisticKey = "lineno" | "filename" | "traceback" | "tag" | "type";
export interface Statistic { key: string; size: number; count: number; traceback: Frame[] }
export interface StatisticDiff { key: string; size: number; sizeDiff: number; count: number; countDiff: number; traceback: Frame[] }
export interface TracemallocOptions {
  /** Host stack frames stored per allocation (tracemalloc's nframe). 0: tags only (cheapest). Default 1. */
  frames?: number;
}

const OWN_SOURCES = fileURLToPath(new URL("../", import.meta.url)); // src/ (or dist/)
const NO_TAG = "<no tag>", UNKNOWN: Frame = { filename: "<unknown>", lineno: 0, name: "" };

/** Parses V8 stack lines ("    at fn (file:1:2)" / "    at file:1:2"), dropping refheap's and wasm frames. */
function userFrames(stack: string, limit: number): Frame[] {
  const out: Frame[] = [];
  for (const line of stack.split("\n")) {
    const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/.exec(line);
    if (!m) continue;
    const filename = m[2].startsWith("file://") ? fileURLToPath(m[2]) : m[2];
    if (filename.startsWith(OWN_SOURCES) || filename.startsWith("wasm://") || filename.startsWith("node:")) continue;
    out.push({ filename, lineno: Number(m[3]), name: m[1] ?? "" });
    if (out.length === limit) break;
  }
  return out;
}

function keyOf(t: Trace, by: StatisticKey): string {
  const f = t.traceback[0] ?? UNKNOWN;
  switch (by) {
    case "lineno": return `${f.filename}:${f.lineno}`;
    case "filename": return f.filename;
    case "traceback": return t.traceback.map((x) => `${x.filename}:${x.lineno}`).join(" < ") || "<unknown>";
    case "tag": return t.tag ?? NO_TAG;
    case "type": return t.type;
  }
}

const KEYS: StatisticKey[] = ["lineno", "filename", "traceback", "tag", "type"];
function checkKey(by: unknown): StatisticKey {
  if (!KEYS.includes(by as StatisticKey)) throw new HeapTypeError(`statistics: key_type must be one of ${KEYS.join(", ")}, got ${String(by)}`);
  return by as StatisticKey;
}

/** tracemalloc.Snapshot: the traces of the blocks alive when it was taken. */
export class TracemallocSnapshot {
  constructor(readonly traces: readonly Trace[], readonly tracebackLimit: number) {}

  /** Snapshot.statistics: size and count per site (or tag, or type), largest first. */
  statistics(by: StatisticKey = "lineno"): Statistic[] {
    checkKey(by);
    const groups = new Map<string, Statistic>();
    for (const t of this.traces) {
      const k = keyOf(t, by);
      const s = groups.get(k) ?? { key: k, size: 0, count: 0, traceback: by === "lineno" || by === "traceback" ? t.traceback : by === "filename" ? t.traceback.slice(0, 1) : [] };
      s.size += t.size; s.count++;
      groups.set(k, s);
    }
    return [...groups.values()].sort((a, b) => b.size - a.size || b.count - a.count || (a.key < b.key ? -1 : 1));
  }

  /** Snapshot.compare_to: differences from an older snapshot, largest absolute size change first. */
  compareTo(old: TracemallocSnapshot, by: StatisticKey = "lineno"): StatisticDiff[] {
    if (!(old instanceof TracemallocSnapshot)) throw new HeapTypeError("compareTo: expected a TracemallocSnapshot");
    const before = new Map(old.statistics(by).map((s) => [s.key, s]));
    const out: StatisticDiff[] = [];
    for (const s of this.statistics(by)) {
      const o = before.get(s.key);
      before.delete(s.key);
      out.push({ key: s.key, size: s.size, sizeDiff: s.size - (o?.size ?? 0), count: s.count, countDiff: s.count - (o?.count ?? 0), traceback: s.traceback });
    }
    for (const o of before.values()) out.push({ key: o.key, size: 0, sizeDiff: -o.size, count: 0, countDiff: -o.count, traceback: o.traceback });
    return out.sort((a, b) => Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) || Math.abs(b.countDiff) - Math.abs(a.countDiff) || (a.key < b.key ? -1 : 1));
  }

  /** Snapshot.filter_traces: a new snapshot of the traces the predicate keeps. */
  filterTraces(keep: (t: Trace) => boolean): TracemallocSnapshot {
    return new TracemallocSnapshot(this.traces.filter(keep), this.tracebackLimit);
  }
}

/** Formats statistics as tracemalloc prints them: "file.ts:12: size=4 KiB, count=64, average=64 B". */
export function formatStatistics(stats: readonly (Statistic | StatisticDiff)[], limit = 10): string {
  return stats.slice(0, limit).map((s) => {
    const avg = s.count ? Math.round(s.size / s.count) : 0;
    if ("sizeDiff" in s) return `${s.key}: size=${s.size} B (${s.sizeDiff >= 0 ? "+" : ""}${s.sizeDiff} B), count=${s.count} (${s.countDiff >= 0 ? "+" : ""}${s.countDiff}), average=${avg} B`;
    return `${s.key}: size=${s.size} B, count=${s.count}, average=${avg} B`;
  }).join("\n");
}

export class Tracemalloc {
  #traces = new Map<number, Trace>();
  #unsubscribe: (() => void) | null = null;
  #frames = 1;
  #tag: string | null = null;
  #current = 0;
  #peak = 0;

  constructor(private readonly heap: Heap) {}

  /** tracemalloc.start(nframe): trace the blocks allocated from now on. */
  start(o: TracemallocOptions = {}): void {
    const frames = o.frames ?? 1;
    if (!Number.isInteger(frames) || frames < 0 || frames > 1000) throw new HeapTypeError(`tracemalloc.start: frames must be an integer in 0..1000, got ${frames}`);
    this.#frames = frames;
    if (this.#unsubscribe) return;
    this.heap.flushAllocationEvents(); // what happened before start is not ours to trace
    this.#unsubscribe = this.heap.onAllocationEvents((events) => this.#onEvents(events));
    this.heap.core.eventsSetBatchSize(1);
  }

  /** tracemalloc.stop(): stop tracing and clear the traces. */
  stop(): void {
    if (!this.#unsubscribe) return;
    this.heap.core.eventsSetBatchSize(EVENT_CAPACITY);
    this.#unsubscribe();
    this.#unsubscribe = null;
    this.clearTraces();
  }

  isTracing(): boolean { return this.#unsubscribe !== null; }
  getTracebackLimit(): number { return this.#frames; }

  clearTraces(): void {
    this.#traces.clear();
    this.#current = 0;
    this.#peak = 0;
  }

  /** tracemalloc.get_traced_memory(): [current, peak] bytes of traced blocks. */
  getTracedMemory(): [number, number] { return [this.#current, this.#peak]; }
  resetPeak(): void { this.#peak = this.#current; }

  /** The tag recorded with allocations from now on (null: none). */
  get tag(): string | null { return this.#tag; }
  set tag(tag: string | null) {
    if (tag !== null && typeof tag !== "string") throw new HeapTypeError(`tracemalloc.tag must be a string or null, got ${typeof tag}`);
    this.#tag = tag;
  }

  /** Runs fn with allocations tagged `tag` (restoring the previous tag after, even on a throw). */
  withTag<T>(tag: string, fn: () => T): T {
    const saved = this.#tag;
    this.tag = tag;
    try { return fn(); } finally { this.#tag = saved; }
  }

  /** tracemalloc.get_object_traceback: where obj was allocated, or null if it was not traced. */
  getObjectTraceback(obj: Handle): Frame[] | null {
    return this.#traces.get(this.heap.ptrOf(obj, "getObjectTraceback"))?.traceback ?? null;
  }

  /** The tag obj was allocated under, or null. */
  getObjectTag(obj: Handle): string | null {
    return this.#traces.get(this.heap.ptrOf(obj, "getObjectTag"))?.tag ?? null;
  }

  /** tracemalloc.take_snapshot(). */
  takeSnapshot(): TracemallocSnapshot {
    if (!this.#unsubscribe) throw new HeapConfigError("tracemalloc.takeSnapshot: tracing is not started (call start() first)");
    this.heap.flushAllocationEvents();
    return new TracemallocSnapshot([...this.#traces.values()], this.#frames);
  }

  #onEvents(events: Uint32Array): void {
    for (let k = 0; k < events.length; k += EVENT_WORDS) {
      const word = events[k], address = events[k + 1], size = events[k + 2];
      const old = this.#traces.get(address);
      if (old) { this.#traces.delete(address); this.#current -= old.size; }
      if (word & EVENT_FREED) continue; // freed: its trace is gone, so a reuse starts fresh
      const typeId = word >>> EVENT_TYPE_SHIFT;
      let traceback: Frame[] = [];
      if (this.#frames > 0) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = this.#frames + 40; // our own and the wasm frames come first
        traceback = userFrames(new Error().stack ?? "", this.#frames);
        Error.stackTraceLimit = limit;
      }
      const type = typeId === TYPE_STORAGE ? "(storage)" : this.heap.types[typeId]?.name ?? `(type ${typeId})`;
      this.#traces.set(address, { address, size, type, traceback, tag: this.#tag });
      this.#current += size;
      if (this.#current > this.#peak) this.#peak = this.#current;
    }
  }
}
