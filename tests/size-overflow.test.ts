// Size arithmetic at the top of the 32-bit address space (issue 14, item 7): every allocator's
// request that cannot fit ends in HeapOutOfMemoryError (or 0 from the raw API) with nothing changed:
// no pointer moved, no memory committed, no live data touched. Before the checks, bump's pointer
// wrapped past 2^32 (a second 2 GiB request trapped untyped after moving it, the next one
// "succeeded" at a low address and zeroed live data) and the large-block allocator, with memory
// at its limit, rewrote its tail sentinel with a negative span.
//
// Memory is filled with replayed RAW blocks (assembly/replay.ts), which are not zeroed: the wasm
// memory spans ~2 GiB but only its headers are ever touched, so the tests stay small in RSS.
import { afterEach, expect, test } from "vitest";
import { HeapAbortError, HeapOutOfMemoryError, type Heap } from "../src/index.js";
import { heapSuite } from "./helpers.js";
import { makeVM } from "./vm-helpers.js";

import { KIND_RAW } from "../src/generated/boundary.js";

/** Unzeroed blocks of any size through the core's replay entry point. */
function rawBlocks(heap: Heap) {
  const core = heap.core;
  const type = core.defineType(KIND_RAW, 0, 0, 0, 0);
  const ops = core.replayOps() >>> 2;
  const live: number[] = [];
  return {
    alloc(size: number): number {
      heap.views.u32[ops] = size; heap.views.u32[ops + 1] = 0;
      const p = core.replayBatch(type, 1) ? heap.views.u32[ops + 1] : 0;
      if (p) live.push(p);
      return p;
    },
    freeAll(): void {
      for (const p of live.splice(0)) { heap.views.u32[ops] = 0; heap.views.u32[ops + 1] = p; core.replayBatch(type, 1); }
    },
  };
}

/** What a refused request must leave as it was. */
function state(heap: Heap): string {
  const s = heap.stats();
  return JSON.stringify([s.committedBytes, s.liveObjects, s.objectPayloadBytes, s.largeFreeBytes, s.bumpFreedBytes, s.unusedTailBytes, s.largestFreeBytes]);
}

afterEach(() => { globalThis.gc?.(); }); // each test commits up to 2 GiB of (untouched) wasm memory

heapSuite("size arithmetic near 2^32", ({ make, reuses }) => {
  test("debug: heap.raw takes the pointers above 2 GiB it returns (as negative numbers)", async () => {
    const heap = await make();
    const Node = heap.defineType({ name: "Node", refs: ["a"], scalars: { v: "i32" } });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    expect(rawBlocks(heap).alloc(0x7fff_0000)).not.toBe(0);
    const r = heap.raw, made: number[] = [];
    let p = 0;
    while (p >= 0 && made.length < 100_000) made.push(p = r.alloc(Node.id));
    expect(p).toBeLessThan(0); // an i32 from wasm
    // before: the checked raw API refused it as 'not an integer 0..2**32-1'
    r.setRef(p, 0, p);
    expect(r.getRef(p, 0)).toBe(p);
    expect(r.refcount(p)).toBe(2);
    const l = r.allocList(List.id, 1);
    r.listSet(l, 0, p);
    expect(r.listGet(l, 0)).toBe(p);
    r.decref(l);
    r.setRef(p, 0, 0);
    expect(() => r.allocList(List.id, -1)).toThrow(HeapAbortError);
    for (const q of made) r.decref(q);
    heap.verify();
    // the VM's builtins return them too (before: list() was a SystemError, 'returned -2147...')
    const { vm, text } = makeVM(heap);
    vm.run(`(define l [1 2 [3]]) (print (len l) l)`);
    expect(text()).toBe("3 [1, 2, [3]]\n");
    vm.dispose();
  });


  for (const debug of [true, false]) {
    const build = debug ? "debug" : "release";

    test(`${build}: a request past the top of memory is refused with nothing changed, twice`, async () => {
      // bump (no reuse): the pointer goes to ~2 GiB and stays below the limit; the others: memory is filled to its limit
      const heap = await make({ debug, maxBytes: !reuses ? undefined : 0x7e00_0000 });
      const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const Node = heap.defineType({ name: "Node", refs: ["a"], scalars: { v: "i32" } });
      const raw = rawBlocks(heap);
      const keep = heap.alloc(Node);
      keep.setScalar("v", 12345);
      const keepBytes = heap.alloc(Bytes, "live data");
      expect(raw.alloc(!reuses ? 0x7fff_0000 : 0x7000_0000)).not.toBe(0);
      if (reuses) {
        // up to the limit, so that growing by the usual 1 MiB step is refused
        for (const step of [16 << 20, 1 << 20, 64 << 10, 4 << 10]) while (raw.alloc(step));
      }
      const before = state(heap);
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(() => heap.alloc(Bytes, 0x7fff_0000)).toThrow(HeapOutOfMemoryError);
        expect(heap.raw.allocBytes(Bytes.id, 0x7fff_0000)).toBe(0);
        expect(heap.raw.allocBytes(Bytes.id, 0xffff_ffff)).toBe(0);
        expect(heap.raw.allocList(List.id, 0xffff_ffff)).toBe(0);
        expect(state(heap)).toBe(before);
        heap.verify();
      }
      // a list is its object and then its items block: when the block fails the object is freed
      // again (bump keeps its dead space, pools the arena it was carved from), no live object changes
      const live = heap.stats().liveObjects;
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(() => heap.alloc(List, 0x1fff_0000)).toThrow(HeapOutOfMemoryError);
        expect(heap.raw.allocList(List.id, 0x1fff_0000)).toBe(0);
        expect(heap.stats().liveObjects).toBe(live);
        heap.verify();
      }
      expect(keep.getScalar("v")).toBe(12345);
      expect(keepBytes.text()).toBe("live data");
      raw.freeAll();
      keep.dispose(); keepBytes.dispose();
    });

    test(`${build}: a request over maxBytes commits nothing`, async () => {
      const heap = await make({ debug, maxBytes: 64 << 20 });
      const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const before = state(heap);
      for (const n of [100 << 20, 0x7fff_0000]) expect(() => heap.alloc(Bytes, n)).toThrow(HeapOutOfMemoryError);
      expect(state(heap)).toBe(before);
      for (const n of [30 << 20, 0x1fff_0000]) expect(() => heap.alloc(List, n)).toThrow(HeapOutOfMemoryError);
      expect(heap.stats().liveObjects).toBe(0);
    });

    test(`${build}: list storage growth cannot wrap (listSetLength near 2^32)`, async () => {
      const heap = await make({ debug });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const Node = heap.defineType({ name: "Node", refs: ["a"] });
      const item = heap.alloc(Node);
      const l = heap.alloc(List, [item, null, item]);
      const before = state(heap);
      // 0xE38E38E4 + (0xE38E38E4 >> 3) + 6 wraps to 4 slots: the list shrank its storage, then filled 14 GiB
      for (const n of [0xe38e_38e4, 0xe38e_38e3, 0xffff_ffff, 0x1fff_0001, 0x8000_0000]) {
        expect(heap.raw.exports.listSetLength(l.ptr, n)).toBeFalsy();
        expect(state(heap)).toBe(before);
        expect(l.length).toBe(3);
        expect(l.at(0)!.is(item)).toBe(true);
      }
      heap.verify();
      item.dispose(); l.dispose();
    });
  }
});
