// Bad input through the public API, at random: every call either works or throws a typed
// HeapError, and a call that throws has changed nothing (the live set, every refcount, list
// lengths); heap.verify() passes after each call. On the debug build, raw-API calls with
// pointers that are not objects (interior, unaligned, freed, out of memory, of the wrong kind)
// throw HeapAbortError and change nothing.
import { afterAll, expect, test } from "vitest";
import fc from "fast-check";
import { STRATEGIES, collectorCaps, defineNode, heapSuite } from "./helpers.js";
import {
  Handle, Heap, HeapAbortError, HeapError, HeapTypeError, WeakKeyMap, WeakSet, WeakValueMap, type HeapType,
} from "../src/index.js";

const figures = { calls: 0, errors: 0, rawCalls: 0 };
afterAll(() => console.log(`bad input: ${figures.calls} random API calls (${figures.errors} refused with a typed error), ${figures.rawCalls} raw calls with non-object pointers`));

const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 25);
// a fixed seed by default (reproducible runs and figures); BAD_INPUT_SEED=<n> explores others
const SEED = Number(process.env.BAD_INPUT_SEED ?? 20261122);

heapSuite("bad input at random", ({ make, strategy }) => {
  // the release build too: there the host's checks are all that stands between bad input and the core
  for (const debug of [true, false]) test(`${debug ? "debug" : "release"} build: every call works or throws a typed error, and a refused call changes nothing`, async () => {
    const heap = await make({ debug });
    const other = await make({ debug });
    const Node = defineNode(heap, { weakrefable: true });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    const ForeignNode = defineNode(other);
    const foreign = other.alloc(ForeignNode);
    const wvm = new WeakValueMap(heap), wkm = new WeakKeyMap(heap), ws = new WeakSet(heap);

    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 40, size: "max" }), async (calls) => {
      const owned: Handle[] = [];
      // handles made by a call (weak proxies are not Handle instances: they are JS proxies)
      const own = <T,>(x: T): T => { if (x instanceof Handle || (x as { isProxy?: unknown } | null)?.isProxy === true) owned.push(x as unknown as Handle); return x; };
      const node = own(heap.alloc(Node)), node2 = own(heap.alloc(Node));
      const list = own(heap.alloc(List, [node, null]));
      const bytes = own(heap.alloc(Bytes, "abc"));
      const wr = own(heap.weakref(node, () => {}));
      const px = own(heap.proxy(node2)) as unknown as Handle;
      const deadTarget = heap.alloc(Node);
      const deadPx = own(heap.proxy(deadTarget)) as unknown as Handle;
      deadTarget.dispose();
      const disposed = heap.alloc(Node);
      disposed.dispose();
      const handles: unknown[] = [node, node2, list, bytes, wr, px, deadPx, disposed, foreign];
      const junk: unknown[] = [null, undefined, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 40, -(2 ** 31) - 1, "a", "", "v", {}, [], [node, 5], Symbol("s"), 1n, () => {}, new Uint8Array(2), new Uint8Array(9), Node, ForeignNode];
      const values = [...handles, ...junk];
      const fields = ["a", "b", "v", "c", "", undefined, 0, null, Symbol("f")] as unknown[];
      const anyType: unknown[] = [Node, List, Bytes, ForeignNode, ...junk.slice(0, 8)];
      const pick = <T,>(xs: readonly T[], i: number) => xs[i % xs.length];
      const ops: ((a: number, b: number, c: number) => unknown)[] = [
        (a, b) => own(heap.alloc(pick(anyType, a) as HeapType, pick([undefined, ...values], b) as never)),
        (a, b) => own((pick(handles, a) as Handle).get(pick(fields, b) as string)),
        (a, b, c) => (pick(handles, a) as Handle).set(pick(fields, b) as string, pick(values, c) as Handle),
        (a, b) => (pick(handles, a) as Handle).getScalar(pick(fields, b) as string),
        (a, b, c) => (pick(handles, a) as Handle).setScalar(pick(fields, b) as string, pick(values, c) as number),
        (a, b) => own((pick(handles, a) as Handle).at(pick(values, b) as number)),
        (a, b, c) => (pick(handles, a) as Handle).setAt(pick(values, b) as number, pick(values, c) as Handle),
        (a, b) => (pick(handles, a) as Handle).push(pick(values, b) as Handle),
        (a) => own((pick(handles, a) as Handle).pop()),
        (a, b, c) => (pick(handles, a) as Handle).write(pick(values, b) as Uint8Array, pick(values, c) as number),
        (a) => (pick(handles, a) as Handle).length,
        (a) => own((pick(handles, a) as Handle).dup()),
        (a, b) => own(heap.weakref(pick(values, a) as Handle, pick([undefined, () => {}, 5, "x"], b) as never)),
        (a, b) => own(heap.proxy(pick(values, a) as Handle, pick([undefined, () => {}, 5], b) as never)),
        (a, b) => heap.finalize(pick(values, a) as Handle, pick([() => {}, 5, null], b) as never).detach()?.[0].dispose(),
        (a) => heap.refcount(pick(values, a) as Handle),
        (a) => heap.getweakrefcount(pick(values, a) as Handle),
        (a) => collectorCaps(heap.collector).collectsCycles && heap.gc.collect(pick(values, a) as number),
        (a, b, c) => heap.gc.setThreshold(pick([700, ...values], a) as number, pick([10, ...values], b) as number, pick([10, ...values], c) as number),
        (a) => { for (const h of heap.gc.getObjects(pick([undefined, ...values], a) as number)) h.dispose(); },
        (a) => { for (const h of heap.gc.getReferrers(pick(values, a) as Handle)) h.dispose(); },
        (a) => { for (const h of heap.gc.getReferents(pick(values, a) as Handle)) h.dispose(); },
        (a) => heap.gc.isTracked(pick(values, a) as Handle),
        (a) => heap.gc.setDebug(pick([0, ...values], a) as number),
        (a) => heap.gc.setPauseBudget(pick(values, a) as number),
        (a, b) => wvm.set(pick(values, a) as number, pick(values, b) as Handle),
        (a) => own(wvm.get(pick(values, a) as number)),
        (a) => wvm.delete(pick(values, a) as number),
        (a, b) => wkm.set(pick(values, a) as Handle, pick(values, b) as Handle),
        (a) => own(wkm.get(pick(values, a) as Handle)),
        (a) => ws.add(pick(values, a) as Handle),
        (a) => ws.has(pick(values, a) as Handle),
        (a, b, c) => heap.defineType(pick([{ name: "T", refs: pick([["x"], "x", [1], ["x", "x"]], b), scalars: pick([{ s: "i32" }, { s: "u8" }, []], c) }, null, "T", { name: 5 }, { name: "K", kind: "tuple" }, { name: "B", kind: "bytes", weakrefable: true }], a) as never),
        (a, b) => heap.failAllocations(pick([null, ...values], a) as number, pick([1, ...values], b) as number),
      ];
      const snapshot = () => JSON.stringify([
        heap.stats().liveObjects,
        [node, node2, list, bytes, wr].map((h) => heap.refcount(h)),
        list.length, wvm.size, wkm.size, ws.size,
      ]);
      try {
        for (const [op, a, b, c] of calls) {
          const before = snapshot();
          figures.calls++;
          try {
            own(pick(ops, op)(a, b, c));
          } catch (err) {
            figures.errors++;
            if (!(err instanceof HeapError)) throw new Error(`op ${op % ops.length} (${a}, ${b}, ${c}) threw a ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
            const after = snapshot();
            if (after !== before) throw new Error(`op ${op % ops.length} (${a}, ${b}, ${c}) threw ${(err as Error).name} but changed the heap: ${before} -> ${after}`);
          } finally {
            if (heap.debug) heap.failAllocations(null);
          }
          heap.verify();
        }
      } finally {
        for (const h of owned) h.dispose();
        heap.gc.setThreshold(700, 10, 10);
        heap.gc.setDebug(0);
        if (collectorCaps(heap.collector).collectsCycles) heap.gc.collect();
      }
      heap.verify();
    }), { numRuns: RUNS, seed: SEED + STRATEGIES.findIndex((s) => s.allocator === strategy.allocator && s.collector === strategy.collector) });
    wvm.dispose(); wkm.dispose(); ws.dispose();
    foreign.dispose();
  });

  // shrunk counterexamples of the random test above
  test("regression: a weak proxy whose forwarded getter throws does not leak a reference to its referent", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const n = heap.alloc(Node);
    const px = heap.proxy(n);
    expect(() => px.length).toThrow(HeapTypeError); // a fixed type has no length
    expect(heap.refcount(n)).toBe(1);
    px.dispose(); n.dispose();
  });

  test("regression: null, Symbols and non-arrays as arguments are typed errors, not TypeErrors", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    const b = heap.alloc(Bytes, 4);
    const s = Symbol("s") as never;
    for (const call of [
      () => heap.refcount(null as never), () => heap.getweakrefcount(null as never), () => heap.getweakrefs(null as never),
      () => heap.weakref(null as never), () => heap.gc.isTracked(null as never), () => heap.gc.getReferents(null as never),
      () => heap.gc.getReferrers(null as never), () => heap.gc.setThreshold(s), () => heap.gc.getObjects(s),
      () => heap.gc.setPauseBudget(s), () => b.write(5 as never), () => b.write(new Uint8Array(1), s),
      () => heap.alloc(heap.defineType({ name: "L", kind: "refarray" })).at(s),
      // alloc's fast path took undefined for a type of this heap (this.#types[undefined] === undefined)
      () => heap.alloc(undefined as never), () => heap.alloc(null as never), () => heap.alloc({} as never),
      ...(!collectorCaps(heap.collector).collectsCycles ? [] : [() => heap.gc.collect(s)]),
    ]) {
      expect(call).toThrow(HeapError);
    }
    expect(heap.alloc(Node).alive).toBe(true);
  });

  test("debug build: raw calls with pointers that are not objects throw HeapAbortError and change nothing", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    const n = heap.alloc(Node), l = heap.alloc(List, 2), b = heap.alloc(Bytes, 8), w = heap.weakref(n);
    const r = heap.raw, x = heap.core;
    const freed = r.alloc(Node.id);
    r.decref(freed);
    const end = heap.views.u8.length;
    // (not l.ptr + 16: a list's length and capacity words there read as a weakref's header; telling
    // such an interior pointer from an object needs a map of object starts, which the core lacks)
    const notObjects = [0, 1, 4, n.ptr + 4, n.ptr + 8, n.ptr + 1, l.ptr + 8, b.ptr + 8, freed, end, end - 4, 0xffff_fff0, 8];
    const calls: ((p: number) => unknown)[] = [
      (p) => r.incref(p), (p) => r.decref(p), (p) => r.refcount(p), (p) => r.typeOf(p),
      (p) => r.getRef(p, 0), (p) => r.setRef(p, 0, 0),
      (p) => r.listLength(p), (p) => r.listGet(p, 0), (p) => r.listAppend(p, 0),
      (p) => r.listPop(p), (p) => r.bytesLength(p), (p) => r.bytesData(p),
      (p) => x.weakrefNew(p, 0, 0), (p) => x.weakrefGet(p), (p) => x.weakrefKind(p), (p) => x.gcReferentAt(p, 0),
    ];
    // the pointer as the value stored (where 0 is a valid null)
    const valueCalls: ((p: number) => unknown)[] = [
      (p) => r.setRef(n.ptr, 0, p), (p) => r.setRefMove(n.ptr, 1, p), (p) => r.listSet(l.ptr, 0, p), (p) => r.listAppend(l.ptr, p),
    ];
    // objects of the wrong kind for the call
    const wrongKind: [number, (p: number) => unknown][] = [
      [b.ptr, (p) => r.getRef(p, 0)], [l.ptr, (p) => r.getRef(p, 0)], [n.ptr, (p) => r.listGet(p, 0)], [b.ptr, (p) => r.listAppend(p, 0)],
      [n.ptr, (p) => r.bytesLength(p)], [n.ptr, (p) => x.weakrefGet(p)], [b.ptr, (p) => x.weakrefNew(p, 0, 0)], [w.ptr, (p) => x.weakrefNew(p, 0, 0)],
      [n.ptr, (p) => r.setRef(p, 2, 0)], [l.ptr, (p) => r.listGet(p, 2)], [l.ptr, (p) => r.listSet(p, 5, 0)],
    ];
    const snapshot = () => JSON.stringify([heap.stats().liveObjects, [n, l, b, w].map((h) => heap.refcount(h)), l.length, r.getRef(n.ptr, 0), r.getRef(n.ptr, 1)]);
    const before = snapshot();
    const attempts: [number, (p: number) => unknown][] = [
      ...notObjects.flatMap((p) => calls.map((c) => [p, c] as [number, (p: number) => unknown])),
      ...notObjects.filter((p) => p !== 0).flatMap((p) => valueCalls.map((c) => [p, c] as [number, (p: number) => unknown])),
      ...wrongKind,
    ];
    for (const [p, call] of attempts) {
      figures.rawCalls++;
      let err: unknown;
      try { call(p); } catch (e) { err = e; }
      expect(err, `${call} with 0x${p.toString(16)}`).toBeInstanceOf(HeapAbortError);
      expect(snapshot()).toBe(before);
    }
    heap.verify();
    expect(strategy.allocator).toBeTruthy();
    w.dispose();
  });

  test("debug build: raw calls with arguments JS would convert (NaN, fractions, undefined, out of u32 range) throw HeapAbortError and change nothing", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
    const n = heap.alloc(Node), l = heap.alloc(List, [n, null]), b = heap.alloc(Bytes, 8);
    const r = heap.raw;
    // each call's valid arguments; each is replaced in turn by a value wasm's ToInt32 would turn
    // into another integer (before: listGet(l, NaN) read item 0, allocList(List, -1) collected and returned 0)
    const calls: [string, (...a: number[]) => unknown, number[]][] = [
      ["alloc", r.alloc, [Node.id]], ["allocList", r.allocList, [List.id, 2]], ["allocBytes", r.allocBytes, [Bytes.id, 3]],
      ["incref", r.incref, [n.ptr]], ["decref", r.decref, [n.ptr]], ["refcount", r.refcount, [n.ptr]], ["typeOf", r.typeOf, [n.ptr]],
      ["getRef", r.getRef, [n.ptr, 0]], ["setRef", r.setRef, [n.ptr, 0, l.ptr]], ["setRefMove", r.setRefMove, [n.ptr, 1, 0]],
      ["listLength", r.listLength, [l.ptr]], ["listGet", r.listGet, [l.ptr, 0]], ["listSet", r.listSet, [l.ptr, 1, b.ptr]],
      ["listAppend", r.listAppend, [l.ptr, b.ptr]], ["listPop", r.listPop, [l.ptr]], ["bytesLength", r.bytesLength, [b.ptr]], ["bytesData", r.bytesData, [b.ptr]],
    ];
    const bad = (v: number) => [NaN, undefined, v + 0.5, v + 2 ** 32, -(2 ** 32) + v, ...(v === 0 ? [-0.5] : [-v]), Infinity, String(v), null];
    const snapshot = () => JSON.stringify([heap.stats().liveObjects, heap.allocationAttempts, [n, l, b].map((h) => heap.refcount(h)), l.length, r.getRef(n.ptr, 0), r.getRef(n.ptr, 1)]);
    const before = snapshot();
    for (const [name, fn, args] of calls) {
      for (let i = 0; i < args.length; i++) {
        for (const v of bad(args[i])) {
          const a = [...args]; a[i] = v as number;
          let err: unknown;
          try { fn(...a); } catch (e) { err = e; }
          expect(err, `${name}(${a.map(String).join(", ")})`).toBeInstanceOf(HeapAbortError);
          expect(snapshot(), `${name}(${a.map(String).join(", ")})`).toBe(before);
        }
      }
    }
    heap.verify();
  });

  test("release build: failAllocations refuses (no fault injection outside debug builds)", async () => {
    const heap = await Heap.create({ ...strategy });
    expect(() => heap.failAllocations(0)).toThrow(/needs a debug heap/);
    expect(heap.allocationAttempts).toBe(0);
    heap.verify();
  });
});
