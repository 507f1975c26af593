#!/usr/bin/env node
// refheap-inspect: runs a workload module on a fresh heap, or loads a saved .heapsnapshot, and
// prints the census, growth, dominators and allocation sites, or writes .heapsnapshot, DOT, SVG.
//
//   refheap-inspect run <workload.js> [options]    the module's default export is called as
//                                                 workload(heap, { tick }) (tick = a step done)
//   refheap-inspect snapshot <file.heapsnapshot> [options]

import { parseArgs } from "node:util";
import { stat, writeFile } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { optionGivenTwice } from "../args.js";
import { HeapFileError, fileError } from "../errors.js";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Heap, ALLOCATORS, COLLECTORS, type AllocatorName, type CollectorName } from "../heap.js";
import { DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR } from "../strategies.js";
import { DominatorTree } from "./dominators.js";
import { formatPartition, formatTypeCounts, mostCommonTypes, partition, type GroupBy } from "./census.js";
import { loadHeapSnapshot, saveHeapSnapshot } from "./heapsnapshot.js";
import { formatChain, findChain } from "./chains.js";
import { renderSvg, toDot } from "./dot.js";
import { formatTimeline, type MemoryTimeline } from "./timeline.js";
import { formatStatistics } from "./tracemalloc.js";
import type { ObjectGraph } from "./graph.js";

const USAGE = `usage: refheap-inspect run <workload module> [options]
       refheap-inspect snapshot <file.heapsnapshot> [options]

  --allocator NAME       ${ALLOCATORS.join(" | ")} (run; default ${DEFAULT_ALLOCATOR})
  --collector NAME       ${COLLECTORS.join(" | ")} (run; default ${DEFAULT_COLLECTOR})
  --top N                rows per table (default 10)
  --partition BY         type | generation | size | referrers (default type)
  --dominators           the objects retaining the most bytes, and why each is alive
  --growth               (run) objgraph's show_growth after every tick of the workload
  --timeline             (run) committed bytes, live bytes and objects per type at every tick
  --tracemalloc          (run) trace allocation sites while the workload runs; print the top sites
  --heapsnapshot FILE    (run) write the heap as a V8 .heapsnapshot (DevTools, memlab)
  --dot FILE             DOT of the referrers of the largest retainer (or of --type's first object)
  --svg FILE             the same drawing rendered to SVG
  --type NAME            the object to draw: the first of this type
  --verify               (run) check every heap invariant at the end (heap.verify())
  -h, --help`;

export class UsageError extends Error {}

