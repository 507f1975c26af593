// The benchmark runner's choices and its output, without timing anything (performance goals live in
// bench/, not in tests): which rows the headline runs (from the registry, so a new strategy joins
// its axes), the pause percentiles kept instead of raw pauses, and a small real run's files: one
// directory per run, a `latest` link, a compact JSON, no issue numbers, titles with the run's sizes;
// and its HTML report, loaded in headless Chromium: no console errors, one colour per strategy.
import { describe, expect, it, beforeAll } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { launchChromium } from "./chromium.js";
import { ALLOCATORS, COLLECTORS } from "../src/index.js";
import { DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR } from "../src/heap.js";
import { COLLECTOR_INFO } from "../src/strategies.js";
import { pausePercentiles } from "../bench/common.js";
import { parseOptions, selectRows, WORKLOADS } from "../bench/run.js";
import { axes, headlineTable, readRun, type RunJson } from "../bench/present.js";
import { renderDoc } from "../bench/doc.js";
import { GOALS, goalsArgs, goalCollectors, goalsTable, judge, outOfReach, reach, renderGoals, winner } from "../bench/goals.js";
import { RECORDINGS } from "../bench/heaptrack.js";
import { medianInterval, ratioInterval } from "../bench/stats.js";
import { verdictOf } from "../bench/present.js";
import { parseCpuinfo, parseProcStat, parseSelected } from "../bench/machine.js";
import { warmThenRun, warmUpOptions } from "../bench/peers/v8/fresh.js";
import { summariseAnatomy, type PauseRecord } from "../bench/anatomy.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

