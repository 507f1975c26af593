// The collectors against the goals a default must meet, generated from one run: `npm run bench:goals`
// runs that run (every cycle-collecting collector with the default allocator, in wasm, full size,
// V8 and AssemblyScript's runtime beside it) and writes docs/collector-goals.md and its JSON;
// `npm run bench:goals -- --from results.json` renders a kept run instead.
// A collector replaces the default only when it meets every goal in the same run: the decision
// comes from this table, never from figures pasted into prose.

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_ALLOCATOR, collectorsWith } from "../src/strategies.js";
import { docJson, docRun } from "./doc.js";
import { conditionsLine, cpuLine, envTable, fmtMs, fmtRatioCI, markdownTable, readRun, textTable, type RowJson, type RunJson, type Table } from "./present.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What the run needs: these workloads at full size, five repetitions, both peers. */
export const GOALS_WORKLOADS = ["W1", "W2", "W3a", "W3c", "W5"];

/**
 * The goals, one source: a ratio to a peer's median, a time, or the longest pause. Every figure is
 * "lower is better"; `bound` is the largest value that meets the goal.
 */
export type Goal =
  | { kind: "ratio"; workload: string; variant?: string; peer: "v8" | "as-rt"; bound: number; strict?: boolean }
  | { kind: "time"; workload: string; boundMs: number }
  | { kind: "pause"; workload: string; variant?: string; boundMs: number };

export const GOALS: Goal[] = [
  { kind: "ratio", workload: "W1", peer: "v8", bound: 1.0 },
  { kind: "ratio", workload: "W2", peer: "v8", bound: 1.5 },
  { kind: "time", workload: "W3a", boundMs: 15 },
  // every throughput row ahead of AssemblyScript's runtime (the rows it has: W5 weak has none)
  ...["W1", "W2", "W3a", "W3c"].map((w): Goal => ({ kind: "ratio", workload: w, peer: "as-rt", bound: 1, strict: true })),
  { kind: "ratio", workload: "W5", variant: "strong", peer: "as-rt", bound: 1, strict: true },
  { kind: "pause", workload: "W2", boundMs: 1 },
  { kind: "pause", workload: "W3c", boundMs: 1 },
  { kind: "pause", workload: "W5", variant: "strong", boundMs: 1 },
  { kind: "pause", workload: "W5", variant: "weak", boundMs: 1 },
];

export const goalName = (g: Goal): string => {
  const w = `${g.workload}${"variant" in g && g.variant ? ` ${g.variant}` : ""}`;
  if (g.kind === "ratio") return g.strict ? `${w} ahead of ${g.peer === "as-rt" ? "AS runtime" : "V8"}` : `${w} ≤ ${g.bound.toFixed(1)}× ${g.peer === "v8" ? "V8" : "AS runtime"}`;
  if (g.kind === "time") return `${w} ≤ ${g.boundMs} ms`;
  return `${w} max pause ≤ ${g.boundMs} ms`;
};

export type Verdict = "met" | "missed" | "not told apart" | "no figure";
export interface Judged { figure: string; verdict: Verdict }

/** An interval against a bound: met when all of it is within, missed when none of it is. */
function judgeInterval(lo: number, hi: number, bound: number, strict: boolean): Verdict {
  const within = (x: number) => (strict ? x < bound : x <= bound);
  return within(hi) ? "met" : !within(lo) ? "missed" : "not told apart";
}

/** The in-wasm row of `collector` with the default allocator for a goal's workload (and variant). */
function rowFor(run: RunJson, collector: string, g: Goal): RowJson | undefined {
  const variant = "variant" in g ? g.variant : undefined;
  return run.rows.find((r) => r.workload === g.workload && r.driver === "in-wasm" && r.allocator === run.strategies.defaultAllocator &&
    r.collector === collector && !r.setting && !r.alternative && (variant === undefined || r.variant === variant) && r.median !== null);
}

