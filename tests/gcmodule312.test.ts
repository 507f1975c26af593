// What CPython 3.12's Modules/gcmodule.c shows through its gc module, function by function, on
// every collector whose capabilities make it apply (the shared pipeline: collect/trial.ts).
import { expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import type { Handle, Heap } from "../src/index.js";

function nodeType(heap: Heap, finalizer?: (obj: Handle) => void) {
  return heap.defineType({ name: "Node", refs: ["next", "x"], weakrefable: true, finalizer });
}

/** A 2-node ring; returns a handle to one node. */
function pair(heap: Heap, Node: ReturnType<typeof nodeType>): Handle {
  const a = heap.alloc(Node), b = heap.alloc(Node);
  a.set("next", b); b.set("next", a);
  b.dispose();
  return a;
}

/** What console.error printed while fn ran. */
function stderrOf(fn: () => void): string[] {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => { lines.push(args.join(" ")); };
  try { fn(); } finally { console.error = original; }
  return lines;
}

heapSuite("CPython 3.12's gcmodule.c, observed through heap.gc", ({ make, strategy }) => {
  const caps = collectorCaps(strategy.collector);
  const cycles = caps.collectsCycles ? test : test.skip;
  const generations = caps.generations ? test : test.skip;

  cycles("handle_legacy_finalizers: gc.garbage gets the uncollectable objects with a finalizer, DEBUG_UNCOLLECTABLE prints them all", async () => {
    const heap = await make({ finalizerMode: "legacy" });
    const Node = nodeType(heap, () => {});
    const Plain = heap.defineType({ name: "Plain", refs: ["x"] });
    const r = pair(heap, Node);
    { using p = heap.alloc(Plain); r.set("x", p); } // reachable only from the finalizer cycle
    r.dispose();
    heap.gc.setDebug(heap.gc.DEBUG_UNCOLLECTABLE);
    let n = 0;
    const lines = stderrOf(() => { n = heap.gc.collect(); });
    expect(n).toBe(3);
    expect(heap.gc.getStats()[2].uncollectable).toBe(3);
    expect(lines.filter((l) => l.startsWith("gc: uncollectable <")).length).toBe(3);
    expect(heap.gc.garbage.map((h) => h.type.name)).toEqual(["Node", "Node"]);
    for (const g of heap.gc.garbage.splice(0)) g.dispose();

    // DEBUG_SAVEALL: every uncollectable object
    const saving = await make({ finalizerMode: "legacy" });
    const Node2 = nodeType(saving, () => {});
    const Plain2 = saving.defineType({ name: "Plain", refs: ["x"] });
    const r2 = pair(saving, Node2);
    { using p = saving.alloc(Plain2); r2.set("x", p); }
    r2.dispose();
    saving.gc.setDebug(saving.gc.DEBUG_SAVEALL);
    expect(saving.gc.collect()).toBe(3);
    expect(saving.gc.garbage.map((h) => h.type.name).sort()).toEqual(["Node", "Node", "Plain"]);
    for (const g of saving.gc.garbage.splice(0)) g.dispose();
    saving.gc.setDebug(0);
  });

  // 3.14.0's incremental collector prints no 'done' line (oldSpaces)
  const doneLine = caps.collectsCycles && !caps.oldSpaces ? test : test.skip;
  doneLine("DEBUG_STATS: 'done' counts collected + uncollectable as unreachable (gc_collect_main)", async () => {
    const heap = await make({ finalizerMode: "legacy" });
    const Node = nodeType(heap, () => {});
    pair(heap, Node).dispose();
    heap.gc.setDebug(heap.gc.DEBUG_STATS);
    const lines = stderrOf(() => heap.gc.collect());
    heap.gc.setDebug(0);
    expect(lines.at(-1)).toMatch(/^gc: done, 2 unreachable, 2 uncollectable, \d+\.\d{4}s elapsed$/);
    for (const g of heap.gc.garbage.splice(0)) g.dispose();
  });

  generations("DEBUG_STATS: after the start callbacks, the generations' sizes before the merge (show_stats_each_generations)", async () => {
    const heap = await make();
    const Node = nodeType(heap);
    heap.gc.disable();
    using kept = heap.alloc(Node);
    heap.gc.collect(0); // kept in generation 1
    pair(heap, Node).dispose();
    using frozen = heap.alloc(Node);
    heap.gc.freeze(); // kept and frozen in the permanent generation
    pair(heap, Node).dispose(); // 2 in generation 0
    heap.gc.unfreeze(); // back into generation 2
    using young = heap.alloc(Node);
    heap.gc.callbacks.push((phase) => console.error(`callback ${phase}`));
    heap.gc.setDebug(heap.gc.DEBUG_STATS);
    const lines = stderrOf(() => heap.gc.collect(1));
    heap.gc.setDebug(0);
    expect(lines.slice(0, 4)).toEqual([
      "callback start",
      "gc: collecting generation 1...",
      "gc: objects in each generation: 3 0 4",
      "gc: objects in permanent generation: 0",
    ]);
    expect(lines.at(-2)).toMatch(/^gc: done, 2 unreachable, 0 uncollectable, /);
    expect(lines.at(-1)).toBe("callback stop");
    heap.gc.collect();
  });

  cycles("invoke_gc_callback walks gc.callbacks as it stands: a callback added meanwhile runs, one removed shifts the next", async () => {
    const heap = await make();
    const calls: string[] = [];
    const late = (phase: string) => { calls.push(`late ${phase}`); };
    const adder = (phase: string) => { calls.push(`adder ${phase}`); if (phase === "start") heap.gc.callbacks.push(late); };
    heap.gc.callbacks.push(adder);
    heap.gc.collect();
    expect(calls).toEqual(["adder start", "late start", "adder stop", "late stop"]);

    calls.length = 0;
    heap.gc.callbacks.length = 0;
    const leaver = (phase: string) => { calls.push(`leaver ${phase}`); heap.gc.callbacks.splice(heap.gc.callbacks.indexOf(leaver), 1); };
    const next = (phase: string) => { calls.push(`next ${phase}`); };
    heap.gc.callbacks.push(leaver, next);
    heap.gc.collect();
    // CPython's loop index passes the callback that moved into the leaver's place
    expect(calls).toEqual(["leaver start", "next stop"]);
  });
});
