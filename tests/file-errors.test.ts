// Paths are input from strangers: every public API that takes one throws HeapFileError (a
// HeapConfigError naming the API and the path, the OS's message in its text, the OS's error as
// `cause`) for a path it cannot read or write, never the raw ENOENT / EISDIR / EACCES / EIO.
// Before: importHeaptrack, AllocationTrace.load and .save, saveHeapSnapshot threw the raw error,
// importHeapSnapshot did for a read that failed after its stat (EIO), and loadHeapSnapshot kept no cause.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AllocationTrace, Heap, HeapConfigError, HeapFileError, importHeapSnapshot, importHeaptrack, loadHeapSnapshot, saveHeapSnapshot, setWasmBaseUrl, takeGraph,
} from "../src/index.js";
import { pathToFileURL } from "node:url";

let dir = "";
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "refheap-paths-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** The error `p` rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (e) { return e; }
  throw new Error("expected a rejection");
}

/** A HeapFileError for `path` from `api`, with the OS's error (code `code`) as its cause and in its text. */
function expectFileError(err: unknown, api: string, path: string, code: string | null, verb = "read") {
  expect(err, `${api} ${path}`).toBeInstanceOf(HeapFileError);
  expect(err).toBeInstanceOf(HeapConfigError);
  const e = err as HeapFileError;
  expect(e.name).toBe("HeapFileError");
  expect(e.path).toBe(path);
  if (code === null) {
    expect(e.message).toBe(`${api}: ${path} is not a file`);
    return;
  }
  expect(e.message.startsWith(`${api}: cannot ${verb} ${path}: `), e.message).toBe(true);
  const cause = e.cause as NodeJS.ErrnoException;
  expect(cause.code).toBe(code);
  expect(e.message).toContain(cause.message);
}

describe("a path that cannot be read", () => {
  test.each([
    ["importHeaptrack", (p: string) => importHeaptrack(p)],
    ["AllocationTrace.load", (p: string) => AllocationTrace.load(p)],
    ["loadHeapSnapshot", (p: string) => loadHeapSnapshot(p)],
  ] as const)("%s: a missing file, a directory, an I/O error", async (api, read) => {
    expectFileError(await rejection(read(join(dir, "missing"))), api, join(dir, "missing"), "ENOENT");
    // a directory: opened, then refused by the read (EISDIR), or by a stat first
    const isDir = await rejection(read(dir));
    expectFileError(isDir, api, dir, api === "loadHeapSnapshot" ? null : "EISDIR");
    // /proc/self/mem: a regular file that opens (as root too) and fails its first read
    if (process.platform === "linux") expectFileError(await rejection(read("/proc/self/mem")), api, "/proc/self/mem", "EIO");
  });

  test("importHeapSnapshot: a missing file, a directory, an I/O error", async () => {
    const heap = await Heap.create({ debug: true });
    try {
      expectFileError(await rejection(importHeapSnapshot(heap, join(dir, "missing"))), "importHeapSnapshot", join(dir, "missing"), "ENOENT");
      expectFileError(await rejection(importHeapSnapshot(heap, dir)), "importHeapSnapshot", dir, null);
      if (process.platform === "linux") expectFileError(await rejection(importHeapSnapshot(heap, "/proc/self/mem")), "importHeapSnapshot", "/proc/self/mem", "EIO");
      expect(heap.stats().liveObjects).toBe(0);
      heap.verify();
    } finally { heap.destroy(); }
  });
});

describe("a path that cannot be written", () => {
  test("AllocationTrace.save and saveHeapSnapshot: a missing directory, a directory", async () => {
    const trace = new AllocationTrace(Uint32Array.from([16, 4, 0, 0]), { 4: "Node" });
    const heap = await Heap.create({ debug: true });
    try {
      const g = takeGraph(heap);
      const missing = join(dir, "no-such-dir", "out");
      expectFileError(await rejection(trace.save(missing)), "AllocationTrace.save", missing, "ENOENT", "write");
      expectFileError(await rejection(trace.save(dir)), "AllocationTrace.save", dir, "EISDIR", "write");
      expectFileError(await rejection(saveHeapSnapshot(g, missing)), "saveHeapSnapshot", missing, "ENOENT", "write");
      expectFileError(await rejection(heap.inspect.saveHeapSnapshot(dir)), "saveHeapSnapshot", dir, "EISDIR", "write");
      // what can be written still is
      await trace.save(join(dir, "ok.rhtrace"));
      expect((await AllocationTrace.load(join(dir, "ok.rhtrace"))).ops).toEqual(trace.ops);
    } finally { heap.destroy(); }
  });
});

describe("where the wasm builds are (setWasmBaseUrl)", () => {
  // A relative base was taken, then Heap.create threw a raw TypeError (Invalid URL); a folder
  // without the builds gave a plain Error. Now: HeapConfigError at the call, before anything
  // changes, and HeapFileError from Heap.create naming the file, the OS error as its cause.
  const builds = new URL("../build/", import.meta.url);
  test("a base that is not an absolute URL is refused at the call; the builds still load", async () => {
    for (const bad of ["build/", "", 42, null]) expect(() => setWasmBaseUrl(bad as never), String(bad)).toThrow(HeapConfigError);
    (await Heap.create({ debug: true })).destroy();
  });

  test("a folder without the builds: Heap.create throws HeapFileError; setWasmBaseUrl back, it works", async () => {
    try {
      setWasmBaseUrl(pathToFileURL(dir + "/"));
      const err = await rejection(Heap.create({ debug: true }));
      const file = join(dir, "core.debug.wasm");
      expect(err).toBeInstanceOf(HeapFileError);
      expect((err as HeapFileError).path).toBe(pathToFileURL(file).href);
      expect((err as Error).message).toMatch(/^Heap\.create: cannot read file:\/\/.*core\.debug\.wasm \(run `npm run build:wasm`, or setWasmBaseUrl\(\) to where the builds are\): ENOENT: no such file or directory/);
      expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe("ENOENT");
    } finally {
      setWasmBaseUrl(builds);
    }
    (await Heap.create({ debug: true })).destroy();
  });
});
