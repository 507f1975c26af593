// Allocation-site tracking (tracemalloc) and the memory timeline.
import { expect, test } from "vitest";
import { allocatorCaps, heapSuite } from "./helpers.js";
import { HeapConfigError, HeapTypeError, type Handle } from "../src/index.js";
import { formatTimeline } from "../src/inspect/index.js";
import { formatStatistics } from "../src/inspect/tracemalloc.js";

/** The line this is called from, read the way tracemalloc reads stacks (so both agree under any source mapping). */
function currentLine(): number {
  return Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split("\n")[2])![1]);
}

heapSuite("inspect: tracemalloc", ({ make, strategy }) => {
  test("traces sites, tags and types; snapshots compare; a freed-and-reused block gets the new site (cpython#79234)", async () => {
    const heap = await make();
    const Node = heap.defineType({ name: "Node", refs: ["a", "b"] });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const early = heap.alloc(Node); // before start: not traced
    const tm = heap.inspect.tracemalloc;
    expect(() => tm.takeSnapshot()).toThrow(HeapConfigError);
    expect(() => tm.start({ frames: -1 })).toThrow(HeapTypeError);
    tm.start({ frames: 3 });
    expect(tm.isTracing()).toBe(true);
    expect(tm.getTracebackLimit()).toBe(3);
    const keep: Handle[] = [];
    for (let i = 0; i < 10; i++) keep.push(heap.alloc(Node)); const lineA = currentLine();
    const list = tm.withTag("registry", () => heap.alloc(List)); const lineB = currentLine();
    for (const h of keep) list.push(h); const lineC = currentLine();
    const raw = heap.raw.alloc(Node.id); const lineD = currentLine();
    expect(tm.tag).toBeNull();
    expect(() => { tm.tag = 5 as never; }).toThrow(HeapTypeError);

    const s1 = tm.takeSnapshot();
    const byLine = Object.fromEntries(s1.statistics("lineno").map((s) => [Number(s.key.split(":").pop()), s]));
    expect(byLine[lineA]).toMatchObject({ count: 10, size: 10 * Node.size });
    expect(byLine[lineB]).toMatchObject({ count: 1 });
    expect(byLine[lineC].count).toBeGreaterThan(0); // the list's items block, grown while pushing
    expect(byLine[lineD]).toMatchObject({ count: 1, size: Node.size });
    expect(s1.statistics("filename")[0].key).toMatch(/inspect-tracing\.test\.ts$/);
    expect(Object.keys(byLine).length).toBe(4);
    expect(s1.statistics("tag").map((s) => [s.key, s.count])).toEqual(expect.arrayContaining([["registry", 1]]));
    expect(Object.fromEntries(s1.statistics("type").map((s) => [s.key, s.count]))).toMatchObject({ Node: 11, List: 1 });
    expect(s1.statistics("type").find((s) => s.key === "(storage)")).toBeDefined();
    expect(tm.getObjectTraceback(keep[3])![0].lineno).toBe(lineA);
    expect(tm.getObjectTraceback(early)).toBeNull();
    expect(tm.getObjectTag(list)).toBe("registry");
    const traced = s1.traces.reduce((a, t) => a + t.size, 0);
    expect(tm.getTracedMemory()[0]).toBe(traced);
    expect(tm.getTracedMemory()[1]).toBeGreaterThan(traced); // growing the items block: the new one before the old is freed
    expect(() => s1.statistics("colour" as never)).toThrow(HeapTypeError);
    expect(formatStatistics(s1.statistics("lineno"), 1)).toMatch(/: size=\d+ B, count=10, average=\d+ B$/);

    // free three of A's, allocate five more elsewhere
    const freed = keep[0].ptr;
    list.setAt(0, null); list.setAt(1, null); list.setAt(2, null);
    keep.splice(0, 3).forEach((h) => h.dispose());
    const more: Handle[] = [];
    for (let i = 0; i < 5; i++) more.push(heap.alloc(Node)); const lineE = currentLine();
    const s2 = tm.takeSnapshot();
    const diff = Object.fromEntries(s2.compareTo(s1, "lineno").map((d) => [Number(d.key.split(":").pop()), d]));
    expect(diff[lineA]).toMatchObject({ count: 7, countDiff: -3, sizeDiff: -3 * Node.size });
    expect(diff[lineE]).toMatchObject({ count: 5, countDiff: 5, sizeDiff: 5 * Node.size });
    expect(diff[lineB].countDiff).toBe(0);
    // the freed block was reused by the newer allocation, which owns its trace now
    if (allocatorCaps(strategy.allocator).lifoReuse) expect(more.some((h) => h.ptr === freed)).toBe(true);
    for (const h of more) expect(tm.getObjectTraceback(h)![0].lineno).toBe(lineE);
    const [current, peak] = tm.getTracedMemory();
    expect(current).toBe(s2.traces.reduce((a, t) => a + t.size, 0));
    expect(peak).toBeGreaterThanOrEqual(current);
    tm.resetPeak();
    expect(tm.getTracedMemory()).toEqual([current, current]);
    expect(s2.filterTraces((t) => t.type === "Node").traces.every((t) => t.type === "Node")).toBe(true);

    tm.stop();
    expect(tm.isTracing()).toBe(false);
    expect(tm.getTracedMemory()).toEqual([0, 0]);
    heap.alloc(Node).dispose(); // untraced again
    tm.start({ frames: 0 }); // tags only: no stacks
    const tagged = tm.withTag("t", () => heap.alloc(Node));
    expect(tm.getObjectTraceback(tagged)).toEqual([]);
    expect(tm.takeSnapshot().statistics("tag")).toEqual([{ key: "t", size: Node.size, count: 1, traceback: [] }]);
    tm.stop();
    tagged.dispose(); heap.raw.decref(raw); early.dispose(); list.dispose();
    keep.forEach((h) => h.dispose()); more.forEach((h) => h.dispose());
  });
});

