// Issue 14, items 1, 2, 5, 10, 16: host code re-entering the heap from inside a death or a
// collection. Deaths caused by host code join the core's worklist instead of nesting (CPython's
// trashcan), an exception that unwinds through the core makes the heap refuse every later call
// (HeapCorruptedError) instead of wedging, the census never hands out a dying object, phase
// listeners cannot change a heap mid-collection, and legacy finalizers behave like tp_del.
// Every test runs on every allocator x collector, on the checked and the release build.
import { describe, expect, test } from "vitest";
import { collectorCaps, heapSuite } from "./helpers.js";
import { makeVM } from "./vm-helpers.js";
import { DEL_CHAIN_DROP, DEL_CHAIN_SETUP, delChainBuild } from "./del-chain.js";
import { HandleDisposedError, HeapConfigError, HeapCorruptedError, type Handle, type Heap, type HeapWeakRef } from "../src/index.js";

const BUILDS = [{ build: "debug", debug: true }, { build: "release", debug: false }] as const;
const MILLION = 1_000_000;

/** Counts how deep calls of a hook nest (1 = never inside another). */
function depthProbe() {
  let depth = 0;
  const probe = {
    max: 0,
    calls: 0,
    run<T>(fn: () => T): T {
      depth++; probe.calls++;
      if (depth > probe.max) probe.max = depth;
      try { return fn(); } finally { depth--; }
    },
  };
  return probe;
}

