// .rhtrace files are input from strangers (issue 14, item 9): every header defect and every bad
// event is a TraceFormatError (a HeapTypeError) naming what is wrong, and the event's index; the
// data is never inflated past what its declared counts can take; `npm run replay` reports any of
// it in one line with a non-zero exit. Before: double frees and sizes of 0xFFFFFFFF or under the
// header replayed "ok" or trapped untyped, bad headers gave SyntaxError/RangeError/TypeError, and a
// 1 MiB file inflating to 1 GiB was processed for 18 s before being refused.
import { describe, expect, test } from "vitest";
import { gzipSync } from "node:zlib";
import { execFile } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  ALLOCATORS, AllocationTrace, Heap, HeapAbortError, HeapConfigError, HeapTypeError, TRACE_MAX_SIZE, TRACE_MIN_SIZE, TraceFormatError, replayTrace, validateTraceOps,
} from "../src/index.js";
import { rng } from "./helpers.js";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;

/** A file: magic, header length, header (JSON text or any value), then the event bytes. */
function file(header: unknown, events: number[] = [], raw = false): Uint8Array {
  const h = new TextEncoder().encode(raw ? String(header) : JSON.stringify(header));
  const out = new Uint8Array(12 + h.length + events.length);
  out.set(new TextEncoder().encode("RHTRACE\x01"));
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(events, 12 + h.length);
  return gzipSync(out);
}
const varint = (v: number): number[] => { const b: number[] = []; while (v >= 0x80) { b.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); } b.push(v); return b; };
const header = (events: number, allocations: number, extra: object = {}) => ({ version: 1, events, allocations, types: { 1: "storage", 4: "Node" }, note: "", ...extra });
const alloc = (size: number, type = 4) => [...varint(size * 2), ...varint(type)];
const free = (back: number) => varint(back * 2 + 1);

function refused(f: () => unknown, message: RegExp, event?: number): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(TraceFormatError);
  expect(err).toBeInstanceOf(HeapTypeError);
  expect((err as Error).message).toMatch(message);
  expect((err as TraceFormatError).event).toBe(event);
}