describe("the headline's rows", () => {
  const rows = selectRows(parseOptions([]));
  const full = selectRows(parseOptions(["--full"]));

  it("runs every workload, with every allocator of the registry on the default collector and every collector on the default allocator", () => {
    expect(new Set(rows.map((r) => r.workload.id))).toEqual(new Set(WORKLOADS.map((w) => w.id)));
    for (const w of ["W1", "W2", "W3c", "W4", "W5"]) {
      const inWasm = rows.filter((r) => r.workload.id === w && r.row.driver === "in-wasm").map((r) => r.row);
      for (const variant of new Set(inWasm.map((r) => r.variant))) {
        const v = inWasm.filter((r) => r.variant === variant);
        expect(v.filter((r) => r.collector === DEFAULT_COLLECTOR && !r.setting).map((r) => r.allocator).sort(), `${w} ${variant}`).toEqual([...ALLOCATORS].sort());
        expect([...new Set(v.filter((r) => r.allocator === DEFAULT_ALLOCATOR).map((r) => r.collector))].sort(), `${w} ${variant}`).toEqual([...COLLECTORS].sort());
        // nothing off the two axes through the default configuration
        expect(v.filter((r) => !r.floor).every((r) => r.allocator === DEFAULT_ALLOCATOR || (r.collector === DEFAULT_COLLECTOR && !r.setting))).toBe(true);
      }
    }
    // W1 and W2 carry a floor (the pools allocator alone), on no axis
    for (const w of ["W1", "W2"]) {
      const floors = rows.filter((r) => r.workload.id === w && r.row.floor).map((r) => r.row);
      expect(floors.length, w).toBe(1);
      expect(floors[0]!.allocator ?? floors[0]!.collector ?? floors[0]!.peer, w).toBeUndefined();
    }
    const tr = rows.filter((r) => r.workload.id === "TR").map((r) => r.row.allocator);
    for (const a of ALLOCATORS) expect(tr).toContain(a);
  });

  it("drives the heap from the host in the default configuration only, and runs the default peers", () => {
    const host = rows.filter((r) => r.row.driver === "host").map((r) => r.row);
    expect(host.length).toBeGreaterThan(0);
    expect(host.every((r) => r.allocator === DEFAULT_ALLOCATOR && r.collector === DEFAULT_COLLECTOR && !r.setting && !r.alternative)).toBe(true);
    const peers = new Set(rows.map((r) => r.row.peer ?? r.row.baseline).filter(Boolean));
    expect(peers).toEqual(new Set(["v8", "as-rt"]));
  });

  it("is a fraction of the full matrix, which crosses every allocator with every collector", () => {
    expect(rows.length).toBeLessThan(full.length / 2);
    const w1 = full.filter((r) => r.workload.id === "W1" && r.row.driver === "in-wasm" && !r.row.floor).map((r) => `${r.row.allocator}/${r.row.collector}`);
    expect(new Set(w1).size).toBe(ALLOCATORS.length * COLLECTORS.length);
  });

  it("keeps the existing options: filters apply on top of the profile, and bad values are refused", () => {
    const chosen = ALLOCATORS[1]; // any one of the registry's
    const some = selectRows(parseOptions(["--workloads", "W2", "--allocators", chosen, "--peers", "none"]));
    expect(some.length).toBeGreaterThan(0);
    expect(new Set(some.map((r) => `${r.workload.id} ${r.row.allocator}`))).toEqual(new Set([`W2 ${chosen}`])); // no floor: it is the pools allocator
    // the goals' run (--collectors lists cycle collectors only) keeps W2's floor
    const goals = selectRows(parseOptions(goalsArgs("/tmp/x.json").filter((a, i, all) => a !== "--json" && all[i - 1] !== "--json")));
    expect(goals.filter((r) => r.row.floor).map((r) => r.workload.id).sort()).toEqual(["W1", "W2"]);
    expect(parseOptions(["--quick"]).reps).toBe(3);
    expect(parseOptions(["--full"]).bench.iterations).toBe(250);
    expect(parseOptions([]).bench.iterations).toBe(50);
    expect(() => parseOptions(["--allocators", "nosuch"])).toThrow(/unknown 'nosuch'/);
    expect(() => parseOptions(["--scale", "0"])).toThrow(/--scale/);
    // nothing silently dropped or defaulted (before: the last of two values won; "" read as 0, or as every allocator)
    const refused: [string[], RegExp][] = [
      [["--reps", "3", "--reps", "5"], /--reps given twice/],
      [["--allocators", ALLOCATORS[0], "--allocators", ALLOCATORS[1]], /--allocators given twice/],
      [["--depth", ""], /--depth must be an integer in \[0, 22\], got ''/],
      [["--iterations", "0x10"], /--iterations must be an integer/],
      [["--allocators", ""], /--allocators: an empty list/],
      [["--collectors", ","], /--collectors: an empty list/],
      [["--workloads", " "], /--workloads: an empty list/],
      [["--only", ""], /--only: an empty list/],
      [["--json", ""], /--json: an empty path/],
    ];
    for (const [args, message] of refused) expect(() => parseOptions(args), args.join(" ")).toThrow(message);
    expect(parseOptions(["--depth", "0", "--only", "w1, w2"])).toMatchObject({ bench: { depth: 0 }, only: ["w1", "w2"] });
  });
});

describe("pause percentiles", () => {
  it("keeps HdrHistogram's percentiles of the pauses, towards the tail up to what the count resolves, and the max", () => {
    const ms = Array.from({ length: 10_000 }, (_, i) => (i + 1) / 1000); // 0.001 .. 10 ms, uniform
    const p = pausePercentiles(ms)!;
    expect(p.count).toBe(10_000);
    expect(p.max).toBeCloseTo(10, 1);
    expect(p.p50).toBeCloseTo(5, 1);
    expect(p.p99).toBeCloseTo(9.9, 1);
    expect(p.p999).toBeCloseTo(9.99, 1);
    const ps = p.curve.map(([q]) => q), vs = p.curve.map(([, v]) => v);
    expect(ps[0]).toBe(0);
    expect(ps.at(-1)).toBeCloseTo(99.99, 6); // 1 - 10^-4: the last percentile 10,000 pauses resolve
    for (let i = 1; i < ps.length; i++) { expect(ps[i]).toBeGreaterThan(ps[i - 1]!); expect(vs[i]).toBeGreaterThanOrEqual(vs[i - 1]!); }
    expect(pausePercentiles([0.5])!.curve).toEqual([[0, 0.5]]);
    expect(pausePercentiles([])).toBeUndefined();
  });
});

