// Weak containers living in the heap: entries vanish the moment their object dies.
import { expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import { HeapTypeError, HeapWeakRef, WeakKeyMap, WeakSet, WeakValueMap, type Handle, type Heap } from "../src/index.js";

function types(heap: Heap) {
  return {
    Obj: heap.defineType({ name: "Obj", refs: ["a"], scalars: { v: "i32" }, weakrefable: true }),
    Plain: heap.defineType({ name: "Plain", scalars: { v: "i32" } }),
  };
}

heapSuite("WeakValueMap", ({ make }) => {
  test("int and string keys; an entry vanishes the moment its value dies", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const m = new WeakValueMap(heap);
    const a = heap.alloc(Obj), b = heap.alloc(Obj);
    a.setScalar("v", 1);
    b.setScalar("v", 2);
    m.set(1, a).set(-7, b).set("alpha", a).set("β".repeat(600), b); // a 1200-byte key
    expect(m.size).toBe(4);
    expect(heap.refcount(a)).toBe(1); // held weakly
    const got = m.get("alpha")!;
    expect(got.is(a)).toBe(true);
    got.dispose();
    expect(m.has("β".repeat(600))).toBe(true);
    expect(m.get(99)).toBeUndefined();
    a.dispose();
    expect(m.size).toBe(2);
    expect(m.has(1)).toBe(false);
    expect(m.get("alpha")).toBeUndefined();
    expect([...m.keys()].sort()).toEqual([-7, "β".repeat(600)].sort());
    expect(m.delete(-7)).toBe(true);
    expect(m.delete(-7)).toBe(false);
    b.dispose();
    expect(m.size).toBe(0);
    m.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("seed: a weak cache returns the same object while it lives and does not keep it", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const cache = new WeakValueMap(heap);
    let created = 0;
    const fetch = (id: number): Handle => {
      const hit = cache.get(id);
      if (hit) return hit;
      created++;
      const o = heap.alloc(Obj);
      o.setScalar("v", id);
      cache.set(id, o);
      return o;
    };
    const x = fetch(42);
    const y = fetch(42);
    expect(y.is(x)).toBe(true); // same object while alive
    expect(created).toBe(1);
    x.dispose(); y.dispose(); // unreferenced: not retained
    expect(cache.size).toBe(0);
    const z = fetch(42);
    expect(created).toBe(2);
    z.dispose();
  });

  test("replacing a value keeps the old one alive elsewhere and tracks the new one", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const m = new WeakValueMap(heap);
    const a = heap.alloc(Obj), b = heap.alloc(Obj);
    m.set("k", a);
    m.set("k", b);
    a.dispose(); // the old value's death must not remove the new entry
    expect(m.size).toBe(1);
    const got = m.get("k")!;
    expect(got.is(b)).toBe(true);
    got.dispose();
    b.dispose();
    expect(m.size).toBe(0);
  });

  test("values must be weakrefable; keys must be i32 or strings", async () => {
    const heap = await make();
    const { Obj, Plain } = types(heap);
    const m = new WeakValueMap(heap);
    expect(() => m.set(1, heap.alloc(Plain))).toThrow(/cannot create weak reference to 'Plain'/);
    const o = heap.alloc(Obj);
    expect(() => m.set(1.5, o)).toThrow(HeapTypeError);
    expect(() => m.set(2 ** 40, o)).toThrow(HeapTypeError);
    expect(() => m.set({} as never, o)).toThrow(HeapTypeError);
    expect(m.size).toBe(0);
  });

  test("thousands of entries with deaths in between: rehashing keeps every live entry", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const m = new WeakValueMap(heap);
    const keep: Handle[] = [];
    for (let i = 0; i < 5000; i++) {
      const o = heap.alloc(Obj);
      o.setScalar("v", i);
      m.set(i, o);
      m.set(`s${i}`, o);
      if (i % 3 === 0) keep.push(o); else o.dispose();
    }
    expect(m.size).toBe(2 * keep.length);
    for (const o of keep) {
      const v = o.getScalar("v");
      const a = m.get(v)!, b = m.get(`s${v}`)!;
      expect(a.is(o) && b.is(o)).toBe(true);
      a.dispose(); b.dispose();
    }
    heap.verify();
    for (const o of keep) o.dispose();
    expect(m.size).toBe(0);
  });

  test("iteration while entries die: the dead are skipped, nothing breaks", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const m = new WeakValueMap(heap);
    const objs = Array.from({ length: 50 }, (_, i) => { const o = heap.alloc(Obj); m.set(i, o); return o; });
    const seen: number[] = [];
    for (const [k, v] of m.entries()) {
      seen.push(k as number);
      v.dispose();
      // kill a later entry and an earlier one while iterating
      const victim = objs[(k as number) + 1];
      if (victim?.alive) victim.dispose();
      m.set(1000 + (k as number), objs[0].alive ? objs[0] : objs[2]); // insertions (may rehash) are not visited
    }
    expect(seen.length).toBeLessThan(50);
    expect(seen.every((k) => k < 1000)).toBe(true);
    heap.verify();
    for (const o of objs) o.dispose();
    expect(m.size).toBe(0);
  });
});

