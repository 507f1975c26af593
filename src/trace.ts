// Allocation traces: record a run's allocations and frees (size, type, order), save them to a
// compact file, and replay them against every allocator strategy, measuring throughput, peak
// committed bytes and fragmentation over time.
//
// File format (.rhtrace, gzip-compressed):
//   "RHTRACE" 0x01 | u32 LE header length | header JSON (types, counts, note) | event stream
//   event stream, LEB128 varints, in order:
//     allocation:  (size << 1)        typeId
//     free:        (back << 1) | 1    back = allocations so far - 1 - index of the freed allocation
// Frees name allocations by distance back, so short-lived objects cost one byte.

import { gunzipSync, gzipSync } from "node:zlib";
import { readFile, writeFile } from "node:fs/promises";
import { Heap, type AllocatorName } from "./heap.js";
import { DEFAULT_ALLOCATOR } from "./strategies.js";
import { HeapConfigError, HeapOutOfMemoryError, HeapTypeError } from "./errors.js";

const MAGIC = "RHTRACE\x01";
const KIND_RAW = 7; // assembly/types.ts
const OP_FREE_LOCAL = 0xffff_ffff; // replay.ts: free the block allocated by op b of this batch
const REPLAY_CAPACITY = 1024; // assembly/replay.ts

/**
 * A recorded trace. `ops` holds pairs: [size > 0, typeId] for an allocation, [0, allocation index]
 * for a free (allocations are numbered from 0 in order).
 */
export class AllocationTrace {
  constructor(
    readonly ops: Uint32Array,
    /** Type names by id (1 is list storage). */
    readonly types: Record<number, string>,
    readonly note = "",
  ) {
    if (ops.length % 2) throw new HeapTypeError("AllocationTrace: ops must hold pairs");
  }

  get length(): number { return this.ops.length / 2; }
  get allocations(): number { let n = 0; for (let i = 0; i < this.ops.length; i += 2) if (this.ops[i]) n++; return n; }
  get frees(): number { return this.length - this.allocations; }

  /** The compact file contents (see the format above). */
  encode(): Uint8Array {
    const out = new VarintWriter();
    let allocs = 0;
    for (let i = 0; i < this.ops.length; i += 2) {
      const a = this.ops[i], b = this.ops[i + 1];
      if (a) { out.write(a * 2); out.write(b); allocs++; } else out.write((allocs - 1 - b) * 2 + 1);
    }
    const header = new TextEncoder().encode(JSON.stringify({ version: 1, events: this.length, allocations: allocs, types: this.types, note: this.note }));
    const body = out.bytes();
    const file = new Uint8Array(8 + 4 + header.length + body.length);
    file.set(new TextEncoder().encode(MAGIC), 0);
    new DataView(file.buffer).setUint32(8, header.length, true);
    file.set(header, 12);
    file.set(body, 12 + header.length);
    return gzipSync(file);
  }

  static decode(data: Uint8Array): AllocationTrace {
    let file: Uint8Array;
    try { file = new Uint8Array(gunzipSync(data)); } catch { throw new HeapTypeError("not a refheap trace (not gzip data)"); }
    if (new TextDecoder().decode(file.subarray(0, 8)) !== MAGIC) throw new HeapTypeError("not a refheap trace (bad magic)");
    const hlen = new DataView(file.buffer, file.byteOffset).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + hlen))) as { events: number; types: Record<number, string>; note: string };
    const ops = new Uint32Array(header.events * 2);
    const r = new VarintReader(file.subarray(12 + hlen));
    let allocs = 0;
    for (let i = 0; i < ops.length; i += 2) {
      const v = r.read();
      if (v % 2 === 0) { ops[i] = v / 2; ops[i + 1] = r.read(); allocs++; } else {
        const index = allocs - 1 - (v - 1) / 2;
        if (index < 0) throw new HeapTypeError(`corrupt trace: event ${i / 2} frees an allocation before the first`);
        ops[i + 1] = index;
      }
    }
    if (!r.done) throw new HeapTypeError("corrupt trace: bytes after the last event");
    return new AllocationTrace(ops, header.types, header.note);
  }

  save(path: string): Promise<void> { return writeFile(path, this.encode()); }
  static async load(path: string): Promise<AllocationTrace> { return AllocationTrace.decode(await readFile(path)); }
}

