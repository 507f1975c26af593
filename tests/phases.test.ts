// Collector phases, observed step by step: what holds after each step (collect/trial.ts' header)
// checked on the snapshots gc.observePhases gives, for both collectors.
import { expect, it } from "vitest";
import { HeapTypeError, type Handle, type Heap, type PhaseSnapshot } from "../src/index.js";
import { collectorCaps, defineNode, heapSuite } from "./helpers.js";

/** A garbage cycle a <-> b, and a reachable cycle c <-> d with c held by the host. */
function scene(heap: Heap) {
  const Node = defineNode(heap);
  const names = new Map<number, string>();
  const mk = (name: string) => { const h = heap.alloc(Node); names.set(h.ptr, name); return h; };
  const a = mk("a"), b = mk("b"), c = mk("c"), d = mk("d");
  a.set("a", b); b.set("a", a);
  c.set("a", d); d.set("a", c);
  a.dispose(); b.dispose(); d.dispose();
  return { c, names };
}

const named = (s: PhaseSnapshot["listA"], names: Map<number, string>) =>
  Object.fromEntries(s.filter((o) => names.has(o.address)).map((o) => [names.get(o.address)!, o]));

heapSuite("collector phases", ({ make, strategy }) => {
  const collects = collectorCaps(strategy.collector).collectsCycles;

  it.runIf(collects)("reports every step with gc_refs as CPython's collector defines them", async () => {
    const heap = await make();
    const { c, names } = scene(heap);
    const steps: PhaseSnapshot[] = [];
    heap.gc.observePhases((s) => steps.push(s));
    expect(heap.gc.collect(0)).toBe(2);
    heap.gc.observePhases(null);
    const phases = steps.map((s) => s.phase);
    const expected = ["copy refcounts", "subtract internal references", "move unreachable", "clear garbage", "promote survivors"];
    expect(phases).toEqual(collectorCaps(strategy.collector).candidates ? ["gather candidates' subgraph", ...expected] : ["merge generations", ...expected]);
    const at = (phase: string) => steps.find((s) => s.phase === phase)!;

    // copy refcounts: gc_refs = refcount for every object of the set
    const copied = named(at("copy refcounts").listA, names);
    for (const o of Object.values(copied)) expect(o.gcRefs).toBe(o.refcount);
    expect(copied.a.refcount).toBe(1);
    expect(copied.c.refcount).toBe(2); // the host's handle and d
    // subtract: gc_refs = references from outside the set: only c's handle
    const subtracted = named(at("subtract internal references").listA, names);
    expect(subtracted.a.gcRefs).toBe(0);
    expect(subtracted.b.gcRefs).toBe(0);
    expect(subtracted.c.gcRefs).toBe(1);
    if (subtracted.d) expect(subtracted.d.gcRefs).toBe(0);
    // move unreachable: c and d reachable (d through c), a and b not
    const moved = at("move unreachable");
    expect(Object.keys(named(moved.listB, names)).sort()).toEqual(["a", "b"]);
    expect(Object.keys(named(moved.listA, names))).toContain("c");
    for (const o of moved.listB) expect(o.gcRefs).toBe(0); // tentatively unreachable: gc_refs 0 by construction
    for (const o of moved.listA) expect(o.gcRefs).toBeNull(); // no longer in the set
    // cleared and promoted: a and b are gone, c and d survive in the older generation
    const promoted = named(at("promote survivors").listA, names);
    expect(promoted.a).toBeUndefined();
    expect(promoted.b).toBeUndefined();
    expect(promoted.c).toBeDefined();
    expect(promoted.d).toBeDefined();
    expect(at("promote survivors").generation).toBe(0);
    c.dispose();
  });

  it.runIf(collects)("shows weakrefs handled, finalizers run and a resurrected object leaving the garbage", async () => {
    const heap = await make();
    const Node = defineNode(heap, { name: "Phoenix", weakrefable: true, finalizer: (self: Handle) => { saved.push(self.dup()); } });
    const saved: Handle[] = [];
    const names = new Map<number, string>();
    const x = heap.alloc(Node), y = heap.alloc(Node);
    names.set(x.ptr, "x"); names.set(y.ptr, "y");
    x.set("a", y); y.set("a", x);
    const wr = heap.weakref(y);
    x.dispose(); y.dispose();
    const steps: PhaseSnapshot[] = [];
    heap.gc.observePhases((s) => steps.push(s));
    heap.gc.collect(2);
    heap.gc.observePhases(null);
    const phases = steps.map((s) => s.phase);
    expect(phases).toEqual(expect.arrayContaining(["handle weakrefs", "run finalizers", "check resurrection"]));
    const late = collectorCaps(strategy.collector).lateWeakrefClearing;
    const weak = named(steps.find((s) => s.phase === "handle weakrefs")!.listB, names);
    expect(weak.y.hasWeakrefs).toBe(late); // cleared before any finalizer (3.14: only those with a callback)
    const fin = named(steps.find((s) => s.phase === "run finalizers")!.listB, names);
    expect(fin.x.finalized && fin.y.finalized).toBe(true);
    const check = steps.find((s) => s.phase === "check resurrection")!;
    // the finalizers saved both: nothing is still unreachable, both joined the older generation
    expect(named(check.listB, names)).toEqual({});
    expect(Object.keys(named(check.listA, names)).sort()).toEqual(["x", "y"]);
    expect(wr.dead).toBe(!late); // 3.14: a resurrected object keeps its callback-less weakrefs
    const [s1, s2] = saved;
    s1.set("a", null);
    s1.dispose(); s2.dispose();
    wr.dispose();
  });

  it.runIf(collects)("reports a throwing listener through onUnraisable; the collection completes", async () => {
    const heap = await make();
    scene(heap).c.dispose();
    const errors: string[] = [];
    heap.onUnraisable = (_err, context) => errors.push(context);
    heap.gc.observePhases(() => { throw new Error("listener"); });
    expect(heap.gc.collect(2)).toBe(4);
    heap.gc.observePhases(null);
    heap.flushUnraisable();
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(errors.every((e) => e === "gc phase listener")).toBe(true);
  });

  it("rejects a listener that is not a function, and reports nothing once turned off", async () => {
    const heap = await make();
    expect(() => heap.gc.observePhases(42 as never)).toThrow(HeapTypeError);
    let calls = 0;
    heap.gc.observePhases(() => calls++);
    heap.gc.observePhases(null);
    if (collects) { scene(heap).c.dispose(); heap.gc.collect(2); }
    expect(calls).toBe(0);
  });
});
