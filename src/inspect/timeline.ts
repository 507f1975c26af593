// A process-memory style view over time, as the seed talks plot process RSS while a server runs:
// committed bytes (the heap's "RSS": linear memory), live bytes and live objects per type,
// sampled while a workload runs. One census seeds the counts; the allocation events keep them
// exact from then on, so a sample costs no heap walk and can be taken every N allocations from
// inside the event stream, or at the workload's own steps (tick), never by a clock.

import type { Heap } from "../heap.js";
import type { Inspector } from "./index.js";
import { HeapConfigError, HeapTypeError } from "../errors.js";
import { EVENT_FREED, EVENT_TYPE_SHIFT, EVENT_WORDS, TYPE_STORAGE } from "../generated/boundary.js";

export interface TimelineSample {
  /** 0, 1, 2, … */
  index: number;
  label: string;
  /** Allocation events seen since start. */
  allocations: number;
  /** Linear memory the heap has committed (what a process's RSS is to a C heap). */
  committedBytes: number;
  /** Bytes of live blocks (headers and list items blocks included). */
  liveBytes: number;
  liveObjects: number;
  /** Live objects per type. */
  objects: Record<string, number>;
}

export interface TimelineOptions {
  /** Also sample every this many allocations (counted from the event stream). Default: only on sample()/tick(). */
  everyAllocations?: number;
  /** Sample on every this many tick() calls. Default 1. */
  everyTicks?: number;
}

export class MemoryTimeline {
  readonly samples: TimelineSample[] = [];
  #counts = new Map<number, number>();
  #liveBytes = 0;
  #liveObjects = 0;
  #allocations = 0;
  #sinceSample = 0;
  #ticks = 0;
  #unsubscribe: (() => void) | null = null;
  readonly #every: number;
  readonly #everyTicks: number;

  constructor(private readonly heap: Heap, private readonly inspector: Inspector, o: TimelineOptions = {}) {
    const check = (v: number | undefined, what: string) => {
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new HeapTypeError(`timeline: ${what} must be a positive integer, got ${v}`);
    };
    check(o.everyAllocations, "everyAllocations");
    check(o.everyTicks, "everyTicks");
    this.#every = o.everyAllocations ?? 0;
    this.#everyTicks = o.everyTicks ?? 1;
  }

  get running(): boolean { return this.#unsubscribe !== null; }

  /** Seeds the counts from a census and takes sample 0 ("start"). */
  start(): this {
    if (this.#unsubscribe) throw new HeapConfigError("timeline: already started");
    this.heap.flushAllocationEvents();
    const g = this.inspector.graph();
    this.#counts.clear();
    this.#liveBytes = 0;
    for (let i = 0; i < g.count; i++) this.#liveBytes += g.size[i];
    this.#liveObjects = g.count;
    for (let i = 0; i < g.count; i++) {
      const id = g.typeIds[g.typeIndex[i]]; // events number types as the core does
      this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    }
    this.#unsubscribe = this.heap.onAllocationEvents((ev) => this.#onEvents(ev));
    this.sample("start");
    return this;
  }

  /** Takes a sample now (delivering buffered events first when called from the workload). */
  sample(label = ""): TimelineSample {
    if (!this.#unsubscribe) throw new HeapConfigError("timeline: not started");
    if (!this.#inEvents) this.heap.flushAllocationEvents();
    const objects: Record<string, number> = {};
    for (const [id, c] of this.#counts) {
      if (!c) continue;
      const name = this.heap.types[id]?.name ?? `(type ${id})`;
      objects[name] = (objects[name] ?? 0) + c;
    }
    const s: TimelineSample = {
      index: this.samples.length, label, allocations: this.#allocations, committedBytes: this.heap.views.u8.length,
      liveBytes: this.#liveBytes, liveObjects: this.#liveObjects, objects,
    };
    this.samples.push(s);
    this.#sinceSample = 0;
    return s;
  }

  /** A workload step: samples every `everyTicks` calls. */
  tick(label = ""): void {
    if (++this.#ticks % this.#everyTicks === 0) this.sample(label || `tick ${this.#ticks}`);
  }

  /** Takes the last sample ("stop") and stops listening. */
  stop(): TimelineSample[] {
    if (!this.#unsubscribe) return this.samples;
    this.sample("stop");
    this.#unsubscribe();
    this.#unsubscribe = null;
    return this.samples;
  }

  /** Runs a workload between start() and stop(), handing it tick. */
  async run(workload: (tick: (label?: string) => void) => unknown): Promise<TimelineSample[]> {
    this.start();
    try { await workload((label?: string) => this.tick(label)); } finally { this.stop(); }
    return this.samples;
  }

  /** Types whose object count never fell and ended higher than it started: the leak suspects. */
  growingTypes(): { type: string; first: number; last: number }[] {
    if (this.samples.length < 2) return [];
    const names = new Set(this.samples.flatMap((s) => Object.keys(s.objects)));
    const out: { type: string; first: number; last: number }[] = [];
    for (const type of names) {
      const series = this.samples.map((s) => s.objects[type] ?? 0);
      if (series.every((v, k) => k === 0 || v >= series[k - 1]) && series[series.length - 1] > series[0]) {
        out.push({ type, first: series[0], last: series[series.length - 1] });
      }
    }
    return out.sort((a, b) => b.last - b.first - (a.last - a.first));
  }

  #inEvents = false;
  #onEvents(events: Uint32Array): void {
    this.#inEvents = true;
    try {
      for (let k = 0; k < events.length; k += EVENT_WORDS) {
        const word = events[k], id = word >>> EVENT_TYPE_SHIFT, size = events[k + 2], freed = (word & EVENT_FREED) !== 0;
        this.#liveBytes += freed ? -size : size;
        if (id === TYPE_STORAGE) continue; // a list's items block: bytes, not an object
        this.#liveObjects += freed ? -1 : 1;
        this.#counts.set(id, (this.#counts.get(id) ?? 0) + (freed ? -1 : 1));
        if (!freed) {
          this.#allocations++;
          if (this.#every && ++this.#sinceSample >= this.#every) this.sample(`${this.#allocations} allocations`);
        }
      }
    } finally {
      this.#inEvents = false;
    }
  }
}

/** The samples as a table: one row per sample, one column per type (the `types` given, else the largest at the end). */
export function formatTimeline(samples: readonly TimelineSample[], types?: string[], maxTypes = 5): string {
  const last = samples[samples.length - 1];
  const cols = types ?? (last ? Object.entries(last.objects).sort((a, b) => b[1] - a[1]).slice(0, maxTypes).map(([t]) => t) : []);
  const header = ["#", "label", "allocations", "committed", "live bytes", "objects", ...cols];
  const rows = samples.map((s) => [String(s.index), s.label, String(s.allocations), String(s.committedBytes), String(s.liveBytes), String(s.liveObjects), ...cols.map((c) => String(s.objects[c] ?? 0))]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (r: string[]) => r.map((x, k) => (k === 1 ? x.padEnd(widths[k]) : x.padStart(widths[k]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}