describe("trace events are validated, with the bad event's index", () => {
  const ops = (...pairs: number[][]) => Uint32Array.from(pairs.flat());

  test("by validateTraceOps (which decode and replayTrace run)", () => {
    const check = (o: Uint32Array) => () => validateTraceOps(o);
    refused(check(ops([16, 4], [0, 0], [0, 0])), /event 2: frees allocation 0 a second time/, 2);
    refused(check(ops([16, 4], [0xffff_ffff, 4])), /event 1: allocation of 4294967295 bytes/, 1);
    for (const size of [1, 4, 7]) refused(check(ops([size, 4])), /sizes are 8\.\./, 0);
    refused(check(ops([TRACE_MAX_SIZE + 1, 4])), /allocation of/, 0);
    refused(check(ops([16, 0x1_0000])), /type id 65536/, 0);
    refused(check(ops([16, 4], [0, 1])), /frees allocation 1 before it is made/, 1);
    expect(validateTraceOps(ops([TRACE_MIN_SIZE, 4], [TRACE_MAX_SIZE, 1], [0, 1], [0, 0]))).toBe(2);
    // the constructor checks the shape; the events are checked when decoded or replayed
    refused(() => new AllocationTrace(ops([16, 4], [0]), {}), /pairs/);
    refused(() => new AllocationTrace([16, 4] as never, {}), /Uint32Array/);
    refused(() => new AllocationTrace(ops([16, 4]), null as never), /types must be an object/);
    refused(() => new AllocationTrace(ops([16, 4]), {}, 5 as never), /note must be a string/);
  });

  test("in the file's event stream", () => {
    const good = [...alloc(16), ...alloc(24), ...free(0), ...free(1)]; // frees allocation 1, then 0
    expect(AllocationTrace.decode(file(header(4, 2), good)).ops).toEqual(Uint32Array.from([16, 4, 24, 4, 0, 1, 0, 0]));
    refused(() => AllocationTrace.decode(file(header(4, 2), [...alloc(16), ...alloc(24), ...free(0), ...free(0)])), /event 3: frees allocation 1 a second time/, 3);
    refused(() => AllocationTrace.decode(file(header(1, 1), alloc(0xffff_ffff))), /event 0: allocation of 4294967295 bytes/, 0);
    refused(() => AllocationTrace.decode(file(header(1, 1), alloc(2 ** 33))), /event 0: allocation of/, 0);
    refused(() => AllocationTrace.decode(file(header(2, 1), [...alloc(16), ...alloc(3)])), /event 1: allocation of 3 bytes/, 1);
    refused(() => AllocationTrace.decode(file(header(2, 1), [...alloc(16), ...free(1)])), /event 1: frees an allocation before the first/, 1);
    refused(() => AllocationTrace.decode(file(header(1, 1), [...alloc(16).slice(0, 1), 0x80, 0x80, 0x80, 0x80, 0x80, 1])), /longer than 5 bytes/, 0);
    refused(() => AllocationTrace.decode(file(header(2, 1), [...alloc(16), 0x81])), /truncated event stream/, 1);
    refused(() => AllocationTrace.decode(file(header(1, 1), [...alloc(16), 0])), /bytes after the last event/);
    refused(() => AllocationTrace.decode(file(header(2, 2), [...alloc(100_000), ...free(0)])), /declares 2 allocations, the events hold 1/);
  });

  test("in replayTrace, on every allocator (the ops are a typed array: checked again when replayed)", async () => {
    for (const allocator of ALLOCATORS) {
      const trace = new AllocationTrace(ops([16, 4], [32, 4], [0, 0]), {});
      trace.ops[5] = 1; trace.ops[4] = 0; // fine: frees allocation 1
      const r = await replayTrace(trace, { allocator, debug: true });
      expect(r.events).toBe(3);
      trace.ops.set([0, 0], 4); trace.ops.set([0, 0], 2); // now allocation 0 is freed twice
      await expect(replayTrace(trace, { allocator, debug: true })).rejects.toThrow(/event 2: frees allocation 0 a second time/);
      trace.ops.set([0xffff_ffff, 4], 0);
      await expect(replayTrace(trace, { allocator })).rejects.toThrow(TraceFormatError);
      await expect(replayTrace(null as never, { allocator })).rejects.toThrow(TraceFormatError);
    }
  });

  test("replayTrace's options are checked before anything runs", async () => {
    // before: samples NaN (or "x") made every batch empty, and the replay returned events: 3 with nothing replayed
    const trace = new AllocationTrace(ops([16, 4], [0, 0], [32, 4]), {});
    for (const samples of [NaN, "x", 0, -1, 2.5, Infinity]) {
      await expect(replayTrace(trace, { samples: samples as number }), String(samples)).rejects.toThrow(/replayTrace: samples must be a positive integer/);
    }
    await expect(replayTrace(trace, null as never)).rejects.toThrow(HeapConfigError);
    const r = await replayTrace(trace, { samples: 1 });
    expect([r.events, r.final.liveBytes, r.peakLiveBytes]).toEqual([3, 32, 32]);
  });

  test("the debug core refuses what the host should never send it (assembly/replay.ts)", async () => {
    for (const allocator of ALLOCATORS) {
      const heap = await Heap.create({ allocator, collector: "none", debug: true });
      const core = heap.core, raw = core.defineType(7, 0, 0, 0, 0), ops = core.replayOps() >>> 2;
      const batch = (...words: number[]) => { heap.views.u32.set(words, ops); return core.replayBatch(raw, words.length / 2); };
      expect(batch(16, 0)).toBe(1);
      const p = heap.views.u32[ops + 1];
      for (const words of [[4, 0], [0xffff_fffe, 0], [0, p + 8], [0, 12345], [0xffff_ffff, 0], [16, 0, 0xffff_ffff, 5]]) {
        expect(() => batch(...words), String(words)).toThrow(HeapAbortError);
      }
      expect(batch(0, p)).toBe(1); // the one real free
      expect(() => batch(0, p)).toThrow(HeapAbortError); // a second one
      expect(() => batch(16, 0, 0xffff_ffff, 0, 0xffff_ffff, 0)).toThrow(HeapAbortError); // freed twice within a batch
      heap.verify();
      heap.destroy();
    }
  });
});

