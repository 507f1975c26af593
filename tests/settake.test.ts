// Handle.setTake: a handle's reference moved into a field (CPython's stolen reference). Its own
// file: made beside the FinalizationRegistry tests of handles.test.ts, these tests left every later
// strategy's registry releases unseen there (each test waited its full time), a cause not found yet.
import { expect, test } from "vitest";
import { defineNode, heapSuite } from "./helpers.js";
import { HandleDisposedError, HeapTypeError, type Handle } from "../src/index.js";

heapSuite("Handle.setTake", ({ make }) => {
  test("setTake moves a handle's reference into a field: no count change, the handle disposed, the old value released", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const root = heap.alloc(Node);
    const handles = heap.liveHandles;
    const first = heap.alloc(Node);
    root.setTake("a", first);
    expect(first.alive).toBe(false);
    expect(() => first.getScalar("v")).toThrow(HandleDisposedError);
    expect(heap.liveHandles).toBe(handles);
    const a = root.get("a")!;
    expect(heap.refcount(a)).toBe(2); // the field and a
    const wa = heap.weakref(a);
    a.dispose();
    root.setTake("a", heap.alloc(Node)); // the first object's last reference goes
    expect(wa.deref()).toBeNull();
    root.setTake("b", null);
    root.setTake("a", null);
    expect(heap.stats().liveObjects).toBe(2); // root and the weakref
    wa.dispose();
    root.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("setTake refuses a bad field, a disposed value, another heap's handle or a proxy before anything changes", async () => {
    const heap = await make();
    const Node = defineNode(heap, { weakrefable: true });
    const root = heap.alloc(Node), child = heap.alloc(Node);
    root.set("a", child);
    const value = heap.alloc(Node);
    expect(() => root.setTake("c" as "a", value)).toThrow(HeapTypeError);
    const other = await make();
    const foreign = other.alloc(defineNode(other));
    expect(() => root.setTake("a", foreign)).toThrow(HeapTypeError);
    const px = heap.proxy(value);
    expect(() => root.setTake("a", px as unknown as Handle)).toThrow(HeapTypeError);
    px.dispose();
    expect(foreign.alive).toBe(true);
    foreign.dispose();
    const gone = heap.alloc(Node);
    gone.dispose();
    expect(() => root.setTake("a", gone)).toThrow(HandleDisposedError);
    // nothing changed: the field still holds child, every value still owns its reference
    expect(value.alive).toBe(true);
    expect(heap.refcount(value)).toBe(1);
    expect(heap.refcount(child)).toBe(2);
    const a = root.get("a")!;
    expect(a.ptr).toBe(child.ptr);
    a.dispose(); value.dispose(); child.dispose(); root.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

  test("a handle taken inside a scope is not released again when the scope ends", async () => {
    const heap = await make();
    const Node = defineNode(heap);
    const root = heap.alloc(Node);
    heap.scope(() => { root.setTake("a", heap.alloc(Node)); });
    const a = root.get("a")!;
    expect(heap.refcount(a)).toBe(2);
    a.dispose(); root.dispose();
    expect(heap.stats().liveObjects).toBe(0);
  });

});