heapSuite("deaths caused by host code join the worklist", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      test("a 1,000,000-link chain whose finalizer drops the next link: every link dies, finalizers never nest", async () => {
        const heap = await make({ debug });
        const raw = heap.raw;
        const probe = depthProbe();
        const Link = heap.defineType({
          name: "Link", scalars: { next: "i32" },
          finalizer: (h) => probe.run(() => { const next = h.getScalar("next"); if (next) raw.decref(next); }),
        });
        const off = raw.scalarOffset(Link, "next");
        const before = heap.stats().liveObjects;
        let head = 0;
        for (let i = 0; i < MILLION; i++) {
          const p = raw.alloc(Link.id);
          raw.i32[(p + off) >>> 2] = head; // the link owns the next one, through a host-managed pointer
          head = p;
        }
        raw.decref(head);
        expect(probe.calls).toBe(MILLION);
        expect(probe.max).toBe(1);
        expect(heap.stats().liveObjects).toBe(before);
        heap.verify();
      }, 120_000);

      test("a 1,000,000-link chain whose weakref callbacks drop the next link: every callback runs, none nests", async () => {
        const heap = await make({ debug });
        const raw = heap.raw;
        const probe = depthProbe();
        const Obj = heap.defineType({ name: "Obj", weakrefable: true });
        const Keep = heap.defineType({ name: "Keep", kind: "refarray" });
        const keep = heap.alloc(Keep); // holds the weakrefs alive (a dying weakref gets no callback)
        // One callback for every link: the links die in order, so the k-th call (link k - 1 died)
        // drops link k, and checks that its weakref is link k - 1's. A closure per link (a million
        // of them alive, then promoted and marked by V8) was half the cost of building the chain.
        const N = MILLION;
        const ptrs = new Int32Array(N), wrs = new Int32Array(N);
        let k = 0, inOrder = true;
        const dropNext = (w: HeapWeakRef) => probe.run(() => {
          if (w.ptr !== wrs[k]) inOrder = false;
          if (++k < N) raw.decref(ptrs[k]);
        });
        for (let i = 0; i < N; i++) ptrs[i] = raw.alloc(Obj.id);
        for (let i = 0; i < N; i++) {
          const h = heap.wrapBorrowed(ptrs[i])!;
          const wr = heap.weakref(h, dropNext);
          wrs[i] = wr.ptr;
          keep.push(wr);
          wr.dispose();
          h.dispose();
        }
        const before = heap.stats().liveObjects;
        raw.decref(ptrs[0]);
        expect(probe.calls).toBe(N);
        expect(probe.max).toBe(1);
        expect(inOrder).toBe(true);
        expect(heap.stats().liveObjects).toBe(before - N);
        keep.dispose();
        heap.verify();
      }, 300_000);

      test("a 1,000,000-link chain through WeakKeyMap values (item 2): disposing the first frees them all", async () => {
        const heap = await make({ debug });
        const raw = heap.raw;
        const Key = heap.defineType({ name: "Key", weakrefable: true });
        const before = heap.stats().liveObjects;
        const m = heap.core.weakMapNew(3); // a WeakKeyMap's table, driven raw: a million handles would dominate the test
        // m[k0] = k1, m[k1] = k2, ...: each key's death removes its entry, which drops the next key
        const first = raw.alloc(Key.id);
        let prev = first;
        for (let i = 1; i < MILLION; i++) {
          const k = raw.alloc(Key.id);
          if (!heap.core.wkmSet(m, prev, k)) throw new Error("wkmSet: out of memory");
          if (prev !== first) raw.decref(prev); // held by the map's entry for the key before it
          prev = k;
        }
        raw.decref(prev);
        expect(heap.core.weakMapCount(m)).toBe(MILLION - 1);
        raw.decref(first);
        expect(heap.core.weakMapCount(m)).toBe(0);
        raw.decref(m);
        expect(heap.stats().liveObjects).toBe(before);
        heap.verify();
      }, 300_000);

      test("a VM chain whose __del__ drops the next link frees every link, __del__ never nesting", async () => {
        const heap = await make({ debug });
        const { vm, text } = makeVM(heap);
        // Nested, this overflowed the JS stack well below 20,000 links; the depth checked here does
        // not grow with the length. A million links on both builds. A link costs 0.71 µs to build
        // and 0.91 µs to tear down on release, 0.94 and 1.23 on debug (medians of
        // `npx tsx bench/vm-chain.ts --runs 7`, pools/generational, 200,000 links).
        // The chain is built with automatic collection off: each new link makes the previous one a
        // candidate root whose subgraph is the whole chain, so building costs the recycler and the
        // hybrid collector time growing with the square of the length (recycler, release: 2.4, 3.7,
        // 7.3 µs a link at 100k, 200k, 400k links); teardown, the subject here, runs with it on.
        const N = MILLION;
        vm.run(`${DEL_CHAIN_SETUP} ${delChainBuild(N)} ${DEL_CHAIN_DROP} (print deaths deepest)`);
        expect(text()).toBe(`${N} 1\n`);
        vm.dispose();
        heap.verify();
      }, 300_000);

      test("a 100,000-link chain whose finalizers throw and whose onUnraisable drops the next link: every report runs, none nests", async () => {
        // onUnraisable is host code too: a report that caused another (a dispose whose finalizer
        // threw) reported it nested, inside its own report, so the JS stack grew with the chain and
        // ran out a few thousand links in (inside a finalizer hook: the heap then refused every call)
        const heap = await make({ debug });
        const probe = depthProbe();
        const T = heap.defineType({ name: "T", finalizer: () => { throw "link"; } }); // a string: no stack to capture
        const N = 100_000;
        const links: Handle[] = [];
        for (let i = 0; i < N; i++) links.push(heap.alloc(T));
        const before = heap.stats().liveObjects;
        let k = 0;
        const other: unknown[] = [];
        heap.onUnraisable = (err) => probe.run(() => {
          if (err !== "link") other.push(err);
          if (++k < N) links[k].dispose(); // a dispose reports what its death queued, once the core returns
        });
        links[0].dispose();
        expect(other).toEqual([]);
        expect(probe.calls).toBe(N);
        expect(probe.max).toBe(1);
        expect(heap.stats().liveObjects).toBe(before - N);
        heap.verify();
      }, 120_000);

      test("weakrefs to an object whose death waits on the worklist read as dead (CPython 3.13, gh-60806)", async () => {
        const heap = await make({ debug });
        const Obj = heap.defineType({ name: "Obj", refs: ["next"], weakrefable: true, finalizer: () => {} });
        const a = heap.alloc(Obj), b = heap.alloc(Obj);
        const wb = heap.weakref(b);
        const seen: (string | null)[] = [];
        const A = heap.defineType({
          name: "A", weakrefable: true,
          finalizer: () => {
            bHandle!.dispose(); // b's death begins inside host code: it waits its turn
            const r = wb.deref();
            seen.push(r ? "alive" : null);
            r?.dispose();
            seen.push(String(heap.getweakrefcount(a)));
          },
        });
        let bHandle: Handle | null = b;
        const x = heap.alloc(A);
        x.dispose();
        expect(seen).toEqual([null, "0"]);
        expect(wb.deref()).toBeNull();
        wb.dispose(); a.dispose();
        heap.verify();
      });
    });
  }
});

