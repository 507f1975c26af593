// W7 (bench/w7.ts): rows per fixture and collector that collects, beside V8's stored gc(); one
// measurement on the tests' real snapshot frees everything it imported and churned.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fixtures, w7, w7FullRun, w7Run } from "../bench/w7.js";
import { collectorsWith } from "../src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

describe("W7 real graphs", () => {
  it("has a full, a young, a dominator and a depth-first full row per fixture and collecting collector, and V8's stored gc() beside them", () => {
    const fx = fixtures();
    expect(fx.map((f) => f.program)).toContain("tsc");
    for (const f of fx) expect(f.nodes).toBeGreaterThan(200_000);
    const rows = w7.rows({ iterations: 50, depth: 14, longDepth: 16 });
    const collecting = collectorsWith("collectsCycles");
    expect(rows.length).toBe(fx.length * (4 * collecting.length + 1));
    for (const f of fx) {
      for (const c of collecting) {
        expect(rows.filter((r) => r.collector === c && r.variant?.startsWith(f.program)).length).toBe(4);
        expect(rows.filter((r) => r.collector === c && r.variant === `${f.program} depth-first`).length).toBe(1);
      }
      expect(rows.filter((r) => r.baseline === "v8" && r.variant === f.program).length).toBe(1);
    }
  });

  it.each(collectorsWith("collectsCycles"))("measures a real snapshot and frees it all (%s)", async (collector) => {
    const info = JSON.parse(readFileSync(path.join(here, "fixtures/node-bare.json"), "utf8"));
    const s = await w7Run({ ...info, file: path.join(here, "fixtures/node-bare.heapsnapshot.gz") }, collector);
    expect(s.checksum).toBe(0); // live objects left once the root and the churn are dropped
    expect(s.nsPerUnit).toBeGreaterThan(0);
    expect(s.extra!.objects).toBe(info.nodes);
    expect(s.extra!.youngAfterChurnMs).toBeGreaterThanOrEqual(0);
    expect(s.extra!.dominatorNodes).toBeGreaterThan(info.nodes);
    expect(s.pausesMs!.length).toBeGreaterThan(0);
    const d = await w7FullRun({ ...info, file: path.join(here, "fixtures/node-bare.heapsnapshot.gz") }, collector, "depth-first");
    expect(d.checksum).toBe(0);
    expect(d.extra!.objects).toBe(info.nodes);
    expect(d.extra!.order).toBe("depth-first");
  });
});