describe("confidence intervals", () => {
  it("bootstraps the median and the ratio of medians over repetitions, the same every time (seeded), and says ahead/behind only when the interval excludes 1", () => {
    expect(medianInterval([5])).toBeNull();
    expect(ratioInterval([1, 2], [3])).toBeNull();
    expect(medianInterval([7, 7, 7])).toEqual([7, 7]);
    const a = [10, 11, 12, 10.5, 11.5], b = [20, 21, 19, 22, 20.5];
    const ci = ratioInterval(a, b)!;
    expect(ratioInterval(a, b)).toEqual(ci);
    expect(ci[0]).toBeLessThanOrEqual(11 / 20.5);
    expect(ci[1]).toBeGreaterThanOrEqual(11 / 20.5);
    expect(ci[1]).toBeLessThan(1);
    expect(verdictOf(ci)).toBe("ahead");
    expect(verdictOf(ratioInterval(b, a))).toBe("behind");
    expect(verdictOf(ratioInterval([9, 12, 10], [10, 11, 13]))).toBe("not told apart by this run");
    const m = medianInterval([3, 1, 2, 5, 4])!;
    expect(m[0]).toBeGreaterThanOrEqual(1);
    expect(m[1]).toBeLessThanOrEqual(5);
  });
});

describe("the machine a run describes (bench/machine.ts)", () => {
  it("reads the CPU's generation and the hypervisor flag from /proc/cpuinfo, on x86 and on arm", () => {
    const x86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC\nstepping\t: 1\nflags\t\t: fpu vme hypervisor lahf_lm\n\nprocessor\t: 1\ncpu family\t: 99\n";
    expect(parseCpuinfo(x86)).toEqual({ cpuId: "family 25, model 17, stepping 1", virtual: true });
    expect(parseCpuinfo(x86.replace(" hypervisor", ""))).toEqual({ cpuId: "family 25, model 17, stepping 1", virtual: false });
    const arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n";
    expect(parseCpuinfo(arm)).toEqual({ cpuId: "implementer 0x41, part 0xd0c, revision 1", virtual: null });
    expect(parseCpuinfo("")).toEqual({ cpuId: null, virtual: null });
    expect(parseSelected("always [madvise] never\n")).toBe("madvise");
    expect(parseSelected("garbage")).toBeNull();
  });

  it("counts busy, stolen and all clock ticks from /proc/stat's cpu line, and refuses what it cannot read", () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    expect(parseProcStat("cpu  100 5 20 800 10 1 2 30 0 0\ncpu0 50 2 10 400 5 0 1 15 0 0\n")).toEqual({ busy: 128, steal: 30, total: 968 });
    expect(parseProcStat("cpu  1 2 3 4\n")).toEqual({ busy: 6, steal: 0, total: 10 }); // old kernels: four fields
    expect(parseProcStat("intr 1 2 3\n")).toBeNull();
    expect(parseProcStat("cpu  a b c d\n")).toBeNull();
  });
});

