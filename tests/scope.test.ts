// Scopes (src/scope.ts): every handle made inside one is released when it ends, unless kept or
// escaped; Heap[Symbol.dispose]; the camelCase weakref helpers and their old names.
import { expect, test } from "vitest";
import { defineNode, heapSuite } from "./helpers.js";
import { DEBUG_SAVEALL, Handle, HeapConfigError, HeapTypeError, HandleDisposedError, Scope, WeakValueMap, Heap } from "../src/index.js";

heapSuite("scopes", ({ make, strategy }) => {
  test("`using scope` releases every handle made inside it: alloc, get, at, pop, dup, deref, weakref, proxy, getWeakrefs", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const root = heap.alloc(Node);
    const before = heap.liveHandles;
    {
      using scope = heap.scope();
      const a = heap.alloc(Node), l = heap.alloc(List, [a, null]);
      root.set("a", a);
      root.get("a");
      l.at(0);
      l.push(a);
      l.pop();
      a.dup();
      const wr = heap.weakref(a);
      wr.deref();
      heap.proxy(a);
      heap.getWeakrefs(a);
      expect(scope.size).toBe(heap.liveHandles - before);
      expect(scope.size).toBe(11); // getWeakrefs: the shared weakref and the proxy's
    }
    expect(heap.liveHandles).toBe(before);
    expect(heap.refcount(root)).toBe(1);
    expect(heap.stats().liveObjects).toBe(2); // root and the Node in its field: the list died
    expect(root.alive).toBe(true);
  });

  test("heap.scope(fn) releases when fn returns or throws; a Handle it returns escapes", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const made: Handle[] = [];
    const kept = heap.scope(() => {
      const a = heap.alloc(Node), b = heap.alloc(Node);
      a.set("a", b);
      made.push(a, b);
      return a;
    });
    expect(kept.alive).toBe(true);
    expect(made[1].alive).toBe(false);
    expect(heap.refcount(kept)).toBe(1);
    heap.scope(() => expect(kept.get("a")!.alive).toBe(true));
    expect(heap.scope(() => 42)).toBe(42);
    let inside: Handle | undefined;
    expect(() => heap.scope(() => { inside = heap.alloc(Node); throw new Error("boom"); })).toThrow("boom");
    expect(inside!.alive).toBe(false);
    kept.dispose();
    expect(heap.liveHandles).toBe(0);
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("keep() leaves every scope; escape() moves a handle to the enclosing scope", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    let kept!: Handle, escaped!: Handle, inner!: Handle;
    heap.scope((outer) => {
      heap.scope((s) => {
        kept = s.keep(heap.alloc(Node));
        escaped = s.escape(heap.alloc(Node));
        inner = heap.alloc(Node);
        expect(s.size).toBe(1);
      });
      expect(inner.alive).toBe(false);
      expect(escaped.alive).toBe(true);
      expect(outer.size).toBe(1);
    });
    expect(escaped.alive).toBe(false);
    expect(kept.alive).toBe(true);
    kept.dispose();
    expect(heap.liveHandles).toBe(0);
  });

  test("manage() adopts a handle made elsewhere; a handle disposed early leaves its scope", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const outside = heap.alloc(Node);
    const scope = heap.scope();
    expect(scope.manage(outside)).toBe(outside);
    const early = heap.alloc(Node);
    expect(scope.size).toBe(2);
    early.dispose();
    expect(scope.size).toBe(1);
    scope.dispose();
    expect(outside.alive).toBe(false);
    scope.dispose(); // twice: nothing
    expect(() => scope.manage(heap.alloc(Node))).toThrow(HeapConfigError);
    expect(() => heap.scope().keep(5)).toThrow(HeapTypeError);
  });

  test("ending an outer scope ends the inner ones still open; handles then go to no scope", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const outer = heap.scope();
    const inner = heap.scope();
    const a = heap.alloc(Node);
    outer.dispose();
    expect(inner.alive).toBe(false);
    expect(a.alive).toBe(false);
    const free = heap.alloc(Node);
    expect(heap.liveHandles).toBe(1);
    free.dispose();
  });

  test("weak containers and finalize objects made inside a scope outlive it", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const obj = heap.alloc(Node);
    const calls: string[] = [];
    const map = heap.scope(() => {
      const m = new WeakValueMap(heap);
      m.set(1, obj);
      heap.finalize(obj, (x: string) => calls.push(x), "bye");
      return m;
    });
    expect(map.size).toBe(1);
    obj.dispose();
    expect(calls).toEqual(["bye"]);
    expect(map.size).toBe(0);
    map.dispose();
  });

  test("gc.garbage's handles are the gc module's: a collection inside a scope leaves them alive", async () => {
    if (strategy.collector === "none") return;
    const heap = await make();
    const Node = defineNode(heap);
    heap.gc.setDebug(DEBUG_SAVEALL);
    heap.scope(() => {
      const a = heap.alloc(Node), b = heap.alloc(Node);
      a.set("a", b); b.set("a", a);
      a.dispose(); b.dispose();
      expect(heap.gc.collect()).toBe(2);
    });
    expect(heap.gc.garbage.map((h) => h.alive)).toEqual([true, true]);
    heap.gc.setDebug(0);
    for (const h of heap.gc.garbage.splice(0)) h.dispose();
  });

  test("fn returning a promise is refused (a scope is not an async task's), and the scope still ends", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    let made!: Handle;
    expect(() => heap.scope(() => { made = heap.alloc(Node); return Promise.resolve(1); })).toThrow(HeapConfigError);
    expect(made.alive).toBe(false);
    expect(heap.scopes.length).toBe(0);
  });

  test("a scope of a destroyed heap ends quietly", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const scope = heap.scope();
    const a = heap.alloc(Node);
    heap.destroy();
    expect(() => scope.dispose()).not.toThrow();
    expect(() => a.ptr).toThrow(HandleDisposedError);
    expect(scope).toBeInstanceOf(Scope);
  });

  test("`using heap` destroys it; getWeakrefCount / getWeakrefs, with the old names kept", async () => {
    let outer: Heap;
    {
      using heap = await Heap.create({ debug: true, ...strategy });
      outer = heap;
      const Node = defineNode(heap, { weakrefable: true });
      const a = heap.alloc(Node);
      const wr = heap.weakref(a, () => {});
      expect(heap.getWeakrefCount(a)).toBe(1);
      expect(heap.getweakrefcount(a)).toBe(1);
      const [w1] = heap.getWeakrefs(a), [w2] = heap.getweakrefs(a);
      expect(w1.is(wr) && w2.is(wr)).toBe(true);
      heap.verify();
    }
    expect(outer.destroyed).toBe(true);
  });
});