describe("trace headers are validated", () => {
  test("every defect is a TraceFormatError before anything is allocated for the events", () => {
    const bad: [Uint8Array, RegExp][] = [
      [file("null", [], true), /the header is null/],
      [file("[1]", [], true), /the header is an array/],
      [file("{not json", [], true), /the header is not JSON/],
      [file("\"text\"", [], true), /the header is string/],
      [file(header(-1, 0)), /events is -1/],
      [file(header(1.5, 0)), /events is 1\.5/],
      [file(header(2 ** 40, 0)), /events is 1099511627776/],
      [file(header(2 ** 27, 0)), /the \d+ bytes after it cannot hold them/], // a huge count the data cannot back
      [file(header(1, 2), alloc(16)), /allocations is 2/],
      [file(header(1, -1), alloc(16)), /allocations is -1/],
      [file({ version: 1, events: 1, types: {} }, alloc(16)), /allocations is undefined/],
      [file(header(1, 1, { version: 2 }), alloc(16)), /unsupported trace version 2/],
      [file(header(1, 1, { types: null }), alloc(16)), /types must be an object/],
      [file(header(1, 1, { types: { x: "A" } }), alloc(16)), /types holds "x"/],
      [file(header(1, 1, { types: { 4: 5 } }), alloc(16)), /types holds "4": number/],
      [file(header(1, 1, { note: 5 }), alloc(16)), /note is number/],
      [gzipSync(new TextEncoder().encode("RHTRACE\x02\0\0\0\0")), /bad magic/],
      [gzipSync(new Uint8Array([0x52, 0x48])), /bad magic/],
      [new Uint8Array([1, 2, 3]), /not gzip data/],
      // the magic and part of the header length: read past the data, a header length of garbage was named
      [gzipSync(Uint8Array.from([..."RHTRACE\x01"].map((c) => c.charCodeAt(0)).concat([5, 0]))), /the file ends after 10 bytes, inside the header length/],
      [gzipSync(Uint8Array.from([..."RHTRACE\x01"].map((c) => c.charCodeAt(0)).concat([0xff, 0xff, 0xff, 0x7f]))), /a header of 2147483647 bytes/],
      [gzipSync(Uint8Array.from([..."RHTRACE\x01"].map((c) => c.charCodeAt(0)).concat([100, 0, 0, 0, 0x7b]))), /truncated header/],
      [(() => { const f = file(header(1, 1), alloc(16)); return f.subarray(0, f.length - 6); })(), /bad gzip data: unexpected end of file/],
    ];
    for (const [data, message] of bad) refused(() => AllocationTrace.decode(data), message);
    refused(() => AllocationTrace.decode("x" as never), /expected the file's bytes/);
  });

  test("a file that inflates far past its declared counts is refused once inflated that far", () => {
    // 16 MiB of zeros behind a header declaring one allocation: ~16 KiB compressed
    const raw = new Uint8Array(12 + 200 + (16 << 20));
    const h = new TextEncoder().encode(JSON.stringify(header(1, 1)).padEnd(200, " "));
    raw.set(new TextEncoder().encode("RHTRACE\x01"));
    new DataView(raw.buffer).setUint32(8, h.length, true);
    raw.set(h, 12);
    raw.set(alloc(16), 12 + h.length);
    const bomb = gzipSync(raw);
    expect(bomb.length).toBeLessThan(1 << 20);
    // the budget: 12 + header + 8 bytes for the one allocation
    refused(() => AllocationTrace.decode(bomb), new RegExp(`inflates past the ${12 + 200 + 8} bytes that 1 events \\(1 allocations\\) can take`));
    // a long header (incompressible: read in several steps) followed by the same zeros: still bounded
    const random = rng(14);
    const longNote = Array.from({ length: 300_000 }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
    const h2 = new TextEncoder().encode(JSON.stringify(header(1, 1, { note: longNote })));
    const raw2 = new Uint8Array(12 + h2.length + (16 << 20));
    raw2.set(raw.subarray(0, 8));
    new DataView(raw2.buffer).setUint32(8, h2.length, true);
    raw2.set(h2, 12);
    raw2.set(alloc(16), 12 + h2.length);
    refused(() => AllocationTrace.decode(gzipSync(raw2)), /inflates past the \d+ bytes/);
  });

  test("input that inflates to nothing before the header is refused within a bounded prefix", () => {
    // a gzip comment of 8 MiB (legal gzip, no output) before a good trace: before, the header was
    // looked for by inflating ever longer prefixes, time quadratic in the comment (1 s here, minutes at 100 MiB)
    const g = new AllocationTrace(Uint32Array.from([16, 4, 0, 0]), { 4: "Node" }).encode();
    const comment = new Uint8Array(8 << 20).fill(0x61);
    const f = new Uint8Array(g.length + comment.length + 1);
    f.set(g.subarray(0, 10)); f[3] |= 0x10; // FCOMMENT: a zero-terminated comment after the 10-byte header
    f.set(comment, 10); f.set(g.subarray(10), 11 + comment.length);
    refused(() => AllocationTrace.decode(f), /corrupt trace: the first \d+ compressed bytes inflate to 0 bytes, short of the header \(12 bytes\)/);
    // a file name as gzip(1) writes one is read through
    const named = new Uint8Array(g.length + 12);
    named.set(g.subarray(0, 10)); named[3] |= 0x08; named.set(new TextEncoder().encode("run.rhtrace\0"), 10); named.set(g.subarray(10), 22);
    expect(AllocationTrace.decode(named).ops).toEqual(Uint32Array.from([16, 4, 0, 0]));
  });

  test("good files round-trip, long headers included", () => {
    const t = new AllocationTrace(Uint32Array.from([16, 4, 0, 0]), { 4: "Node" }, "x".repeat(100_000));
    const back = AllocationTrace.decode(t.encode());
    expect(back.ops).toEqual(t.ops);
    expect(back.note).toBe(t.note);
  });
});

describe("trace files are sized before they are read", () => {
  // AllocationTrace.load read the whole file whatever its size: 1.5 GiB of anything was held
  // before decode refused it, past 2 GiB readFile's raw RangeError came out, and an endless file
  // (/dev/zero, a pipe) was read until memory ran out. No trace file has more than about 1 GiB
  // (2^27 events of at most 8 bytes, stored): a larger one is refused from its size.
  test("a file larger than any trace is a TraceFormatError from its size, nothing read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "refheap-trace-"));
    try {
      for (const size of [1.5 * 2 ** 30, 3 * 2 ** 30]) {
        const f = join(dir, `big-${size}.rhtrace`);
        await truncate(await writeFile(f, "").then(() => f), size); // sparse: no disk, no memory
        const err = await AllocationTrace.load(f).then(() => null, (e: unknown) => e);
        expect(err, String(size)).toBeInstanceOf(TraceFormatError);
        expect((err as Error).message).toMatch(new RegExp(`^not a refheap trace: .*big-${size}\\.rhtrace has ${size} bytes, and no trace file has more than 10\\d{8} bytes$`));
      }
    } finally { await rm(dir, { recursive: true, force: true }); }
  });

  test.runIf(process.platform === "linux")("a file without a size (a device, a pipe) is read no further than the bound", async () => {
    const { readBounded } = await import("../src/files.js");
    const tooLarge = (size: number | null) => new TraceFormatError(`size ${size}`);
    await expect(readBounded("t", "/dev/zero", 1 << 20, tooLarge)).rejects.toThrow(/^size null$/);
    expect((await readBounded("t", "/proc/self/status", 1 << 20, tooLarge)).length).toBeGreaterThan(0); // size 0 by stat: read to its end
  });
});

describe("npm run replay", () => {
  test("a bad trace, a missing file or bad arguments: one line on stderr, a non-zero exit, no stack trace", async () => {
    const dir = await mkdtemp(join(tmpdir(), "refheap-replay-"));
    try {
      const doubleFree = join(dir, "double.rhtrace"), notGzip = join(dir, "plain.rhtrace"), badHeader = join(dir, "header.rhtrace"), good = join(dir, "good.rhtrace");
      await writeFile(doubleFree, file(header(3, 1), [...alloc(16), ...free(0), ...free(0)]));
      await writeFile(notGzip, "hello");
      await writeFile(badHeader, file("null", [], true));
      await writeFile(good, file(header(2, 1), [...alloc(16), ...free(0)]));
      const replay = (...args: string[]) => run(process.execPath, ["--import", "tsx", "bench/replay.ts", ...args], { cwd: root }).then(
        (r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
      const cases: [string[], RegExp, number?][] = [
        [[doubleFree], /^replay: .*double\.rhtrace: TraceFormatError: event 2: frees allocation 0 a second time\n$/],
        [[notGzip], /^replay: .*plain\.rhtrace: TraceFormatError: not a refheap trace \(not gzip data\)\n$/],
        [[badHeader], /^replay: .*header\.rhtrace: TraceFormatError: corrupt trace: the header is null, not an object\n$/],
        // a path that cannot be read: the typed error's one line, exit 2 (a bad argument)
        [[join(dir, "missing.rhtrace")], /^replay: AllocationTrace\.load: cannot read .*missing\.rhtrace: ENOENT: no such file or directory, open '.*missing\.rhtrace'\n$/, 2],
        [[dir], /^replay: AllocationTrace\.load: cannot read .*: EISDIR: illegal operation on a directory, read\n$/, 2],
        [[good, "--reps", "abc"], /^replay: --reps must be an integer in 1\.\.1000000, got 'abc'\n$/],
        [[good, "--allocators", "nope"], /^replay: unknown allocator 'nope'/],
        [[good, "--bogus"], /^replay: Unknown option '--bogus'/],
        // before: the last of two values won, and an empty --save path saved nothing without a word
        [[good, "--reps", "1", "--reps", "2"], /^replay: --reps given twice\n$/],
        [["--heaptrack", good, "--save", ""], /^replay: --save: an empty path\n$/],
      ];
      for (const [args, stderr, code] of cases) {
        const r = await replay(...args);
        expect(r.code, args.join(" ")).not.toBe(0);
        if (code !== undefined) expect(r.code, args.join(" ")).toBe(code);
        expect(r.stderr).toMatch(stderr);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      // before: a row per allocator of NaN ns/event and 100 % fragmentation
      const empty = join(dir, "empty.rhtrace");
      await writeFile(empty, file(header(0, 0), []));
      const none = await replay(empty);
      expect(none.code).toBe(0);
      expect(none.stdout).toMatch(/: 0 events \(0 allocations\)\n\nnothing to replay: the trace has no events\n$/);
      expect(none.stdout).not.toMatch(/NaN/);
      const ok = await replay(good, "--reps", "1", "--allocators", "pools,bump");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/2 events \(1 allocations\)[\s\S]*\npools\s[\s\S]*\nbump\s/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