describe("a small real run", () => {
  let out: string, result: RunJson, stdout: string;

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), "refheap-bench-"));
    // host-driven rows, V8 and the replays need only the release core, which the suite builds
    const r = await run(process.execPath, ["--import", "tsx", "bench/run.ts", "--workloads", "W2,W5,TR", "--only", "host raw,v8,replay",
      "--peers", "v8", "--scale", "0.01", "--reps", "1", "--out", out, "--json", path.join(out, "also.json")], { cwd: root, timeout: 240_000 });
    stdout = r.stdout;
    result = readRun(path.join(out, "latest", "results.json"));
  }, 300_000);

  it("keeps the run in its own directory, with `latest` pointing to it", () => {
    const runs = readdirSync(path.join(out, "runs"));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    const dir = path.join(out, "runs", runs[0]!);
    for (const f of ["results.json", "report.html", "table.txt"]) expect(existsSync(path.join(dir, f)), f).toBe(true);
    if (lstatSync(path.join(out, "latest")).isSymbolicLink()) expect(realpathSync(path.join(out, "latest"))).toBe(realpathSync(dir));
    expect(stdout).toContain(`saved ${dir}/`);
    expect(readFileSync(path.join(out, "also.json"), "utf8")).toBe(readFileSync(path.join(dir, "results.json"), "utf8")); // --json still works
    expect(readdirSync(path.join(out, "traces")).sort()).toEqual(["rings.rhtrace", "strings.rhtrace", "tasks.rhtrace", "trees.rhtrace"]);
  });

  it("writes a compact JSON: percentiles instead of raw pauses, the replay series once per row", () => {
    const text = readFileSync(path.join(out, "latest", "results.json"), "utf8");
    expect(text.length).toBeLessThan(200_000);
    expect(text).not.toContain("pausesMs");
    const w2 = result.rows.find((r) => r.workload === "W2" && r.driver === "host")!;
    expect(w2.pauses!.count).toBeGreaterThan(0);
    expect(w2.pauses!.curve.length).toBeGreaterThan(1);
    expect(w2.samples[0]!.pauseCount).toBe(w2.pauses!.count);
    // each pause's anatomy: the objects the core visited, and the anatomy repetition's findings
    expect(w2.pauseWork!.visitedP50).toBeGreaterThan(0);
    expect(w2.pauseWork!.maxPause.ms).toBe(Math.max(...w2.samples.map((s) => s.maxPauseMs!)));
    expect(w2.anatomy!.pauses).toBe(w2.pauses!.count); // the same program: as many collections
    expect(w2.anatomy!.nsPerVisited).toBeGreaterThan(0);
    expect(w2.vs!.v8!.ratio).toBe(w2.ratioV8);
    const replays = result.rows.filter((r) => r.driver === "replay");
    expect(replays.map((r) => r.allocator)).toEqual(expect.arrayContaining([...ALLOCATORS]));
    for (const r of replays) expect(r.samples[0]!.extra!.series).toBeDefined();
    expect(result.problems).toEqual([]);
  });

  it("runs every V8 row's repetition in an isolate of its own (bench/peers/v8/fresh.ts)", () => {
    const v8 = result.rows.filter((r) => r.row.startsWith("V8"));
    expect(v8.map((r) => r.row).sort()).toEqual(["V8 plain JS", "V8 strong", "V8 weak (WeakRef)"]);
    const isolates = v8.flatMap((r) => r.samples.map((s) => s.extra?.isolate));
    for (const id of isolates) expect(id).toBeGreaterThan(0); // a worker's threadId; the main thread's is 0
    expect(new Set(isolates).size).toBe(isolates.length);
    for (const r of v8) expect(r.error).toBeNull(); // the runner compared each checksum with the expected one
  });

  it("says which CPU exactly and how much of the machine the run did not have (Linux: /proc)", () => {
    const e = result.env;
    expect(e.machine).toBeDefined();
    if (process.platform === "linux") {
      expect(e.machine!.cpuId).toMatch(/^(family \d+, model \d+|implementer )/);
      expect(typeof e.machine!.virtual).toBe("boolean");
      // a contention figure needs a CPU-second of ticks; the run is longer than that on 2 cores
      if (e.contention) {
        expect(e.contention.otherProcessesPercent).toBeGreaterThanOrEqual(0);
        expect(e.contention.stealPercent).toBeGreaterThanOrEqual(0);
        expect(e.contention.otherProcessesPercent + e.contention.stealPercent).toBeLessThanOrEqual(100);
      }
      expect(stdout).toContain(e.machine!.cpuId!);
    }
  });

  it("says nothing of issues, and titles the workloads with this run's sizes", () => {
    for (const f of ["results.json", "report.html", "table.txt"]) expect(readFileSync(path.join(out, "latest", f), "utf8"), f).not.toMatch(/\bissues? \d/i);
    expect(stdout).not.toMatch(/\bissues? \d/i);
    const w2 = result.workloads.find((w) => w.id === "W2")!;
    expect(w2.title).toContain("6,000 rings"); // 500,000 × 3/250: the run's, not the design's
    expect(stdout).toContain(w2.title);
  });

  it("names the default and the best of each axis in the headline", () => {
    const a = axes(result, "TR", "strings");
    expect(a.allocators.map((r) => r.allocator)).toEqual([...ALLOCATORS]);
    expect(a.bestAllocator!.median).toBe(Math.min(...a.allocators.map((r) => r.median!)));
    const line = headlineTable(result).rows.find((r) => r[0] === "TR strings")!;
    expect(line[3]).toContain(`${a.bestAllocator!.allocator}: `);
  });

  it("renders its report in Chromium without errors: HTML tables, a fixed colour per strategy, percentile plots", async () => {
    const browser = await launchChromium(); // found as every browser test finds it (tests/chromium.ts)
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
      await page.goto(pathToFileURL(path.join(out, "latest", "report.html")).href);
      await page.waitForSelector("body[data-ready='1']", { timeout: 30_000 });
      expect(errors).toEqual([]);
      expect(await page.locator("pre").count()).toBe(0);
      expect(await page.locator("table.headline tbody tr").count()).toBeGreaterThan(0);
      expect(await page.locator("table.results tbody tr").count()).toBe(result.rows.length);
      expect(await page.locator("h3", { hasText: result.workloads.find((w) => w.id === "W2")!.title }).count()).toBe(1);
      // every chart's colour for a strategy is that strategy's, wherever it appears
      const charts = await page.evaluate(() => Object.values((globalThis as unknown as { Chart: { instances: Record<string, { config: { type: string }; data: { labels?: string[]; datasets: { label: string; backgroundColor: string | string[]; borderColor: string | string[] }[] }; options: { scales: { x: { type: string } } } }> } }).Chart.instances)
        .map((c) => ({ type: c.config.type, xType: c.options.scales.x.type, labels: c.data.labels ?? [], datasets: c.data.datasets.map((d) => ({ label: d.label, border: d.borderColor })) })));
      const seen = new Map<string, Set<string>>();
      const note = (name: string, colour: string) => seen.set(name, (seen.get(name) ?? new Set()).add(colour.slice(0, 7)));
      for (const c of charts) {
        if (c.type === "bar") c.labels.forEach((l, i) => { const b = c.datasets[0]!.border; note(l, Array.isArray(b) ? b[i]! : b); });
        else for (const d of c.datasets) note(d.label.split(" (")[0]!, d.border as string);
      }
      for (const a of ALLOCATORS) expect(seen.get(a)?.size, a).toBe(1); // the replays draw every allocator in bars and lines
      expect(new Set(ALLOCATORS.map((a) => [...seen.get(a)!][0])).size).toBe(ALLOCATORS.length);
      // W2's pauses as a latency-percentile plot: a log axis of percentiles
      const percentile = charts.filter((c) => c.type === "line" && c.xType === "logarithmic");
      expect(percentile.length).toBeGreaterThan(0);
      expect(percentile[0]!.datasets.map((d) => d.label).join()).toMatch(/generational.*max .* ms, \d+ pauses?/);
    } finally {
      await browser.close();
    }
  });
});