heapSuite("an exception that unwinds through the core makes the heap refuse, never wedge", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      async function corruptedByFinalizerHook(): Promise<Heap> {
        const heap = await make({ debug });
        const T = heap.defineType({ name: "T", refs: ["next"], finalizer: () => {} });
        // the host's hook itself throws: the exception passes through the core's drain loop
        (heap as unknown as { _finalizeHook(p: number): void })._finalizeHook = () => { throw new Error("hook broke"); };
        const h = heap.alloc(T);
        h.set("next", heap.alloc(T));
        expect(() => h.dispose()).toThrow("hook broke");
        return heap;
      }

      test("a finalizer hook that throws past the host's catch: every later call throws HeapCorruptedError naming it", async () => {
        const heap = await corruptedByFinalizerHook();
        const U = heap.types.find((t) => t?.name === "T")!;
        expect(() => heap.verify()).toThrow(HeapCorruptedError);
        expect(() => heap.verify()).toThrow(/finalizer: Error: hook broke/);
        expect(() => heap.alloc(U)).toThrow(HeapCorruptedError);
        expect(() => heap.stats()).toThrow(HeapCorruptedError);
        if (heap.capabilities.collector.collectsCycles) expect(() => heap.gc.collect()).toThrow(HeapCorruptedError);
        let err: unknown;
        try { heap.verify(); } catch (e) { err = e; }
        expect((err as HeapCorruptedError).cause).toBeInstanceOf(Error);
        heap.destroy(); // the suite's verify() would only refuse again
      });

      test("the JS stack exhausted on entry to a finalizer: the object dies or the heap refuses, never a silent wedge", async () => {
        const heap = await make({ debug });
        const T = heap.defineType({ name: "T", refs: ["next"], finalizer: () => {} });
        const raw = heap.raw;
        // Dispose at every depth near the stack's end: some attempts fail before entering the
        // core (nothing changed), some enter it and cannot call the hook (the core unwinds).
        let refused = 0, freed = 0, attempts = 0;
        for (let round = 0; round < 20 && !refused; round++) {
          const p = raw.alloc(T.id);
          const live = heap.stats().liveObjects;
          let done = false;
          const dive = (n: number): void => {
            try { dive(n + 1); } catch (e) {
              if (done) throw e;
              attempts++;
              try { raw.decref(p); done = true; } catch { throw e; } // too deep: try one frame up
            }
          };
          try { dive(0); } catch { /* unwound to the top */ }
          try {
            heap.verify();
            if (heap.stats().liveObjects !== live - 1) raw.decref(p); // the decref never happened: drop it now
            // not wedged: a death still frees its object (a drain left "in progress" freed nothing)
            const q = raw.alloc(T.id);
            raw.decref(q);
            expect(heap.stats().liveObjects).toBe(live - 1);
            heap.verify();
            freed++;
          } catch (e) {
            expect(e).toBeInstanceOf(HeapCorruptedError);
            expect(() => heap.stats()).toThrow(HeapCorruptedError);
            refused++;
          }
        }
        expect(attempts).toBeGreaterThan(0);
        expect(refused + freed).toBeGreaterThan(0);
        if (refused) heap.destroy();
      });

      test("a gc callback hook that throws mid-collection: collect() refuses instead of returning 0 forever", async () => {
        const heap = await make({ debug });
        if (!heap.capabilities.collector.collectsCycles) return;
        const Node = heap.defineType({ name: "Node", refs: ["a"] });
        const a = heap.alloc(Node);
        a.set("a", a);
        a.dispose();
        const gc = heap.gc as unknown as { _phase(...args: number[]): void };
        const real = gc._phase.bind(gc);
        gc._phase = (phase: number, ...rest: number[]) => { if (phase === 1) throw new RangeError("stop hook broke"); real(phase, ...rest); };
        expect(() => heap.gc.collect()).toThrow("stop hook broke");
        gc._phase = real;
        expect(() => heap.gc.collect()).toThrow(HeapCorruptedError);
        expect(() => heap.verify()).toThrow(/gc callback or phase listener: RangeError: stop hook broke/);
        heap.destroy();
      });
    });
  }
});

