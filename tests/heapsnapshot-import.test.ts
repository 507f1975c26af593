// importHeapSnapshot (src/import/): a heap built from a V8 .heapsnapshot, on every strategy. A
// real snapshot of a bare node process (tests/fixtures/node-bare.heapsnapshot.gz, made by
// bench/snapshots/take.mjs) and hand-made ones for the mapping; malformed and oversized files
// get typed errors before the heap changes.
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, gunzipSync } from "node:zlib";
import {
  Handle, HeapConfigError, HeapOutOfMemoryError, HeapSnapshotFormatError, HeapSnapshotLimitError, HeapWeakRef, importHeapSnapshot, type Heap,
} from "../src/index.js";
import { collectorCaps, heapSuite } from "./helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, "fixtures", "node-bare.heapsnapshot.gz");

const NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"];
const NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native", "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape"];
const EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"];

interface SNode { type: string; name: string; edges?: [type: string, name: string | number, to: number][] }

/** A .heapsnapshot object from a node list (node 0 the root unless rootIndex says otherwise), as V8 lays it out. */
function snapshot(list: SNode[], extra: Record<string, unknown> = {}) {
  const strings: string[] = [], ids = new Map<string, number>();
  const str = (s: string) => { let k = ids.get(s); if (k === undefined) { k = strings.length; strings.push(s); ids.set(s, k); } return k; };
  const nodes: number[] = [], edges: number[] = [];
  list.forEach((n, i) => {
    nodes.push(NODE_TYPES.indexOf(n.type), str(n.name), 2 * i + 1, 16, n.edges?.length ?? 0, 0, 0);
    for (const [t, name, to] of n.edges ?? []) {
      edges.push(EDGE_TYPES.indexOf(t), typeof name === "number" ? name : str(name), to * NODE_FIELDS.length);
    }
  });
  return {
    snapshot: {
      meta: {
        node_fields: NODE_FIELDS, node_types: [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        edge_fields: ["type", "name_or_index", "to_node"], edge_types: [EDGE_TYPES, "string_or_number", "node"],
      },
      node_count: list.length, edge_count: edges.length / 3, trace_function_count: 0, ...extra,
    },
    nodes, edges, trace_function_infos: [], trace_tree: [], samples: [], locations: [], strings,
  };
}
const bytes = (x: unknown) => new TextEncoder().encode(typeof x === "string" ? x : JSON.stringify(x));

/** A small graph: a root holding a cycle of two Points, a list of varying length, a weak edge, an unreachable node. */
const SMALL: SNode[] = [
  /* 0 */ { type: "synthetic", name: "", edges: [["element", 1, 1], ["element", 2, 3], ["shortcut", "list", 4]] },
  /* 1 */ { type: "object", name: "Point", edges: [["property", "next", 2], ["property", "my-label", 5]] },
  /* 2 */ { type: "object", name: "Point", edges: [["property", "next", 1], ["property", "my-label", 6]] },
  /* 3 */ { type: "object", name: "Array", edges: [["element", 0, 1], ["element", 1, 2], ["weak", "cache", 7]] },
  /* 4 */ { type: "object", name: "Array", edges: [["element", 0, 5]] },
  /* 5 */ { type: "string", name: "hello" },
  /* 6 */ { type: "string", name: "world" },
  /* 7 */ { type: "object", name: "Cached" }, // only a weak edge reaches it: not built
  /* 8 */ { type: "closure", name: "lost", edges: [["context", "x", 1]] }, // unreachable
];

function census(heap: Heap): Map<string, number> {
  const counts = new Map<string, number>();
  const g = heap.inspect.graph();
  for (let i = 0; i < g.count; i++) counts.set(g.typeOf(i), (counts.get(g.typeOf(i)) ?? 0) + 1);
  return counts;
}

/** Nodes reachable from node 0 through non-weak edges, counted the plain way. */
function reachable(s: ReturnType<typeof snapshot>): number {
  const nf = s.snapshot.meta.node_fields.length, ec = s.snapshot.meta.node_fields.indexOf("edge_count");
  const first = [0];
  for (let k = 0; k < s.snapshot.node_count; k++) first.push(first[k] + s.nodes[k * nf + ec]);
  const weak = s.snapshot.meta.edge_types[0].indexOf("weak");
  const seen = new Set([0]), todo = [0];
  while (todo.length) {
    const k = todo.pop()!;
    for (let e = first[k]; e < first[k + 1]; e++) {
      if (s.edges[e * 3] === weak) continue;
      const w = s.edges[e * 3 + 2] / nf;
      if (!seen.has(w)) { seen.add(w); todo.push(w); }
    }
  }
  return seen.size;
}

heapSuite("importHeapSnapshot", ({ make, strategy }) => {
  const collects = collectorCaps(strategy.collector).collectsCycles;

  it("builds one object per reachable node of a real V8 snapshot; dropping the root frees them all", async () => {
    const heap = await make();
    const before = heap.stats().liveObjects;
    const objectsBefore = heap.inspect.graph().count;
    const imp = await importHeapSnapshot(heap, FIXTURE);
    const json = JSON.parse(gunzipSync(readFileSync(FIXTURE)).toString("utf8"));
    expect(imp.snapshot.nodes).toBe(json.snapshot.node_count);
    expect(imp.objects).toBe(reachable(json));
    expect(imp.objects).toBeGreaterThan(20_000);
    expect(imp.skipped.unreachableNodes).toBe(json.snapshot.node_count - imp.objects);
    const counts = census(heap);
    // weak edges to one target share its weakref (a weakref without callback is reused, as CPython's)
    expect(counts.get("weakref")).toBeGreaterThan(0);
    expect(counts.get("weakref")).toBeLessThanOrEqual(imp.weakrefs);
    expect(heap.inspect.graph().count - objectsBefore).toBe(imp.objects + counts.get("weakref")!);
    for (const [name, n] of imp.counts) expect(counts.get(name), name).toBe(n);
    expect(imp.root.type.name).toBe("synthetic:");
    heap.verify();
    if (collects) {
      heap.gc.collect();
      expect(heap.inspect.graph().count - objectsBefore).toBe(imp.objects + counts.get("weakref")!); // all held through the root
      imp.root.dispose();
      heap.gc.collect();
      expect(heap.stats().liveObjects).toBe(before);
    } else {
      imp[Symbol.dispose]();
    }
  });

  it("maps types, fields, lists and weak edges", async () => {
    const heap = await make();
    const before = heap.stats().liveObjects;
    const imp = await importHeapSnapshot(heap, bytes(snapshot(SMALL)));
    expect(imp.objects).toBe(7);
    expect(imp.skipped).toEqual({ unreachableNodes: 2, weakEdgesToUnreachable: 1 });
    expect(imp.references).toBe(10);
    expect(imp.weakrefs).toBe(0);
    const Point = imp.types.get("object:Point")!;
    expect(Point.kind).toBe("fixed");
    expect(Point.refs).toEqual(["next", "my_label"]);
    // two shapes of one name (three edges, one edge): a fixed type each, the first met named after it
    expect(imp.types.get("object:Array")!.refs).toEqual(["_0", "_1", "cache"]);
    expect(imp.types.get("object:Array #2")!.refs).toEqual(["_0"]);
    expect([...imp.types.values()].every((t) => t.kind === "fixed")).toBe(true); // every node one block
    expect(imp.types.get("string")!.kind).toBe("fixed");
    expect(imp.counts.get("string")).toBe(2);
    expect(imp.types.get("synthetic:")!.refs).toEqual(["_1", "_2", "list"]);
    const root = imp.root;
    using p1 = root.get("_1")!;
    using p2 = p1.get("next")!;
    using back = p2.get("next")!;
    expect(back.ptr).toBe(p1.ptr);
    using arr = root.get("_2")!;
    using a0 = arr.get("_0")!;
    expect(a0.ptr).toBe(p1.ptr);
    expect(arr.get("cache")).toBeNull(); // the weak edge to a node only it reaches
    expect(heap.inspect.graph().count).toBe(7);
    imp.root.dispose();
    for (const h of [p1, p2, back, arr, a0]) h.dispose();
    if (collects) { heap.gc.collect(); expect(heap.stats().liveObjects).toBe(before); }
  });

  it("makes a weakref of a weak edge; it clears when its target dies", async () => {
    const heap = await make();
    const before = heap.stats().liveObjects;
    const imp = await importHeapSnapshot(heap, bytes(snapshot([
      { type: "synthetic", name: "", edges: [["element", 1, 1], ["element", 2, 2]] },
      { type: "object", name: "Holder", edges: [["weak", "target", 2]] },
      { type: "object", name: "Target" },
    ])));
    expect(imp.weakrefs).toBe(1);
    expect(imp.types.get("object:Target")!.weakrefable).toBe(true);
    expect(imp.types.get("object:Holder")!.weakrefable).toBe(false);
    using holder = imp.root.get("_1")!;
    const wr = holder.get("target");
    expect(wr).toBeInstanceOf(HeapWeakRef);
    using target = (wr as HeapWeakRef).deref()!;
    expect(target.type.name).toBe("object:Target");
    target.dispose();
    imp.root.set("_2", null); // the only strong reference
    expect((wr as HeapWeakRef).deref()).toBeNull();
    wr!.dispose();
    holder.dispose();
    imp.root.dispose();
    expect(heap.stats().liveObjects).toBe(before); // no cycles: refcounting frees it all
  });

  it("honours root_index and skips values of other keys, however nested", async () => {
    const heap = await make();
    const s = snapshot([{ type: "object", name: "NotRoot" }, { type: "synthetic", name: "(root)", edges: [["property", "a", 2]] }, { type: "object", name: "A" }],
      { root_index: 7 });
    let text = JSON.stringify(s);
    const deep = "[".repeat(200_000) + "]".repeat(200_000); // no recursion in the reader
    text = text.replace('"trace_tree":[]', `"trace_tree":${deep},"extra":{"k":["x]\\"}",1.5e3,null,true]}`);
    const imp = await importHeapSnapshot(heap, gzipSync(bytes(text)));
    expect(imp.objects).toBe(2);
    expect(imp.root.type.name).toBe("synthetic:(root)");
    imp.root.dispose();
  });

  it("a type per shape: a name's other edge lists get their own fixed types, nodes wider than 256 edges share a refarray per name", async () => {
    const heap = await make();
    const before = heap.stats().liveObjects;
    const wide = (n: number): [string, number, number][] => Array.from({ length: n }, (_, j) => ["element", j, 1]);
    const imp = await importHeapSnapshot(heap, bytes(snapshot([
      { type: "synthetic", name: "", edges: [["element", 0, 2], ["element", 1, 3], ["element", 2, 4], ["element", 3, 5], ["element", 4, 6], ["element", 5, 7]] },
      { type: "string", name: "s" },
      { type: "object", name: "T", edges: [["property", "a", 1]] },
      { type: "object", name: "T", edges: [["property", "b", 1]] }, // same count, another label: another shape
      { type: "object", name: "T", edges: [["property", "a", 1]] },
      { type: "object", name: "T #2", edges: [["property", "c", 1], ["property", "d", 1]] }, // V8's own name, like a shape's
      { type: "array", name: "A", edges: wide(300) },
      { type: "array", name: "A", edges: wide(257) },
    ])));
    expect(imp.counts.get("object:T")).toBe(2); // the most common shape keeps the name
    expect(imp.types.get("object:T")!.refs).toEqual(["a"]);
    expect(imp.types.get("object:T #2")!.refs).toEqual(["b"]);
    expect(imp.types.get("object:T #2 #2")!.refs).toEqual(["c", "d"]); // no two keys share a name
    expect(imp.types.get("array:A")!.kind).toBe("refarray");
    expect(imp.counts.get("array:A")).toBe(2);
    expect(imp.types.size).toBe(1 + 1 + 3 + 1);
    const a = imp.root.get("_4")!;
    expect(a.length).toBe(300);
    a.dispose();
    expect(imp.references).toBe(6 + 3 + 2 + 557);
    imp.root.dispose();
    if (collects) { heap.gc.collect(); expect(heap.stats().liveObjects).toBe(before); }
  });

  it("allocates depth first from the root (default), in postorder, or in the snapshot's node order (order option)", async () => {
    // root -> A -> B -> C -> A, the nodes listed children first: root, C, B, A
    const s = snapshot([
      { type: "synthetic", name: "", edges: [["property", "a", 3]] },
      { type: "object", name: "N", edges: [["property", "next", 3]] }, // C
      { type: "object", name: "N", edges: [["property", "next", 1]] }, // B
      { type: "object", name: "N", edges: [["property", "next", 2]] }, // A
    ]);
    const lists = collectorCaps(strategy.collector).generations;
    for (const order of [undefined, "snapshot", "depth-first", "postorder"] as const) {
      const heap = await make();
      const before = heap.stats().liveObjects;
      const imp = await importHeapSnapshot(heap, bytes(s), order && { order });
      expect([imp.objects, imp.references]).toEqual([4, 4]);
      const a = imp.root.get("a")!, b = a.get("next")!, c = b.get("next")!;
      const name = new Map([[imp.root.ptr, "root"], [a.ptr, "A"], [b.ptr, "B"], [c.ptr, "C"]]);
      for (const h of [a, b, c]) h.dispose();
      /** The imported objects in the collector's list order (allocation order until a collection reorders it). */
      const listed = () => heap.gc.getObjects().map((h) => { const n = name.get(h.ptr); h.dispose(); return n; }).filter((n) => n !== undefined);
      if (lists) {
        const allocated = { snapshot: ["root", "C", "B", "A"], "depth-first": ["root", "A", "B", "C"], postorder: ["C", "B", "A", "root"] }[order ?? "depth-first"];
        expect(listed()).toEqual(allocated);
        // move_unreachable sets aside what it meets before a referrer (count 0 when the scan reaches
        // it) and takes it back after that referrer: the list is no longer in allocation order.
        // Depth first, it moves nothing.
        expect(heap.gc.collect()).toBe(0);
        expect(listed()).toEqual(["root", "A", "B", "C"]);
      }
      imp.root.dispose();
      if (collects) { heap.gc.collect(); expect(heap.stats().liveObjects).toBe(before); }
    }
  });

  it("gives rare (type, name) pairs a shared type beyond maxTypes", async () => {
    const heap = await make();
    const imp = await importHeapSnapshot(heap, bytes(snapshot(SMALL)), { maxTypes: 2 });
    // kept: the root's, then the two most common (Point, string: two nodes each); each Array shape has one
    expect([...imp.types.keys()].sort()).toEqual(["object:(other)", "object:Point", "string", "synthetic:"]);
    expect(imp.types.has("synthetic:")).toBe(true); // the root's own type, beyond maxTypes
    expect(imp.types.size).toBeLessThanOrEqual(1 + 2 + 3);
    expect(imp.objects).toBe(7);
    imp.root.dispose();
  });

  it("undoes a build that runs out of memory (debug heaps' fault injection)", async () => {
    const heap = await make();
    const before = heap.stats().liveObjects;
    heap.failAllocations(3);
    await expect(importHeapSnapshot(heap, bytes(snapshot(SMALL)))).rejects.toThrow(HeapOutOfMemoryError);
    heap.failAllocations(null);
    expect(heap.stats().liveObjects).toBe(before);
    heap.verify();
  });

  describe("refuses bad files before the heap changes", () => {
    const good = snapshot(SMALL);
    const text = JSON.stringify(good);
    const edit = (f: (s: ReturnType<typeof snapshot>) => void) => { const s = structuredClone(good); f(s); return bytes(s); };
    const cases: [string, Uint8Array, RegExp][] = [
      ["not JSON", bytes("hello"), /expected '\{'/],
      ["empty", bytes(""), /expected '\{'.*end of the file/],
      ["truncated", bytes(text.slice(0, text.length / 2)), /ends inside|unterminated|expected/],
      ["trailing text", bytes(text + "x"), /after the snapshot's closing/],
      ["truncated gzip", gzipSync(bytes(text)).subarray(0, 40), /gzip|unexpected end/i],
      ["gzip garbage", Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), /gzip|header|invalid/i],
      ["nodes before snapshot", bytes(`{"nodes":[],${text.slice(1)}`), /'nodes' before 'snapshot'/],
      ["strings before nodes", bytes(text.replace('"nodes"', '"strings":[],"nodes"').replace(/,"strings":\[[^\]]*\]\}$/, "}")), /'strings' before/],
      ["a key twice", bytes(text.replace('"samples":[]', '"samples":[],"samples":[]')), /twice/],
      ["no meta", edit((s) => { delete (s.snapshot as { meta?: unknown }).meta; }), /meta is missing/],
      ["no edge_count field", edit((s) => { s.snapshot.meta.node_fields = s.snapshot.meta.node_fields.map((f) => (f === "edge_count" ? "edges" : f)); }), /no 'edge_count'/],
      ["node_count too small", edit((s) => { s.snapshot.node_count--; }), /more numbers than the header/],
      ["node_count too large", edit((s) => { s.snapshot.node_count++; }), /not the \d+ the header declares/],
      ["edge_count wrong", edit((s) => { s.snapshot.edge_count++; }), /not the \d+ the header declares/],
      ["edge counts do not add up", edit((s) => { s.nodes[4]++; s.nodes[11]--; s.nodes[4 + 7 * 3]++; }), /sum to/],
      ["to_node inside a node", edit((s) => { s.edges[2] = 3; }), /to_node 3 is not a node/],
      ["to_node past the end", edit((s) => { s.edges[2] = 7 * 100; }), /to_node 700 is not a node/],
      ["unknown node type", edit((s) => { s.nodes[7] = 99; }), /type 99 is not one of meta.node_types/],
      ["unknown edge type", edit((s) => { s.edges[0] = 42; }), /type 42 is not one of meta.edge_types/],
      ["a name past the strings", edit((s) => { s.nodes[8] = 5000; }), /string 5000/],
      ["a negative number", bytes(text.replace('"nodes":[', '"nodes":[-')), /unsigned integer/],
      ["a fraction", bytes(text.replace(/"nodes":\[(\d+)/, '"nodes":[$1.5')), /unsigned integer/],
      ["a number over 2^32", bytes(text.replace('"nodes":[', '"nodes":[99999999999')), /larger than 2\^32/],
      ["two numbers without a comma", bytes(text.replace(/"nodes":\[(\d+)/, '"nodes":[$1 1')), /without a comma/],
      ["a missing number", bytes(text.replace('"nodes":[', '"nodes":[,')), /missing number/],
      ["a bad root_index", edit((s) => { (s.snapshot as Record<string, unknown>).root_index = 3; }), /root_index 3 is not a node/],
      ["a control character in a string", bytes(text.replace('"hello"', '"hel\nlo"')), /control character/],
    ];
    it.each(cases)("%s", async (_what, file, message) => {
      const heap = await make();
      const before = heap.stats().liveObjects, types = heap.types.length;
      const err = await importHeapSnapshot(heap, file).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(HeapSnapshotFormatError);
      expect((err as Error).message).toMatch(message);
      expect(heap.stats().liveObjects).toBe(before);
      expect(heap.types.length).toBe(types);
    });

    it("limits: nodes and edges from the header, before the arrays are read; file and text bytes", async () => {
      const heap = await make();
      const types = heap.types.length;
      const huge = bytes(text.replace(/"node_count":\d+/, '"node_count":1000000000'));
      await expect(importHeapSnapshot(heap, huge)).rejects.toMatchObject({ name: "HeapSnapshotLimitError", limit: "maxNodes", value: 1e9, max: 4_000_000 });
      await expect(importHeapSnapshot(heap, bytes(good), { maxNodes: 8 })).rejects.toThrow(/9 nodes, more than maxNodes \(8\)/);
      await expect(importHeapSnapshot(heap, bytes(good), { maxEdges: 3 })).rejects.toMatchObject({ limit: "maxEdges" });
      await expect(importHeapSnapshot(heap, bytes(good), { maxFileBytes: 100 })).rejects.toMatchObject({ limit: "maxFileBytes" });
      // a gzip bomb: small file, text beyond the limit
      const bomb = gzipSync(bytes(text.replace('"samples":[]', `"samples":[${"0,".repeat(500_000)}0]`)));
      expect(bomb.length).toBeLessThan(10_000);
      await expect(importHeapSnapshot(heap, bomb, { maxFileBytes: 100_000 })).rejects.toBeInstanceOf(HeapSnapshotLimitError);
      const dir = mkdtempSync(path.join(tmpdir(), "refheap-snap-"));
      try {
        writeFileSync(path.join(dir, "bomb.heapsnapshot.gz"), bomb);
        await expect(importHeapSnapshot(heap, path.join(dir, "bomb.heapsnapshot.gz"), { maxFileBytes: 100_000 })).rejects.toMatchObject({ limit: "maxFileBytes" });
        writeFileSync(path.join(dir, "s.heapsnapshot"), bytes(good));
        await expect(importHeapSnapshot(heap, path.join(dir, "s.heapsnapshot"), { maxFileBytes: 100 })).rejects.toMatchObject({ limit: "maxFileBytes" });
        const ok = await importHeapSnapshot(heap, path.join(dir, "s.heapsnapshot"));
        expect(ok.objects).toBe(7);
        ok.root.dispose();
        await expect(importHeapSnapshot(heap, path.join(dir, "missing"))).rejects.toThrow(HeapConfigError);
        await expect(importHeapSnapshot(heap, dir)).rejects.toThrow(/not a file/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(heap.types.length).toBe(types + 5); // only the successful import defined types
    });

    it("bad arguments and a heap too small", async () => {
      const heap = await make();
      const before = heap.stats().liveObjects;
      await expect(importHeapSnapshot(heap, bytes(good), { maxNodes: 0 })).rejects.toThrow(HeapConfigError);
      await expect(importHeapSnapshot(heap, bytes(good), { maxNodes: 1.5 })).rejects.toThrow(HeapConfigError);
      await expect(importHeapSnapshot(heap, bytes(good), { nodes: 1 } as never)).rejects.toThrow(/unknown option 'nodes'/);
      await expect(importHeapSnapshot(heap, bytes(good), { order: "breadth-first" } as never)).rejects.toThrow(/order must be one of 'depth-first', 'postorder', 'snapshot'/);
      await expect(importHeapSnapshot(heap, bytes(good), { order: 1 } as never)).rejects.toThrow(HeapConfigError);
      await expect(importHeapSnapshot(heap, 42 as never)).rejects.toThrow(/file path or the file's bytes/);
      const small = await make({ maxBytes: 16 * 65536 });
      const types = small.types.length;
      await expect(importHeapSnapshot(small, FIXTURE)).rejects.toThrow(HeapOutOfMemoryError);
      expect(small.types.length).toBe(types);
      expect(heap.stats().liveObjects).toBe(before);
      expect(Handle).toBeDefined();
    });
  });
});