describe("docs/benchmarks.md", () => {
  it("is generated from the results it was made from (npm run bench:doc), not edited by hand, and the README links to it", () => {
    const run = readRun(path.join(root, "docs/benchmarks.json"));
    const page = readFileSync(path.join(root, "docs/benchmarks.md"), "utf8");
    expect(page).toBe(renderDoc(run));
    expect(page).not.toMatch(/\bissues? \d/i);
    for (const w of run.workloads) expect(page).toContain(w.title);
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toContain("(docs/benchmarks.md)");
  });

  it("keeps each replay's memory figures beside it: the replay tables and the real programs' section render", () => {
    // docRun used to drop every sample, the replays' figures with them: neither table ever rendered
    const page = readFileSync(path.join(root, "docs/benchmarks.md"), "utf8");
    expect(page).toContain("## Trace replays: memory and fragmentation");
    expect(page).toContain("## Real programs: heaptrack recordings");
    for (const rec of RECORDINGS) expect(page).toMatch(new RegExp(`- \\*\\*${rec.id}\\*\\*: fastest \\w+ \\([\\d.]+ ns/event\\); least memory`));
    const kept = readRun(path.join(root, "docs/benchmarks.json")).rows.filter((r) => r.driver === "replay");
    expect(kept.length).toBeGreaterThan(0);
    for (const r of kept) expect(r.samples[0]!.extra!.series).toBeUndefined();
  });
});