heapSuite("the census never hands out a dying object (item 5)", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      test("inspect from a finalizer skips containers whose references are being released; a later dispose harms nothing", async () => {
        const heap = await make({ debug });
        const Node = heap.defineType({ name: "Node", refs: ["a"] });
        const found: Handle[] = [];
        let victim: Handle | null = heap.alloc(Node);
        const child = heap.alloc(Node);
        victim.set("a", child);
        const childPtr = child.ptr, victimPtr = victim.ptr;
        child.dispose();
        const F = heap.defineType({
          name: "F",
          finalizer: () => {
            victim!.dispose(); // victim dies while a drain is in progress: it waits on a worklist
            victim = null;
            found.push(...heap.inspect.byType("Node"));
          },
        });
        const f = heap.alloc(F);
        f.dispose();
        // the victim is dead (refcount 0, its references waiting to be released), never handed out;
        // its child was still alive then (the victim's reference to it not yet released)
        expect(found.map((h) => h.ptr)).toEqual([childPtr]);
        expect(found.map((h) => h.ptr)).not.toContain(victimPtr);
        // reuse the freed blocks: a handle to the dead victim would now decref one of these
        const fresh = [heap.alloc(Node), heap.alloc(Node), heap.alloc(Node)];
        for (const h of found) h.dispose();
        for (const h of fresh) expect(heap.refcount(h)).toBe(1);
        for (const h of fresh) h.dispose();
        heap.verify();
      });

      test("inspect from a weakref callback skips the object whose weakrefs are being cleared", async () => {
        const heap = await make({ debug });
        const Obj = heap.defineType({ name: "Obj", refs: ["a"], weakrefable: true });
        const o = heap.alloc(Obj);
        const found: number[] = [];
        const wr = heap.weakref(o, () => { for (const h of heap.inspect.byType("Obj")) { found.push(h.ptr); h.dispose(); } });
        const other = heap.alloc(Obj);
        o.dispose();
        expect(found).toEqual([other.ptr]);
        wr.dispose(); other.dispose();
        heap.verify();
      });
    });
  }
});

heapSuite("listeners that run mid-operation cannot change the heap (item 10)", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      test("a gc.observePhases listener's heap calls are refused before anything changes; the collection completes", async () => {
        const heap = await make({ debug });
        if (!heap.capabilities.collector.collectsCycles) return;
        const Node = heap.defineType({ name: "Node", refs: ["a"] });
        const keep = heap.alloc(Node);
        const c = heap.alloc(Node);
        c.set("a", c);
        c.dispose();
        const errors: unknown[] = [];
        const attempts: (() => unknown)[] = [
          () => heap.alloc(Node), () => keep.dispose(), () => keep.set("a", keep), () => keep.get("a"), () => heap.gc.collect(),
          () => heap.gc.freeze(), () => heap.gc.unfreeze(), () => heap.gc.setThreshold(1), () => heap.gc.disable(),
          () => heap.gc.enable(), () => heap.gc.getObjects(), () => heap.stats(), () => heap.verify(), () => heap.weakref(keep),
        ];
        heap.gc.observePhases(() => {
          for (const a of attempts) { try { a(); errors.push(null); } catch (e) { errors.push(e); } }
        });
        const n = heap.gc.collect();
        heap.gc.observePhases(null);
        expect(n).toBe(1);
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) expect(e).toBeInstanceOf(HeapConfigError);
        expect(heap.gc.isEnabled()).toBe(true);
        expect(heap.gc.getFreezeCount()).toBe(0);
        expect(heap.refcount(keep)).toBe(1);
        keep.dispose();
        heap.verify();
      });

      test("an allocation events listener called mid-operation cannot freeze, unfreeze, set thresholds, disable or enable", async () => {
        const heap = await make({ debug });
        const Node = heap.defineType({ name: "Node", refs: ["a"] });
        const errors: unknown[] = [];
        const threshold = heap.gc.getThreshold();
        const off = heap.onAllocationEvents(() => {
          for (const a of [() => heap.gc.freeze(), () => heap.gc.unfreeze(), () => heap.gc.setThreshold(3), () => heap.gc.disable(), () => heap.gc.enable(), () => heap.gc.setDebug(0)]) {
            try { a(); errors.push(null); } catch (e) { errors.push(e); }
          }
        });
        heap.core.eventsSetBatchSize(1); // every event reaches the listener inside the call that caused it
        const h = heap.alloc(Node);
        heap.core.eventsSetBatchSize(1024);
        off();
        expect(errors.length).toBeGreaterThanOrEqual(6);
        for (const e of errors) expect(e).toBeInstanceOf(HeapConfigError);
        expect(heap.gc.getThreshold()).toEqual(threshold);
        expect(heap.gc.getFreezeCount()).toBe(0);
        h.dispose();
        heap.verify();
      });
    });
  }
});

