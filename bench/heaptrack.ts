// TR rows on real programs: heaptrack recordings of CPython (PYTHONMALLOC=malloc, so every object
// is a malloc), git and node (fixtures/heaptrack/, README.md there says how each was recorded)
// replayed against every allocator of the registry. A row replays the recording's first
// min(events, EVENT_BUDGET) × scale events (allocations live then stay live): address-ordered first
// fit takes ~30-90 µs an event on CPython's stream past 100,000 events, so whole recordings are for
// `npm run replay -- --heaptrack` (docs/heaptrack.md). Imported once per process, outside any timing.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ALLOCATORS, importHeaptrack, replayTrace, type HeaptrackTrace } from "../src/index.js";
import type { BenchOptions, Row, Sample } from "./common.js";
import type { ReplayResult, AllocationTrace } from "../src/index.js";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "heaptrack");

/** The recordings: id, file, what the program did, and its events at full size. */
export const RECORDINGS = [
  { id: "cpython", file: "cpython.raw.zst", events: 3_003_522, title: "CPython 3.11 with PYTHONMALLOC=malloc: json, email and re over a package-lock.json and 166 patch emails, difflib.ndiff between two revisions of a source tree" },
  { id: "git", file: "git.raw.zst", events: 151_638, title: "git log -p --stat over 166 commits (C)" },
  { id: "node", file: "node.raw.zst", events: 918_705, title: "node 20: gzip, gunzip and sha256 of 166 patches, JSON.parse and stringify of a package-lock.json (V8's own heap is not malloc)" },
] as const;

/** The variant a recording's rows carry (TR rows compare within a variant). */
export const variantOf = (id: string) => `heaptrack ${id}`;

/** Most events a row replays at full size (--scale 1). */
export const EVENT_BUDGET = 500_000;

/** Events a row replays at this scale. */
export const eventsAt = (rec: { events: number }, scale: number) => Math.max(1, Math.round(Math.min(rec.events, EVENT_BUDGET) * Math.min(1, scale)));

const imported = new Map<string, Promise<HeaptrackTrace>>();
function traceOf(rec: (typeof RECORDINGS)[number], scale: number): Promise<HeaptrackTrace> {
  const limit = eventsAt(rec, scale) < rec.events ? eventsAt(rec, scale) : undefined;
  const key = `${rec.id}@${limit ?? "all"}`;
  let t = imported.get(key);
  if (!t) imported.set(key, (t = importHeaptrack(path.join(dir, rec.file), { limit })));
  return t;
}

/** Bytes a trace leaves live at its end (header included): the replay's final liveBytes must equal it. */
export function liveAtEnd(t: HeaptrackTrace): number {
  const size = new Uint32Array(t.allocations);
  let live = 0;
  for (let i = 0, a = 0; i < t.ops.length; i += 2) {
    if (t.ops[i]) { size[a++] = t.ops[i]!; live += t.ops[i]!; } else live -= size[t.ops[i + 1]!]!;
  }
  return live;
}

/** TR's rows for the recordings; `sample` makes a replay's Sample (traces.ts replaySample). */
export function heaptrackRows(o: BenchOptions, scale: number, sample: (r: ReplayResult, t: AllocationTrace, expectedLive: number) => Sample): Row[] {
  return RECORDINGS.flatMap((rec) => ALLOCATORS.map((allocator): Row => ({
    name: `refheap replay ${variantOf(rec.id)} (${allocator})`,
    allocator, driver: "replay", variant: variantOf(rec.id),
    iterations: o.iterations,
    run: async () => {
      const trace = await traceOf(rec, scale);
      return sample(await replayTrace(trace, { allocator, samples: 200 }), trace, liveAtEnd(trace));
    },
  })));
}

export function heaptrackNotes(scale: number): string[] {
  return [
    `TR heaptrack rows: recordings of real programs (fixtures/heaptrack/, npm run replay -- --heaptrack FILE): ${RECORDINGS.map((r) => `${r.id} = ${r.title}, ${r.events.toLocaleString("en-US")} events${eventsAt(r, scale) < r.events ? ` (this run: the first ${eventsAt(r, scale).toLocaleString("en-US")})` : ""}`).join("; ")}. Every request of n bytes is a block of n + 8. Rows replay at most ${EVENT_BUDGET.toLocaleString("en-US")} × scale events of a recording.`,
  ];
}
