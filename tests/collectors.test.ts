// The collector registry across the boundary (docs/collectors.md): each collector's capabilities,
// which the build reads from its own file, are the bits its module reports in the core (the
// header bits they drive are checked in tests/layout.test.ts).
import { expect, test } from "vitest";
import { CAPABILITY_DOCS, COLLECTORS, COLLECTOR_INFO, Heap } from "../src/index.js";

test("every collector's capabilities on the host are the GC_CAP_* bits its module declares", async () => {
  const names = Object.keys(CAPABILITY_DOCS.collectors); // the manifest's order: bit i is names[i]
  for (const collector of COLLECTORS) {
    const heap = await Heap.create({ collector, debug: true });
    const bits = (heap.core as unknown as { collectorCaps(): number }).collectorCaps();
    const fromHost = names.reduce((b, n, i) => b | (COLLECTOR_INFO[collector].capabilities[n as never] ? 1 << i : 0), 0);
    expect(bits, collector).toBe(fromHost);
    heap.destroy();
  }
});
