// Builds examples/as-stack-vm/stackvm.ts (the core linked in as a library) and runs bytecode on it.
//   npx tsx examples/as-stack-vm/run.ts
import asc from "assemblyscript/asc";
import { readFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSources } from "../../scripts/build-wasm.mjs";
import { instantiateLinked } from "../../src/wasm.js";
import { ALLOCATOR_CODES, COLLECTOR_CODES, DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR, type CollectorName } from "../../src/strategies.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface StackVM {
  vmSetup(globals: number): number;
  vmCode(n: number): number;
  vmRun(): number;
  vmTeardown(): void;
  init(allocator: number, maxPages: number, collector: number, legacy: number): number;
  verify(): number;
  gcSetEnabled(on: number): void;
  gcOomCollections(): number;
  stats(): number;
  memory: WebAssembly.Memory;
  _start(): void;
}

/** Compiles the example (release flags, the core's trap runtime) and returns the wasm bytes. */
export async function build(): Promise<Uint8Array> {
  await generateSources(); // the core compiles against the generated registry and constants
  const out = join(await mkdtemp(join(tmpdir(), "stackvm-")), "stackvm.wasm");
  const { error, stderr } = await asc.main([
    "examples/as-stack-vm/stackvm.ts", "--outFile", out, "--runtime", "./assembly/rt/trap", "--exportStart", "_start",
    "-O3", "--converge", "--noAssert", "--baseDir", root,
  ]);
  if (error) throw new Error(`asc failed:\n${stderr.toString()}`);
  return new Uint8Array(await readFile(out));
}

/** A fresh machine: the default allocator, the given collector (a name from the registry). */
export async function instantiate(bytes: Uint8Array, collector: CollectorName = DEFAULT_COLLECTOR, maxPages = 65536): Promise<StackVM> {
  // the core's host imports (hooks doing nothing: this machine has no finalizers or callbacks)
  const x = await instantiateLinked<StackVM>(bytes);
  if (x.init(ALLOCATOR_CODES[DEFAULT_ALLOCATOR], maxPages, COLLECTOR_CODES[collector], 0) !== 0 || x.vmSetup(8) !== 0) throw new Error("stackvm: setup failed");
  return x;
}

/** Assembles [op, ...operands] rows into bytecode (operands are i32). */
export function assemble(rows: (number[])[]): Uint8Array {
  const bytes: number[] = [];
  for (const [op, ...args] of rows) {
    bytes.push(op);
    for (const a of args) bytes.push(a & 255, (a >>> 8) & 255, (a >>> 16) & 255, (a >>> 24) & 255);
  }
  return new Uint8Array(bytes);
}

export function load(x: StackVM, code: Uint8Array): void {
  const at = x.vmCode(code.length);
  new Uint8Array(x.memory.buffer).set(code, at);
}

/** liveObjects from the core's statistics (src/stats-table.json names the slot). */
export async function liveObjects(x: StackVM): Promise<number> {
  const table = JSON.parse(await readFile(join(root, "src/stats-table.json"), "utf8")) as { fields: { name: string }[] };
  const i = table.fields.findIndex((f) => f.name === "liveObjects");
  return new Float64Array(x.memory.buffer)[(x.stats() >>> 3) + i];
}

export const OP = { HALT: 0, PUSH: 1, NIL: 2, ADD: 3, CONS: 4, CAR: 5, CDR: 6, SETCDR: 7, DUP: 8, DROP: 9, STORE: 10, LOAD: 11, LOOP: 12, SUM: 13, GC: 14 };

/** The list 1..n built by a loop, then summed. */
export function sumProgram(n: number): Uint8Array {
  // bytes: PUSH(5) STORE(5) NIL(1) STORE(5) = 16, so the loop starts at 16
  return assemble([
    [OP.PUSH, n], [OP.STORE, 0], [OP.NIL], [OP.STORE, 1],
    [OP.LOAD, 0], [OP.LOAD, 1], [OP.CONS], [OP.STORE, 1], [OP.LOOP, 0, 16],
    [OP.LOAD, 1], [OP.SUM], [OP.HALT],
  ]);
}

/** Two pairs pointing at each other, dropped, then collected: pushes the collector's count. */
export const cycleProgram = assemble([
  [OP.PUSH, 1], [OP.NIL], [OP.CONS], [OP.STORE, 2],                // a = (1 . nil)
  [OP.PUSH, 2], [OP.LOAD, 2], [OP.CONS], [OP.STORE, 3],            // b = (2 . a)
  [OP.LOAD, 2], [OP.LOAD, 3], [OP.SETCDR],                         // a.cdr = b: a cycle
  [OP.LOAD, 3], [OP.SUM], [OP.DROP],                               // sum stops at the cycle
  [OP.NIL], [OP.STORE, 2], [OP.NIL], [OP.STORE, 3],                // drop both
  [OP.GC], [OP.HALT],
]);

/** n two-pair cycles, each made and dropped at once (the loop counter is globals[0]). */
export function cyclesProgram(n: number): Uint8Array {
  // PUSH(5) STORE(5) = 10, so the loop starts at 10
  return assemble([
    [OP.PUSH, n], [OP.STORE, 0],
    [OP.PUSH, 1], [OP.NIL], [OP.CONS], [OP.STORE, 2],
    [OP.PUSH, 2], [OP.LOAD, 2], [OP.CONS], [OP.STORE, 3],
    [OP.LOAD, 2], [OP.LOAD, 3], [OP.SETCDR],
    [OP.NIL], [OP.STORE, 2], [OP.NIL], [OP.STORE, 3],
    [OP.LOOP, 0, 10], [OP.PUSH, 7], [OP.HALT],
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const x = await instantiate(await build());
  load(x, sumProgram(1000));
  console.log("sum of 1..1000 built as a list on the heap:", x.vmRun());
  load(x, cycleProgram);
  console.log("cycle dropped; gc.collect() ->", x.vmRun());
  x.vmTeardown();
  console.log("after teardown, live objects:", await liveObjects(x), "verify:", x.verify() === 0 ? "ok" : "FAILED");
}