heapSuite("heap.destroy() from host code a collection runs", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      // The stop report read the debug flags through gc.getDebug(), which refuses a destroyed heap:
      // its HandleDisposedError unwound through the core from the gcPhase hook, abandoning the
      // collection mid-way (and the drain of any death around it). The collection now finishes,
      // the call returns, and every later call refuses.
      for (const from of ["gc start callback", "finalizer", "weakref callback"] as const) {
        test(`from a ${from}: the collection finishes without an exception through the core; later calls refuse`, async () => {
          const heap = await make({ debug });
          if (!heap.capabilities.collector.collectsCycles) return;
          const reported: unknown[] = [];
          heap.onUnraisable = (e) => reported.push(e);
          const stops: number[] = [];
          const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true, finalizer: () => { if (from === "finalizer") heap.destroy(); } });
          heap.gc.callbacks.push((phase, info) => {
            if (phase === "start" && from === "gc start callback") heap.destroy();
            if (phase === "stop") stops.push(info.collected);
          });
          const a = heap.alloc(T), b = heap.alloc(T);
          a.set("a", b); b.set("a", a);
          const w = from === "weakref callback" ? heap.weakref(a, () => heap.destroy()) : null;
          a.dispose(); b.dispose();
          // (what it found is moot: a hook's handle made after the destroy keeps its reference)
          const n = heap.gc.collect();
          expect(stops).toEqual([n]); // the stop callbacks ran
          expect(reported).toEqual([]);
          expect(heap.destroyed).toBe(true);
          expect(() => heap.stats()).toThrow(HandleDisposedError);
          expect(() => heap.gc.collect()).toThrow(HandleDisposedError);
          w?.dispose();
        });
      }
    });
  }
});

heapSuite("heap.destroy() from a listener that runs mid-operation", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      // destroy() is a call like the others: allowed where host code may use the heap (finalizers,
      // weakref and gc callbacks: above), refused before anything changes where every call is (a
      // gc.observePhases listener, an allocation events listener called mid-operation). Before, it
      // destroyed the heap there: its exit-time finalize objects ran mid-collection or mid-allocation,
      // their calls were refused, and their work was lost (reported, never done).
      for (const from of ["gc.observePhases listener", "allocation events listener"] as const) {
        test(`from a ${from}: HeapConfigError, nothing changes; destroy() afterwards runs the exit finalizers once`, async () => {
          const heap = await make({ debug });
          if (from === "gc.observePhases listener" && !heap.capabilities.collector.collectsCycles) return;
          const reported: unknown[] = [];
          heap.onUnraisable = (e) => reported.push(e);
          const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true });
          const keep = heap.alloc(T);
          const exits: number[] = [];
          heap.finalize(keep, () => { exits.push(heap.refcount(keep)); });
          const refusals: unknown[] = [];
          const attempt = () => { try { heap.destroy(); refusals.push(null); } catch (e) { refusals.push(e); } };
          if (from === "gc.observePhases listener") {
            heap.gc.observePhases(() => { if (!refusals.length) attempt(); });
            const c = heap.alloc(T);
            c.set("a", c);
            c.dispose();
            expect(heap.gc.collect()).toBe(1); // the collection completes
            heap.gc.observePhases(null);
          } else {
            const off = heap.onAllocationEvents(() => { if (!refusals.length) attempt(); });
            heap.core.eventsSetBatchSize(1); // the listener runs inside the allocation that caused it
            const h = heap.alloc(T);
            heap.core.eventsSetBatchSize(1024);
            off();
            expect(heap.refcount(h)).toBe(1);
            h.dispose();
          }
          expect(refusals.length).toBe(1);
          expect(refusals[0]).toBeInstanceOf(HeapConfigError);
          expect((refusals[0] as Error).message).toMatch(/^destroy: not from /);
          expect(heap.destroyed).toBe(false);
          expect(exits).toEqual([]);
          heap.flushUnraisable();
          expect(reported).toEqual([]);
          heap.verify();
          heap.destroy();
          expect(exits).toEqual([1]); // the exit finalizer ran then, with the heap usable
          expect(reported).toEqual([]);
          keep.dispose();
        });
      }
    });
  }
});