/** Records a heap's allocations and frees from now until stop(). Frees of objects allocated before the start are not in the trace (counted in `unmatchedFrees`). */
export class TraceRecorder {
  #ops: number[] = [];
  #indexOf = new Map<number, number>(); // live address -> allocation index
  #allocs = 0;
  #types: Record<number, string> = { 1: "storage" };
  #unsubscribe: (() => void) | null;
  unmatchedFrees = 0;

  constructor(readonly heap: Heap, readonly note = "") {
    this.#unsubscribe = heap.onAllocationEvents((ev) => this.#take(ev));
  }

  #take(ev: Uint32Array): void {
    for (let i = 0; i < ev.length; i += 3) {
      const word = ev[i], address = ev[i + 1], size = ev[i + 2];
      const typeId = word >>> 1;
      if (word & 1) {
        const index = this.#indexOf.get(address);
        if (index === undefined) { this.unmatchedFrees++; continue; }
        this.#indexOf.delete(address);
        this.#ops.push(0, index);
      } else {
        this.#indexOf.set(address, this.#allocs++);
        this.#ops.push(size, typeId);
        if (!(typeId in this.#types)) this.#types[typeId] = this.heap.types[typeId]?.name ?? `type ${typeId}`;
      }
    }
  }

  get recording(): boolean { return this.#unsubscribe !== null; }

  /** Stops recording and returns the trace. */
  stop(): AllocationTrace {
    if (this.#unsubscribe) { this.#unsubscribe(); this.#unsubscribe = null; }
    return new AllocationTrace(Uint32Array.from(this.#ops), { ...this.#types }, this.note);
  }
}

/** One point of a replay's memory-over-time series. */
export interface FragmentationSample {
  /** Events replayed so far. */
  op: number;
  committedBytes: number;
  /** committedBytes minus the static region below the heap. */
  heapBytes: number;
  /** Exact bytes of live blocks (header included). */
  liveBytes: number;
  /** Free space an allocation could reuse without growing memory. */
  freeBytes: number;
  largestFreeBytes: number;
  /** 1 - liveBytes / heapBytes. */
  fragmentation: number;
  /** 1 - largestFreeBytes / freeBytes (0 when nothing is free). */
  externalFragmentation: number;
}

export interface ReplayResult {
  allocator: AllocatorName;
  events: number;
  /** Time inside the allocator (batches of up to 1024 events per call), ms. */
  ms: number;
  eventsPerSecond: number;
  peakCommittedBytes: number;
  peakHeapBytes: number;
  peakLiveBytes: number;
  /** 1 - peakLiveBytes / peakHeapBytes: what the strategy needed beyond the most ever live (Wilson et al.'s measure 4). */
  fragmentationAtPeak: number;
  series: FragmentationSample[];
  final: FragmentationSample;
}

export interface ReplayOptions {
  allocator?: AllocatorName;
  /** Points in the memory-over-time series (default 100). */
  samples?: number;
  /** Run on the checked build and verify() at every sample (slow; for tests). */
  debug?: boolean;
  maxBytes?: number;
}

/** Replays a trace against one allocator strategy in a fresh heap (no collector: the trace already has the frees). */
export async function replayTrace(trace: AllocationTrace, options: ReplayOptions = {}): Promise<ReplayResult> {
  const allocator = options.allocator ?? DEFAULT_ALLOCATOR;
  const samples = Math.max(1, Math.floor(options.samples ?? 100));
  const heap = await Heap.create({ allocator, collector: "none", debug: options.debug ?? false, maxBytes: options.maxBytes });
  try {
    const core = heap.core;
    const rawType = core.defineType(KIND_RAW, 0, 0, 0, 0);
    if (rawType < 0) throw new HeapConfigError("replay: cannot define the raw block type");
    const opsBase = core.replayOps() >>> 2;
    const ops = trace.ops;
    const n = trace.length;
    const addressOf = new Uint32Array(trace.allocations);
    const localOp = new Uint32Array(REPLAY_CAPACITY); // op index in the batch of each allocation made in it
    const every = Math.max(1, Math.ceil(n / samples));
    const series: FragmentationSample[] = [];
    let ms = 0, allocIndex = 0, peakCommitted = 0, peakHeap = 0, peakLive = 0, liveBytes = 0;
    const sizeOfAlloc = new Uint32Array(trace.allocations);
    const sample = (op: number) => {
      const s = heap.stats();
      if (options.debug) heap.verify();
      const heapBytes = s.committedBytes - s.staticBytes;
      const freeBytes = s.poolFreeBytes + s.emptyPoolBytes + s.largeFreeBytes + s.unusedTailBytes;
      series.push({
        op, committedBytes: s.committedBytes, heapBytes, liveBytes, freeBytes, largestFreeBytes: s.largestFreeBytes,
        fragmentation: heapBytes ? 1 - liveBytes / heapBytes : 0,
        externalFragmentation: freeBytes ? 1 - s.largestFreeBytes / freeBytes : 0,
      });
      peakCommitted = Math.max(peakCommitted, s.committedBytes);
      peakHeap = Math.max(peakHeap, heapBytes);
    };
    let i = 0;
    while (i < n) {
      // a batch: up to REPLAY_CAPACITY events, ending at the next sample point
      const end = Math.min(n, i + REPLAY_CAPACITY, (Math.floor(i / every) + 1) * every);
      const batchStartAlloc = allocIndex;
      const u32 = heap.views.u32;
      for (let k = i, o = opsBase; k < end; k++, o += 2) {
        const a = ops[2 * k], b = ops[2 * k + 1];
        if (a) { u32[o] = a; u32[o + 1] = 0; localOp[allocIndex - batchStartAlloc] = k - i; sizeOfAlloc[allocIndex++] = a; liveBytes += a; } else {
          if (b >= allocIndex) throw new HeapTypeError(`trace event ${k} frees allocation ${b} before it is made`);
          liveBytes -= sizeOfAlloc[b];
          if (b >= batchStartAlloc) { u32[o] = OP_FREE_LOCAL; u32[o + 1] = localOp[b - batchStartAlloc]; } else { u32[o] = 0; u32[o + 1] = addressOf[b]; }
        }
        peakLive = Math.max(peakLive, liveBytes);
      }
      const t0 = performance.now();
      const done = core.replayBatch(rawType, end - i);
      ms += performance.now() - t0;
      const v = heap.views.u32; // the batch may have grown memory
      for (let k = i, o = opsBase, j = batchStartAlloc; k < i + done; k++, o += 2) if (ops[2 * k]) addressOf[j++] = v[o + 1];
      if (done < end - i) throw new HeapOutOfMemoryError(`replay (${allocator}): out of memory at event ${i + done} (allocation of ${ops[2 * (i + done)]} bytes)`);
      i = end;
      if (i % every === 0 || i === n) sample(i);
    }
    const final = series[series.length - 1] ?? (sample(0), series[0]);
    return {
      allocator, events: n, ms, eventsPerSecond: ms > 0 ? n / (ms / 1000) : 0,
      peakCommittedBytes: peakCommitted, peakHeapBytes: peakHeap, peakLiveBytes: peakLive,
      fragmentationAtPeak: peakHeap ? 1 - peakLive / peakHeap : 0, series, final,
    };
  } finally {
    heap.destroy();
  }
}

class VarintWriter {
  #buf = new Uint8Array(1 << 16);
  #n = 0;
  write(v: number): void {
    if (this.#n + 10 > this.#buf.length) { const b = new Uint8Array(this.#buf.length * 2); b.set(this.#buf); this.#buf = b; }
    while (v >= 0x80) { this.#buf[this.#n++] = (v % 0x80) | 0x80; v = Math.floor(v / 0x80); }
    this.#buf[this.#n++] = v;
  }
  bytes(): Uint8Array { return this.#buf.slice(0, this.#n); }
}

class VarintReader {
  #pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean { return this.#pos === this.buf.length; }
  read(): number {
    let v = 0, scale = 1;
    for (;;) {
      if (this.#pos >= this.buf.length) throw new HeapTypeError("corrupt trace: truncated event stream");
      const b = this.buf[this.#pos++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  }
}
