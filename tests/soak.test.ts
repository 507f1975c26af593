// The soak workload (soak/workload.ts) in its short CI form: a fixed number of operations (not a
// time) on every strategy, verify() every 500, and memory back to its baseline at the end.
import { expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import { runSoak } from "../soak/workload.js";

heapSuite("soak (short)", ({ make, strategy }) => {
  test("a mixed workload keeps every invariant and memory returns to its baseline when it drops everything", async () => {
    const heap = await make();
    const r = runSoak(heap, { operations: 6000, verifyEvery: 500, seed: 7, target: 1500 });
    expect(r.operations).toBe(6000);
    expect(r.verifies).toBeGreaterThanOrEqual(12);
    expect(r.finalizers).toBeGreaterThan(0);
    expect(r.callbacks).toBeGreaterThan(0);
    expect(r.unraisable).toBeGreaterThan(0); // its throwing finalizers were reported
    if (collectorCaps(strategy.collector).collectsCycles) expect(r.collections).toBeGreaterThan(0);
    expect(r.final).toMatchObject({ liveObjects: 0, objectBytes: 0, liveHandles: 0 });
    expect(r.returnedToBaseline).toBe(true);
    // and the heap is still usable: a second run from there ends at the same baseline
    expect(runSoak(heap, { operations: 2000, verifyEvery: 1000, seed: 8 }).returnedToBaseline).toBe(true);
  });
});