heapSuite("a finalize object called from a listener that runs mid-operation", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      // finalize.call() cleared the object (dead, unregistered) and then released its weakref,
      // which such a listener may not: the HeapConfigError came after the change, the function
      // was lost without running, and the weakref object stayed behind. Refused first now.
      for (const from of ["gc.observePhases listener", "allocation events listener"] as const) {
        test(`from a ${from}: HeapConfigError before anything changes; it runs later, once`, async () => {
          const heap = await make({ debug });
          if (from === "gc.observePhases listener" && !heap.capabilities.collector.collectsCycles) return;
          const T = heap.defineType({ name: "T", refs: ["a"], weakrefable: true });
          const keep = heap.alloc(T);
          const ran: string[] = [];
          const fin = heap.finalize(keep, (why: string) => { ran.push(why); }, "called");
          const objects = heap.stats().liveObjects;
          const refusals: unknown[] = [];
          const attempt = () => { if (!refusals.length) { try { fin.call(); refusals.push(null); } catch (e) { refusals.push(e); } } };
          if (from === "gc.observePhases listener") {
            heap.gc.observePhases(attempt);
            const c = heap.alloc(T);
            c.set("a", c);
            c.dispose();
            expect(heap.gc.collect()).toBe(1);
            heap.gc.observePhases(null);
          } else {
            const off = heap.onAllocationEvents(attempt);
            heap.core.eventsSetBatchSize(1); // the listener runs inside the allocation that caused it
            heap.alloc(T).dispose();
            heap.core.eventsSetBatchSize(1024);
            off();
          }
          expect(refusals.length).toBe(1);
          expect(refusals[0]).toBeInstanceOf(HeapConfigError);
          expect((refusals[0] as Error).message).toMatch(/^finalize\.call: not from /);
          expect(fin.alive).toBe(true);
          expect(ran).toEqual([]);
          expect(heap.stats().liveObjects).toBe(objects);
          heap.verify();
          fin.call();
          expect(fin.alive).toBe(false);
          keep.dispose();
          expect(ran).toEqual(["called"]);
          expect(heap.stats().liveObjects).toBe(objects - 2); // keep and the finalize object's weakref
        });
      }
    });
  }
});

