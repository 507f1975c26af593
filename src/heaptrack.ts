// heaptrack recordings as allocation traces: importHeaptrack reads what heaptrack (KDE's heap
// profiler, `heaptrack --raw -o NAME prog args` or plain `heaptrack prog args`) recorded of a real
// process's malloc, free and realloc calls, so every allocator can replay a real program's stream.
//
// The file is text, one record a line, fields in hex (lowercase as written; either case read):
//   v HTVERSION FILEVERSION   first line (1.4.0 writes `v 10400 3`); file versions 0..3 are read
//   x LEN EXE / X CMDLINE     the executable (sized string from file version 3), the command line
//   I PAGESIZE PAGES / c MS / R PAGES   system info, a timestamp, the RSS (every 10 ms)
//   A                         heaptrack attached to a running process (-p PID)
//   m LEN FILE ADDR (VADDR MEMSZ)* / m 1 -   loaded modules (raw), t IP PARENT  a call-stack node
//   s LEN STRING / i IP MODULE ...           interned strings and resolved frames (interpreted)
// and the events:
//   raw (what libheaptrack writes)            + SIZE TRACE PTR   - PTR
//   interpreted (heaptrack_interpret's output, file version >= 1)
//                                             a SIZE TRACE       defines allocation info k (0, 1, ...)
//                                             + K   - K          an allocation / free of info k
// libheaptrack writes a realloc as `- OLD` then `+ SIZE TRACE NEW`, so it replays as a free then an
// allocation. The interpreter pairs each free with its allocation by pointer, then writes only the
// allocation info (size and call stack): which of the live allocations of that info a free took is
// not in the file. This reader gives it the oldest one (`pairing: "fifo"`: on the fixtures it names
// the block the raw file names in 92 % of git's frees, 96 % of node's, 67 % of CPython's; "lifo":
// 79, 59 and 69 %). The sizes live at every moment are the same either way, the holes an allocator
// must fill may not be. A raw file pairs exactly.
//
// Every request of n bytes becomes a block of n + 8 bytes (refheap's block header; glibc's chunk
// header is 8 bytes too). The file is input from strangers: lines, fields, counts, pointers,
// indices and the decompressed size are bounded and checked, and so are zstd's content
// checksums; any defect is a HeaptrackFormatError naming the line.

import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AllocationTrace, TRACE_MAX_EVENTS, TRACE_MAX_SIZE, TRACE_MIN_SIZE } from "./trace.js";
import { HeapConfigError, HeapError, HeaptrackFormatError, fileError } from "./errors.js";

/** The block header added to every request (assembly/layout.ts HEADER_SIZE). */
const HEADER = TRACE_MIN_SIZE;
/** Largest request replayed as a block (its block is TRACE_MAX_SIZE). */
export const HEAPTRACK_MAX_REQUEST = TRACE_MAX_SIZE - HEADER;
/** The one type id of the imported blocks. */
const MALLOC_TYPE = 2;
/** zstd frames with a larger window are refused (zstd's own decoder refuses them unless told --long). */
const ZSTD_MAX_WINDOW = 1 << 27;
/** Most allocations live at once (the pointer table then takes 400 MB). */
const MAX_LIVE = (1 << 24) - 1;
const MAX_TIMELINE = 1 << 20;
const CHUNK = 1 << 20;

export interface HeaptrackOptions {
  /** Most events (allocations and frees) the trace may hold; default and at most TRACE_MAX_EVENTS. */
  maxEvents?: number;
  /** Stop reading after this many events: the trace is a prefix of the recording (allocations live then stay live). */
  limit?: number;
  /** Longest line accepted, in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** Most bytes the decompressed text may have (default 8 GiB). */
  maxBytes?: number;
  /**
   * A request larger than HEAPTRACK_MAX_REQUEST (2 GiB) cannot be a block: "error" (the default)
   * refuses the file naming the line; "skip" leaves it and its free out of the trace, counted in
   * `heaptrack.oversized` (its bytes still count in liveBytes and peakBytes, as heaptrack counts them).
   */
  oversized?: "error" | "skip";
  /** Interpreted files: which live allocation of the freed allocation info a free takes: the oldest (default) or the newest. */
  pairing?: "fifo" | "lifo";
}

/** A point of the recording's own timeline: at a `c` line (heaptrack writes one every 10 ms). */
export interface HeaptrackTimestamp {
  /** Milliseconds since the recording started. */
  ms: number;
  /** Events of the trace before this point. */
  event: number;
  /** Requested bytes live (what heaptrack shows as heap memory consumption). */
  liveBytes: number;
}

/** What the recording held besides the events. */
export interface HeaptrackSummary {
  format: "raw" | "interpreted";
  /** heaptrack's version, as "1.4.0". */
  heaptrackVersion: string;
  fileVersion: number;
  /** The recorded command line (the `X` line). */
  command: string;
  /** The executable (the `x` line of a raw file). */
  exe: string;
  /** heaptrack attached to a running process: frees of what it allocated before are expected unknown. */
  attached: boolean;
  lines: number;
  /** `+` lines read: allocations in the trace plus oversized ones skipped. */
  allocations: number;
  /** Frees paired with their allocation. */
  frees: number;
  /** Frees of a pointer (raw) or allocation info (interpreted) with nothing live: counted and skipped. */
  unknownFrees: number;
  /** Allocations at a pointer still live: the earlier block's free was not recorded (realloc(p, 0) returns no pointer), so it is freed first. */
  implicitFrees: number;
  /** Requests larger than HEAPTRACK_MAX_REQUEST skipped (option oversized: "skip"). */
  oversized: number;
  /** Allocations never freed (they stay live at the end of the trace). */
  leaked: number;
  leakedBytes: number;
  /** Most requested bytes live at once (heaptrack's "peak heap memory consumption"). */
  peakBytes: number;
  /** Frees that came right after their own allocation (heaptrack's "temporary allocations"). */
  temporary: number;
  /** Largest RSS the recording saw, in bytes. */
  peakRssBytes: number;
  /** The limit option stopped the reading before the end. */
  truncated: boolean;
  /** Live bytes at every `c` line (at most 2^20 points) and at the end. */
  timeline: HeaptrackTimestamp[];
}

