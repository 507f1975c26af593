// Preset scenes from the seed talks. Each builds its objects in a fresh heap and leaves the host's
// references in `roots` (named handles the page shows as the host's edges).

import { Heap, type CollectorName } from "../src/heap.js";
import type { Handle } from "../src/handle.js";

export interface Scene {
  heap: Heap;
  roots: Map<string, Handle>;
  /** What to try, shown beside the graph. */
  note: string;
}

export interface SceneSpec {
  id: string;
  title: string;
  /** The script box's default for this scene: runs against `heap`, `roots` and `types` on every collector. */
  script: string;
  build(collector: CollectorName): Promise<Scene>;
}

const nodeType = (heap: Heap, name = "Node") => heap.defineType({ name, refs: ["a", "b"], scalars: { v: "i32" }, weakrefable: true });

export const SCENES: SceneSpec[] = [
  {
    id: "empty",
    title: "Empty heap (build your own)",
    script: `// heap, roots (a Map of the host's handles), types (by name)
const a = heap.alloc(types.Node), b = heap.alloc(types.Node);
a.set("a", b); b.set("a", a);          // a cycle
roots.set("a", a); b.dispose();         // the host keeps a handle to a only
return heap.refcount(a) + " references to a: the host's handle and b.a";`,
    async build(collector) {
      const heap = await Heap.create({ debug: true, collector });
      nodeType(heap);
      return { heap, roots: new Map(), note: "Add objects with New, link them (select a source, then Link a/b and click a target), drop handles, collect." };
    },
  },
  {
    id: "observer",
    title: "Observer with weak observers",
    script: `// drop observer o1: refcounting frees it now, and its weakref's callback clears its slot
roots.get("o1")?.dispose(); roots.delete("o1");
const list = roots.get("subject").get("observers");
const slots = Array.from({ length: list.length }, (_, i) => { const e = list.at(i); const s = e ? "weakref" : "empty"; e?.dispose(); return s; });
list.dispose();
return slots.join(", ");`,
    async build(collector) {
      const heap = await Heap.create({ debug: true, collector });
      const Subject = heap.defineType({ name: "Subject", refs: ["observers"] });
      const Observer = heap.defineType({ name: "Observer", refs: ["a", "b"], weakrefable: true });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const roots = new Map<string, Handle>();
      const subject = heap.alloc(Subject);
      using list = heap.alloc(List);
      subject.set("observers", list);
      for (const name of ["o1", "o2", "o3"]) {
        const o = heap.alloc(Observer);
        // the subject holds its observers weakly: a weakref whose callback drops the dead entry
        using wr = heap.weakref(o, (dead) => {
          const l = subject.get("observers")!;
          for (let i = 0; i < l.length; i++) { const e = l.at(i); if (e?.is(dead)) { l.setAt(i, null); e.dispose(); break; } e?.dispose(); }
          l.dispose();
        });
        list.push(wr);
        roots.set(name, o);
      }
      roots.set("subject", subject);
      return { heap, roots, note: "The subject's list holds weakrefs (dashed). Drop an observer's handle: refcounting frees it at once and its weakref's callback clears the slot." };
    },
  },
  {
    id: "dllist",
    title: "Doubly linked list, weak back-links",
    script: `// walk the list from the head: next links are strong references
const values = [];
for (let n = roots.get("head").dup(); n; ) { values.push(n.getScalar("v")); const next = n.get("next"); n.dispose(); n = next; }
return values.join(" → ");`,
    async build(collector) {
      const heap = await Heap.create({ debug: true, collector });
      const Node = heap.defineType({ name: "ListNode", refs: ["next", "prev"], scalars: { v: "i32" }, weakrefable: true });
      const roots = new Map<string, Handle>();
      const head = heap.alloc(Node);
      let prev = head.dup();
      for (let i = 1; i < 4; i++) {
        using n = heap.alloc(Node);
        n.setScalar("v", i);
        prev.set("next", n);
        using back = heap.proxy(prev); // a weak proxy: no cycle
        n.set("prev", back);
        prev.dispose();
        prev = n.dup();
      }
      prev.dispose();
      roots.set("head", head);
      return { heap, roots, note: "next links are strong, prev links are weak proxies: dropping the head frees the whole list by refcounting alone, no collection needed." };
    },
  },
  ...([false, true] as const).map((weak): SceneSpec => ({
    id: weak ? "tasks-weak" : "tasks-strong",
    title: `Task/Subtask server, ${weak ? "weak" : "strong"} back-pointers`,
    script: `// a new request: its task replaces the newest in the server's ring
const task = heap.alloc(types.Task);
task.setScalar("v", 99);
roots.get("server").setAt(0, task);
task.dispose();
return heap.stats().liveObjects + " objects live";`,
    async build(collector) {
      const heap = await Heap.create({ debug: true, collector });
      const Task = heap.defineType({ name: "Task", refs: ["subtasks"], scalars: { v: "i32" }, weakrefable: true });
      const Sub = heap.defineType({ name: "Subtask", refs: ["task"] });
      const List = heap.defineType({ name: "List", kind: "refarray" });
      const roots = new Map<string, Handle>();
      const ring = heap.alloc(List, 1); // the server keeps the newest task only
      for (let t = 0; t < 3; t++) {
        using task = heap.alloc(Task);
        task.setScalar("v", t);
        using subs = heap.alloc(List);
        task.set("subtasks", subs);
        for (let s = 0; s < 2; s++) {
          using st = heap.alloc(Sub);
          if (weak) { using w = heap.weakref(task); st.set("task", w); } else st.set("task", task);
          subs.push(st);
        }
        ring.setAt(0, task); // the previous task is evicted
      }
      roots.set("server", ring);
      return {
        heap, roots,
        note: weak
          ? "Back-pointers are weakrefs: an evicted task has no cycle and refcounting freed it on eviction. Only the newest is left."
          : "Back-pointers are strong: each evicted task and its subtasks form a cycle that only a collection frees. Step through collect(2) to watch it.",
      };
    },
  })),
  ...(["pep442", "legacy"] as const).map((mode): SceneSpec => ({
    id: `finalizer-${mode}`,
    title: `Cycle with a finalizer (${mode === "pep442" ? "PEP 442" : "legacy"} mode)`,
    script: `// drop x and collect: the cycle x <-> y has finalizers
roots.get("x")?.dispose(); roots.delete("x");
if (heap.collector === "none") return "no collector: the cycle stays";
return heap.gc.collect(2) + " found, gc.garbage " + heap.gc.garbage.length;`,
    async build(collector) {
      const heap = await Heap.create({ debug: true, collector, finalizerMode: mode });
      const log: string[] = [];
      const Res = heap.defineType({ name: "Resource", refs: ["a", "b"], scalars: { v: "i32" }, finalizer: (self) => { log.push(`__del__ of Resource ${self.getScalar("v")}`); } });
      const roots = new Map<string, Handle>();
      const x = heap.alloc(Res), y = heap.alloc(Res);
      x.setScalar("v", 1); y.setScalar("v", 2);
      x.set("a", y); y.set("a", x);
      roots.set("x", x);
      y.dispose();
      return {
        heap, roots,
        note: mode === "pep442"
          ? "Drop x, then collect: PEP 442 runs both finalizers, checks nothing was resurrected, and frees the cycle."
          : "Drop x, then collect: in legacy mode a cycle with finalizers is uncollectable and lands in gc.garbage (Python 2).",
      };
    },
  })),
];
