// docs/benchmarks.md's section on real programs (bench/doc.ts calls it): the TR rows of the
// heaptrack recordings (bench/heaptrack.ts), which allocator wins on which program, from the run's
// figures; then why, as earlier runs showed it.
import { RECORDINGS, variantOf } from "./heaptrack.js";
import { markdownTable, type RowJson, type RunJson, type Table } from "./present.js";

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
    // bump never reuses memory: a floor for time, not a contender for memory
    const reusing = rows.filter((r) => extra(r).peakHeapBytes < Math.max(...rows.map((x) => extra(x).peakHeapBytes)) || rows.length === 1);
    const fastest = rows.reduce((a, b) => (b.median! < a.median! ? b : a));
    const fastestReusing = reusing.reduce((a, b) => (b.median! < a.median! ? b : a), reusing[0]!);
    const smallest = rows.reduce((a, b) => (extra(b).peakHeapBytes < extra(a).peakHeapBytes ? b : a));
    const slowest = rows.reduce((a, b) => (b.median! > a.median! ? b : a));
    return `- **${rec.id}**: fastest ${fastest.allocator} (${fastest.median!.toFixed(1)} ns/event)${fastestReusing && fastestReusing !== fastest ? `, fastest that reuses memory ${fastestReusing.allocator} (${fastestReusing.median!.toFixed(1)})` : ""}; `
      + `least memory ${smallest.allocator} (peak heap ${mib(extra(smallest).peakHeapBytes)} MiB for ${mib(extra(smallest).peakLiveBytes)} MiB live, frag@peak ${pct(extra(smallest).fragmentationAtPeak)}); `
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
      + "`pools` (obmalloc's design) and `mimalloc` serve them from size-class free lists in a few instructions, and a freed block is the next one handed out for its class. "
      + "tlsf and first fit split and coalesce a block for each request: denser (a 4-byte header, exact sizes) but slower per event.",
    "- Address-ordered first fit walks its one free list from the lowest address for every request: CPython's stream leaves thousands of small free blocks low in the heap, "
      + "so each allocation that does not fit them walks past all of them. It is the slowest by far on cpython, and grows slower as the recording goes on; on git's and node's streams, with fewer and larger blocks, it is within a few times the others.",
    "- git and node allocate fewer, larger blocks (file contents, diff buffers, zlib state, Buffers of up to megabytes): these go to the large-block path of every allocator (tlsf in `pools` above 512 bytes), "
      + "so the allocators' differences are in how they place large blocks and give back memory: size-class pages (mimalloc's 64 KiB, pools' 16 KiB) keep memory a class no longer uses, which shows in their peak heap.",
    "- Fragmentation at the peak is what a strategy needed beyond what was live: size classes round up and keep partly used pages; exact-fit strategies round to 8 bytes but leave holes between live blocks (their external fragmentation).",
    "",
  ];
}