/** An AllocationTrace read from heaptrack, with what the recording said about itself. */
export class HeaptrackTrace extends AllocationTrace {
  constructor(ops: Uint32Array, types: Record<number, string>, note: string, readonly heaptrack: HeaptrackSummary) {
    super(ops, types, note);
  }
}

/**
 * Reads a heaptrack recording (a path, or the file's bytes): zstd (what heaptrack writes where the
 * zstd tool exists; decompressed with the optional peer `fzstd`), gzip or plain text, raw or
 * interpreted. Allocations never freed stay live; frees of unknown pointers are counted and
 * skipped. Throws HeaptrackFormatError (a TraceFormatError) for anything malformed, naming the line.
 */
export async function importHeaptrack(file: string | Uint8Array, options: HeaptrackOptions = {}): Promise<HeaptrackTrace> {
  const o = checkOptions(options);
  const reader = new HeaptrackReader(o);
  if (typeof file === "string") {
    // the file system's errors (missing, a directory, not permitted, EIO) name the path, typed
    const failed = (err: unknown) => fileError("importHeaptrack", file, err);
    let fh: FileHandle;
    try { fh = await open(file, "r"); } catch (err) { throw failed(err); }
    try {
      await feed(reader, fileChunks(fh, failed), o);
    } finally {
      await fh.close().catch(() => undefined); // nothing read is changed by a failed close
    }
  } else if (file instanceof Uint8Array) {
    await feed(reader, memoryChunks(file), o);
  } else {
    throw new HeaptrackFormatError(`importHeaptrack: expected a path or the file's bytes, got ${file === null ? "null" : typeof file}`);
  }
  return reader.finish();
}

interface Options { maxEvents: number; limit: number; maxLineBytes: number; maxBytes: number; oversized: "error" | "skip"; pairing: "fifo" | "lifo" }

