// Model-based tests: random programs of alloc, set, drop, dup, get, weakref, proxy, deref,
// finalize, resurrect, throwing finalizers and callbacks, failing allocations, collect(g),
// freeze and unfreeze, played against the heap and the reference model (tests/model/) on every
// allocator x collector. After each step the events, reported exceptions, live set, refcounts,
// fields, weakrefs and generation lists agree, and heap.verify() passes.
import { afterAll, test } from "vitest";
import fc from "fast-check";
import { STRATEGIES, heapSuite } from "./helpers.js";
import { figures, programArb, runProgram } from "./model/program.js";

// A fixed seed by default, so that a run is reproducible (and its figures too); MODEL_SEED=<n> explores others.
const RUNS = Number(process.env.MODEL_RUNS ?? 60);
const SEED = Number(process.env.MODEL_SEED ?? 20261122);

const RELEASE_RUNS = Number(process.env.MODEL_RELEASE_RUNS ?? 20);

heapSuite("the heap agrees with the model", ({ strategy }) => {
  const seed = SEED + STRATEGIES.findIndex((s) => s.allocator === strategy.allocator && s.collector === strategy.collector);
  test("random programs (debug build)", async () => {
    await fc.assert(fc.asyncProperty(programArb(60), (prog) => runProgram(strategy, prog)), { numRuns: RUNS, seed });
  });
  // the optimized build runs the same programs (without fault injection, which it compiles out)
  test("random programs (release build)", async () => {
    await fc.assert(fc.asyncProperty(programArb(60), (prog) => runProgram(strategy, prog, false)), { numRuns: RELEASE_RUNS, seed });
  });
});

afterAll(() => {
  console.log(`model: ${figures.programs} programs, ${figures.operations} operations, ${figures.collections} collections, ${figures.finalizers} finalizers, ${figures.callbacks} callbacks, ${figures.unraisable} exceptions reported, ${figures.faults} steps refused for lack of memory (injected: ${figures.faults - figures.failedSteps} allocations, ${figures.failedSteps} other steps failing at their k-th allocation), ${figures.garbage} objects handed to gc.garbage (legacy mode, DEBUG_SAVEALL)`);
});
