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

import { constants as zlibConstants, gunzipSync, gzipSync } from "node:zlib";
import { writeFile } from "node:fs/promises";
import { readBounded } from "./files.js";
import { Heap, type AllocatorName } from "./heap.js";
import { DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, collectorsWith } from "./strategies.js";
import { HeapConfigError, HeapOutOfMemoryError, HeapTypeError, TraceFormatError, describeValue, fileError } from "./errors.js";

const MAGIC = "RHTRACE\x01";
import { EVENT_FREED, EVENT_TYPE_SHIFT, EVENT_WORDS, HEADER_SIZE, KIND_RAW, MAX_BYTES_LENGTH, OP_FREE_LOCAL, REPLAY_CAPACITY, TYPE_ID_MASK } from "./generated/boundary.js";

/** Sizes an allocation event may have: a block's header (size and type words) up to the largest object (assembly/replay.ts REPLAY_MIN_SIZE, REPLAY_MAX_SIZE). */
export const TRACE_MIN_SIZE = HEADER_SIZE;
export const TRACE_MAX_SIZE = HEADER_SIZE + MAX_BYTES_LENGTH;
/** Most events a trace may hold (8 bytes each once decoded: 1 GiB). */
export const TRACE_MAX_EVENTS = 2 ** 27;
const MAX_TYPE_ID = TYPE_ID_MASK;
const MAX_HEADER_BYTES = 1 << 20;
// Longest encodings: an allocation is (size << 1) < 2^33 (5 bytes) and a type id (3 bytes); a
// free is (back << 1) | 1 < 2^29 (5 bytes). What a file may inflate to follows from its counts.
const MAX_ALLOCATION_BYTES = 8, MAX_FREE_BYTES = 5, MAX_VARINT_BYTES = 5;
// Most bytes a .rhtrace file can have (AllocationTrace.load reads no more): the largest inflated
// file the counts allow, stored uncompressed (deflate adds 5 bytes a 64 KiB block), behind the
// longest gzip header inflateHead reads past. About 1 GiB.
const MAX_INFLATED_BYTES = 12 + MAX_HEADER_BYTES + TRACE_MAX_EVENTS * MAX_ALLOCATION_BYTES;
const MAX_FILE_BYTES = MAX_INFLATED_BYTES + 5 * Math.ceil(MAX_INFLATED_BYTES / 65535) + 2 * MAX_HEADER_BYTES + 64;

function checkOpsShape(ops: Uint32Array): void {
  if (!(ops instanceof Uint32Array)) throw new TraceFormatError(`AllocationTrace: ops must be a Uint32Array, got ${ops === null ? "null" : typeof ops}`);
  if (ops.length % 2) throw new TraceFormatError("AllocationTrace: ops must hold pairs");
}

/**
 * Checks every event of `ops` (pairs, see AllocationTrace) in order: sizes within
 * [TRACE_MIN_SIZE, TRACE_MAX_SIZE], type ids within 16 bits, and each free naming an allocation
 * made before it and not yet freed. Throws TraceFormatError naming the first bad event. Returns
 * the number of allocations.
 */
export function validateTraceOps(ops: Uint32Array): number {
  checkOpsShape(ops);
  if (ops.length / 2 > TRACE_MAX_EVENTS) throw new TraceFormatError(`AllocationTrace: ${ops.length / 2} events (at most ${TRACE_MAX_EVENTS})`);
  let allocations = 0;
  for (let i = 0; i < ops.length; i += 2) if (ops[i]) allocations++;
  const freed = new Uint8Array(allocations);
  for (let i = 0, made = 0; i < ops.length; i += 2) {
    const a = ops[i], b = ops[i + 1], k = i / 2;
    if (a) {
      if (a < TRACE_MIN_SIZE || a > TRACE_MAX_SIZE) throw new TraceFormatError(`allocation of ${a} bytes (sizes are ${TRACE_MIN_SIZE}..${TRACE_MAX_SIZE})`, k);
      if (b > MAX_TYPE_ID) throw new TraceFormatError(`allocation with type id ${b} (at most ${MAX_TYPE_ID})`, k);
      made++;
    } else {
      if (b >= made) throw new TraceFormatError(`frees allocation ${b} before it is made (${made} so far)`, k);
      if (freed[b]) throw new TraceFormatError(`frees allocation ${b} a second time`, k);
      freed[b] = 1;
    }
  }
  return allocations;
}