function checkOptions(options: HeaptrackOptions): Options {
  if (options === null || typeof options !== "object") throw new HeapConfigError(`importHeaptrack: options must be an object, got ${options === null ? "null" : typeof options}`);
  const int = (v: unknown, name: string, dflt: number, min: number, max: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new HeapConfigError(`importHeaptrack: ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
    return v;
  };
  const oneOf = <T extends string>(v: unknown, name: string, values: readonly T[]): T => {
    if (v === undefined) return values[0]!;
    if (!values.includes(v as T)) throw new HeapConfigError(`importHeaptrack: ${name} must be ${values.map((x) => JSON.stringify(x)).join(" or ")}, got ${String(v)}`);
    return v as T;
  };
  const maxEvents = int(options.maxEvents, "maxEvents", TRACE_MAX_EVENTS, 0, TRACE_MAX_EVENTS);
  return {
    maxEvents,
    limit: int(options.limit, "limit", Number.MAX_SAFE_INTEGER, 0, TRACE_MAX_EVENTS),
    // heaptrack's longest lines (a module's path and segments, a demangled symbol) are a few KiB:
    // 1 MiB refuses a line without end (one giant run, no newline) before it is held whole
    maxLineBytes: int(options.maxLineBytes, "maxLineBytes", 1 << 20, 64, 1 << 26),
    maxBytes: int(options.maxBytes, "maxBytes", 2 ** 33, 0, 2 ** 40),
    oversized: oneOf(options.oversized, "oversized", ["error", "skip"] as const),
    pairing: oneOf(options.pairing, "pairing", ["fifo", "lifo"] as const),
  };
}

// ── input: file or memory chunks, then zstd / gzip / plain ──

async function* fileChunks(fh: FileHandle, failed: (err: unknown) => Error): AsyncGenerator<Uint8Array> {
  for (;;) {
    const buf = new Uint8Array(CHUNK);
    let bytesRead: number;
    try { ({ bytesRead } = await fh.read(buf, 0, CHUNK, null)); } catch (err) { throw failed(err); }
    if (!bytesRead) return;
    yield buf.subarray(0, bytesRead);
  }
}

async function* memoryChunks(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let p = 0; p < data.length; p += CHUNK) yield data.subarray(p, Math.min(data.length, p + CHUNK));
}

/** The first chunk, and the rest of the stream after it. */
async function* prepend(first: Uint8Array, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  yield* rest;
}

async function feed(reader: HeaptrackReader, chunks: AsyncGenerator<Uint8Array>, o: Options): Promise<void> {
  let first = await chunks.next();
  while (!first.done && first.value.length < 4) {
    // a magic number split over tiny chunks (memory input gives 1 MiB ones; a short file is one)
    const more = await chunks.next();
    if (more.done) break;
    first = { done: false, value: concat(first.value, more.value) };
  }
  if (first.done) throw new HeaptrackFormatError("the file is empty");
  const head = first.value;
  let out = 0;
  const take = (bytes: Uint8Array): boolean => {
    out += bytes.length;
    if (out > o.maxBytes) throw new HeaptrackFormatError(`the decompressed text passes maxBytes (${o.maxBytes} bytes)`);
    return reader.push(bytes);
  };
  const all = prepend(head, chunks);
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    const { Decompress } = await loadFzstd();
    const guard = new ZstdFrameGuard();
    let more = true;
    // fzstd gives each block's output in one call (and an empty last one): the guard, which read
    // the block headers first, says where a frame ends, and checks its content checksum
    const z = new Decompress((data, last) => { if (!last) guard.output(data); if (more && data.length) more = take(data); });
    for await (const c of all) {
      guard.check(c);
      try { z.push(c, false); } catch (err) { throw zstdError(err); }
      if (!more) return reader.end();
    }
    guard.end();
    try { z.push(new Uint8Array(0), true); } catch (err) { throw zstdError(err); }
    guard.verified();
  } else if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    Readable.from(all).on("error", (err) => gunzip.destroy(err)).pipe(gunzip); // a read error ends the loop below
    try {
      for await (const c of gunzip) if (!take(c as Uint8Array)) { gunzip.destroy(); return reader.end(); }
    } catch (err) {
      if (err instanceof HeapError) throw err; // ours, or the file's read (HeapFileError)
      throw new HeaptrackFormatError(`bad gzip data (${(err as Error).message})`);
    }
  } else {
    for await (const c of all) if (!take(c)) return reader.end();
  }
  reader.end();
}

let fzstd: Promise<typeof import("fzstd")> | undefined;
function loadFzstd(): Promise<typeof import("fzstd")> {
  fzstd ??= import("fzstd").catch((err: Error) => {
    fzstd = undefined;
    throw new HeapConfigError(`reading a zstd-compressed heaptrack file needs the fzstd package (npm install fzstd), or decompress it first (zstd -d FILE): ${err.message}`);
  });
  return fzstd;
}

function zstdError(err: unknown): HeaptrackFormatError {
  return err instanceof HeaptrackFormatError ? err : new HeaptrackFormatError(`bad zstd data (${(err as Error).message})`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}

/**
 * Walks the zstd frames as their bytes go by (frame headers, block headers, checksums; RFC 8878)
 * and refuses a frame whose window is larger than ZSTD_MAX_WINDOW before the decompressor
 * allocates it (a 20-byte header can ask for 2 GiB). Checks each frame's content checksum (the
 * low 32 bits of XXH64 of its output, which zstd writes by default) against the output: fzstd
 * skips it, and a corrupt file decompressed into other text that still read as a recording.
 */
class ZstdFrameGuard {
  #state: "magic" | "descriptor" | "header" | "block" | "skip" | "checksum" = "magic";
  /** Zstd frames read: their blocks so far, whether the last was seen, the checksum (-1: none; undefined: not read yet). */
  #frames: { blocks: number; done: boolean; checksum?: number }[] = [];
  /** The frame whose output comes next, and its blocks and hash so far. */
  #outFrame = 0;
  #outBlocks = 0;
  #hash = new Xxh64();
  /** The output's checksums, by frame, until the file's are read. */
  #digests: number[] = [];
  #buf = new Uint8Array(18);
  #have = 0;
  #want = 4;
  #skip = 0;
  #afterSkip: "magic" | "block" | "checksum" = "magic";
  #checksum = 0;

  check(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      if (this.#state === "skip") {
        const n = Math.min(this.#skip, chunk.length - p);
        p += n;
        this.#skip -= n;
        if (this.#skip === 0) this.#begin(this.#afterSkip);
        continue;
      }
      const n = Math.min(this.#want - this.#have, chunk.length - p);
      this.#buf.set(chunk.subarray(p, p + n), this.#have);
      this.#have += n;
      p += n;
      if (this.#have === this.#want) this.#step();
    }
  }

  end(): void {
    if (this.#state !== "magic" || this.#have) throw new HeaptrackFormatError("bad zstd data (the file ends inside a frame)");
  }

  /** One block's output, in order. */
  output(data: Uint8Array): void {
    const f = this.#frames[this.#outFrame];
    if (!f) throw new HeaptrackFormatError("bad zstd data (output of no frame)");
    this.#hash.update(data);
    if (++this.#outBlocks === f.blocks && f.done) {
      this.#digests[this.#outFrame++] = this.#hash.digest32();
      this.#hash = new Xxh64();
      this.#outBlocks = 0;
    }
    this.#compare();
  }

  /** After the last output: every frame's output was checked. */
  verified(): void {
    this.#compare();
    if (this.#outFrame !== this.#frames.length) throw new HeaptrackFormatError("bad zstd data (a frame's output is missing)");
  }

  #compared = 0;
  #compare(): void {
    for (; this.#compared < this.#outFrame; this.#compared++) {
      const expected = this.#frames[this.#compared]!.checksum;
      if (expected === undefined) return; // not read yet
      if (expected >= 0 && expected !== this.#digests[this.#compared]) {
        throw new HeaptrackFormatError(`bad zstd data (frame ${this.#compared + 1}: the content checksum does not match its output: the file is corrupt)`);
      }
    }
  }

  #begin(state: "magic" | "block" | "checksum"): void {
    this.#state = state;
    this.#have = 0;
    this.#want = state === "block" ? 3 : 4;
  }

  #skipThen(n: number, then: "magic" | "block" | "checksum"): void {
    if (n === 0) return this.#begin(then);
    this.#state = "skip";
    this.#skip = n;
    this.#afterSkip = then;
  }

  #step(): void {
    const b = this.#buf;
    switch (this.#state) {
      case "magic": {
        const magic = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if (magic === 0xfd2fb528) { this.#state = "descriptor"; this.#want = 5; return; }
        if ((magic & 0xfffffff0) === 0x184d2a50) { this.#state = "header"; this.#want = 8; return; } // skippable: size follows
        throw new HeaptrackFormatError("bad zstd data (not a zstd frame where one should start)");
      }
      case "descriptor": {
        const fhd = b[4]!;
        const single = (fhd >> 5) & 1, dictBytes = [0, 1, 2, 4][fhd & 3]!, fcsFlag = fhd >> 6;
        const fcsBytes = fcsFlag === 0 ? single : 1 << fcsFlag;
        this.#checksum = (fhd >> 2) & 1;
        this.#state = "header";
        this.#want = 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
        if (this.#want === this.#have) this.#step();
        return;
      }
      case "header": {
        const magic = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if (magic !== 0xfd2fb528) {
          const size = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
          return this.#skipThen(size, "magic");
        }
        const fhd = b[4]!;
        const single = (fhd >> 5) & 1, dictBytes = [0, 1, 2, 4][fhd & 3]!, fcsFlag = fhd >> 6;
        let window: number;
        if (single) {
          const at = 5 + dictBytes, n = fcsFlag === 0 ? 1 : 1 << fcsFlag;
          window = 0;
          for (let i = n - 1; i >= 0; i--) window = window * 256 + b[at + i]!;
          if (fcsFlag === 1) window += 256;
        } else {
          const wd = b[5]!, base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        if (window > ZSTD_MAX_WINDOW) throw new HeaptrackFormatError(`a zstd frame asks for a ${(window / 2 ** 20).toFixed(0)} MiB window (at most ${ZSTD_MAX_WINDOW / 2 ** 20} MiB, zstd's own default limit): recompress it with a smaller --long`);
        this.#frames.push(this.#checksum ? { blocks: 0, done: false } : { blocks: 0, done: false, checksum: -1 });
        return this.#begin("block");
      }
      case "block": {
        const h = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        const last = h & 1, type = (h >> 1) & 3, size = h >>> 3;
        if (type === 3) throw new HeaptrackFormatError("bad zstd data (a reserved block type)");
        if (size > 1 << 17) throw new HeaptrackFormatError("bad zstd data (a block larger than 128 KiB)");
        const f = this.#frames[this.#frames.length - 1]!;
        f.blocks++;
        f.done = last === 1;
        return this.#skipThen(type === 1 ? 1 : size, !last ? "block" : this.#checksum ? "checksum" : "magic");
      }
      case "checksum": {
        this.#frames[this.#frames.length - 1]!.checksum = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        return this.#begin("magic");
      }
    }
  }
}

/** XXH64's primes as (hi, lo) halves. */
const P1H = 0x9e3779b1, P1L = 0x85ebca87, P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f, P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63, P5H = 0x27d4eb2f, P5L = 0x165667c5;
/** The result of the last 64-bit operation below: its high and low 32 bits (unsigned). */
let H = 0, L = 0;
function add64(ah: number, al: number, bh: number, bl: number): void {
  const l = al + bl;
  L = l >>> 0;
  H = (ah + bh + (l > 0xffffffff ? 1 : 0)) >>> 0;
}
/** (ah, al) × (bh, bl) mod 2^64: the low halves' full product (16-bit pieces), plus the cross terms' low 32 bits. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const lo = a0 * b0, mid1 = a1 * b0 + (lo >>> 16), mid2 = a0 * b1 + (mid1 & 0xffff);
  L = Math.imul(al, bl) >>> 0;
  H = (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}
function rotl64(h: number, l: number, r: number): void {
  H = ((h << r) | (l >>> (32 - r))) >>> 0;
  L = ((l << r) | (h >>> (32 - r))) >>> 0;
}
/** XXH64's round: (acc + input × P2) rotated left 31, × P1. */
function round64(ah: number, al: number, ih: number, il: number): void {
  mul64(ih, il, P2H, P2L);
  add64(ah, al, H, L);
  rotl64(H, L, 31);
  mul64(H, L, P1H, P1L);
}
const u32le = (b: Uint8Array, p: number) => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

/**
 * XXH64 (seed 0) over a stream, in 32-bit halves (BigInt is several times slower): zstd's content
 * checksum is the low 32 bits of the digest.
 */
class Xxh64 {
  // the four lanes, as hi, lo pairs: seed + P1 + P2, seed + P2, seed, seed - P1
  #v = Float64Array.of(0x60ea27ee, 0xadc0b5d6 /* P1 + P2 mod 2^64 */, P2H, P2L, 0, 0, 0x61c8864e, 0x7a143579 /* -P1 */);
  #buf = new Uint8Array(32);
  #have = 0;
  #total = 0;

  #stripe(b: Uint8Array, p: number): void {
    const v = this.#v;
    for (let k = 0; k < 8; k += 2, p += 8) {
      round64(v[k]!, v[k + 1]!, u32le(b, p + 4), u32le(b, p));
      v[k] = H; v[k + 1] = L;
    }
  }

  update(data: Uint8Array): void {
    this.#total += data.length;
    let p = 0;
    if (this.#have) {
      const n = Math.min(32 - this.#have, data.length);
      this.#buf.set(data.subarray(0, n), this.#have);
      this.#have += n;
      p = n;
      if (this.#have < 32) return;
      this.#stripe(this.#buf, 0);
      this.#have = 0;
    }
    for (; p + 32 <= data.length; p += 32) this.#stripe(data, p);
    this.#buf.set(data.subarray(p), 0);
    this.#have = data.length - p;
  }

  /** The low 32 bits of the digest. */
  digest32(): number {
    const v = this.#v;
    let h: number, l: number;
    if (this.#total >= 32) {
      rotl64(v[0]!, v[1]!, 1); h = H; l = L;
      rotl64(v[2]!, v[3]!, 7); add64(h, l, H, L); h = H; l = L;
      rotl64(v[4]!, v[5]!, 12); add64(h, l, H, L); h = H; l = L;
      rotl64(v[6]!, v[7]!, 18); add64(h, l, H, L); h = H; l = L;
      for (let k = 0; k < 8; k += 2) {
        round64(0, 0, v[k]!, v[k + 1]!);
        mul64((h ^ H) >>> 0, (l ^ L) >>> 0, P1H, P1L); add64(H, L, P4H, P4L); h = H; l = L;
      }
    } else { h = P5H; l = P5L; }
    add64(h, l, Math.floor(this.#total / 2 ** 32), this.#total >>> 0); h = H; l = L;
    const b = this.#buf, n = this.#have;
    let p = 0;
    for (; p + 8 <= n; p += 8) {
      round64(0, 0, u32le(b, p + 4), u32le(b, p));
      rotl64((h ^ H) >>> 0, (l ^ L) >>> 0, 27); mul64(H, L, P1H, P1L); add64(H, L, P4H, P4L); h = H; l = L;
    }
    if (p + 4 <= n) {
      mul64(0, u32le(b, p), P1H, P1L);
      rotl64((h ^ H) >>> 0, (l ^ L) >>> 0, 23); mul64(H, L, P2H, P2L); add64(H, L, P3H, P3L); h = H; l = L;
      p += 4;
    }
    for (; p < n; p++) {
      mul64(0, b[p]!, P5H, P5L);
      rotl64((h ^ H) >>> 0, (l ^ L) >>> 0, 11); mul64(H, L, P1H, P1L); h = H; l = L;
    }
    // avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
    l = (l ^ (h >>> 1)) >>> 0;
    mul64(h, l, P2H, P2L); h = H; l = L;
    l = (l ^ ((l >>> 29) | (h << 3))) >>> 0; h = (h ^ (h >>> 29)) >>> 0;
    mul64(h, l, P3H, P3L);
    return (L ^ H) >>> 0;
  }
}

// ── the text ──

const NL = 0x0a, SP = 0x20;
/** Hex digits: value + 1 by byte (0: not a digit). */
const HEX = new Uint8Array(256);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i + 1;
for (let i = 0; i < 6; i++) { HEX[0x61 + i] = 11 + i; HEX[0x41 + i] = 11 + i; }
const decoder = new TextDecoder("utf-8", { fatal: false });

/** A grown-as-needed typed array. */
class Growable<T extends Uint32Array | Int32Array | Float64Array> {
  constructor(public a: T, private readonly make: (n: number) => T) {}
  ensure(n: number): T {
    if (n > this.a.length) {
      const b = this.make(Math.max(n, this.a.length * 2));
      b.set(this.a as never);
      this.a = b;
    }
    return this.a;
  }
}

/**
 * Live pointers -> allocation index: open addressing with linear probing and backward-shift
 * deletion over typed arrays (a Map of pointers past 2^31, heap numbers, was 5x slower on 3M events).
 * Keys below 2^52 are exact doubles (0 = empty: heaptrack records no null pointer); wider ones
 * (tagged pointers) go to a Map by their digits.
 */
class PointerTable {
  #keys = new Float64Array(1 << 12);
  #vals = new Int32Array(1 << 12);
  #mask = (1 << 12) - 1;
  #wide = new Map<string, number>();
  size = 0;

  #slot(key: number): number {
    const lo = key % 4294967296, hi = (key - lo) / 4294967296;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.#mask;
  }

  get(key: number | string): number | undefined {
    if (typeof key === "string") return this.#wide.get(key);
    const keys = this.#keys, mask = this.#mask;
    for (let i = this.#slot(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.#vals[i];
      if (k === 0) return undefined;
    }
  }

  /** Sets a key not present. */
  add(key: number | string, value: number): void {
    this.size++;
    if (typeof key === "string") { this.#wide.set(key, value); return; }
    if (this.size * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys, mask = this.#mask;
    let i = this.#slot(key);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = key;
    this.#vals[i] = value;
  }

  delete(key: number | string): void {
    if (typeof key === "string") { if (this.#wide.delete(key)) this.size--; return; }
    const keys = this.#keys, vals = this.#vals, mask = this.#mask;
    let i = this.#slot(key);
    while (keys[i] !== key) { if (keys[i] === 0) return; i = (i + 1) & mask; }
    this.size--;
    // shift back the entries after i that probed past it
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = this.#slot(keys[j]!);
      if (((j - home) & mask) >= ((j - i) & mask)) { keys[i] = keys[j]!; vals[i] = vals[j]!; i = j; }
    }
    keys[i] = 0;
  }

  *values(): Generator<number> {
    for (let i = 0; i < this.#keys.length; i++) if (this.#keys[i] !== 0) yield this.#vals[i]!;
    yield* this.#wide.values();
  }

  #grow(): void {
    const keys = this.#keys, vals = this.#vals;
    this.#keys = new Float64Array(keys.length * 2);
    this.#vals = new Int32Array(keys.length * 2);
    this.#mask = keys.length * 2 - 1;
    const size = this.size;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) { this.size = 0; this.add(keys[i]!, vals[i]!); }
    this.size = size;
  }
}

class HeaptrackReader {
  readonly o: Options;
  // the line being assembled across chunks
  #carry = new Uint8Array(0);
  #carryLen = 0;
  #line = 0;
  #stopped = false;
  // header
  #fileVersion = -1;
  #htVersion = "";
  #format: "raw" | "interpreted" | "" = "";
  #command = "";
  #commandSeen = false;
  #exe = "";
  #attached = false;
  #pageSize = 4096;
  #peakRssPages = 0;
  // call-stack nodes, instruction pointers, strings (counted, to check the indices that name them)
  #traces = 0;
  #ips = 0;
  #strings = 0;
  // events
  #ops = new Growable(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  #events = 0;
  #allocs = 0;
  #request = new Growable(new Uint32Array(1 << 15), (n) => new Uint32Array(n)); // requested bytes by allocation
  #live = new PointerTable(); // raw: pointer -> allocation index, or -1 - k for oversized k
  #oversizedBytes: number[] = [];
  #lastPtr: number | string | null = null;
  // interpreted: allocation infos and the live allocations of each
  #infoSize = new Growable(new Float64Array(1 << 12), (n) => new Float64Array(n));
  #infoTrace = 0;
  #infos = 0;
  #head = new Growable(new Int32Array(1 << 12), (n) => new Int32Array(n)); // fifo: oldest; lifo: newest
  #tail = new Growable(new Int32Array(1 << 12), (n) => new Int32Array(n));
  #link = new Growable(new Int32Array(1 << 15), (n) => new Int32Array(n));
  #liveOversized = new Map<number, number>(); // info -> live count
  #lastInfo = -1;
  #liveCount = 0;
  // summary
  #plusLines = 0;
  #frees = 0;
  #unknownFrees = 0;
  #implicitFrees = 0;
  #oversized = 0;
  #temporary = 0;
  #liveBytes = 0;
  #peakBytes = 0;
  #timeline: HeaptrackTimestamp[] = [];

  constructor(o: Options) { this.o = o; }

  /** Takes decompressed bytes; false once the limit stopped the reading. */
  push(chunk: Uint8Array): boolean {
    if (this.#stopped) return false;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      const end = nl < 0 ? chunk.length : nl;
      if (this.#carryLen + end - start > this.o.maxLineBytes) {
        throw new HeaptrackFormatError(`a line longer than maxLineBytes (${this.o.maxLineBytes} bytes)`, this.#line + 1);
      }
      if (nl < 0) {
        this.#append(chunk, start, end);
        return true;
      }
      if (this.#carryLen) {
        this.#append(chunk, start, end);
        this.#parse(this.#carry, 0, this.#carryLen);
        this.#carryLen = 0;
      } else {
        this.#parse(chunk, start, end);
      }
      if (this.#stopped) return false;
      start = nl + 1;
    }
  }

  /** The end of the text: a last line without its newline is still a line. */
  end(): void {
    if (this.#carryLen && !this.#stopped) { this.#parse(this.#carry, 0, this.#carryLen); this.#carryLen = 0; }
  }

  #append(chunk: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.#carryLen + n > this.#carry.length) {
      const b = new Uint8Array(Math.min(this.o.maxLineBytes, Math.max(256, (this.#carryLen + n) * 2)));
      b.set(this.#carry.subarray(0, this.#carryLen));
      this.#carry = b;
    }
    this.#carry.set(chunk.subarray(start, end), this.#carryLen);
    this.#carryLen += n;
  }

  #fail(message: string): never {
    throw new HeaptrackFormatError(message, this.#line);
  }

  // ── fields: hex numbers separated by one space ──
  #b!: Uint8Array;
  #p = 0;
  #end = 0;

  /** The last #hex field had more than 13 digits: its number may be inexact (past 2^52). */
  #wide = false;

  /** The next hex field as a number (exact below 2^52: see #wide). */
  #hex(what: string): number {
    const b = this.#b;
    if (this.#p >= this.#end || b[this.#p] !== SP) this.#fail(`missing ${what}`);
    let p = ++this.#p;
    let v = 0;
    while (p < this.#end && b[p] === 0x30 && p + 1 < this.#end && HEX[b[p + 1]!]) p++; // leading zeros
    const first = p;
    for (; p < this.#end; p++) {
      const d = HEX[b[p]!]!;
      if (!d) break;
      v = v * 16 + d - 1;
    }
    const digits = p - first;
    if (digits === 0 || (p < this.#end && b[p] !== SP)) this.#fail(`${what} is not a hex number: '${this.#text(this.#p, Math.min(this.#end, this.#p + 40)).split(" ")[0]}'`);
    if (digits > 16) this.#fail(`${what} has more than 64 bits`);
    this.#p = p;
    this.#wide = digits > 13;
    return v;
  }

  /** The field just read by #hex, as text (a pointer key past 2^52), from its first significant digit. */
  #hexText(): string {
    let s = this.#p;
    while (this.#b[s - 1] !== SP) s--;
    // leading zeros, as #hex skips them: else 0b4...0 and b4...0 were two pointers (below 2^52 they are one number)
    while (this.#b[s] === 0x30 && s + 1 < this.#p) s++;
    return this.#text(s, this.#p).toLowerCase();
  }

  /** A pointer: a number key below 2^52, the digits' text above. */
  #pointer(): number | string {
    const v = this.#hex("pointer");
    if (v === 0) this.#fail("a null pointer (heaptrack records none)");
    return this.#wide ? this.#hexText() : v;
  }

  #index(what: string, count: number): number {
    const v = this.#hex(what);
    if (this.#wide || v > count) this.#fail(`${what} ${this.#hexText()} names nothing (${count.toString(16)} so far)`);
    return v;
  }

  #done(): void {
    if (this.#p !== this.#end) this.#fail(`unexpected text after the fields: '${this.#text(this.#p, Math.min(this.#end, this.#p + 40))}'`);
  }

  #text(start: number, end: number): string {
    return decoder.decode(this.#b.subarray(start, end));
  }

  /**
   * A string field: from file version 3 `LEN STRING` with LEN its length in bytes; before, the
   * rest of the line (`rest`: interned strings) or one word (executables, modules).
   */
  #string(what: string, rest: boolean): string {
    if (this.#fileVersion >= 3) {
      const n = this.#hex(`${what}'s length`);
      if (this.#b[this.#p] !== SP || this.#wide || this.#p + 1 + n > this.#end) this.#fail(`${what}'s length ${this.#hexText()} does not match the line`);
      const s = this.#text(this.#p + 1, this.#p + 1 + n);
      this.#p += 1 + n;
      return s;
    }
    if (this.#b[this.#p] !== SP) this.#fail(`missing ${what}`);
    let end = this.#end;
    if (!rest) { end = this.#b.indexOf(SP, this.#p + 1); if (end < 0 || end > this.#end) end = this.#end; }
    const s = this.#text(this.#p + 1, end);
    this.#p = end;
    return s;
  }

  #setFormat(format: "raw" | "interpreted", mode: string): void {
    if (this.#format && this.#format !== format) this.#fail(`a '${mode}' line belongs to ${format} files, this one is ${this.#format}`);
    this.#format = format;
  }

  #parse(b: Uint8Array, start: number, end: number): void {
    this.#line++;
    this.#b = b;
    this.#p = start + 1;
    this.#end = end;
    if (end === start) return; // the interpreter ends with an empty line
    const mode = b[start]!;
    if (this.#fileVersion < 0 && mode !== 0x76) this.#fail("not a heaptrack file (the first line is not 'v VERSION FILEVERSION')");
    switch (mode) {
      case 0x2b: return this.#plus(); // +
      case 0x2d: return this.#minus(); // -
      case 0x74: { // t IP PARENT
        if (this.#format === "interpreted") this.#index("instruction pointer index", this.#ips); else this.#hex("instruction pointer");
        this.#index("parent trace", this.#traces);
        this.#done();
        this.#traces++;
        return;
      }
      case 0x63: { // c MS
        const ms = this.#hex("timestamp");
        this.#done();
        if (this.#timeline.length < MAX_TIMELINE) this.#timeline.push({ ms, event: this.#events, liveBytes: this.#liveBytes });
        return;
      }
      case 0x52: { // R PAGES
        const pages = this.#hex("RSS");
        this.#done();
        if (pages > this.#peakRssPages) this.#peakRssPages = pages;
        return;
      }
      case 0x61: { // a SIZE TRACE: allocation info (interpreted)
        this.#setFormat("interpreted", "a");
        const size = this.#hex("size");
        this.#index("trace", this.#traces);
        this.#done();
        if (this.#infos >= this.o.maxEvents) this.#fail(`more than ${this.o.maxEvents} allocation infos (maxEvents)`);
        this.#infoSize.ensure(this.#infos + 1)[this.#infos] = size;
        this.#head.ensure(this.#infos + 1)[this.#infos] = -1;
        this.#tail.ensure(this.#infos + 1)[this.#infos] = -1;
        this.#infos++;
        return;
      }
      case 0x69: { // i IP MODULE [FUNCTION [FILE LINE [FUNCTION FILE LINE]*]] (interpreted)
        this.#setFormat("interpreted", "i");
        this.#hex("instruction pointer");
        this.#index("module string", this.#strings);
        // then the function, file and line of the frame, and of each frame inlined there
        for (let k = 0; this.#p < this.#end; k++) this.#index(["function string", "file string", "line"][k % 3]!, k % 3 === 2 ? Number.MAX_SAFE_INTEGER : this.#strings);
        this.#ips++;
        return;
      }
      case 0x73: { // s STRING (interpreted)
        this.#setFormat("interpreted", "s");
        this.#string("string", true);
        this.#done();
        this.#strings++;
        return;
      }
      case 0x6d: { // m LEN FILE ADDR (VADDR MEMSZ)*, or m 1 - / m - (raw)
        this.#setFormat("raw", "m");
        const name = this.#string("module", false);
        if (name === "-") return this.#done();
        this.#hex("module address");
        let fields = 0;
        for (; this.#p < this.#end; fields++) this.#hex("segment");
        if (fields % 2) this.#fail("a module's segments come in pairs (address, size)");
        return;
      }
      case 0x78: { // x LEN EXE (raw)
        this.#setFormat("raw", "x");
        if (this.#exe) this.#fail("a second executable: heaptrack does not follow child processes into one file");
        this.#exe = this.#string("executable", false);
        this.#done();
        return;
      }
      case 0x58: { // X CMDLINE
        if (this.#commandSeen) this.#fail("a second command line");
        // 'X' then a space, as every line: 'Xprog' read as the command 'rog'
        if (end > start + 1 && b[start + 1] !== SP) this.#fail("the command line does not follow 'X '");
        this.#commandSeen = true;
        this.#command = end > start + 2 ? this.#text(start + 2, end) : "";
        return;
      }
      case 0x49: { // I PAGESIZE PAGES
        const size = this.#hex("page size");
        this.#hex("physical pages");
        this.#done();
        if (size < 1) this.#fail("a page size of 0");
        this.#pageSize = size;
        return;
      }
      case 0x41: this.#done(); this.#attached = true; return; // A
      case 0x53: case 0x23: return; // S suppression, # comment: free text
      case 0x76: { // v HTVERSION FILEVERSION
        if (this.#fileVersion >= 0) this.#fail("a second version line");
        const ht = this.#hex("heaptrack version");
        const fv = this.#hex("file format version");
        this.#done();
        if (fv > 3) this.#fail(`file format version ${this.#hexText()} (this reader knows 0..3, heaptrack 1.0 to 1.5)`);
        this.#fileVersion = fv;
        this.#htVersion = ht > 0xffffff ? ht.toString(16) : `${(ht >> 16) & 0xff}.${(ht >> 8) & 0xff}.${ht & 0xff}`;
        return;
      }
      default:
        this.#fail(`a line of unknown kind '${String.fromCharCode(mode)}'`);
    }
  }

  /** Room for one more event; false (and reading stops) at the limit. */
  #room(): boolean {
    if (this.#events >= this.o.limit) { this.#stopped = true; return false; }
    if (this.#events >= this.o.maxEvents) this.#fail(`more than ${this.o.maxEvents} events (maxEvents)`);
    return true;
  }

  #emitAlloc(request: number): number {
    const i = this.#events++, a = this.#allocs++;
    const ops = this.#ops.ensure(2 * i + 2);
    ops[2 * i] = request + HEADER;
    ops[2 * i + 1] = MALLOC_TYPE;
    this.#request.ensure(a + 1)[a] = request;
    this.#add(request);
    return a;
  }

  #emitFree(a: number): void {
    const i = this.#events++;
    const ops = this.#ops.ensure(2 * i + 2);
    ops[2 * i] = 0;
    ops[2 * i + 1] = a;
    this.#liveBytes -= this.#request.a[a]!;
  }

  #add(bytes: number): void {
    this.#liveBytes += bytes;
    if (this.#liveBytes > this.#peakBytes) this.#peakBytes = this.#liveBytes;
  }

  #oversize(size: number): boolean {
    if (size <= HEAPTRACK_MAX_REQUEST) return false;
    if (this.o.oversized === "error") {
      this.#fail(`an allocation of ${Number.isSafeInteger(size) ? size : `about ${size.toExponential(3)}`} bytes, larger than any block (at most ${HEAPTRACK_MAX_REQUEST}): pass oversized: "skip" to leave such allocations out`);
    }
    if (++this.#oversized > this.o.maxEvents) this.#fail(`more than ${this.o.maxEvents} oversized allocations (maxEvents)`);
    return true;
  }

  #plus(): void {
    if (this.#fileVersion >= 1 && this.#format === "interpreted") return this.#plusInfo();
    // + SIZE TRACE PTR
    const size = this.#hex("size");
    this.#index("trace", this.#traces);
    const ptr = this.#pointer();
    this.#done();
    if (!this.#format) this.#format = "raw";
    const old = this.#live.get(ptr);
    if (old !== undefined) {
      // the pointer is live: its free was not recorded; it is free now
      if (!this.#room()) return;
      this.#implicitFrees++;
      this.#live.delete(ptr);
      this.#liveCount--;
      if (old >= 0) this.#emitFree(old); else this.#liveBytes -= this.#oversizedBytes[-1 - old]!;
    }
    if (this.#oversize(size)) {
      this.#plusLines++;
      this.#oversizedBytes.push(size);
      this.#add(size);
      this.#setLive(ptr, -this.#oversizedBytes.length);
      this.#lastPtr = ptr;
      return;
    }
    if (!this.#room()) return;
    this.#plusLines++;
    this.#setLive(ptr, this.#emitAlloc(size));
    this.#lastPtr = ptr;
  }

  #setLive(ptr: number | string, v: number): void {
    if (this.#liveCount >= MAX_LIVE) this.#fail(`more than ${MAX_LIVE} allocations live at once`);
    this.#live.add(ptr, v);
    this.#liveCount++;
  }

  #minus(): void {
    if (this.#fileVersion >= 1 && this.#format === "interpreted") return this.#minusInfo();
    const ptr = this.#pointer();
    this.#done();
    const temporary = this.#lastPtr === ptr;
    this.#lastPtr = null;
    const a = this.#live.get(ptr);
    if (a === undefined) { this.#unknownFrees++; return; }
    if (a >= 0 && !this.#room()) return;
    this.#live.delete(ptr);
    this.#liveCount--;
    this.#frees++;
    if (temporary) this.#temporary++;
    if (a >= 0) this.#emitFree(a); else this.#liveBytes -= this.#oversizedBytes[-1 - a]!;
  }

  #plusInfo(): void {
    const info = this.#hex("allocation info");
    this.#done();
    if (this.#wide || info >= this.#infos) this.#fail(`allocation info ${this.#hexText()} is not defined (${this.#infos.toString(16)} 'a' lines so far)`);
    const size = this.#infoSize.a[info]!;
    if (this.#oversize(size)) {
      this.#plusLines++;
      this.#liveOversized.set(info, (this.#liveOversized.get(info) ?? 0) + 1);
      this.#add(size);
      this.#lastInfo = info;
      return;
    }
    if (!this.#room()) return;
    if (this.#liveCount >= MAX_LIVE) this.#fail(`more than ${MAX_LIVE} allocations live at once`);
    this.#plusLines++;
    const a = this.#emitAlloc(size);
    const link = this.#link.ensure(a + 1), head = this.#head.a, tail = this.#tail.a;
    if (this.o.pairing === "lifo") {
      link[a] = head[info]!;
      head[info] = a;
    } else {
      link[a] = -1;
      if (tail[info]! < 0) head[info] = a; else link[tail[info]!] = a;
      tail[info] = a;
    }
    this.#liveCount++;
    this.#lastInfo = info;
  }

  #minusInfo(): void {
    const info = this.#hex("allocation info");
    this.#done();
    if (this.#wide || info >= this.#infos) this.#fail(`allocation info ${this.#hexText()} is not defined (${this.#infos.toString(16)} 'a' lines so far)`);
    const temporary = this.#lastInfo === info;
    this.#lastInfo = -1;
    const over = this.#liveOversized.get(info);
    if (over) {
      if (over === 1) this.#liveOversized.delete(info); else this.#liveOversized.set(info, over - 1);
      this.#liveBytes -= this.#infoSize.a[info]!;
      this.#frees++;
      if (temporary) this.#temporary++;
      return;
    }
    const head = this.#head.a, a = head[info]!;
    if (a < 0) { this.#unknownFrees++; return; }
    if (!this.#room()) return;
    const link = this.#link.a;
    head[info] = link[a]!;
    if (this.o.pairing === "fifo" && head[info]! < 0) this.#tail.a[info] = -1;
    this.#liveCount--;
    this.#frees++;
    if (temporary) this.#temporary++;
    this.#emitFree(a);
  }

  finish(): HeaptrackTrace {
    if (this.#fileVersion < 0) throw new HeaptrackFormatError("the file holds no line");
    const ops = this.#ops.a.slice(0, 2 * this.#events);
    let leaked = 0, leakedBytes = 0;
    const freed = new Uint8Array(this.#allocs);
    for (let i = 0; i < ops.length; i += 2) if (!ops[i]) freed[ops[i + 1]!] = 1;
    for (let a = 0; a < this.#allocs; a++) if (!freed[a]) { leaked++; leakedBytes += this.#request.a[a]!; }
    for (const v of this.#live.values()) if (v < 0) { leaked++; leakedBytes += this.#oversizedBytes[-1 - v]!; }
    for (const [info, n] of this.#liveOversized) { leaked += n; leakedBytes += n * this.#infoSize.a[info]!; }
    this.#timeline.push({ ms: this.#timeline.at(-1)?.ms ?? 0, event: this.#events, liveBytes: this.#liveBytes });
    const summary: HeaptrackSummary = {
      format: this.#format || "raw", heaptrackVersion: this.#htVersion, fileVersion: this.#fileVersion,
      command: this.#command, exe: this.#exe, attached: this.#attached, lines: this.#line,
      allocations: this.#plusLines, frees: this.#frees, unknownFrees: this.#unknownFrees, implicitFrees: this.#implicitFrees,
      oversized: this.#oversized, leaked, leakedBytes, peakBytes: this.#peakBytes, temporary: this.#temporary,
      peakRssBytes: this.#peakRssPages * this.#pageSize, truncated: this.#stopped, timeline: this.#timeline,
    };
    const note = `heaptrack ${summary.format} recording${summary.command ? ` of '${summary.command.slice(0, 200)}'` : ""} (heaptrack ${summary.heaptrackVersion}${summary.truncated ? `, first ${this.#events} events` : ""})`;
    return new HeaptrackTrace(ops, { [MALLOC_TYPE]: "malloc" }, note, summary);
  }
}
