// Weak references, proxies, finalizers and finalize objects, with CPython's semantics
// (shared/reference/gc-internals.md sections 2 and 3).
import { expect, test } from "vitest";
import { collectJsGarbage, collectorCaps, heapSuite } from "./helpers.js";
import { HeapReferenceError, HeapTypeError, HeapWeakRef, type Handle, type Heap } from "../src/index.js";

function types(heap: Heap, finalizer?: (obj: Handle) => void) {
  return {
    Obj: heap.defineType({ name: "Obj", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true, finalizer }),
    Plain: heap.defineType({ name: "Plain", refs: ["a"] }),
    List: heap.defineType({ name: "List", kind: "refarray" }),
  };
}

/** A finalizer drops R (an Obj), then W, a weakref to R whose callback logs "callback": R's death waits on the worklist meanwhile. */
function dropReferentThenWeakref(heap: Heap, events: string[], rFinalizer?: (self: Handle) => void): void {
  const { Obj } = types(heap, rFinalizer);
  const r = heap.alloc(Obj);
  const w = heap.weakref(r, () => { events.push("callback"); });
  const X = heap.defineType({ name: "X", finalizer: () => { r.dispose(); w.dispose(); } });
  heap.alloc(X).dispose();
}

/** Collects what onUnraisable receives. */
function unraisable(heap: Heap) {
  const seen: { err: unknown; context: string }[] = [];
  heap.onUnraisable = (err, context) => seen.push({ err, context });
  return seen;
}