heapSuite("verify() from host code a collection runs", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      // Between a collection's start and stop its lists are mid-way (the garbage unlinked, weakrefs
      // cleared but still linked): verify() from a finalizer or callback of the garbage reported a
      // healthy heap as broken (HeapVerifyError: "generation lists shorter than the live
      // containers", "cleared weakref still linked"). It is refused instead, as the calls of a
      // phase listener are; from gc callbacks and from a refcount death it still checks.
      for (const finalizerMode of ["pep442", "legacy"] as const) {
        test(`${finalizerMode}: refused (HeapConfigError) from a finalizer, a weakref callback and a finalize object of the garbage; checks elsewhere`, async () => {
          const heap = await make({ debug, finalizerMode });
          if (!heap.capabilities.collector.collectsCycles) return;
          const seen: string[] = [];
          let inCycle = false;
          const probe = (what: string) => {
            const where = inCycle || what.startsWith("gc ") ? what : `refcount death ${what}`;
            try { heap.verify(); seen.push(`${where}: passed`); } catch (e) { seen.push(`${where}: ${e instanceof HeapConfigError ? "refused" : `${(e as Error).name}: ${(e as Error).message}`}`); }
          };
          heap.onUnraisable = (e) => seen.push(`unraisable: ${String(e)}`);
          const Fin = heap.defineType({ name: "Fin", refs: ["a", "b"], weakrefable: true, finalizer: () => probe("finalizer") });
          const Node = heap.defineType({ name: "Node", refs: ["a", "b"], weakrefable: true });
          heap.gc.callbacks.push((phase) => probe(`gc ${phase}`));
          heap.alloc(Fin).dispose(); // a refcount death: its finalizer checks
          const base = heap.stats().liveObjects;
          const weak: { dispose(): void }[] = [];
          for (const T of [Fin, Node]) {
            const a = heap.alloc(T), b = heap.alloc(Node);
            a.set("a", b); b.set("a", a);
            const c = heap.alloc(Node); // outside the cycle, dying with it
            b.set("b", c); c.dispose();
            weak.push(heap.weakref(b, () => probe("weakref callback")));
            heap.finalize(a, () => probe("finalize object"));
            a.dispose(); b.dispose();
          }
          inCycle = true;
          heap.gc.collect();
          inCycle = false;
          heap.flushUnraisable();
          for (const w of weak) w.dispose();
          for (const g of heap.gc.garbage.splice(0)) { g.set("a", null); g.dispose(); } // legacy: the uncollectable cycle
          heap.gc.collect();
          heap.verify();
          expect(heap.stats().liveObjects).toBe(base);
          const mid = seen.filter((s) => !/^(gc |refcount death )/.test(s));
          expect(seen).toContain("refcount death finalizer: passed");
          expect(seen.filter((s) => s.startsWith("refcount death ")).every((s) => s.endsWith(": passed"))).toBe(true);
          expect(seen.filter((s) => s.startsWith("gc ")).every((s) => s.endsWith(": passed"))).toBe(true);
          expect(mid.length).toBeGreaterThanOrEqual(finalizerMode === "legacy" ? 2 : 4);
          for (const s of mid) expect(s).toMatch(/^(finalizer|weakref callback|finalize object): refused$/);
        });
      }
    });
  }
});

heapSuite("legacy finalizers at refcount death behave like tp_del (item 16)", ({ make }) => {
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      test("weakrefs are cleared and called back before the finalizer runs; the finalizer runs at every death", async () => {
        const heap = await make({ debug, finalizerMode: "legacy" });
        const log: string[] = [];
        let wr: HeapWeakRef | null = null;
        let keep: Handle | null = null;
        let resurrect = true;
        const T = heap.defineType({
          name: "T", refs: ["a"], weakrefable: true,
          finalizer: (h) => {
            log.push(`fin:${wr!.deref() === null ? "weakref cleared" : "weakref alive"}`);
            if (resurrect) { resurrect = false; keep = h.dup(); }
          },
        });
        const o = heap.alloc(T);
        wr = heap.weakref(o, () => log.push("callback"));
        o.dispose();
        expect(log).toEqual(["callback", "fin:weakref cleared"]);
        expect(keep).not.toBeNull();
        expect(heap.gc.isFinalized(keep!)).toBe(false); // tp_del marks nothing
        keep!.dispose(); // dies again: the legacy finalizer runs again
        expect(log).toEqual(["callback", "fin:weakref cleared", "fin:weakref cleared"]);
        wr.dispose();
        heap.verify();
      });

      test("PEP 442 for comparison: the finalizer sees its weakrefs alive, runs once, even after resurrection", async () => {
        const heap = await make({ debug });
        const log: string[] = [];
        let wr: HeapWeakRef | null = null;
        let keep: Handle | null = null;
        const T = heap.defineType({
          name: "T", refs: ["a"], weakrefable: true,
          finalizer: (h) => {
            const r = wr!.deref();
            log.push(`fin:${r === null ? "weakref cleared" : "weakref alive"}`);
            r?.dispose();
            if (!keep) keep = h.dup();
          },
        });
        const o = heap.alloc(T);
        wr = heap.weakref(o, () => log.push("callback"));
        o.dispose();
        expect(log).toEqual(["fin:weakref alive"]);
        keep!.dispose();
        expect(log).toEqual(["fin:weakref alive", "callback"]);
        wr.dispose();
        heap.verify();
      });

      test("weakrefs made by a legacy finalizer are cleared without callbacks", async () => {
        const heap = await make({ debug, finalizerMode: "legacy" });
        const log: string[] = [];
        const made: HeapWeakRef[] = [];
        const T = heap.defineType({ name: "T", weakrefable: true, finalizer: (h) => { made.push(heap.weakref(h, () => log.push("late callback"))); } });
        heap.alloc(T).dispose();
        expect(made.length).toBe(1);
        expect(made[0].deref()).toBeNull();
        expect(log).toEqual([]);
        made[0].dispose();
        heap.verify();
      });
    });
  }
});

