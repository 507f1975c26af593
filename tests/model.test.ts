// Model-based tests: random programs of alloc, set, drop, dup, get, weakref, proxy, deref,
// finalize, resurrect, throwing finalizers and callbacks, failing allocations, collect(g),
// freeze and unfreeze, played against the heap and the reference model (tests/model/) on every
// allocator x collector. After each step the events, reported exceptions, live set, refcounts,
// fields, weakrefs and generation lists agree, and heap.verify() passes.
import { afterAll, test } from "vitest";
import fc from "fast-check";
import { heapSuite } from "./helpers.js";
import { figures, programArb, runProgram } from "./model/program.js";

const RUNS = Number(process.env.MODEL_RUNS ?? 60);

heapSuite("the heap agrees with the model", ({ strategy }) => {
  test("random programs", async () => {
    await fc.assert(fc.asyncProperty(programArb(60), (prog) => runProgram(strategy, prog)), { numRuns: RUNS });
  });
});

afterAll(() => {
  console.log(`model: ${figures.programs} programs, ${figures.operations} operations, ${figures.collections} collections, ${figures.finalizers} finalizers, ${figures.callbacks} callbacks, ${figures.unraisable} exceptions reported, ${figures.faults} injected allocation failures`);
});