heapSuite("weak references", ({ make }) => {
  test("deref gives the object while it lives and null once it has died", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const o = heap.alloc(Obj);
    o.setScalar("v", 5);
    const wr = heap.weakref(o);
    const d = wr.deref()!;
    expect(d.getScalar("v")).toBe(5);
    expect(heap.refcount(o)).toBe(2); // weakrefs add nothing; the deref'd handle adds one
    d.dispose();
    expect(wr.dead).toBe(false);
    o.dispose(); // dies at once: no collector needed
    expect(wr.dead).toBe(true);
    expect(wr.deref()).toBeNull();
    expect(heap.stats().liveObjects).toBe(1); // only the weakref object
  });

  test("a weakref costs 32 bytes; types that are not weakrefable pay nothing and refuse weakrefs", async () => {
    const heap = await make();
    const { Obj, Plain } = types(heap);
    const o = heap.alloc(Obj);
    const before = heap.stats();
    const wr = heap.weakref(o, () => {});
    const after = heap.stats();
    expect(after.objectHeaderBytes + after.objectPayloadBytes - before.objectHeaderBytes - before.objectPayloadBytes).toBe(32);
    expect(() => heap.weakref(heap.alloc(Plain))).toThrow(HeapTypeError);
    expect(() => heap.weakref(heap.alloc(Plain))).toThrow(/cannot create weak reference to 'Plain' object/);
    wr.dispose();
  });

  test("callback-less weakrefs and proxies are shared, one each per object; callbacks make new ones", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const o = heap.alloc(Obj);
    const r1 = heap.weakref(o), r2 = heap.weakref(o);
    expect(r1.ptr).toBe(r2.ptr);
    const p1 = heap.proxy(o), p2 = heap.proxy(o);
    expect(p1.weakref.ptr).toBe(p2.weakref.ptr);
    expect(p1.weakref.ptr).not.toBe(r1.ptr);
    const c1 = heap.weakref(o, () => {}), c2 = heap.weakref(o, () => {});
    expect(c1.ptr).not.toBe(c2.ptr);
    expect(heap.getweakrefcount(o)).toBe(4);
    // list order: basic ref, basic proxy, then the newest callback ref first
    const refs = heap.getweakrefs(o).map((w) => (w instanceof HeapWeakRef ? w.ptr : w.weakref.ptr));
    expect(refs).toEqual([r1.ptr, p1.weakref.ptr, c2.ptr, c1.ptr]);
  });

  test("on death every weakref is cleared before any callback; callbacks run newest first with their weakref", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const o = heap.alloc(Obj);
    const order: string[] = [];
    const all: HeapWeakRef[] = [];
    const cb = (name: string) => (wr: HeapWeakRef) => {
      order.push(name);
      expect(wr.deref()).toBeNull();
      expect(all.every((w) => w.dead)).toBe(true); // all cleared first
    };
    all.push(heap.weakref(o, cb("first")), heap.weakref(o, cb("second")), heap.weakref(o, cb("third")), heap.weakref(o));
    const received: HeapWeakRef[] = [];
    const w4 = heap.weakref(o, (wr) => received.push(wr));
    o.dispose();
    expect(order).toEqual(["third", "second", "first"]);
    expect(received.length).toBe(1);
    expect(received[0] === w4).toBe(true); // the very weakref the user holds (issue 14)
    expect(w4.dead).toBe(true);
  });

  test("a weakref that is itself dying gets no callback (CPython list_dealloc releases the last item first)", async () => {
    const heap = await make();
    const { Obj, List } = types(heap);
    let calls = 0;
    // [W, X]: X is released first, W still alive in the list: W's callback runs
    {
      const x = heap.alloc(Obj);
      const w = heap.weakref(x, () => { calls++; });
      const l = heap.alloc(List, [w, x]);
      w.dispose(); x.dispose();
      l.dispose();
      expect(calls).toBe(1);
    }
    // [X, W]: W is released (and freed) first, then X dies: nobody to call
    {
      const x = heap.alloc(Obj);
      const w = heap.weakref(x, () => { calls++; });
      const l = heap.alloc(List, [x, w]);
      w.dispose(); x.dispose();
      l.dispose();
      expect(calls).toBe(1);
    }
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("a callback's exception goes to onUnraisable; the other callbacks still run and the heap is intact", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const seen = unraisable(heap);
    const o = heap.alloc(Obj);
    let ran = 0;
    const w1 = heap.weakref(o, () => { ran++; });
    const w2 = heap.weakref(o, function boom() { throw new Error("boom"); });
    const w3 = heap.weakref(o, () => { ran++; });
    o.dispose();
    expect(ran).toBe(2);
    expect(seen.length).toBe(1);
    expect((seen[0].err as Error).message).toBe("boom");
    expect(seen[0].context).toMatch(/weakref callback boom/);
    heap.verify();
    w1.dispose(); w2.dispose(); w3.dispose();
  });

  test("callbacks may allocate, drop references and create weakrefs (re-entrant calls are safe)", async () => {
    const heap = await make();
    const { Obj, List } = types(heap);
    const keep = heap.alloc(List);
    const a = heap.alloc(Obj), b = heap.alloc(Obj);
    a.set("a", b);
    heap.weakref(b, () => { const n = heap.alloc(Obj); keep.push(n); n.dispose(); });
    const wa = heap.weakref(a, () => {
      for (let i = 0; i < 100; i++) { const n = heap.alloc(Obj); heap.weakref(n, () => {}); n.dispose(); }
      if (keep.length) keep.pop()?.dispose();
    });
    b.dispose();
    a.dispose(); // a dies -> a's callback runs, then b dies -> b's callback runs
    expect(wa.dead).toBe(true);
    expect(keep.length).toBe(1);
    heap.verify();
  });

  test("equality and hash follow CPython: referents while alive, identity after; hash survives death", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const o = heap.alloc(Obj), p = heap.alloc(Obj);
    const a = heap.weakref(o, () => {}), b = heap.weakref(o, () => {}), c = heap.weakref(p);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    const h = a.hash();
    expect(h).toBe(o.ptr);
    const late = heap.weakref(p, () => {});
    o.dispose();
    p.dispose();
    expect(a.equals(b)).toBe(false); // both dead: identity
    expect(a.equals(a.dup() as HeapWeakRef)).toBe(true);
    expect(a.hash()).toBe(h); // cached before death
    expect(() => late.hash()).toThrow(/weak object has gone away/);
    expect(String(a)).toMatch(/^<weakref at 0x[0-9a-f]+; dead>$/);
  });

  test("proxies behave like the object and raise HeapReferenceError once it is dead", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const o = heap.alloc(Obj);
    const child = heap.alloc(Obj);
    const px = heap.proxy(o);
    px.setScalar("v", 9);
    expect(o.getScalar("v")).toBe(9);
    px.set("a", child);
    expect(px.get("a")!.is(child)).toBe(true);
    expect(px.type.name).toBe("Obj");
    expect(heap.refcount(o)).toBe(1);
    let called = 0;
    const px2 = heap.proxy(o, () => { called++; });
    o.dispose();
    expect(called).toBe(1);
    expect(() => px.getScalar("v")).toThrow(HeapReferenceError);
    expect(() => px.type).toThrow(/weakly-referenced object no longer exists/);
    expect(String(px)).toMatch(/weakproxy.*dead/);
    px.dispose(); px2.dispose(); child.dispose();
  });

  test("seed: a doubly linked list whose back links are weak proxies frees by refcounting alone", async () => {
    const heap = await make();
    const Link = heap.defineType({ name: "Link", refs: ["next", "prev"], scalars: { v: "i32" }, weakrefable: true });
    const head = heap.alloc(Link);
    let tail = head.dup();
    for (let i = 1; i < 100; i++) {
      const n = heap.alloc(Link);
      n.setScalar("v", i);
      tail.set("next", n);
      const back = heap.proxy(tail);
      n.set("prev", back); // stores the proxy object itself
      back.dispose();
      tail.dispose();
      tail = n;
    }
    const prev = tail.get("prev")! as unknown as { getScalar(f: string): number; isProxy: boolean };
    expect(prev.isProxy).toBe(true);
    expect(prev.getScalar("v")).toBe(98);
    (prev as unknown as Handle).dispose();
    tail.dispose();
    head.dispose(); // no cycle: the whole list and its proxies go
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("seed: a tree with weak parent pointers frees from the root; a child sees its parent go", async () => {
    const heap = await make();
    const Node = heap.defineType({ name: "TreeNode", refs: ["children", "parent"], weakrefable: true });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const root = heap.alloc(Node);
    const kids = heap.alloc(List);
    root.set("children", kids);
    const keptChild = heap.alloc(Node);
    for (let i = 0; i < 5; i++) {
      const c = i === 0 ? keptChild.dup() : heap.alloc(Node);
      const up = heap.weakref(root);
      c.set("parent", up);
      up.dispose();
      kids.push(c);
      c.dispose();
    }
    kids.dispose();
    const parentRef = keptChild.get("parent") as HeapWeakRef;
    const parent = parentRef.deref()!;
    expect(parent.is(root)).toBe(true);
    parent.dispose();
    root.dispose();
    expect(parentRef.deref()).toBeNull(); // the child outlives its parent and can tell
    parentRef.dispose();
    keptChild.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("seed: observers held weakly are notified while alive and drop out when they die", async () => {
    const heap = await make();
    const Observer = heap.defineType({ name: "Observer", scalars: { seen: "i32" }, weakrefable: true });
    const observers = new Set<HeapWeakRef>();
    const subscribe = (o: Handle) => observers.add(heap.weakref(o, (wr) => observers.delete([...observers].find((w) => w.equals(wr) && w.ptr === wr.ptr)!)));
    const notify = () => {
      for (const w of observers) { const o = w.deref(); if (o) { o.setScalar("seen", o.getScalar("seen") + 1); o.dispose(); } }
    };
    const a = heap.alloc(Observer), b = heap.alloc(Observer);
    subscribe(a); subscribe(b);
    notify();
    b.dispose(); // the subject does not keep it alive
    expect(observers.size).toBe(1);
    notify();
    expect(a.getScalar("seen")).toBe(2);
    a.dispose();
    expect(observers.size).toBe(0);
  });
});

heapSuite("finalizers (PEP 442 on the refcount path)", ({ make }) => {
  test("the finalizer runs once, with the object whole, before its weakrefs are cleared and its children released", async () => {
    const heap = await make();
    const log: string[] = [];
    let wr: HeapWeakRef | null = null;
    const { Obj } = types(heap, (obj) => {
      const child = obj.get("a");
      log.push(`finalize v=${obj.getScalar("v")} child=${child?.getScalar("v")}`);
      child?.dispose();
      const d = wr!.deref(); // a handle from deref() owns a reference: dispose it, or it resurrects the object
      log.push(`weakref alive: ${d !== null}`);
      d?.dispose();
    });
    const o = heap.alloc(Obj);
    o.setScalar("v", 1);
    const c = heap.alloc(Obj);
    c.setScalar("v", 2);
    o.set("a", c);
    c.dispose();
    wr = heap.weakref(o, () => log.push("callback"));
    o.dispose();
    expect(log).toEqual(["finalize v=1 child=2", "weakref alive: true", "callback", "finalize v=2 child=undefined", "weakref alive: false"]);
    expect(heap.stats().liveObjects).toBe(1); // the weakref
  });

  test("resurrection: a finalizer that stores the object keeps it alive, and never runs again", async () => {
    const heap = await make();
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const graveyard = heap.alloc(List);
    let runs = 0;
    const { Obj } = types(heap, (obj) => { runs++; graveyard.push(obj); });
    const o = heap.alloc(Obj);
    o.setScalar("v", 7);
    const w = heap.weakref(o);
    o.dispose();
    expect(runs).toBe(1);
    expect(w.dead).toBe(false); // resurrected: not freed, weakrefs intact
    const back = graveyard.pop()!;
    expect(back.getScalar("v")).toBe(7);
    expect(heap.refcount(back)).toBe(1);
    back.dispose(); // dies for real now, without a second finalizer call
    expect(runs).toBe(1);
    expect(w.dead).toBe(true);
    expect(heap.stats().liveObjects).toBe(2); // graveyard + weakref
  });

  test("a finalizer may resurrect by keeping a host handle (dup)", async () => {
    const heap = await make();
    let kept: Handle | null = null;
    const { Obj } = types(heap, (obj) => { kept = obj.dup(); });
    heap.alloc(Obj).dispose();
    expect(kept!.alive).toBe(true);
    expect(heap.stats().liveObjects).toBe(1);
    kept!.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("weakrefs created inside the finalizer are called back too, newest first (subtype_dealloc clears weakrefs after tp_finalize)", async () => {
    const heap = await make();
    const calls: string[] = [];
    let made: HeapWeakRef | null = null;
    const { Obj } = types(heap, (obj) => { made = heap.weakref(obj, () => calls.push("made in finalizer")); });
    const o = heap.alloc(Obj);
    const before = heap.weakref(o, () => calls.push("made before"));
    o.dispose();
    expect(calls).toEqual(["made in finalizer", "made before"]);
    expect(made!.dead).toBe(true);
    made!.dispose();
    before.dispose();
  });

  test("a finalizer's exception goes to onUnraisable and the object is still freed", async () => {
    const heap = await make();
    const seen = unraisable(heap);
    const { Obj } = types(heap, () => { throw new TypeError("bad finalizer"); });
    const o = heap.alloc(Obj);
    o.dispose();
    expect(seen.length).toBe(1);
    expect(seen[0].context).toMatch(/finalizer of <Obj object at 0x/);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("finalizers run for every node of a freed structure, and may allocate and free while it is freed", async () => {
    const heap = await make();
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const keep = heap.alloc(List);
    let runs = 0;
    const { Obj } = types(heap, (obj) => {
      runs++;
      if (obj.getScalar("v") < 0) return; // the finalizer's own allocations (else: endless, as in Python)
      const n = heap.alloc(Obj); // allocation inside a finalizer, during the free of a tree
      n.setScalar("v", -1);
      if (obj.getScalar("v") % 2) keep.push(n);
      n.dispose();
    });
    const build = (d: number): Handle => {
      const n = heap.alloc(Obj);
      n.setScalar("v", d);
      if (d > 0) { const l = build(d - 1), r = build(d - 1); n.set("a", l); n.set("b", r); l.dispose(); r.dispose(); }
      return n;
    };
    build(6).dispose();
    // 127 tree nodes, plus the fresh nodes of the 85 even-depth nodes, which died at once (their
    // finalizers run too); the 42 odd-depth nodes kept theirs
    expect(runs).toBe(127 + 85);
    expect(keep.length).toBe(42);
    heap.verify();
    keep.dispose();
    expect(runs).toBe(127 + 85 + 42);
  });
});

heapSuite("finalize objects (weakref.finalize)", ({ make }) => {
  test("seed: a file-like resource is closed by a finalize callback the moment its last reference goes", async () => {
    const heap = await make();
    const File = heap.defineType({ name: "File", scalars: { fd: "i32" }, weakrefable: true });
    const closed: number[] = [];
    const f = heap.alloc(File);
    f.setScalar("fd", 3);
    const fin = heap.finalize(f, (fd: number) => closed.push(fd), 3);
    expect(fin.alive).toBe(true);
    const [obj, fn, args] = fin.peek()!;
    expect(obj.is(f)).toBe(true);
    expect(fn).toBeTypeOf("function");
    expect(args).toEqual([3]);
    obj.dispose();
    f.dispose();
    expect(closed).toEqual([3]);
    expect(fin.alive).toBe(false);
    expect(fin.call()).toBeUndefined(); // once only
  });

  test("call() runs it early, detach() stops it, and exit-time ones run at destroy, newest first", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const log: string[] = [];
    const a = heap.alloc(Obj), b = heap.alloc(Obj), c = heap.alloc(Obj);
    const fa = heap.finalize(a, (s: string) => { log.push(s); return 42; }, "a");
    expect(fa.call()).toBe(42);
    a.dispose();
    expect(log).toEqual(["a"]);
    const fb = heap.finalize(b, () => log.push("b"));
    const got = fb.detach()!;
    expect(got[0].is(b)).toBe(true);
    got[0].dispose();
    b.dispose();
    expect(log).toEqual(["a"]);
    const seen = unraisable(heap);
    heap.finalize(c, () => log.push("c1"));
    heap.finalize(c, () => { throw new Error("exit boom"); });
    const quiet = heap.finalize(c, () => log.push("never"));
    quiet.atexit = false;
    heap.finalize(c, () => log.push("c3"));
    heap.verify();
    heap.destroy();
    expect(log).toEqual(["a", "c3", "c1"]);
    expect(seen.map((s) => (s.err as Error).message)).toEqual(["exit boom"]);
  });
});

// Issue 14: CPython's exact weakref semantics, on the checked and the release build.
heapSuite("weakref callbacks as CPython's", ({ make, strategy }) => {
  for (const debug of [true, false]) {
    const build = debug ? "debug" : "release";

    test(`${build}: callback is null once the referent has died (CPython's __callback__ becomes None), already inside the callback`, async () => {
      const heap = await make({ debug });
      const { Obj } = types(heap);
      const o = heap.alloc(Obj);
      const cb = (w: HeapWeakRef) => { inside.push(w.callback); };
      const inside: unknown[] = [];
      const wr = heap.weakref(o, cb);
      const basic = heap.weakref(o);
      const px = heap.proxy(o, cb);
      expect(wr.callback === cb && px.weakref.callback === cb).toBe(true);
      expect(basic.callback).toBeNull();
      o.dispose();
      expect(inside).toEqual([null, null]);
      expect([wr.callback, px.weakref.callback, basic.callback]).toEqual([null, null, null]);
      // and when a collection clears it
      if (collectorCaps(strategy.collector).collectsCycles) {
        const a = heap.alloc(Obj);
        const w2 = heap.weakref(a, (w) => inside.push(w.callback));
        a.set("a", a);
        a.dispose();
        heap.gc.collect();
        expect([w2.dead, w2.callback, inside.length]).toEqual([true, null, 3]);
        expect(inside[2]).toBeNull();
        w2.dispose();
      }
      wr.dispose(); basic.dispose(); px.dispose();
    });

    test(`${build}: a callback receives the very HeapWeakRef that weakref()/proxy() returned while the user holds it`, async () => {
      const heap = await make({ debug });
      const { Obj } = types(heap);
      const mine = new Set<HeapWeakRef>();
      const got: HeapWeakRef[] = [];
      const onDeath = (w: HeapWeakRef) => { got.push(w); mine.delete(w); }; // users drop their refs from their own sets
      const o = heap.alloc(Obj);
      const a = heap.weakref(o, onDeath), b = heap.weakref(o, onDeath);
      const px = heap.proxy(o, onDeath);
      mine.add(a).add(b).add(px.weakref);
      o.dispose();
      // (identities compared as booleans: a failing toBe on handles would print the whole heap)
      expect(got.map((w, i) => w === [px.weakref, b, a][i])).toEqual([true, true, true]); // newest first
      expect(mine.size).toBe(0);
      expect([a.alive, b.alive, px.weakref.alive]).toEqual([true, true, true]); // still the user's to dispose
      a.dispose(); b.dispose(); px.dispose();

      // the user disposed it: the callback gets a new handle, disposed after the call; nothing leaks
      const o2 = heap.alloc(Obj);
      const gone = heap.weakref(o2, onDeath);
      const kept = gone.dup(); // the weakref lives on, but not as the handle weakref() returned
      gone.dispose();
      got.length = 0;
      o2.dispose();
      expect(got.length).toBe(1);
      expect(got[0] === gone).toBe(false);
      expect(got[0].alive).toBe(false); // disposed after the call
      kept.dispose();
      expect(heap.liveHandles).toBe(0);

      // inside a collection too (the weakref is not garbage: it is called back with the same object)
      if (collectorCaps(strategy.collector).collectsCycles) {
        const c = heap.alloc(Obj);
        c.set("a", c);
        const w = heap.weakref(c, onDeath);
        c.dispose();
        got.length = 0;
        expect(heap.gc.collect()).toBe(1);
        expect(got.length === 1 && got[0] === w).toBe(true);
        w.dispose();
      }
    });

    test(`${build}: a weakref with a callback is held weakly once registered: forgotten, it is released; kept, the callback gets it`, async () => {
      const heap = await make({ debug });
      const { Obj } = types(heap);
      const o = heap.alloc(Obj);
      const got: HeapWeakRef[] = [];
      (() => { heap.weakref(o, (w) => { got.push(w); }); })(); // forgotten without dispose()
      const kept = heap.weakref(o, (w) => { got.push(w); });
      expect(heap.getWeakrefCount(o)).toBe(2);
      await collectJsGarbage(() => heap.leakedHandlesReleased > 0); // the nursery sweep registers both; JS collects the forgotten one
      expect(heap.leakedHandlesReleased).toBe(1);
      expect(heap.getWeakrefCount(o)).toBe(1); // its weakref object went with its last reference
      o.dispose();
      expect(got.length === 1 && got[0] === kept).toBe(true); // the very object the user kept
      kept.dispose();
      expect(heap.liveHandles).toBe(0);
    });

    test(`${build}: callback ids are reused once their weakref is freed: the 2^24 limit is on weakrefs alive at once`, async () => {
      const heap = await make({ debug });
      const { Obj } = types(heap);
      const o = heap.alloc(Obj);
      const idOf = (w: HeapWeakRef) => heap.core.weakrefKind(w.ptr) >>> 8;
      const ids = new Set<number>();
      for (let i = 0; i < 1000; i++) {
        const w = heap.weakref(o, () => {});
        ids.add(idOf(w));
        w.dispose(); // the weakref object is freed, and its id with it
      }
      expect(ids.size).toBe(1);
      // an id whose callback ran stays taken while its weakref lives: a new weakref never shares it
      const calls: string[] = [];
      const first = heap.weakref(o, () => calls.push("first"));
      o.dispose();
      const o2 = heap.alloc(Obj);
      const second = heap.weakref(o2, () => calls.push("second"));
      expect(idOf(second) === idOf(first)).toBe(false);
      first.dispose(); // frees the first id: must not drop the second's callback
      expect(second.callback).not.toBeNull();
      o2.dispose();
      expect(calls).toEqual(["first", "second"]);
      second.dispose();
    });

    // A weakref whose referent's death waits on the death worklist (host code or another death is
    // running) used to die at once, leaving its referent's list: its callback was lost. CPython frees
    // nested, so the referent dies (and calls the weakref back) before the weakref's own turn comes.
    // Now the weakref's death waits for its referent's (assembly/rc.ts deferWeakrefDeath).
    for (const rFin of [false, true]) {
      const rKind = rFin ? "with a finalizer" : "without a finalizer";
      test(`${build}: a resurrecting finalizer frees a container holding [R ${rKind}, W]: W is called back once, with W; [W, R]: no callback`, async () => {
        const heap = await make({ debug });
        const events: string[] = [];
        const got: { wr: HeapWeakRef; ptr: number }[] = [];
        let wPtr = 0;
        const R = heap.defineType({ name: "R", refs: ["a"], weakrefable: true, finalizer: rFin ? (self) => {
          events.push("fin R");
          // R's death runs: W is alive as in CPython (the container's slot holding it is cleared after
          // R's dealloc), found by the census; the heap is consistent, and a collection loses nothing
          expect(heap.getWeakrefCount(self)).toBe(order === "R,W" ? 1 : 0);
          const found = heap.inspect.at(wPtr);
          expect(found !== null).toBe(order === "R,W");
          found?.dispose();
          heap.verify();
          heap.gc.collect();
        } : undefined });
        const Pair = heap.defineType({ name: "Pair", refs: ["x", "y"] });
        let toFree: Handle | null = null;
        const kept: Handle[] = [];
        // its finalizer resurrects it, so the containers that died inside release their references at once
        const Res = heap.defineType({ name: "Res", finalizer: (self) => { kept.push(self.dup()); toFree?.dispose(); toFree = null; events.push("fin Res"); } });
        let order = "";
        for (order of ["R,W", "W,R"]) {
          events.length = 0; got.length = 0;
          const r = heap.alloc(R);
          const w = heap.weakref(r, (wr) => { events.push("callback"); got.push({ wr, ptr: wr.ptr }); expect(wr.dead).toBe(true); });
          wPtr = w.ptr;
          const pair = heap.alloc(Pair);
          pair.set(order === "R,W" ? "x" : "y", r);
          pair.set(order === "R,W" ? "y" : "x", w);
          r.dispose(); w.dispose();
          toFree = pair;
          heap.alloc(Res).dispose();
          const fin = rFin ? ["fin R"] : [];
          if (order === "R,W") {
            expect(events).toEqual(["fin Res", ...fin, "callback"]);
            // the very weakref object (the user disposed their handle: a new one, disposed after the call)
            expect(got.length === 1 && got[0].wr instanceof HeapWeakRef && got[0].ptr === wPtr && !got[0].wr.alive).toBe(true);
          } else {
            expect(events).toEqual(["fin Res", ...fin]); // W died first (CPython: no callback)
          }
          expect(heap.stats().liveObjects).toBe(kept.length);
          heap.verify();
        }
        for (const k of kept) k.dispose();
        expect(heap.stats().liveObjects).toBe(0);
      });
    }

    test(`${build}: host code drops R, then W (its weakref with a callback): W is called back once; W first: no callback`, async () => {
      const heap = await make({ debug });
      const { Obj } = types(heap);
      const events: string[] = [];
      let drop: (() => void) | null = null;
      const X = heap.defineType({ name: "X", finalizer: () => { drop?.(); drop = null; } });
      for (const rFirst of [true, false]) {
        events.length = 0;
        const r = heap.alloc(Obj);
        const w = heap.weakref(r, (wr) => { events.push(`callback ${wr.ptr === ptr}`); });
        const ptr = w.ptr;
        drop = () => {
          if (rFirst) { r.dispose(); w.dispose(); } else { w.dispose(); r.dispose(); }
          events.push("dropped");
          expect(heap.inspect.at(ptr)).toBeNull(); // (R's death waits its turn; W is dead to the user)
          heap.verify();
          if (collectorCaps(strategy.collector).collectsCycles) expect(heap.gc.collect()).toBe(0); // finds neither
        };
        heap.alloc(X).dispose();
        expect(events).toEqual(rFirst ? ["dropped", "callback true"] : ["dropped"]);
        expect(heap.stats().liveObjects).toBe(0);
      }
    });

    test(`${build}: W waiting on its referent's death is freed without a callback when R's finalizer resurrects R`, async () => {
      const heap = await make({ debug });
      const events: string[] = [];
      let kept: Handle | null = null;
      dropReferentThenWeakref(heap, events, (self) => { events.push("fin R"); kept = self.dup(); });
      // CPython: R's dealloc returns early (resurrected), then W is freed, leaving R's list
      expect(events).toEqual(["fin R"]);
      expect(heap.getWeakrefCount(kept!)).toBe(0);
      expect(heap.stats().liveObjects).toBe(1);
      heap.verify();
      kept!.dispose();
      expect(events).toEqual(["fin R"]);
      expect(heap.stats().liveObjects).toBe(0);
    });

    // verify() counted the object whose death is in progress among the worklists' but not among the
    // dead it found: called by any finalizer or weakref callback at a death, it failed on a sound heap
    test(`${build}: verify() called by a finalizer or a weakref callback at a death passes`, async () => {
      const heap = await make({ debug });
      const seen: string[] = [];
      const check = (where: string) => { try { heap.verify(); seen.push(`${where} ok`); } catch (err) { seen.push(`${where}: ${err}`); } };
      const { Obj } = types(heap, () => check("finalizer"));
      const o = heap.alloc(Obj);
      const w = heap.weakref(o, () => check("callback"));
      o.dispose();
      expect(seen).toEqual(["finalizer ok", "callback ok"]);
      w.dispose();
    });

    test(`${build}: legacy finalizers: host code drops R, then W: W is called back (before R's finalizer, as tp_del)`, async () => {
      const heap = await make({ debug, finalizerMode: "legacy" });
      const events: string[] = [];
      dropReferentThenWeakref(heap, events, () => { events.push("fin R"); });
      expect(events).toEqual(["callback", "fin R"]);
      expect(heap.stats().liveObjects).toBe(0);
    });
  }
});