heapSuite("WeakKeyMap and WeakSet", ({ make }) => {
  test("seed: a descriptor keeping per-instance values in a WeakKeyMap leaks nothing", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const Value = heap.defineType({ name: "Value", scalars: { x: "f64" } });
    const perInstance = new WeakKeyMap(heap); // the descriptor's storage
    const setAttr = (inst: Handle, x: number) => { const v = heap.alloc(Value); v.setScalar("x", x); perInstance.set(inst, v); v.dispose(); };
    const getAttr = (inst: Handle) => { const v = perInstance.get(inst); const x = v?.getScalar("x"); v?.dispose(); return x; };
    const instances = Array.from({ length: 100 }, (_, i) => { const o = heap.alloc(Obj); setAttr(o, i / 2); return o; });
    expect(getAttr(instances[7])).toBe(3.5);
    expect(perInstance.size).toBe(100);
    for (const o of instances) o.dispose(); // keys die: entries and their values go at once
    expect(perInstance.size).toBe(0);
    perInstance.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("values are strong, keys weak; null values; delete and get", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const m = new WeakKeyMap(heap);
    const k1 = heap.alloc(Obj), k2 = heap.alloc(Obj), v = heap.alloc(Obj);
    m.set(k1, v).set(k2, null);
    expect(heap.refcount(v)).toBe(2);
    expect(heap.refcount(k1)).toBe(1);
    expect(m.get(k2)).toBeNull();
    expect(m.get(v)).toBeUndefined();
    const keys = [...m.keys()];
    expect(keys.length).toBe(2);
    for (const k of keys) k.dispose();
    expect(m.delete(k2)).toBe(true);
    k1.dispose();
    expect(heap.refcount(v)).toBe(1);
    expect(m.size).toBe(0);
    v.dispose();
    k2.dispose();
  });

  test("WeakSet: membership ends with the object", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const s = new WeakSet(heap);
    const a = heap.alloc(Obj), b = heap.alloc(Obj);
    s.add(a).add(b).add(a);
    expect(s.size).toBe(2);
    expect(s.has(a)).toBe(true);
    a.dispose();
    expect(s.size).toBe(1);
    const members = [...s];
    expect(members.length).toBe(1);
    expect(members[0].is(b)).toBe(true);
    members[0].dispose();
    expect(s.delete(b)).toBe(true);
    expect(s.has(b)).toBe(false);
    b.dispose();
  });

  test("disposing a map releases its entries; a key dying during the map's own release is safe", async () => {
    const heap = await make();
    const { Obj } = types(heap);
    const m = new WeakKeyMap(heap);
    // each value holds the next key: releasing one value kills the next key while the map is torn down
    const keys = Array.from({ length: 20 }, () => heap.alloc(Obj));
    for (let i = 0; i < keys.length; i++) {
      const v = heap.alloc(Obj);
      if (i + 1 < keys.length) v.set("a", keys[i + 1]);
      m.set(keys[i], v);
      v.dispose();
    }
    for (const k of keys.slice(1)) k.dispose(); // now only values keep keys 1..19 alive
    expect(m.size).toBe(20);
    m.dispose();
    expect(heap.stats().liveObjects).toBe(1); // keys[0]
    keys[0].dispose();
  });
});

test("weak containers are usable from AssemblyScript: the core exports the same operations", async () => {
  const { Heap } = await import("../src/index.js");
  const heap = await Heap.create({ debug: true });
  const { Obj } = types(heap);
  const x = heap.raw.exports;
  const m = x.weakMapNew(1);
  const o = heap.alloc(Obj);
  expect(x.wvmSetInt(m, 5, o.ptr)).toBe(1);
  expect(x.wvmGetInt(m, 5)).toBe(o.ptr);
  o.dispose();
  expect(x.wvmGetInt(m, 5)).toBe(0);
  expect(x.weakMapCount(m)).toBe(0);
  x.decref(m);
  heap.verify();
  expect(heap.stats().liveObjects).toBe(0);
});