heapSuite("inspect: memory timeline", ({ make }) => {
  test("committed bytes, live bytes and objects per type, sampled at steps and every N allocations", async () => {
    const heap = await make();
    const Session = heap.defineType({ name: "Session", refs: ["next"] });
    const Node = heap.defineType({ name: "Node", refs: ["a"] });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const sessions = heap.alloc(List);
    expect(() => heap.inspect.timeline({ everyAllocations: 0 })).toThrow(HeapTypeError);
    const tl = heap.inspect.timeline({ everyAllocations: 50 });
    expect(() => tl.sample()).toThrow(HeapConfigError);
    const samples = await tl.run((tick) => {
      for (let step = 0; step < 10; step++) {
        for (let i = 0; i < 20; i++) { const s = heap.alloc(Session); sessions.push(s); s.dispose(); } // the leak
        const temp: Handle[] = [];
        for (let i = 0; i < 30; i++) temp.push(heap.alloc(Node)); // churn
        temp.forEach((h) => h.dispose());
        tick(`step ${step}`);
      }
    });
    expect(tl.running).toBe(false);
    const stepSamples = samples.filter((s) => s.label.startsWith("step"));
    expect(stepSamples.map((s) => s.objects.Session)).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
    expect(stepSamples.every((s) => (s.objects.Node ?? 0) === 0)).toBe(true);
    const auto = samples.filter((s) => s.label.endsWith("allocations"));
    expect(auto.map((s) => s.allocations)).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 450, 500]);
    expect(samples[0].label).toBe("start");
    const last = samples[samples.length - 1];
    expect(last.label).toBe("stop");
    expect(last.objects).toEqual(heap.inspect.typestats());
    const st = heap.stats();
    expect(last.liveBytes).toBe(st.objectHeaderBytes + st.objectPayloadBytes);
    expect(last.liveObjects).toBe(heap.inspect.graph().count);
    expect(last.committedBytes).toBe(st.committedBytes);
    for (let k = 1; k < samples.length; k++) expect(samples[k].committedBytes).toBeGreaterThanOrEqual(samples[k - 1].committedBytes);
    expect(tl.growingTypes().map((t) => t.type)).toEqual(["Session"]);
    const table = formatTimeline(samples, ["Session", "Node"]);
    expect(table.split("\n")[0]).toMatch(/^\s*#\s+label\s+allocations\s+committed\s+live bytes\s+objects\s+Session\s+Node$/);
    expect(table.split("\n").length).toBe(samples.length + 1);
    sessions.dispose();
  });
});