/**
 * A recorded trace. `ops` holds pairs: [size > 0, typeId] for an allocation, [0, allocation index]
 * for a free (allocations are numbered from 0 in order). Its events are checked (validateTraceOps)
 * when it is decoded from a file and when it is replayed: a bad one is a TraceFormatError naming it.
 */
export class AllocationTrace {
  constructor(
    readonly ops: Uint32Array,
    /** Type names by id (1 is list storage). */
    readonly types: Record<number, string>,
    readonly note = "",
  ) {
    checkOpsShape(ops);
    checkTypes(types);
    if (typeof note !== "string") throw new TraceFormatError(`AllocationTrace: note must be a string, got ${typeof note}`);
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

  /**
   * Reads a .rhtrace file's contents. Files are input from strangers: the header is checked, the
   * data is inflated no further than its declared counts allow (a small file that inflates to
   * gigabytes is refused after that many bytes), and every event is validated. Any defect is a
   * TraceFormatError.
   */
  static decode(data: Uint8Array): AllocationTrace {
    if (!(data instanceof Uint8Array)) throw new TraceFormatError("not a refheap trace (expected the file's bytes)");
    const head = inflateHead(data);
    if (new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC) throw new TraceFormatError("not a refheap trace (bad magic)");
    // the view below reaches past the data into whatever shares its buffer: a short file named a garbage header length
    if (head.length < 12) throw new TraceFormatError(`corrupt trace: the file ends after ${head.length} bytes, inside the header length`);
    const hlen = new DataView(head.buffer, head.byteOffset).getUint32(8, true);
    if (hlen > MAX_HEADER_BYTES) throw new TraceFormatError(`corrupt trace: a header of ${hlen} bytes (at most ${MAX_HEADER_BYTES})`);
    if (head.length < 12 + hlen) throw new TraceFormatError(`corrupt trace: truncated header (${head.length - 12} of ${hlen} bytes)`);
    const header = parseHeader(head.subarray(12, 12 + hlen));
    const budget = 12 + hlen + header.allocations * MAX_ALLOCATION_BYTES + (header.events - header.allocations) * MAX_FREE_BYTES;
    let file: Uint8Array;
    try {
      file = new Uint8Array(gunzipSync(data, { maxOutputLength: Math.max(budget, 1) }));
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new TraceFormatError(`corrupt trace: the data inflates past the ${budget} bytes that ${header.events} events (${header.allocations} allocations) can take`);
      }
      throw new TraceFormatError(`not a refheap trace (bad gzip data: ${(err as Error).message})`);
    }
    // each event takes at least a byte (an allocation two): checked before the events are allocated for
    const body = file.subarray(12 + hlen);
    if (header.events + header.allocations > body.length) throw new TraceFormatError(`corrupt trace: truncated: the header declares ${header.events} events, the ${body.length} bytes after it cannot hold them`);
    const ops = new Uint32Array(header.events * 2);
    const r = new VarintReader(body);
    let allocs = 0;
    for (let i = 0; i < ops.length; i += 2) {
      const k = i / 2;
      const v = r.read(k);
      if (v % 2 === 0) {
        const size = v / 2, type = r.read(k);
        // checked here, before they are narrowed to 32 bits (validateTraceOps sees the rest)
        if (size > TRACE_MAX_SIZE || size < TRACE_MIN_SIZE) throw new TraceFormatError(`allocation of ${size} bytes (sizes are ${TRACE_MIN_SIZE}..${TRACE_MAX_SIZE})`, k);
        if (type > MAX_TYPE_ID) throw new TraceFormatError(`allocation with type id ${type} (at most ${MAX_TYPE_ID})`, k);
        ops[i] = size; ops[i + 1] = type; allocs++;
      } else {
        const index = allocs - 1 - (v - 1) / 2;
        if (index < 0) throw new TraceFormatError("frees an allocation before the first", k);
        ops[i + 1] = index;
      }
    }
    if (!r.done) throw new TraceFormatError("corrupt trace: bytes after the last event");
    if (allocs !== header.allocations) throw new TraceFormatError(`corrupt trace: the header declares ${header.allocations} allocations, the events hold ${allocs}`);
    validateTraceOps(ops);
    return new AllocationTrace(ops, header.types, header.note);
  }