/** What to print for anything a workload throws: an Error's message, or the value itself (a workload may throw a string). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  try { return `${typeof err === "object" && err !== null ? "thrown object" : "thrown value"} ${typeof err === "symbol" ? err.toString() : JSON.stringify(err) ?? String(err)}`; } catch { return `thrown ${typeof err}`; }
}

function report(g: ObjectGraph, top: number, by: GroupBy, dominators: boolean): string {
  const out = [`${g.count} objects, ${[...g.size].reduce((a, b) => a + b, 0)} bytes`, "", "Most common types:", formatTypeCounts(mostCommonTypes(g, top)), "", formatPartition(partition(g, by), top)];
  if (dominators) {
    const d = new DominatorTree(g);
    out.push("", "Largest retainers:", "  retained      self  object                      alive because");
    for (const i of d.top(top)) {
      const chain = d.reachable[i] ? formatChain(g, findChain(g, i, (x) => g.external[x] > 0, g.count, true)) : "(unreachable: awaiting the collector)";
      out.push(`${String(d.retained[i]).padStart(10)}  ${String(g.size[i]).padStart(8)}  ${g.label(i).padEnd(26)}  ${chain}`);
    }
  }
  return out.join("\n");
}

async function drawings(g: ObjectGraph, o: { dot?: string; svg?: string; type?: string }): Promise<void> {
  if (!o.dot && !o.svg) return;
  let start = -1;
  if (o.type) {
    for (let i = 0; i < g.count && start < 0; i++) if (g.typeOf(i) === o.type) start = i;
    if (start < 0) throw new UsageError(`--type ${o.type}: no live object of that type`);
  } else {
    start = new DominatorTree(g).top(1)[0] ?? -1;
    if (start < 0) throw new UsageError("the heap is empty: nothing to draw");
  }
  const dot = toDot(g, [start], true);
  const write = async (flag: string, file: string, text: string) => {
    try { await writeFile(file, text); } catch (err) { throw fileError(flag, file, err, "write"); }
  };
  if (o.dot) await write("--dot", o.dot, dot);
  if (o.svg) await write("--svg", o.svg, await renderSvg(dot));
}

export async function main(argv: string[]): Promise<number> {
  const { values: v, positionals, tokens } = parseArgs({
    args: argv, allowPositionals: true, strict: true, tokens: true,
    options: {
      allocator: { type: "string" }, collector: { type: "string" }, top: { type: "string" }, partition: { type: "string" },
      dominators: { type: "boolean" }, growth: { type: "boolean" }, timeline: { type: "boolean" }, tracemalloc: { type: "boolean" },
      verify: { type: "boolean" }, heapsnapshot: { type: "string" }, dot: { type: "string" }, svg: { type: "string" }, type: { type: "string" }, help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) { console.log(USAGE); return 0; }
  // nothing silently dropped: an option given twice kept its last value, and an empty --heapsnapshot,
  // --dot or --svg path wrote nothing without a word
  const twice = optionGivenTwice(tokens);
  if (twice !== undefined) throw new UsageError(`--${twice} given twice`);
  for (const flag of ["heapsnapshot", "dot", "svg", "type"] as const) if (v[flag] === "") throw new UsageError(`--${flag}: an empty ${flag === "type" ? "name" : "path"}`);
  const [command, target] = positionals;
  if (!command || !target || positionals.length > 2 || !["run", "snapshot"].includes(command)) throw new UsageError("expected `run <workload>` or `snapshot <file>`");
  const top = v.top === undefined ? 10 : Number(v.top);
  if ((v.top !== undefined && !/^\d+$/.test(v.top)) || !Number.isSafeInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got ${v.top}`);
  const by = (v.partition ?? "type") as GroupBy;
  if (!["type", "generation", "size", "referrers"].includes(by)) throw new UsageError(`--partition must be type, generation, size or referrers, got ${by}`);

  if (command === "snapshot") {
    for (const flag of ["allocator", "collector", "growth", "timeline", "tracemalloc", "heapsnapshot", "verify"] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} applies to run, not snapshot`);
    }
    const g = await loadHeapSnapshot(target);
    console.log(report(g, top, by, v.dominators ?? false));
    await drawings(g, v);
    return 0;
  }

  const allocator = (v.allocator ?? DEFAULT_ALLOCATOR) as AllocatorName, collector = (v.collector ?? DEFAULT_COLLECTOR) as CollectorName;
  const heap = await Heap.create({ allocator, collector, debug: v.verify ?? false });
  // a workload path that cannot be read is HeapFileError (exit 2), not import()'s ERR_MODULE_NOT_FOUND
  try {
    if (!(await stat(target)).isFile()) throw new HeapFileError(`workload: ${target} is not a file`, target);
  } catch (err) { throw fileError("workload", target, err); }
  const mod = await import(pathToFileURL(resolve(target)).href);
  const workload = mod.default;
  if (typeof workload !== "function") throw new UsageError(`${target}: its default export must be a function (heap, { tick }) => unknown`);
  let timeline: MemoryTimeline | undefined;
  let ticks = 0;
  if (v.tracemalloc) heap.inspect.tracemalloc.start({ frames: 1 });
  if (v.growth) heap.inspect.growth({ limit: top });
  if (v.timeline) timeline = heap.inspect.timeline().start();
  const tick = (label?: string) => {
    ticks++;
    timeline?.tick(label);
    if (v.growth) {
      const rows = heap.inspect.showGrowth({ limit: top });
      console.log(`growth after ${label || `tick ${ticks}`}:${rows ? `\n${rows}` : " none"}`);
    }
  };
  const kept = await workload(heap, { tick });
  let sites = "";
  if (v.tracemalloc) {
    sites = formatStatistics(heap.inspect.tracemalloc.takeSnapshot().statistics("lineno"), top);
    heap.inspect.tracemalloc.stop();
  }
  if (timeline) console.log(`\nTimeline:\n${formatTimeline(timeline.stop())}\n`);
  if (sites) console.log(`Top allocation sites (live blocks):\n${sites}\n`);
  const g = heap.inspect.graph();
  console.log(report(g, top, by, v.dominators ?? false));
  if (v.heapsnapshot) await saveHeapSnapshot(g, v.heapsnapshot);
  await drawings(g, v);
  if (v.verify) {
    const r = heap.verify();
    console.log(`\nverify: ok (${r.objects} blocks, ${r.externalRefs} external references)`);
  }
  void kept; // what the workload returned stays alive until here
  return 0;
}

// run as a program (also through the bin symlink), not when imported
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(resolve(process.argv[1]))).href;
if (isMain) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: unknown } | null)?.code?.toString().startsWith("ERR_PARSE_ARGS");
    console.error(`refheap-inspect: ${errorText(err)}`);
    if (usage) console.error(USAGE);
    // a path that cannot be read or written is a bad argument too: its one line names it
    process.exitCode = usage || err instanceof HeapFileError ? 2 : 1;
  });
}
