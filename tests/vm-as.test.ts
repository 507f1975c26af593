// The second way to embed refheap: a VM written in AssemblyScript, linked with the core as a
// library (examples/as-stack-vm). Built here from source, then run on each collector.
import { beforeAll, describe, expect, test } from "vitest";
import { COLLECTORS, COLLECTOR_INFO } from "../src/index.js";
import { build, cycleProgram, instantiate, liveObjects, load, sumProgram } from "../examples/as-stack-vm/run.js";

let bytes: Uint8Array;
beforeAll(async () => { bytes = await build(); });

describe.each(COLLECTORS.map((collector) => ({ collector, collects: COLLECTOR_INFO[collector].capabilities.collectsCycles })))("AssemblyScript stack machine [$collector]", ({ collector, collects }) => {
  test("builds 1..n as a list of pairs in the heap and sums it; teardown frees it", async () => {
    const x = await instantiate(bytes, collector);
    load(x, sumProgram(1000));
    expect(x.vmRun()).toBe(500500);
    expect(await liveObjects(x)).toBeGreaterThan(1000); // 1000 pairs and their ints, held by globals[1]
    x.vmTeardown();
    expect(await liveObjects(x)).toBe(0);
    expect(x.verify()).toBe(0);
  });

  test("a dropped cycle survives refcounting; the collector frees it", async () => {
    const x = await instantiate(bytes, collector);
    load(x, cycleProgram);
    expect(x.vmRun()).toBe(collects ? 2 : 0);
    x.vmTeardown();
    // without a cycle collector the two pairs and their ints stay
    expect(await liveObjects(x)).toBe(collects ? 0 : 4);
    expect(x.verify()).toBe(0);
  });
});