// Issue 14: CPython's exact semantics, on the checked and the release build.
heapSuite("weak containers: entries, iteration and keys as CPython's", ({ make, strategy, reuses }) => {
  for (const debug of [true, false]) {
    const build = debug ? "debug" : "release";

    test(`${build}: a finalizer that stores its object in a weak container without keeping it leaves no entry behind`, async () => {
      const heap = await make({ debug });
      const wvm = new WeakValueMap(heap), wkm = new WeakKeyMap(heap), ws = new WeakSet(heap);
      const made: HeapWeakRef[] = [];
      const calls: string[] = [];
      const Obj = heap.defineType({
        name: "Obj", refs: ["a"], weakrefable: true,
        finalizer: (o) => {
          wvm.set(1, o).set("k", o);
          wkm.set(o, null);
          ws.add(o);
          made.push(heap.weakref(o, () => calls.push("callback of a weakref made by the finalizer")), heap.weakref(o));
        },
      });
      // by refcount: the finalizer runs, then the entries it made go with the object, and its
      // weakref is called back (PyObject_ClearWeakRefs after tp_finalize)
      const lone = heap.alloc(Obj);
      lone.dispose();
      expect([wvm.size, wkm.size, ws.size]).toEqual([0, 0, 0]);
      expect(calls.splice(0)).toEqual(["callback of a weakref made by the finalizer"]);
      if (collectorCaps(strategy.collector).collectsCycles) {
        // by the collector (a cycle): finalized in the collection, freed by it
        const a = heap.alloc(Obj), b = heap.alloc(Obj);
        a.set("a", b); b.set("a", a);
        const freedAt = [a.ptr, b.ptr];
        a.dispose(); b.dispose();
        expect(heap.gc.collect()).toBe(2);
        // the weakrefs these finalizers made, called back as their objects are freed (3.12, before
        // gh-91636); 3.14.0's clear_weakrefs clears them without callbacks (lateWeakrefClearing)
        const late = collectorCaps(strategy.collector).lateWeakrefClearing;
        expect(calls.splice(0)).toEqual(late ? [] : ["callback of a weakref made by the finalizer", "callback of a weakref made by the finalizer"]);
        expect([wvm.size, wkm.size, ws.size]).toEqual([0, 0, 0]);
        expect(wvm.get(1)).toBeUndefined();
        expect([...wvm.keys(), ...wkm.keys(), ...ws]).toEqual([]);
        // a new object at a freed address is not a member (mimalloc reuses a freed block only once
        // its page's free list runs out and the local-free list is collected: allocate until then)
        const fresh = [heap.alloc(Obj), heap.alloc(Obj), heap.alloc(Obj)];
        while (reuses && fresh.length < 1 << 14 && !fresh.some((f) => freedAt.includes(f.ptr))) fresh.push(heap.alloc(Obj));
        if (reuses) expect(fresh.some((f) => freedAt.includes(f.ptr))).toBe(true);
        for (const f of fresh) expect([ws.has(f), wkm.has(f), wkm.get(f)]).toEqual([false, false, undefined]);
        for (const f of fresh) f.dispose();
      }
      // the weakrefs the finalizers made are dead and dropped
      expect(made.every((w) => w.dead && w.callback === null)).toBe(true);
      for (const w of made) w.dispose();
      wvm.dispose(); wkm.dispose(); ws.dispose();
      expect(heap.stats().liveObjects).toBe(0);
    });

    test(`${build}: a finalizer run by the collector that stores its object with a strong value resurrects the cycle, entry intact`, async () => {
      if (!collectorCaps(strategy.collector).collectsCycles) return;
      const heap = await make({ debug });
      const wkm = new WeakKeyMap(heap);
      const Obj = heap.defineType({
        name: "Obj", refs: ["a"], weakrefable: true,
        finalizer: (o) => {
          if (wkm.size) return;
          const partner = o.get("a");
          wkm.set(o, partner); // the partner, strongly: it and the key it references live on
          partner?.dispose();
        },
      });
      const a = heap.alloc(Obj), b = heap.alloc(Obj);
      a.set("a", b); b.set("a", a);
      a.dispose(); b.dispose();
      expect(heap.gc.collect()).toBe(0);
      expect(wkm.size).toBe(1);
      const [[k, v]] = [...wkm.entries()];
      const back = v!.get("a")!;
      expect(back.is(k)).toBe(true);
      back.dispose(); k.dispose(); v!.dispose();
      heap.verify();
      wkm.dispose(); // the value goes, and with it the cycle's external reference
      expect(heap.gc.collect()).toBe(2);
      expect(heap.stats().liveObjects).toBe(0);
    });

    test(`${build}: iteration visits every entry live at the start and still live exactly once, however the table grows meanwhile`, async () => {
      const heap = await make({ debug });
      const Obj = heap.defineType({ name: "Obj", refs: ["a"], scalars: { v: "i32" }, weakrefable: true });
      const objs = Array.from({ length: 6 }, (_, i) => { const o = heap.alloc(Obj); o.setScalar("v", i); return o; });
      const extra: Handle[] = [];
      const grow = (add: (o: Handle) => void) => {
        // enough insertions to rehash the table several times
        for (let i = 0; i < 200; i++) { const o = heap.alloc(Obj); o.setScalar("v", 100 + i); add(o); extra.push(o); }
      };
      const wvm = new WeakValueMap(heap), wkm = new WeakKeyMap(heap), ws = new WeakSet(heap);
      objs.forEach((o, i) => { wvm.set(i, o); wkm.set(o, null); ws.add(o); });

      wvm.set("s", objs[0]);
      const seenWvm: (number | string)[] = [];
      for (const k of wvm.keys()) {
        // both tables grow (and rehash); neither table's new keys are visited
        if (!seenWvm.length) grow((o) => wvm.set(o.getScalar("v"), o).set(`s${o.getScalar("v")}`, o));
        seenWvm.push(k);
      }
      expect(seenWvm.sort()).toEqual([0, 1, 2, 3, 4, 5, "s"]);
      // an iteration left early (before the string table) releases what it held for both
      const early = wvm.keys();
      early.next();
      early.return(undefined);

      const seenWkm: number[] = [];
      for (const [k, v] of wkm) {
        if (!seenWkm.length) grow((o) => wkm.set(o, null));
        seenWkm.push(k.getScalar("v"));
        k.dispose(); v?.dispose();
      }
      expect(seenWkm.sort()).toEqual([0, 1, 2, 3, 4, 5]);

      // growth, a deletion and a death during one iteration: the other four once each
      const seenWs: number[] = [];
      for (const m of ws) {
        if (!seenWs.length) {
          grow((o) => ws.add(o));
          const first = m.getScalar("v");
          const del = objs[(first + 1) % 6], dies = objs[(first + 2) % 6];
          ws.delete(del);
          dies.dispose();
        }
        seenWs.push(m.getScalar("v"));
        m.dispose();
      }
      expect(seenWs.length).toBe(4);
      expect(new Set(seenWs).size).toBe(4);
      expect(seenWs.every((v) => v < 6)).toBe(true);
      heap.verify();
      for (const o of [...objs, ...extra]) o.dispose();
      expect([wvm.size, wkm.size, ws.size]).toEqual([0, 0, 0]);
      // an iteration left early releases what it held
      const gone = heap.alloc(Obj);
      ws.add(gone);
      gone.dispose(); // (its entry goes at once)
      const keep = [heap.alloc(Obj), heap.alloc(Obj)];
      for (const k of keep) ws.add(k);
      for (const m of ws) { m.dispose(); break; }
      for (const k of keep) k.dispose();
      expect(ws.size).toBe(0);
      wvm.dispose(); wkm.dispose(); ws.dispose();
      expect(heap.stats().liveObjects).toBe(0);
    });

    test(`${build}: a key weakrefs cannot point at is a HeapTypeError for set, get and delete; has() answers false`, async () => {
      const heap = await make({ debug });
      const { Obj, Plain } = types(heap);
      const wkm = new WeakKeyMap(heap), ws = new WeakSet(heap);
      const o = heap.alloc(Obj), p = heap.alloc(Plain);
      wkm.set(o, p); ws.add(o);
      const proxy = heap.proxy(o);
      for (const bad of [p, proxy as Handle]) {
        expect(() => wkm.get(bad)).toThrow(HeapTypeError);
        expect(() => wkm.delete(bad)).toThrow(/cannot create weak reference/);
        expect(() => wkm.set(bad, null)).toThrow(HeapTypeError);
        expect(() => ws.delete(bad)).toThrow(/WeakSet.delete: cannot create weak reference/);
        expect(() => ws.add(bad)).toThrow(HeapTypeError);
        expect([wkm.has(bad), ws.has(bad)]).toEqual([false, false]);
      }
      expect(() => wkm.get(null as never)).toThrow(HeapTypeError);
      expect([wkm.has(null as never), ws.has(null as never)]).toEqual([false, false]);
      expect([wkm.size, ws.size, heap.refcount(p)]).toEqual([1, 1, 2]); // nothing changed
      proxy.dispose(); o.dispose(); p.dispose();
      expect([wkm.size, ws.size]).toEqual([0, 0]);
      wkm.dispose(); ws.dispose();
    });
  }
});