describe("docs/collector-goals.md (npm run bench:goals)", () => {
  it("is generated from the run it was made from, judges every cycle collector of it on every goal, and the README links it", () => {
    const run = readRun(path.join(root, "docs/collector-goals.json"));
    const page = readFileSync(path.join(root, "docs/collector-goals.md"), "utf8");
    expect(page).toBe(renderGoals(run));
    expect(page).not.toMatch(/\bissues? \d/i);
    const cs = goalCollectors(run);
    expect(cs).toContain(DEFAULT_COLLECTOR);
    expect(cs.length).toBeGreaterThan(1);
    for (const c of cs) for (const g of GOALS) expect(judge(run, c, g).verdict, `${c}: ${JSON.stringify(g)}`).not.toBe("no figure");
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toContain("(docs/collector-goals.md)");
  });

  it("says met only when the whole interval meets a goal, missed only when none of it does", () => {
    const row = (collector: string, over: Partial<RunJson["rows"][number]>) => ({
      workload: "W1", row: `refheap in-wasm (pools/${collector})`, driver: "in-wasm", allocator: "pools", collector, iterations: 1, unit: "ns/node",
      median: 10, min: 9, max: 11, bytesPerUnit: null, bytesKind: null, peakBytes: null, pauses: null, pausesByGeneration: null,
      ratioV8: null, ratioAsRuntime: null, error: null, warmup: null, samples: [], ...over,
    });
    const base = readRun(path.join(root, "docs/collector-goals.json"));
    const run: RunJson = {
      ...base, rows: [
        row("generational", { vs: { v8: { ratio: 0.9, ci: [0.8, 0.99] } } }),
        row("recycler", { vs: { v8: { ratio: 1.1, ci: [1.01, 1.2] } } }),
        row("hybrid", { vs: { v8: { ratio: 0.98, ci: [0.9, 1.05] } } }),
        row("generational", { workload: "W2", pauses: { count: 9, p50: 0.1, p90: 0.1, p99: 0.2, p999: 0.2, max: 3, curve: [] }, anatomy: { pauses: 9, maxMs: 3, maxOwnMs: 0.2, nsPerVisited: 10, outliers: {}, worst: [] } }),
        row("hybrid", { workload: "W2", pauses: { count: 9, p50: 0.1, p90: 0.1, p99: 0.2, p999: 0.2, max: 3, curve: [] }, anatomy: { pauses: 9, maxMs: 3, maxOwnMs: 2.5, nsPerVisited: 10, outliers: {}, worst: [] } }),
      ],
    };
    const w1 = GOALS.find((g) => g.kind === "ratio" && g.workload === "W1" && g.peer === "v8")!;
    expect(judge(run, "generational", w1).verdict).toBe("met");
    expect(judge(run, "recycler", w1).verdict).toBe("missed");
    expect(judge(run, "hybrid", w1).verdict).toBe("not told apart");
    expect(judge(run, "incremental", w1).verdict).toBe("no figure");
    const w2pause = GOALS.find((g) => g.kind === "pause" && g.workload === "W2")!;
    expect(judge(run, "generational", w2pause)).toEqual({ figure: "3.00 (own 0.20)", verdict: "not told apart" });
    expect(judge(run, "hybrid", w2pause).verdict).toBe("missed");
    expect(winner(run)).toBeUndefined(); // no collector has a figure for every goal
    // no floor row in this run: nothing said of reach
    expect(reach(run, w1)).toBeUndefined();
    expect(outOfReach(run)).toBeUndefined();
    expect(goalsTable(run).header.at(-1)).not.toMatch(/floor/);
  });

  it("calls a goal out of reach on the machine when even the floor (the pools allocator alone) misses it", () => {
    const base = readRun(path.join(root, "docs/collector-goals.json"));
    const floor = (workload: string, ratio: number, ci: [number, number]) => ({
      workload, row: "refheap floor: the pools allocator alone, no object protocol", driver: "in-wasm", floor: true, iterations: 1, unit: "ns/node",
      median: 10, min: 9, max: 11, bytesPerUnit: null, bytesKind: null, peakBytes: null, pauses: null, pausesByGeneration: null,
      ratioV8: null, ratioAsRuntime: null, error: null, warmup: null, samples: [], vs: { v8: { ratio, ci } },
    });
    const run: RunJson = { ...base, rows: [...base.rows.filter((r) => !r.floor), floor("W1", 0.8, [0.7, 0.9]), floor("W2", 1.6, [1.52, 2.4])] };
    const w1 = GOALS.find((g) => g.kind === "ratio" && g.workload === "W1" && g.peer === "v8")!;
    const w2 = GOALS.find((g) => g.kind === "ratio" && g.workload === "W2" && g.peer === "v8")!;
    expect(reach(run, w1)?.verdict).toBe("met");
    expect(reach(run, w2)).toEqual({ figure: "1.60× (1.52–2.40)", verdict: "missed" });
    expect(reach(run, GOALS.find((g) => g.kind === "pause")!)).toBeUndefined();
    expect(outOfReach(run)).toMatch(/^Out of reach on this machine: W2 ≤ 1\.5× V8 \(the floor is 1\.60× \(1\.52–2\.40\)\)\./);
    const table = goalsTable(run);
    expect(table.header.at(-1)).toBe("floor: pools allocator alone");
    expect(table.rows.find((r) => r[0] === "W2 ≤ 1.5× V8")!.at(-1)).toBe("1.60× (1.52–2.40): out of reach here");
    expect(table.rows.find((r) => r[0] === "W1 ≤ 1.0× V8")!.at(-1)).toBe("0.80× (0.70–0.90): within reach");
    expect(renderGoals(run)).toContain("Out of reach on this machine: W2");
    // the collectors' verdicts do not change: the floor only says why
    for (const c of goalCollectors(base)) for (const g of GOALS) expect(judge(run, c, g)).toEqual(judge(base, c, g));
  });

  it("runs the bench it needs: every cycle-collecting collector of the registry, the default allocator, full size, both peers", () => {
    const args = goalsArgs("/tmp/x.json");
    const at = (k: string) => args[args.indexOf(k) + 1];
    expect(at("--scale")).toBe("1");
    expect(at("--allocators")).toBe(DEFAULT_ALLOCATOR);
    const listed = at("--collectors")!.split(",");
    for (const c of COLLECTORS) expect(listed.includes(c), c).toBe(COLLECTOR_INFO[c].capabilities.collectsCycles);
    expect(at("--peers")).toBe("v8,as-rt");
    expect(parseOptions(args.filter((a, i) => a !== "--json" && args[i - 1] !== "--json")).reps).toBe(5);
  });
});