  /** Writes the file; a path that cannot be written is a HeapFileError. */
  async save(path: string): Promise<void> {
    const data = this.encode();
    try { await writeFile(path, data); } catch (err) { throw fileError("AllocationTrace.save", path, err, "write"); }
  }
  /** Reads a .rhtrace file (see decode); a path that cannot be read is a HeapFileError. */
  static async load(path: string): Promise<AllocationTrace> {
    // sized before it is read: no trace is larger, and a larger file (or an endless one) was read whole
    const data = await readBounded("AllocationTrace.load", path, MAX_FILE_BYTES, (size) => new TraceFormatError(
      `not a refheap trace: ${path} has ${size ?? `more than ${MAX_FILE_BYTES}`} bytes, and no trace file has more than ${MAX_FILE_BYTES} bytes`));
    return AllocationTrace.decode(data);
  }
}

function checkTypes(types: unknown): asserts types is Record<number, string> {
  if (types === null || typeof types !== "object" || Array.isArray(types)) throw new TraceFormatError(`corrupt trace: types must be an object of type id to name, got ${types === null ? "null" : typeof types}`);
  for (const [id, name] of Object.entries(types)) {
    if (!/^\d+$/.test(id) || Number(id) > MAX_TYPE_ID || typeof name !== "string") throw new TraceFormatError(`corrupt trace: types holds ${JSON.stringify(id)}: ${typeof name} (expected a type id and its name)`);
  }
}

interface TraceHeader { events: number; allocations: number; types: Record<number, string>; note: string }

function parseHeader(bytes: Uint8Array): TraceHeader {
  let h: unknown;
  try { h = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)); } catch (err) {
    throw new TraceFormatError(`corrupt trace: the header is not JSON (${(err as Error).message})`);
  }
  if (h === null || typeof h !== "object" || Array.isArray(h)) throw new TraceFormatError(`corrupt trace: the header is ${h === null ? "null" : Array.isArray(h) ? "an array" : typeof h}, not an object`);
  const { version, events, allocations, types, note } = h as Record<string, unknown>;
  if (version !== 1) throw new TraceFormatError(`unsupported trace version ${JSON.stringify(version)} (this reader knows 1)`);
  const count = (v: unknown, what: string, max: number): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw new TraceFormatError(`corrupt trace: the header's ${what} is ${JSON.stringify(v) ?? String(v)} (an integer in 0..${max})`);
    return v;
  };
  const n = count(events, "events", TRACE_MAX_EVENTS);
  const a = count(allocations, "allocations", n);
  checkTypes(types);
  if (note !== undefined && typeof note !== "string") throw new TraceFormatError(`corrupt trace: the header's note is ${typeof note}, not a string`);
  return { events: n, allocations: a, types, note: note ?? "" };
}

/**
 * The first bytes of the inflated file, at least the magic, the header length and the header
 * (or all of it, if shorter): compressed prefixes of growing length are inflated with a sync
 * flush, 16 KiB more input each time, so the output of a step is bounded (deflate's best ratio is
 * 1032:1) whatever follows the header, and the header's declared counts can bound the rest.
 */