export function judge(run: RunJson, collector: string, g: Goal): Judged {
  const r = rowFor(run, collector, g);
  if (!r) return { figure: "—", verdict: "no figure" };
  if (g.kind === "ratio") {
    const vs = r.vs?.[g.peer];
    if (!vs?.ci) return { figure: "—", verdict: "no figure" };
    return { figure: fmtRatioCI(vs.ratio, vs.ci), verdict: judgeInterval(vs.ci[0], vs.ci[1], g.bound, !!g.strict) };
  }
  if (g.kind === "time") {
    const ms = r.median! / 1e6;
    const [lo, hi] = (r.ci ?? [r.median!, r.median!]).map((x) => x / 1e6) as [number, number];
    return { figure: `${ms.toFixed(2)} ms (${lo.toFixed(2)}–${hi.toFixed(2)})`, verdict: judgeInterval(lo, hi, g.boundMs, false) };
  }
  // The longest pause of the timed repetitions, and the anatomy repetition's longest once the
  // run-queue wait and V8's collections inside it are taken out (bench/anatomy.ts): a pause the
  // machine stretched is not the collector's, one the anatomy cannot explain is.
  if (!r.pauses?.count) return { figure: "—", verdict: "no figure" };
  const own = r.anatomy?.maxOwnMs;
  const figure = `${fmtMs(r.pauses.max)}${own !== undefined ? ` (own ${fmtMs(own)})` : ""}`;
  if (r.pauses.max <= g.boundMs) return { figure, verdict: "met" };
  return { figure, verdict: own !== undefined && own <= g.boundMs ? "not told apart" : "missed" };
}

/** The run's floor row for a goal's workload (bench/common.ts Row.floor: the pools allocator alone). */
function floorFor(run: RunJson, g: Goal): RowJson | undefined {
  return run.rows.find((r) => r.floor && r.workload === g.workload && r.median !== null);
}

/**
 * What the pools allocator alone, with no object protocol, does against a ratio goal: when even it
 * misses the goal, no collector over it can meet it on this machine. Undefined for the goals it says
 * nothing of (times, pauses, workloads without a floor row).
 */
export function reach(run: RunJson, g: Goal): Judged | undefined {
  if (g.kind !== "ratio") return undefined;
  const vs = floorFor(run, g)?.vs?.[g.peer];
  if (!vs?.ci) return undefined;
  return { figure: fmtRatioCI(vs.ratio, vs.ci), verdict: judgeInterval(vs.ci[0], vs.ci[1], g.bound, !!g.strict) };
}

const REACH: Record<Verdict, string> = { met: "within reach", missed: "out of reach here", "not told apart": "not told apart", "no figure": "—" };

/** Every collector of the run that finds cycles, in registry order. */
export function goalCollectors(run: RunJson): string[] {
  const cycles: string[] = collectorsWith("collectsCycles");
  return run.strategies.collectors.filter((c) => cycles.includes(c) && run.rows.some((r) => r.collector === c && r.driver === "in-wasm"));
}

export function goalsTable(run: RunJson): Table {
  const cs = goalCollectors(run);
  const floor = run.rows.some((r) => r.floor);
  return {
    header: ["goal", ...cs.map((c) => `${run.strategies.defaultAllocator}/${c}${c === run.strategies.defaultCollector ? " (default)" : ""}`),
      ...(floor ? ["floor: pools allocator alone"] : [])],
    right: [false, ...cs.map(() => false), ...(floor ? [false] : [])],
    rows: GOALS.map((g) => [goalName(g), ...cs.map((c) => { const j = judge(run, c, g); return `${j.figure}: ${j.verdict}`; }),
      ...(floor ? [((j) => (j ? `${j.figure}: ${REACH[j.verdict]}` : "—"))(reach(run, g))] : [])]),
  };
}

/** The goals even the floor misses in this run, as a sentence (none: undefined). */
export function outOfReach(run: RunJson): string | undefined {
  const out = GOALS.flatMap((g) => { const j = reach(run, g); return j?.verdict === "missed" ? [`${goalName(g)} (the floor is ${j.figure})`] : []; });
  if (!out.length) return undefined;
  const one = out.length === 1;
  return `Out of reach on this machine: ${out.join("; ")}. The pools allocator alone misses ${one ? "this goal" : "these goals"} in the same run, so no collector over it can meet ${one ? "it" : "them"} here.`;
}

/** Per collector: how many goals it met, and which it missed or left open. */
export function goalsSummary(run: RunJson): string[] {
  return goalCollectors(run).map((c) => {
    const js = GOALS.map((g) => [goalName(g), judge(run, c, g).verdict] as const);
    const of = (v: Verdict) => js.filter(([, x]) => x === v).map(([n]) => n);
    const parts = [`meets ${of("met").length} of ${GOALS.length}`];
    if (of("missed").length) parts.push(`missed: ${of("missed").join(", ")}`);
    if (of("not told apart").length) parts.push(`not told apart by this run: ${of("not told apart").join(", ")}`);
    if (of("no figure").length) parts.push(`no figure: ${of("no figure").join(", ")}`);
    return `**${c}**${c === run.strategies.defaultCollector ? " (the default)" : ""} ${parts.join("; ")}.`;
  });
}

