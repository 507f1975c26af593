// The program the fault tests run with an allocation failing at each of its allocation sites: it
// reaches every allocation site of the host API. A module of its own, so one fault can be replayed from a script.
import { collectorCaps } from "../helpers.js";
import {
  WeakKeyMap, WeakSet, WeakValueMap, type Handle, type Heap,
} from "../../src/index.js";

/** What a program built: handles to dispose at the end, and values to check afterwards. */
export interface Built {
  handles: Handle[];
  containers: { dispose(): void }[];
  /** Node handles whose v must still read back as written. */
  values: [Handle, number][];
}

export function types(heap: Heap, onFinal: () => void) {
  return {
    Node: heap.defineType({ name: "Node", refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true, finalizer: onFinal }),
    List: heap.defineType({ name: "List", kind: "refarray" }),
    Bytes: heap.defineType({ name: "Bytes", kind: "bytes" }),
  };
}

/**
 * A program touching every allocation site the host API reaches: fixed objects, lists (initial
 * items, growth, a preallocated length), bytes (small and large), weakrefs, proxies, finalize
 * objects, the three weak containers (creation, insertion, growth), and garbage cycles. Every
 * step may throw HeapOutOfMemoryError; what was built so far is recorded first.
 */
export function program(heap: Heap, T: ReturnType<typeof types>, b: Built): void {
  const node = (v: number) => {
    const n = heap.alloc(T.Node);
    b.handles.push(n);
    n.setScalar("v", v);
    b.values.push([n, v]);
    return n;
  };
  const n1 = node(1), n2 = node(2);
  n1.set("a", n2);
  const l = heap.alloc(T.List, [n1, n2, null]);
  b.handles.push(l);
  for (let i = 0; i < 12; i++) l.push(i % 2 ? n1 : null);
  b.handles.push(heap.alloc(T.List, 40));
  b.handles.push(heap.alloc(T.Bytes, "hello"));
  b.handles.push(heap.alloc(T.Bytes, 3000));
  b.handles.push(heap.weakref(n1, () => {}));
  b.handles.push(heap.proxy(n2));
  b.handles.push(heap.weakref(n2));
  heap.finalize(n2, () => {});
  const wvm = new WeakValueMap(heap);
  b.containers.push(wvm);
  wvm.set(1, n1).set("two", n2);
  for (let i = 0; i < 10; i++) wvm.set(100 + i, i % 2 ? n1 : n2);
  const wkm = new WeakKeyMap(heap);
  b.containers.push(wkm);
  wkm.set(n1, n2);
  const ws = new WeakSet(heap);
  b.containers.push(ws);
  ws.add(n2);
  // a garbage ring of three, then more allocation (a collector may run)
  const r1 = node(10), r2 = node(11), r3 = node(12);
  r1.set("a", r2); r2.set("a", r3); r3.set("a", r1);
  for (const r of [r1, r2, r3]) { r.dispose(); b.handles.splice(b.handles.indexOf(r), 1); b.values = b.values.filter(([h]) => h !== r); }
  for (let i = 0; i < 5; i++) n2.set(i % 2 ? "a" : "b", node(20 + i));
  if (collectorCaps(heap.collector).collectsCycles) heap.gc.collect();
}

/** Breaks every cycle the program made, drops everything, and checks that the heap is empty. */
export function teardown(heap: Heap, T: ReturnType<typeof types>, b: Built): void {
  for (const h of b.handles) if (h.alive && h.type === T.Node) { h.set("a", null); h.set("b", null); }
  // (the garbage ring has no handle left: only a collector frees it)
  for (const c of b.containers) c.dispose();
  for (const h of b.handles) h.dispose();
  if (collectorCaps(heap.collector).collectsCycles) heap.gc.collect();
}