describe("npm run bench:ops", () => {
  it("times operations with benchmark.js and keeps its statistics: mean, relative margin of error, samples, per allocator", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "refheap-ops-"));
    const r = await run(process.execPath, ["--import", "tsx", "bench/ops.ts", "--max-time", "0.02", "--only", "bytes[8],bytes[4000],incref,getScalar", "--out", out], { cwd: root, timeout: 240_000 });
    const ops = JSON.parse(readFileSync(path.join(out, "latest", "ops.json"), "utf8")) as {
      allocators: string[]; skipped: Record<string, string>; results: { op: string; allocator: string; meanNs: number; rmePercent: number; samples: number; opsPerSecond: number }[];
    };
    expect(ops.allocators).toEqual([...ALLOCATORS]);
    for (const a of ALLOCATORS) {
      const mine = ops.results.filter((x) => x.allocator === a && x.op.startsWith("alloc+free"));
      if (ops.skipped[a]) expect(mine).toEqual([]);
      else expect(mine.map((x) => x.op.replace(/ \(.*\)$/, "")).sort(), a).toEqual(["alloc+free bytes[4000]", "alloc+free bytes[8]"]);
    }
    expect(Object.keys(ops.skipped).length).toBeLessThan(ALLOCATORS.length);
    expect(ops.results.map((x) => x.op)).toEqual(expect.arrayContaining(["incref+decref", "handle.getScalar(field)"]));
    for (const x of ops.results) {
      expect(x.meanNs).toBeGreaterThan(0);
      expect(Number.isFinite(x.rmePercent)).toBe(true);
      expect(x.samples).toBeGreaterThanOrEqual(10);
      expect(x.opsPerSecond).toBeCloseTo(1e9 / x.meanNs, -1);
    }
    expect(r.stdout).toMatch(/incref\+decref\s+[\d.]+ ns ±[\d.]+% \(\d+\)/);
  }, 300_000);
});