function inflateHead(data: Uint8Array): Uint8Array {
  const STEP = 16 << 10, LIMIT = 12 + MAX_HEADER_BYTES + 1100 * STEP;
  // each step inflates the prefix again: input that yields nothing (a gzip comment or file name of
  // megabytes, empty deflate blocks) took time quadratic in its length (8 MiB: 1 s; 100 MiB: minutes).
  // A header of MAX_HEADER_BYTES compresses to little more; a gzip header's extra field is at most 64 KiB.
  const MAX_INPUT = 12 + 2 * MAX_HEADER_BYTES;
  for (let p = STEP; ; p += STEP) {
    let out: Uint8Array;
    try {
      out = gunzipSync(data.subarray(0, p), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: LIMIT });
    } catch (err) {
      throw new TraceFormatError(`not a refheap trace (not gzip data${(err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" ? ": it inflates without bound" : ""})`);
    }
    const need = out.length >= 12 ? 12 + new DataView(out.buffer, out.byteOffset).getUint32(8, true) : 12;
    if (out.length >= need || p >= data.length || need > 12 + MAX_HEADER_BYTES) return out;
    if (p >= MAX_INPUT) throw new TraceFormatError(`corrupt trace: the first ${p} compressed bytes inflate to ${out.length} bytes, short of the header (${need} bytes)`);
  }
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
    for (let i = 0; i < ev.length; i += EVENT_WORDS) {
      const word = ev[i], address = ev[i + 1], size = ev[i + 2];
      const typeId = word >>> EVENT_TYPE_SHIFT;
      if (word & EVENT_FREED) {
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
  /** Points in the memory-over-time series (default 100; a positive integer). */
  samples?: number;
  /** Run on the checked build and verify() at every sample (slow; for tests). */
  debug?: boolean;
  maxBytes?: number;
}

/** Replays a trace against one allocator strategy in a fresh heap (no collector: the trace already has the frees). */
export async function replayTrace(trace: AllocationTrace, options: ReplayOptions = {}): Promise<ReplayResult> {
  if (!(trace instanceof AllocationTrace)) throw new TraceFormatError(`replayTrace: expected an AllocationTrace, got ${trace === null ? "null" : typeof trace}`);
  if (options === null || typeof options !== "object") throw new HeapConfigError(`replayTrace: options must be an object, got ${describeValue(options)}`);
  // checked, not clamped: samples NaN made every batch empty, and the replay returned having replayed nothing
  const samples = options.samples ?? 100;
  if (!Number.isSafeInteger(samples) || samples < 1) throw new HeapConfigError(`replayTrace: samples must be a positive integer, got ${describeValue(samples)}`);
  const allocations = validateTraceOps(trace.ops); // again: ops is a typed array, and may have changed since the trace was made
  const allocator = options.allocator ?? DEFAULT_ALLOCATOR;
  // the allocator alone: a collector that collects nothing, if the registry has one (a replayed
  // block is never tracked, so any collector would do; this one has no automatic collections)
  const collector = collectorsWith("collectsCycles", false)[0] ?? DEFAULT_COLLECTOR;
  const heap = await Heap.create({ allocator, collector, debug: options.debug ?? false, maxBytes: options.maxBytes });
  try {
    const core = heap.core;
    const rawType = core.defineType(KIND_RAW, 0, 0, 0, 0);
    if (rawType < 0) throw new HeapConfigError("replay: cannot define the raw block type");
    const opsBase = core.replayOps() >>> 2;
    const ops = trace.ops;
    const n = trace.length;
    const addressOf = new Uint32Array(allocations);
    const localOp = new Uint32Array(REPLAY_CAPACITY); // op index in the batch of each allocation made in it
    const every = Math.max(1, Math.ceil(n / samples));
    const series: FragmentationSample[] = [];
    let ms = 0, allocIndex = 0, peakCommitted = 0, peakHeap = 0, peakLive = 0, liveBytes = 0;
    const sizeOfAlloc = new Uint32Array(allocations);
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
  /** The next varint of event `event`. */
  read(event: number): number {
    let v = 0, scale = 1;
    for (let n = 0; n < MAX_VARINT_BYTES; n++) {
      if (this.#pos >= this.buf.length) throw new TraceFormatError("corrupt trace: truncated event stream", event);
      const b = this.buf[this.#pos++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new TraceFormatError(`corrupt trace: a number longer than ${MAX_VARINT_BYTES} bytes`, event);
  }
}
