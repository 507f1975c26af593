// Faults: an allocation failing at every allocation site of a program, exceptions thrown from
// every finalizer, weakref callback, finalize function and gc callback, and re-entrant calls from
// them. Each leaves a consistent heap (verify), is reported, and loses nothing: what the program
// built before the fault is intact, and once everything is dropped the heap is empty.
import { afterAll, expect, test, vi } from "vitest";
import { format } from "node:util";
import { collectorCaps, heapSuite } from "./helpers.js";
import { HeapOutOfMemoryError, WeakValueMap, type Handle, type HeapType } from "../src/index.js";
import { program, teardown, types, type Built } from "./model/fault-program.js";

const faultFigures = { programs: 0, faults: 0, thrown: 0 };
afterAll(() => {
  console.log(`faults: ${faultFigures.faults} allocation failures injected (one per run of the program), ${faultFigures.thrown} runs with a throwing finalizer or callback`);
});

heapSuite("faults", ({ make, strategy }) => {
  test("an allocation failing at every allocation site of a program leaves a consistent heap and loses nothing", async () => {
    // count the program's allocations once
    let sites: number;
    {
      const heap = await make();
      const T = types(heap, () => {});
      const b: Built = { handles: [], containers: [], values: [] };
      const before = heap.allocationAttempts;
      program(heap, T, b);
      sites = heap.allocationAttempts - before;
      teardown(heap, T, b);
      if (collectorCaps(strategy.collector).collectsCycles) expect(heap.stats().liveObjects).toBe(0);
    }
    expect(sites).toBeGreaterThan(40);
    for (const count of [1, Infinity]) {
      for (let k = 0; k < sites; k++) {
        const heap = await make();
        const T = types(heap, () => {});
        const b: Built = { handles: [], containers: [], values: [] };
        heap.failAllocations(k, count);
        let failed: unknown = null;
        try {
          program(heap, T, b);
        } catch (e) {
          failed = e;
        }
        heap.failAllocations(null);
        heap.verify();
        if (count === Infinity) expect(failed).toBeInstanceOf(HeapOutOfMemoryError); // a one-off failure may be absorbed by the retry after a collection
        else if (failed) expect(failed).toBeInstanceOf(HeapOutOfMemoryError);
        // nothing built before the fault was lost or changed
        for (const [h, v] of b.values) expect(h.getScalar("v")).toBe(v);
        // and the heap still works: the whole program runs again after the fault
        const again: Built = { handles: [], containers: [], values: [] };
        program(heap, T, again);
        teardown(heap, T, again);
        teardown(heap, T, b);
        heap.verify();
        // nothing leaked: with the fault's details and what is left if not
        if (collectorCaps(strategy.collector).collectsCycles) expect({ k, count, failed: String(failed), live: heap.stats().liveObjects }).toMatchObject({ live: 0 });
        expect(heap.liveHandles).toBe(0);
        faultFigures.programs++;
        faultFigures.faults++;
        heap.destroy();
      }
    }
  });

  test("exceptions from every finalizer, weakref callback, finalize function and gc callback are reported once each; nothing is lost", async () => {
    // make the k-th host call throw, for every k
    let calls = 0;
    for (let k = 0; ; k++) {
      const heap = await make();
      let n = 0;
      const reported: string[] = [];
      heap.onUnraisable = (err, context) => reported.push(`${(err as Error).message} @ ${context}`);
      const maybeThrow = (what: string) => { if (n++ === k) throw new Error(`boom ${what}`); };
      const T = types(heap, () => maybeThrow("finalizer"));
      if (collectorCaps(strategy.collector).collectsCycles) heap.gc.callbacks.push((phase) => maybeThrow(`gc ${phase}`));
      const ran = { finalize: 0, callbacks: 0 };
      const handles: Handle[] = [];
      for (let i = 0; i < 6; i++) {
        const x = heap.alloc(T.Node);
        handles.push(heap.weakref(x, () => { ran.callbacks++; maybeThrow("callback"); }));
        heap.finalize(x, () => { ran.finalize++; maybeThrow("finalize"); });
        if (i % 2) { const y = heap.alloc(T.Node); x.set("a", y); y.set("a", x); y.dispose(); } // a cycle
        x.dispose();
      }
      if (collectorCaps(strategy.collector).collectsCycles) heap.gc.collect();
      heap.flushUnraisable();
      if (k === 0) calls = n;
      expect(n).toBe(calls); // every host call still ran
      expect(ran).toEqual(!collectorCaps(strategy.collector).collectsCycles ? { finalize: 3, callbacks: 3 } : { finalize: 6, callbacks: 6 });
      if (k < calls) {
        expect(reported.length).toBe(1);
        expect(reported[0]).toMatch(/^boom (finalizer|callback|finalize|gc (start|stop)) @ (finalizer of <Node|weakref callback|finalize object|gc callback)/);
        faultFigures.thrown++;
      } else {
        expect(reported).toEqual([]);
      }
      for (const h of handles) h.dispose();
      heap.verify();
      if (collectorCaps(strategy.collector).collectsCycles) expect(heap.stats().liveObjects).toBe(0);
      heap.destroy();
      if (k >= calls) break;
    }
    expect(calls).toBeGreaterThan(!collectorCaps(strategy.collector).collectsCycles ? 8 : 14);
  });

  test("async host code: a rejection of the promise a finalizer, weakref callback, finalize function, gc callback or listener returns is reported through onUnraisable", async () => {
    // The heap called them and dropped what they returned: an async one that threw after an await
    // (using its finalizer's handle, disposed when the finalizer returned) became an unhandled
    // rejection, which ends a Node process, instead of reaching onUnraisable as a throw does.
    const heap = await make();
    const cycles = collectorCaps(strategy.collector).collectsCycles;
    const reported: string[] = [];
    heap.onUnraisable = (err, context) => reported.push(`${err instanceof Error ? err.name : String(err)} @ ${context.replace(/ .*/, "")}`);
    const later = async (fn: () => void) => { await null; fn(); };
    const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true, finalizer: (h) => later(() => h.getScalar("x")) });
    const U = heap.defineType({ name: "U", weakrefable: true });
    if (cycles) {
      heap.gc.callbacks.push(async (phase) => { if (phase === "stop") await later(() => { throw new Error("gc"); }); });
      let first = true;
      heap.gc.observePhases(async () => { if (first) { first = false; await later(() => { throw new Error("phase"); }); } });
    }
    let once = false;
    const off = heap.onAllocationEvents(async () => { if (!once) { once = true; await later(() => { throw new RangeError("events"); }); } });
    const u = heap.alloc(U);
    const w = heap.weakref(u, () => later(() => { throw "callback"; }));
    heap.finalize(u, async () => { await null; throw new TypeError("finalize"); });
    u.dispose();
    heap.alloc(T).dispose();
    heap.flushAllocationEvents();
    if (cycles) heap.gc.collect();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(reported.sort()).toEqual([
      "HandleDisposedError @ finalizer", "RangeError @ allocation", "TypeError @ finalize", "callback @ weakref",
      ...(cycles ? ["Error @ gc", "Error @ gc"] : []),
    ].sort());
    off();
    if (cycles) heap.gc.observePhases(null);
    w.dispose();
  });

  test("a gc callback that is not a function, or host code whose name cannot be read, is reported; the heap stays usable", async () => {
    // The report's context read cb.name inside the catch: null in gc.callbacks (CPython reports
    // calling None as unraisable), or a function whose name getter throws (a Proxy), threw again
    // there, out of the hook and through the core, and the heap refused every later call.
    const heap = await make();
    const cycles = collectorCaps(strategy.collector).collectsCycles;
    const reported: string[] = [];
    heap.onUnraisable = (err, context) => reported.push(`${(err as Error).name} @ ${context}`);
    const hostile = () => new Proxy(() => {}, { get() { throw new Error("no name"); }, apply() { throw new RangeError("called"); } });
    const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true });
    if (cycles) heap.gc.callbacks.push(null as never, hostile());
    const off = heap.onAllocationEvents(hostile());
    const o = heap.alloc(T);
    const w = heap.weakref(o, hostile());
    o.set("a", o);
    o.dispose();
    if (cycles) expect(heap.gc.collect()).toBe(1);
    else { const r = w.deref()!; r.set("a", null); r.dispose(); } // refcounting only: break the cycle
    heap.flushAllocationEvents();
    heap.flushUnraisable();
    const anon = (what: string) => new RegExp(`^${what} <anonymous>`);
    expect(reported.filter((r) => /^RangeError @ allocation events listener <anonymous>$/.test(r)).length).toBeGreaterThan(0);
    expect(reported.filter((r) => /^RangeError @ weakref callback <anonymous> of /.test(r)).length).toBe(1);
    if (cycles) {
      expect(reported.filter((r) => r === "TypeError @ gc callback <anonymous>").length).toBe(2); // start and stop
      expect(reported.filter((r) => r === "RangeError @ gc callback <anonymous>").length).toBe(2);
    }
    expect(reported.every((r) => anon("(gc callback|weakref callback|allocation events listener)").test(r.replace(/^\w+ @ /, "")))).toBe(true);
    heap.gc.callbacks.length = 0;
    off();
    w.dispose();
    heap.verify();
  });

  test("an exception that cannot be printed (its stack getter throws) never escapes the report: dispose() returns, later reports still run", async () => {
    // The default onUnraisable prints it, which throws; the fallback that says so printed it
    // again, and that throw escaped the flush: out of dispose() (an untyped error after the
    // object died), or from the microtask that reports (an uncaught exception).
    const printed: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => { printed.push(format(...args)); }); // format reads the stack, as console.error does
    try {
      const heap = await make();
      const unprintable = () => {
        const e = new Error("unprintable");
        Object.defineProperty(e, "stack", { get() { throw new Error("stack getter"); } });
        return e;
      };
      const T = heap.defineType({ name: "T", finalizer: (h) => { if (h.getScalar("v")) throw unprintable(); throw new Error("printable"); }, scalars: { v: "i32" } });
      const a = heap.alloc(T), b = heap.alloc(T);
      a.setScalar("v", 1);
      expect(() => a.dispose()).not.toThrow();
      const bp = b.ptr;
      heap.raw.incref(bp); b.dispose(); // the death in a raw decref: reported from the microtask
      heap.raw.decref(bp);
      await new Promise((r) => setTimeout(r, 0));
      expect(printed.some((p) => p.includes("printable") && !p.includes("unprintable"))).toBe(true);
      expect(printed.some((p) => p.includes("finalizer of <T object"))).toBe(true);
      heap.onUnraisable = () => { throw unprintable(); }; // a hook that throws the unprintable itself
      expect(() => heap.alloc(T).dispose()).not.toThrow();
    } finally {
      spy.mockRestore();
    }
  });

  test("an async onUnraisable whose promise rejects: one console.error per rejection naming the context, never an unhandled rejection or a report of its own", async () => {
    // The report dropped what the hook returned: the rejection became an unhandled rejection
    // (which ends a Node process; a hook that throws is printed instead). It is printed now, once
    // per rejection, never reported to the hook again (a hook that always rejects would not end).
    const printed: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => { printed.push(format(...args)); });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
    process.on("unhandledRejection", onUnhandled);
    try {
      const heap = await make();
      let calls = 0;
      heap.onUnraisable = async (err) => { calls++; await null; throw new Error(`hook failed on ${(err as Error).message}`); };
      const T = heap.defineType({ name: "T", scalars: { v: "i32" }, finalizer: (h) => { throw new Error(`finalizer ${h.getScalar("v")}`); } });
      for (let i = 1; i <= 3; i++) { const h = heap.alloc(T); h.setScalar("v", i); h.dispose(); }
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
      expect(calls).toBe(3);
      const lines = printed.filter((p) => p.startsWith("refheap: onUnraisable rejected while reporting an exception from finalizer of <T object at 0x"));
      expect(lines.length).toBe(3);
      for (let i = 1; i <= 3; i++) expect(lines.filter((l) => l.includes(`Error: finalizer ${i}`) && l.includes(`Error: hook failed on finalizer ${i}`)).length).toBe(1);
      // a returned object whose `then` getter throws is printed as the hook's throw
      heap.onUnraisable = () => ({ get then() { throw new Error("then getter"); } }) as never;
      heap.alloc(T).dispose();
      expect(printed.filter((p) => p.startsWith("refheap: onUnraisable threw while reporting an exception from finalizer of <T") && p.includes("then getter")).length).toBe(1);
      expect(printed.length).toBe(4);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      spy.mockRestore();
    }
  });

  test("regression: a WeakValueMap whose second table cannot be allocated leaves nothing behind", async () => {
    const heap = await make();
    const objects = heap.stats().liveObjects;
    heap.failAllocations(1); // the first map object is made, the second fails (and so does its second try after a collection)
    expect(() => new WeakValueMap(heap)).toThrow(HeapOutOfMemoryError);
    heap.failAllocations(null);
    expect(heap.stats().liveObjects).toBe(objects);
    expect(heap.liveHandles).toBe(0);
  });

  test("regression: a collection run by a weakref callback at refcount death does not find the dying object", async () => {
    // The dying object stayed tracked with refcount 0 while its callbacks ran: a collection from
    // one took it for garbage (double free in release builds; an abort mid-collection that left
    // the collector wedged, finding nothing ever after, in debug builds).
    const heap = await make();
    const errors: unknown[] = [];
    heap.onUnraisable = (err) => errors.push(err);
    const N = heap.defineType({ name: "N", refs: ["a"], weakrefable: true });
    const x = heap.alloc(N), y = heap.alloc(N);
    x.set("a", y);
    y.dispose();
    let inner = -1;
    const w = heap.weakref(x, () => { if (collectorCaps(heap.collector).collectsCycles) inner = heap.gc.collect(2); });
    x.dispose();
    heap.flushUnraisable();
    expect(errors).toEqual([]);
    heap.verify();
    expect(heap.stats().liveObjects).toBe(1); // the weakref
    if (collectorCaps(heap.collector).collectsCycles) {
      expect(inner).toBe(0);
      const c = heap.alloc(N);
      c.set("a", c);
      c.dispose();
      expect(heap.gc.collect(2)).toBe(1); // the collector still works
    }
    w.dispose();
  });

  test("re-entrant calls from finalizers and callbacks (alloc, collect, dispose, weakrefs) are safe", async () => {
    const heap = await make();
    const seen: unknown[] = [];
    heap.onUnraisable = (err) => seen.push(err);
    const kept: Handle[] = [];
    const made: Handle[] = [];
    let Node!: HeapType;
    const nested: number[] = [];
    let collecting = false;
    Node = heap.defineType({
      name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true,
      finalizer: (obj) => {
        if (obj.getScalar("v") >= 99) return; // the nodes made here: no chain of finalizers without end
        // allocate and link into the dying object (resurrects what it links), collect, dispose others
        const n = heap.alloc(Node);
        n.setScalar("v", 99);
        obj.set("b", n);
        if (collectorCaps(heap.collector).collectsCycles) { const n = heap.gc.collect(); if (collecting) nested.push(n); }
        heap.weakref(obj, () => {}).dispose();
        made.push(n);
        if (made.length > 3) made.shift()!.dispose();
      },
    });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const root = heap.alloc(List);
    if (collectorCaps(heap.collector).collectsCycles) {
      heap.gc.callbacks.push((phase) => { collecting = phase === "start"; });
      heap.gc.callbacks.push((phase) => {
        // allocation and disposal while a collection runs: no nested collection, nothing half-done
        const t = heap.alloc(Node);
        t.setScalar("v", 99);
        if (phase === "stop") root.push(t);
        t.dispose();
      });
    }
    for (let i = 0; i < 50; i++) {
      const x = heap.alloc(Node);
      x.setScalar("v", i);
      kept.push(heap.weakref(x, () => {
        const y = heap.alloc(Node);
        y.setScalar("v", 99);
        root.push(y);
        y.dispose();
        if (collectorCaps(heap.collector).collectsCycles) heap.gc.collect(0);
        if (root.length > 20) root.pop()?.dispose();
      }));
      if (i % 3 === 0) { const y = heap.alloc(Node); x.set("a", y); y.set("a", x); y.dispose(); }
      x.dispose();
      heap.verify();
    }
    if (collectorCaps(heap.collector).collectsCycles) {
      heap.gc.collect();
      expect(nested.length).toBeGreaterThan(0);
      expect(nested.every((n) => n === 0)).toBe(true); // a collect() from a finalizer run by a collection returns 0
    }
    heap.flushUnraisable();
    expect(seen).toEqual([]);
    heap.verify();
    for (const k of kept) if (k.type === Node) expect(k.getScalar("v")).toBe(99);
    for (const k of made) expect(k.getScalar("v")).toBe(99);
    for (const k of [...kept.splice(0), ...made.splice(0)]) k.dispose();
    root.dispose();
    heap.gc.callbacks.length = 0;
    if (collectorCaps(heap.collector).collectsCycles) {
      heap.gc.collect();
      expect(heap.stats().liveObjects).toBe(0);
    }
    expect(heap.liveHandles).toBe(0);
  });
});