/** The collector that meets every goal, if one does (the default first). */
export function winner(run: RunJson): string | undefined {
  const cs = goalCollectors(run).sort((a, b) => Number(b === run.strategies.defaultCollector) - Number(a === run.strategies.defaultCollector));
  return cs.find((c) => GOALS.every((g) => judge(run, c, g).verdict === "met"));
}

export function renderGoals(run: RunJson): string {
  const e = run.env;
  const w = winner(run);
  const md = [
    "# Collectors against the default's goals",
    "",
    `<!-- GENERATED by \`npm run bench:goals\` from docs/collector-goals.json (a run of \`${e.command}\`). Do not edit. -->`,
    "",
    `One run: \`${e.command}\` on ${e.date.slice(0, 10)}, node ${e.node}, ${cpuLine(e)}; ${conditionsLine(e)}.`,
    `Every collector that finds cycles, with the ${run.strategies.defaultAllocator} allocator, in wasm, against V8 and AssemblyScript's runtime in the same run.`,
    "",
    "Each cell: the figure with its 95 % bootstrap interval over the repetitions (`bench/stats.ts`), and the verdict: **met** when the whole interval meets the goal, **missed** when none of it does, **not told apart** otherwise. A pause goal is met when the longest pause of the timed repetitions is within it; when only the anatomy repetition's longest pause without run-queue wait and V8's collections inside it (\"own\", `bench/anatomy.ts`) is, the verdict is *not told apart*: the machine, not the collector, made the difference." + (run.rows.some((r) => r.floor) ? " The last column is the same judgement of a floor, the pools allocator alone with no object protocol (`bench/wasm/w1floor.ts`, `w2floor.ts`, step 0): a goal it misses is out of reach of every collector on this machine." : ""),
    "",
    markdownTable(goalsTable(run)),
    "",
    ...goalsSummary(run).map((l) => `- ${l}`),
    "",
    ...((o) => (o ? [o, ""] : []))(outOfReach(run)),
    w === undefined
      ? `No collector meets every goal in this run, so the default stays \`${run.strategies.defaultCollector}\` (exactly CPython 3.12's collector). A collector becomes the default only when it meets them all.`
      : w === run.strategies.defaultCollector
        ? `The default, \`${w}\`, meets every goal in this run.`
        : `\`${w}\` meets every goal in this run; the default is \`${run.strategies.defaultCollector}\`.`,
    "",
    "See [collectors.md](collectors.md) for what each collector does and why the figures fall where they do, and [benchmarks.md](benchmarks.md) for every workload.",
    "",
    "## The run",
    "",
    markdownTable(envTable(run)),
    "",
  ];
  return md.join("\n");
}

/** The bench command the goals need: full size, five repetitions, every cycle-collecting collector. */
export function goalsArgs(json: string): string[] {
  return ["--workloads", GOALS_WORKLOADS.join(","), "--allocators", DEFAULT_ALLOCATOR, "--collectors", collectorsWith("collectsCycles").join(","),
    "--reps", "5", "--scale", "1", "--peers", "v8,as-rt", "--json", json];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { from: { type: "string" }, help: { type: "boolean" } }, strict: true });
  if (values.help) {
    process.stdout.write("usage: npm run bench:goals [-- --from results.json]\n  runs the goals' bench (or reads a kept run) and writes docs/collector-goals.md and .json\n");
    process.exit(0);
  }
  const input = values.from ? path.resolve(values.from) : path.join(root, "bench/results/goals.json");
  if (!values.from) {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "bench/run.ts"), ...goalsArgs(input)], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) { process.stderr.write(`bench:goals: the bench run failed (exit ${r.status})\n`); process.exit(1); }
  }
  const run = docRun(readRun(input));
  mkdirSync(path.join(root, "docs"), { recursive: true });
  writeFileSync(path.join(root, "docs/collector-goals.json"), docJson(run));
  writeFileSync(path.join(root, "docs/collector-goals.md"), renderGoals(run));
  process.stdout.write(`${textTable(goalsTable(run))}\n\nwrote docs/collector-goals.md and docs/collector-goals.json from ${path.relative(process.cwd(), input) || input}\n`);
}