describe("long pauses explained (bench/anatomy.ts)", () => {
  const steps = (ms: number, copy = ms / 4) => ({ "copy refcounts": copy, "subtract internal references": (ms - copy) / 3, "move unreachable": (ms - copy) / 3, "clear garbage": (ms - copy) / 3 });
  const pause = (generation: number, ms: number, visited: number, more: Partial<PauseRecord> = {}): PauseRecord =>
    ({ generation, t0: 0, ms, visited, grownBytes: 0, runQueueWaitMs: 0, v8GcMs: 0, phases: steps(ms), ...more });
  // young pauses at 5 ns per object; full collections at 30 to 40 (the heap out of the caches)
  const young = Array.from({ length: 20 }, () => pause(0, 0.005, 1000));
  const full = [pause(2, 3, 100_000), pause(2, 3.5, 100_000), pause(2, 4, 100_000)];

  it("puts a full collection down to its work at the usual cost of full collections, not of young ones", () => {
    const a = summariseAnatomy([...young, ...full]);
    expect(a.outliers).toEqual({ "collector work": 3 });
    expect(a.worst.map((w) => w.generation)).toEqual([2, 2, 2]);
    expect(a.nsPerVisited).toBe(5); // every pause's median, as before
  });

  it("leaves unexplained a pause whose one step took far longer than it usually does, and names the step", () => {
    const odd = pause(2, 9.85, 118_489, { phases: { ...steps(2.45, 0.6), "copy refcounts": 7.4 } });
    const a = summariseAnatomy([...young, ...full, odd]);
    expect(a.outliers).toEqual({ "collector work": 3, unexplained: 1 });
    expect(a.worst[0]!.cause).toBe("unexplained");
    expect(a.worst[0]!.slowStep!.name).toBe("copy refcounts");
    expect(a.worst[0]!.slowStep!.times).toBeGreaterThan(5); // 62.5 ns per object against the full collections' median, 10
  });

  it("does not let a lone full collection be its own norm, and puts waits first", () => {
    expect(summariseAnatomy([...young, full[2]!]).outliers).toEqual({ unexplained: 1 });
    expect(summariseAnatomy([...young, ...full, pause(0, 2, 1000, { runQueueWaitMs: 1.5 })]).outliers).toEqual({ "collector work": 3, "run-queue wait": 1 });
    expect(summariseAnatomy([...young, pause(0, 2, 1000, { grownBytes: 65536 })]).outliers).toEqual({ "memory.grow": 1 });
  });
});

describe("rows run in a fresh isolate", () => {
  it("a V8 row warms up at a tenth of its size, then runs the timed size, in the same isolate", async () => {
    const mod = "data:text/javascript," + encodeURIComponent(
      "export const calls = []; export function f(o, tag) { calls.push([o.iterations, tag]); return { nsPerUnit: calls.length, extra: { mine: 1 } }; }");
    const s = await warmThenRun(mod, "f", { iterations: 250, depth: 14, longDepth: 16 }, ["x"]);
    expect((await import(mod)).calls).toEqual([[25, "x"], [250, "x"]]);
    expect(s.nsPerUnit).toBe(2); // the timed run's sample, not the warm-up's
    expect(s.extra).toEqual({ mine: 1, isolate: 0 }); // called here, on the main thread
    expect(warmUpOptions({ iterations: 3, depth: 1, longDepth: 2 }).iterations).toBe(1);
    await expect(warmThenRun(mod, "g", { iterations: 1, depth: 1, longDepth: 1 }, [])).rejects.toThrow(/exports no function g/);
  });

  it("the W1 Handles row runs each repetition in a worker (bench/isolated.ts) and checks out: checksum, no objects or handles left", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "refheap-isolated-"));
    await run(process.execPath, ["--import", "tsx", "bench/run.ts", "--workloads", "W1", "--full", "--only", "host Handles", "--peers", "none",
      "--iterations", "2", "--depth", "5", "--long-depth", "6", "--reps", "1", "--no-anatomy", "--out", out], { cwd: root, timeout: 240_000 });
    const result = readRun(path.join(out, "latest", "results.json"));
    const rows = result.rows.filter((r) => r.row.startsWith("refheap host Handles"));
    expect(rows.length).toBe(1);
    expect(rows[0].median).toBeGreaterThan(0);
    expect(result.problems).toEqual([]);
  }, 300_000);
});
