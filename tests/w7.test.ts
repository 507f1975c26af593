// W7 (bench/w7.ts): rows per fixture and collector that collects, beside V8's stored gc(); one
// measurement on the tests' real snapshot frees everything it imported and churned.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ALTERNATIVE_ORDERS, fixtures, w7, w7FullRun, w7Run } from "../bench/w7.js";
import { runIsolated } from "../bench/isolated.js";
import type { Sample } from "../bench/common.js";
import { collectorsWith } from "../src/index.js";
import { DEFAULT_COLLECTOR } from "../src/heap.js";

const here = path.dirname(fileURLToPath(import.meta.url));

describe("W7 real graphs", () => {
  it("has a full, a young, a dominator and a snapshot-order full row per fixture and collecting collector (postorder for the default one), and V8's gc() of the same graph (the baseline) and of the stored process beside them", () => {
    const fx = fixtures();
    expect(fx.map((f) => f.program)).toContain("tsc-lib");
    for (const f of fx) expect(f.nodes).toBeGreaterThan(200_000);
    expect(Math.max(...fx.map((f) => f.nodes))).toBeGreaterThanOrEqual(350_000); // the goal's graph
    const rows = w7.rows({ iterations: 50, depth: 14, longDepth: 16 });
    const collecting = collectorsWith("collectsCycles");
    expect(collecting).toContain(DEFAULT_COLLECTOR);
    expect(rows.length).toBe(fx.length * (4 * collecting.length + 1 + 1 + 2));
    for (const f of fx) {
      for (const c of collecting) {
        const own = rows.filter((r) => r.collector === c && r.variant?.startsWith(`${f.program} `) || r.collector === c && r.variant === f.program);
        expect(own.length).toBe(c === DEFAULT_COLLECTOR ? 5 : 4);
        expect(rows.filter((r) => r.collector === c && r.variant === `${f.program} snapshot`).length).toBe(1);
        expect(rows.filter((r) => r.collector === c && r.variant === `${f.program} postorder`).length).toBe(c === DEFAULT_COLLECTOR ? 1 : 0);
      }
      // the floor: one read-only pass over the graph, on no strategy axis
      const floor = rows.filter((r) => r.floor && r.variant === f.program);
      expect(floor.map((r) => [r.name, r.allocator, r.collector, r.peer])).toEqual([[`refheap ${f.program} floor: one read-only pass over the graph`, undefined, undefined, undefined]]);
      const v8 = rows.filter((r) => (r.baseline === "v8" || r.peer === "v8") && r.variant === f.program);
      expect(v8.map((r) => r.name)).toEqual([`V8 gc() of the ${f.program} graph as JS objects`, `V8 gc() of the ${f.program} process (stored)`]);
      expect(v8[0]!.baseline).toBe("v8"); // the ratios divide by this run's measurement, not the stored one
      expect(v8[1]!.baseline).toBeUndefined();
    }
  });

  it("take.mjs --measure-only times V8's gc() again and replaces only the json's v8FullGcMs, writing no snapshot", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "refheap-take-"));
    try {
      copyFileSync(path.join(here, "fixtures/node-bare.json"), path.join(dir, "node.json"));
      const before = JSON.parse(readFileSync(path.join(dir, "node.json"), "utf8"));
      execFileSync(process.execPath, ["--expose-gc", path.join(here, "../bench/snapshots/take.mjs"), "node", dir, "--measure-only"], { cwd: path.join(here, ".."), stdio: "pipe" });
      expect(readdirSync(dir)).toEqual(["node.json"]);
      const after = JSON.parse(readFileSync(path.join(dir, "node.json"), "utf8"));
      const { v8FullGcMs, ...rest } = after;
      const { v8FullGcMs: old, ...restBefore } = before;
      expect(rest).toEqual(restBefore);
      expect(v8FullGcMs.samples).toHaveLength(9);
      expect(v8FullGcMs.median).toBe([...v8FullGcMs.samples].sort((a: number, b: number) => a - b)[4]);
      expect(v8FullGcMs.samples).not.toEqual(old.samples);
      expect(v8FullGcMs).toMatchObject({ snapshotUnchanged: true, measuredBy: `node --expose-gc bench/snapshots/take.mjs node ${dir} --measure-only` });
      expect(v8FullGcMs.loadAverage).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("times V8's full gc() over the same objects the import makes, rebuilt as JS objects, all of them reachable from the root, in an isolate of its own", async () => {
    const info = JSON.parse(readFileSync(path.join(here, "fixtures/node-bare.json"), "utf8"));
    // as the row runs it: in a worker, whose heap holds the graph and nothing of this process's
    const s = await runIsolated<Sample>(pathToFileURL(path.join(here, "../bench/w7.ts")).href, "w7V8Run", [{ ...info, file: path.join(here, "fixtures/node-bare.heapsnapshot.gz") }]);
    expect(s.extra!.isolate).toBeGreaterThan(0);
    expect(s.extra!.objects).toBe(info.nodes); // the import's count: every node reachable from the root
    expect(s.checksum).toBe(0); // the JS graph reaches every object from its root: none left over, as the refheap rows' checksum
    expect(s.extra!.references).toBeGreaterThan(info.nodes - 1);
    expect(s.extra!.gcWithGraphMs).toHaveLength(9);
    expect(s.extra!.gcWithoutMs).toHaveLength(9);
    expect(s.durationMs).toBeGreaterThanOrEqual(0);
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
    for (const { order } of ALTERNATIVE_ORDERS) {
      const d = await w7FullRun({ ...info, file: path.join(here, "fixtures/node-bare.heapsnapshot.gz") }, collector, order);
      expect(d.checksum).toBe(0);
      expect(d.extra!.objects).toBe(info.nodes);
      expect(d.extra!.order).toBe(order);
    }
  });
});