// Soak --fuzz class B: an object resurrected by its finalizer kept its generation (and FROZEN)
// when its death was direct, but went to the young list when the death waited on the worklist
// (which untracks it). CPython's subtype_dealloc untracks, then tracks the object into
// generation 0 before tp_finalize, whatever generation it was in: both paths now do that.
heapSuite("a finalizer's object is tracked as a new object, however its death began (subtype_dealloc)", ({ strategy, make }) => {
  const caps = collectorCaps(strategy.collector);
  for (const { build, debug } of BUILDS) {
    describe(build, () => {
      for (const from of ["old", "frozen"] as const) {
        for (const death of ["direct", "under host code"] as const) {
          test(`a resurrected object that was ${from}, dying ${death}: young again, found by collect(0)`, async () => {
            const heap = await make({ debug });
            const gens = () => [0, 1, 2, 3].map((g) => heap.core.gcGenerationLength(g));
            let kept: Handle | null = null;
            const Node = heap.defineType({ name: "Node", refs: ["self"], finalizer: (h) => { if (!kept) kept = h.dup(); } });
            const base = heap.stats().liveObjects;
            const h = heap.alloc(Node);
            if (from === "frozen") heap.gc.freeze();
            else if (caps.generations) heap.gc.collect(0); // survives into generation 1
            else h.dup().dispose(); // recycler: a candidate, on list 0; none: stays on its list
            const young = heap.alloc(heap.defineType({ name: "Plain", refs: ["a"] })); // where a new object goes
            const fresh = gens();
            young.dispose();
            if (death === "direct") h.dispose();
            else {
              const X = heap.defineType({ name: "X", finalizer: () => h.dispose() }); // its death waits on the worklist
              heap.alloc(X).dispose();
            }
            expect(kept).not.toBeNull();
            // the resurrected object is where the new one was (under the recycler, the finalizer's
            // borrowed handle, released, makes it a candidate: list 0, as a new object's decrement would)
            expect(heap.gc.getFreezeCount()).toBe(0);
            expect(gens()).toEqual(caps.candidates ? [1, 0, 0, 0] : fresh.map((n, g) => n - (g === (from === "frozen" ? 3 : caps.generations ? 1 : 0) ? 1 : 0)));
            heap.verify();
            if (!caps.collectsCycles) { kept!.dispose(); return; }
            // young: a cycle it now makes is garbage for collect(0), frozen or not before
            kept!.set("self", kept!);
            kept!.dispose();
            expect(heap.gc.collect(0)).toBe(1);
            expect(heap.stats().liveObjects).toBe(base);
          });
        }
      }

      test("a collection's garbage resurrected by its own refcount death leaves the collection (COLLECTING cleared, as _PyObject_GC_UNTRACK)", async () => {
        const heap = await make({ debug });
        if (!caps.collectsCycles) return;
        const seen: string[] = [];
        let kept: Handle | null = null;
        const Node = heap.defineType({
          name: "Node", refs: ["other"],
          finalizer: (h) => {
            seen.push("fin");
            // the first finalized breaks the cycle: the other dies by refcount mid-collection and
            // its finalizer resurrects it
            if (seen.length === 1) h.set("other", null);
            else kept = h.dup();
          },
        });
        const base = heap.stats().liveObjects;
        const a = heap.alloc(Node), b = heap.alloc(Node);
        a.set("other", b); b.set("other", a);
        a.dispose(); b.dispose();
        expect(heap.gc.collect()).toBe(0); // both reachable again: one kept, the other through it
        expect(seen).toEqual(["fin", "fin"]);
        heap.verify(); // failed: "COLLECTING set outside a collection"
        kept!.dispose();
        expect(heap.stats().liveObjects).toBe(base);
      });
    });
  }
});
