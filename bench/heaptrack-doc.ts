// docs/benchmarks.md's section on real programs (bench/doc.ts calls it): the TR rows of the
// heaptrack recordings (bench/heaptrack.ts), which allocator wins on which program, from the run's
// figures; then why, as earlier runs showed it.
import { RECORDINGS, variantOf } from "./heaptrack.js";
import { markdownTable, type RowJson, type RunJson, type Table } from "./present.js";
import { allocatorsWith } from "../src/strategies.js";

const REUSING: readonly string[] = allocatorsWith("reuses");

interface Extra { events: number; peakHeapBytes: number; peakLiveBytes: number; fragmentationAtPeak: number; maxExternalFragmentation: number }

const mib = (x: number) => (x / 2 ** 20).toFixed(2);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The section's lines, or none when the run has no heaptrack row. */
export function heaptrackSection(run: RunJson): string[] {
  const byRecording = RECORDINGS.map((rec) => ({
    rec, rows: run.rows.filter((r) => r.workload === "TR" && r.variant === variantOf(rec.id) && r.median !== null && r.samples.length),
  })).filter((x) => x.rows.length);
  if (!byRecording.length) return [];
  const extra = (r: RowJson) => r.samples[0]!.extra as unknown as Extra;
  const table: Table = {
    header: ["program (events)", "allocator", "ns/event", "M events/s", "peak heap MiB", "peak live MiB", "frag@peak", "max external"],
    right: [false, false, true, true, true, true, true, true],
    rows: byRecording.flatMap(({ rec, rows }) => rows.map((r) => [
      `${rec.id} (${extra(r).events.toLocaleString("en-US")})`, r.allocator!, r.median!.toFixed(1), (1e3 / r.median!).toFixed(1),
      mib(extra(r).peakHeapBytes), mib(extra(r).peakLiveBytes), pct(extra(r).fragmentationAtPeak), pct(extra(r).maxExternalFragmentation),
    ])),
  };
  const winners = byRecording.map(({ rec, rows }) => {
    // an allocator that never reuses memory (bump) is a floor, not a contender
    const reusing = rows.filter((r) => REUSING.includes(r.allocator!));
    const fastest = rows.reduce((a, b) => (b.median! < a.median! ? b : a));
    const fastestReusing = reusing.length ? reusing.reduce((a, b) => (b.median! < a.median! ? b : a)) : undefined;
    const smallest = rows.reduce((a, b) => (extra(b).peakHeapBytes < extra(a).peakHeapBytes ? b : a));
    const slowest = rows.reduce((a, b) => (b.median! > a.median! ? b : a));
    return `- **${rec.id}**: fastest ${fastest.allocator} (${fastest.median!.toFixed(1)} ns/event)${fastestReusing && fastestReusing !== fastest ? `, fastest that reuses memory ${fastestReusing.allocator} (${fastestReusing.median!.toFixed(1)})` : ""}; `
      + `least memory ${rows.filter((r) => extra(r).peakHeapBytes === extra(smallest).peakHeapBytes).map((r) => r.allocator).join(" and ")} (peak heap ${mib(extra(smallest).peakHeapBytes)} MiB for ${mib(extra(smallest).peakLiveBytes)} MiB live, frag@peak ${pct(extra(smallest).fragmentationAtPeak)}); `
      + `slowest ${slowest.allocator} (${slowest.median!.toFixed(1)} ns/event, ${(slowest.median! / fastest.median!).toFixed(0)}× the fastest).`;
  });
  return [
    "## Real programs: heaptrack recordings",
    "",
    "Allocation streams of real programs, recorded with heaptrack on this project's machine (fixtures/heaptrack/, [heaptrack.md](heaptrack.md) says how to record your own) and replayed on every allocator: "
      + RECORDINGS.map((r) => `**${r.id}**: ${r.title}`).join("; ") + ". The first repetition's memory figures; ns/event is the median.",
    "",
    markdownTable(table),
    "",
    "Which allocator wins, in this run:",
    "",
    ...winners,
    "",
    "Why (what the recordings hold, and how each allocator meets it; check it against the table):",
    "",
    "- CPython under `PYTHONMALLOC=malloc` allocates and frees small objects by the million (98 % of its requests are of at most 512 bytes, half of at most 64, and an eighth of its frees come right after their allocation): "
      + "`pools`, obmalloc's design, serves each from its size class's free list and hands a freed block out again first, so it is the fastest there. "
      + "The exact-fit strategies (tlsf, first fit: a 4-byte header, sizes to 8 bytes, coalescing) need the least memory beyond what is live; size-class pages (pools' 16 KiB pools, mimalloc's 64 KiB pages) keep room for classes the program has stopped asking for.",
    "- Address-ordered first fit walks its one free list from the lowest address for every request: CPython's stream leaves thousands of small free blocks low in the heap, "
      + "and every request they cannot serve walks past all of them. It is an order of magnitude slower than the others on cpython, and slower the longer the recording runs (tens of µs an event past the first few hundred thousand: the whole recording is for `npm run replay`).",
    "- git and node allocate fewer, larger blocks (file contents, diff and zlib buffers, Buffers' backing stores): they go to every allocator's large-block path (tlsf, in `pools` above 512 bytes). "
      + "`bump` never reuses a byte, so each buffer git reads is new memory: its heap grows to what git allocated in all, not what it kept, and growing it costs most of its time.",
    "- On small live sets (node's first events keep under 1 MiB live) the heap's 1 MiB growth step and the size-class allocators' arenas and pages make most of the fragmentation figure, as on the document-store trace above.",
    "",
  ];
}
