// The second way to embed refheap: a VM written in AssemblyScript, linked with the core as a
// library (examples/as-stack-vm). Built here from source, then run on each collector.
import { beforeAll, describe, expect, test } from "vitest";
import { COLLECTORS, COLLECTOR_INFO } from "../src/index.js";
import { OP, assemble, build, cycleProgram, cyclesProgram, instantiate, liveObjects, load, sumProgram } from "../examples/as-stack-vm/run.js";

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

  test("out of memory: its allocations get the core's policy (a full collection, then one more try)", async () => {
    // 40 pages (2.5 MiB) and no automatic collection: 100,000 dropped two-pair cycles (~8 MB)
    // fit only if the allocation that fails collects them (assembly/oom.ts)
    const x = await instantiate(bytes, collector, 40);
    x.gcSetEnabled(0);
    load(x, cyclesProgram(100_000));
    const result = x.vmRun();
    if (collects) {
      expect(result).toBe(7); // ran to its end
      expect(x.gcOomCollections()).toBeGreaterThanOrEqual(2);
    } else {
      expect(result).toBe(-2); // out of memory: refcounting alone frees no cycle
      expect(x.gcOomCollections()).toBe(0);
    }
    x.vmTeardown();
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

  test("bad bytecode stops the run with -4 before the instruction changes anything", async () => {
    // before: a missing operand or one of the wrong type was read as whatever was there: ADD of a
    // pair summed its header words, STORE past the globals wrote outside their list (an object
    // leaked, verify passing), LOAD -1 and SETCDR of an Int broke the heap, DROP on an empty stack trapped
    const bad: number[][][] = [
      [[OP.ADD]], [[OP.PUSH, 1], [OP.ADD]], [[OP.NIL], [OP.NIL], [OP.CONS], [OP.PUSH, 1], [OP.ADD]],
      [[OP.PUSH, 5], [OP.CAR]], [[OP.NIL], [OP.CDR]], [[OP.PUSH, 1], [OP.PUSH, 2], [OP.SETCDR]],
      [[OP.PUSH, 5], [OP.STORE, 100]], [[OP.LOAD, 8]], [[OP.LOAD, -1]], [[OP.LOOP, 0, 0]],
      [[OP.PUSH, 3], [OP.SUM]], [[OP.NIL], [OP.PUSH, 3], [OP.CONS], [OP.SUM]], [[OP.DUP]], [[OP.DROP]], [[OP.CONS]],
    ];
    for (const rows of bad) {
      const x = await instantiate(bytes, collector);
      load(x, assemble(rows));
      expect(x.vmRun(), JSON.stringify(rows)).toBe(-4);
      expect(x.verify()).toBe(0);
      x.vmTeardown();
      expect(await liveObjects(x), JSON.stringify(rows)).toBe(0);
      expect(x.verify()).toBe(0);
    }
    // the refused instruction popped nothing: SETCDR's two Ints are still there to add
    const y = await instantiate(bytes, collector);
    load(y, assemble([[OP.PUSH, 1], [OP.PUSH, 2], [OP.SETCDR]]));
    expect(y.vmRun()).toBe(-4);
    load(y, assemble([[OP.ADD], [OP.HALT]]));
    expect(y.vmRun()).toBe(3);
    y.vmTeardown();
    // an operand cut off at the end of the code
    const x = await instantiate(bytes, collector);
    for (const cut of [assemble([[OP.PUSH, 1]]).slice(0, 3), assemble([[OP.PUSH, 1], [OP.STORE, 0], [OP.LOOP, 0, 0]]).slice(0, 14)]) {
      load(x, cut);
      expect(x.vmRun()).toBe(-4);
    }
    x.vmTeardown();
    expect(await liveObjects(x)).toBe(0);
    expect(x.verify()).toBe(0);
  });
});
