// .heapsnapshot export read back by real consumers (memlab's heap analysis, the v8-heapsnapshot
// reader), and Graphviz DOT / SVG drawings.
import { expect, test } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as memlab from "@memlab/core";
import { parseSnapshotFromFile } from "v8-heapsnapshot";
import { collectorCaps, heapSuite } from "./helpers.js";
import { HeapConfigError, WeakValueMap, type Heap } from "../src/index.js";
import {
  DominatorTree, HeapSnapshotFormatError, graphFromHeapSnapshot, loadHeapSnapshot, toDot, typeStats, validateHeapSnapshot,
} from "../src/inspect/index.js";

memlab.config.muteConsole = true;

/** A heap with lists, fields, bytes, a weakref, a weak-value map, shared objects and (collector permitting) a garbage cycle. */
function populate(heap: Heap) {
  const Node = heap.defineType({ name: "Node", refs: ["left", "right"], scalars: { v: "i32" }, weakrefable: true });
  const List = heap.defineType({ name: "List", kind: "refarray" });
  const Bytes = heap.defineType({ name: "Bytes", kind: "bytes" });
  if (collectorCaps(heap.collector).collectsCycles) heap.gc.disable();
  const registry = heap.alloc(List);
  const shared = heap.alloc(Bytes, "shared payload");
  for (let i = 0; i < 6; i++) {
    const n = heap.alloc(Node), leaf = heap.alloc(Node), b = heap.alloc(Bytes, 10 * i);
    n.set("left", leaf); n.set("right", i % 2 ? shared : b); leaf.set("right", b);
    registry.push(n);
    n.dispose(); leaf.dispose(); b.dispose();
  }
  const first = registry.at(0)!;
  const wr = heap.weakref(first);
  const cache = new WeakValueMap(heap);
  cache.set(1, first);
  first.dispose();
  // a cycle no root reaches
  const x = heap.alloc(Node), y = heap.alloc(Node);
  x.set("left", y); y.set("left", x);
  x.dispose(); y.dispose();
  return { registry, shared, wr, cache };
}

heapSuite("inspect: .heapsnapshot", ({ make }) => {
  test("memlab and v8-heapsnapshot load the export: counts, names, edges and retained sizes agree with ours", async () => {
    const heap = await make();
    const { registry, shared, wr, cache } = populate(heap);
    const dir = await mkdtemp(join(tmpdir(), "refheap-"));
    try {
      const file = join(dir, "heap.heapsnapshot");
      const g = heap.inspect.graph();
      const ours = new DominatorTree(g);
      await heap.inspect.saveHeapSnapshot(file);
      const byId = new Map([...g.address].map((a, i) => [a + 1, i]));
      expect(typeStats(g)).toEqual({ Node: 14, List: 1, Bytes: 7, weakref: 2, weakmap: 2 });

      // v8-heapsnapshot: every node, name and edge
      const v8 = await parseSnapshotFromFile(file);
      const objects = v8.nodes.filter((n) => n.type !== "synthetic");
      expect(objects.length).toBe(g.count);
      expect(v8.nodes.length).toBe(g.count + 2); // (root) and (unreachable)
      const names: Record<string, number> = {};
      for (const n of objects) names[n.name] = (names[n.name] ?? 0) + 1;
      expect(names).toEqual(typeStats(g));
      for (const n of objects) {
        const i = byId.get(n.id)!;
        expect(n.self_size).toBe(g.size[i]);
        const strong = n.out_edges.filter((e) => e.type !== "weak").map((e) => [e.name, byId.get(e.to.id)]);
        const want: [string | number, number][] = [];
        for (let e = g.edgeStart[i]; e < g.edgeStart[i + 1]; e++) want.push([g.edgeName[e], g.edgeTo[e]]);
        expect(strong).toEqual(want);
        const weak = n.out_edges.filter((e) => e.type === "weak").map((e) => byId.get(e.to.id));
        expect(weak).toEqual(g.weakTo[i] >= 0 ? [g.weakTo[i]] : []);
      }
      expect(v8.nodes[0].out_edges.filter((e) => e.type === "shortcut").map((e) => e.name)).toContain("host×1");

      // memlab: its own dominator tree gives the same retained sizes
      const heapFile = await memlab.utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
      new memlab.TraceFinder().calculateAllNodesRetainedSizes(heapFile);
      let compared = 0;
      heapFile.nodes.forEach((n) => {
        if (n.type === "synthetic") return;
        const i = byId.get(n.id)!;
        expect(n.name).toBe(g.typeOf(i));
        expect(n.retainedSize).toBe(ours.retained[i]);
        compared++;
      });
      expect(compared).toBe(g.count);
      expect(heapFile.getNodeById(registry.ptr + 1)!.retainedSize).toBe(heap.inspect.retainedSize(registry));

      // and our own reader gives back the same graph
      const back = await loadHeapSnapshot(file);
      expect(typeStats(back)).toEqual(typeStats(g));
      expect([...back.address]).toEqual([...g.address]);
      expect([...back.external]).toEqual([...g.external]);
      expect([...new DominatorTree(back).retained]).toEqual([...ours.retained]);
      expect(back.info(0).generation).toBeUndefined(); // a file does not say
      expect(toDot(back, [0], true)).not.toMatch(/generation|untracked/);
      const text = await readFile(file, "utf8");
      expect(Object.keys(JSON.parse(text))).toEqual(["snapshot", "nodes", "edges", "trace_function_infos", "trace_tree", "samples", "locations", "strings"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    registry.dispose(); shared.dispose(); wr.dispose(); cache.dispose();
    if (collectorCaps(heap.collector).collectsCycles) { heap.gc.enable(); heap.gc.collect(); }
  });

  test("a malformed .heapsnapshot is refused with a typed error", async () => {
    const heap = await make();
    const { registry, shared, wr, cache } = populate(heap);
    const snap = heap.inspect.heapSnapshot();
    expect(() => validateHeapSnapshot(snap)).not.toThrow();
    const badCount = structuredClone(snap);
    badCount.snapshot.node_count++;
    expect(() => validateHeapSnapshot(badCount)).toThrow(HeapSnapshotFormatError);
    const badEdge = structuredClone(snap);
    badEdge.edges[2] = 3;
    expect(() => validateHeapSnapshot(badEdge)).toThrow(/to_node 3 is not a node/);
    const orphan = structuredClone(snap);
    orphan.nodes[4] = 0; orphan.snapshot.edge_count -= 0; // the root loses its edges…
    expect(() => validateHeapSnapshot(orphan)).toThrow(HeapSnapshotFormatError);
    expect(() => graphFromHeapSnapshot("{}")).toThrow(HeapSnapshotFormatError);
    registry.dispose(); shared.dispose(); wr.dispose(); cache.dispose();
    if (collectorCaps(heap.collector).collectsCycles) { heap.gc.enable(); heap.gc.collect(); }
  });
});

heapSuite("inspect: DOT and SVG", ({ make }) => {
  test("showBackrefs draws referrers with field names, refcounts and generations; SVG through Graphviz", async () => {
    const heap = await make();
    const Node = heap.defineType({ name: "Node", refs: ["left", "right"] });
    const List = heap.defineType({ name: "List", kind: "refarray" });
    const list = heap.alloc(List), parent = heap.alloc(Node), child = heap.alloc(Node);
    parent.set("right", child);
    list.push(parent);
    for (let i = 0; i < 12; i++) { const h = heap.alloc(Node); h.set("left", child); list.push(h); h.dispose(); }
    parent.dispose();
    const dot = heap.inspect.showBackrefs([child], { maxDepth: 2, tooMany: 5 });
    expect(dot.startsWith("digraph backrefs {")).toBe(true);
    expect(dot).toMatch(/\[label="right"\]/);
    expect(dot).toMatch(/… 8 more/); // 13 referrers, 5 drawn
    expect(dot).toContain(`0x${child.ptr.toString(16)}`);
    // the refcount as it is (13 referrers + the argument handle), but that handle is not "external"
    expect(dot).toContain(`0x${child.ptr.toString(16)}  24 B\\nrefcount 14\\ngeneration`);
    expect(dot).toMatch(!collectorCaps(heap.collector).collectsCycles ? /generation 0/ : /generation \d/);
    expect(dot).toMatch(/host -> o\d+ \[label="×1"/); // the list is held by the host
    const refs = heap.inspect.showRefs([list], { maxDepth: 1, tooMany: 100, refcounts: false, generations: false });
    expect(refs.match(/ -> /g)!.length).toBe(13);
    expect(refs).not.toMatch(/refcount/);
    const chain = heap.inspect.findBackrefChain(child);
    expect(chain.map((l) => l.type)).toEqual(["List", "Node", "Node"]);
    const chainDot = heap.inspect.showChain([chain]);
    expect(chainDot.match(/ -> /g)!.length).toBe(2);
    const svg = await heap.inspect.renderSvg(dot);
    expect(svg).toMatch(/<svg[\s\S]*<\/svg>/);
    expect(svg).toContain("right");
    expect(svg).toContain(`0x${child.ptr.toString(16)}`);
    await expect(heap.inspect.renderSvg("digraph { a -> }")).rejects.toThrow();
    list.dispose(); child.dispose();
  });
});

// A file from a stranger (refheap-inspect snapshot FILE): before, a negative edge_count crashed the
// process (V8's fatal "invalid size" after seconds of growing the walk's stack), null, non-JSON or a
// missing node_types were TypeError/SyntaxError, and names or types past their tables, to_node "14"
// or an id past 2^32 gave a graph with null type names or wrapped addresses.
test("loadHeapSnapshot and graphFromHeapSnapshot refuse any malformed file with HeapSnapshotFormatError", async () => {
  const good = () => ({
    snapshot: {
      meta: { node_fields: ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"], node_types: [["object", "synthetic"]],
        edge_fields: ["type", "name_or_index", "to_node"], edge_types: [["element", "property", "shortcut"]] },
      node_count: 3, edge_count: 2,
    },
    nodes: [1, 0, 1, 0, 1, 0, 0, /* A */ 0, 1, 3, 16, 1, 0, 0, /* B */ 0, 2, 5, 32, 0, 0, 0],
    edges: [2, 3, 7, /* A.next */ 1, 4, 14],
    strings: ["(root)", "A", "B", "host×1", "next"],
  });
  const edit = (f: (s: ReturnType<typeof good> & Record<string, unknown>) => void) => { const s = good(); f(s as never); return JSON.stringify(s); };
  expect(Object.keys(typeStats(graphFromHeapSnapshot(JSON.stringify(good())))).sort()).toEqual(["A", "B"]);
  const cases: [string, RegExp][] = [
    ["null", /missing snapshot\.meta/],
    ["hello", /not JSON/],
    ["[]", /missing snapshot\.meta/],
    [edit((s) => { s.nodes[4] = -1; s.nodes[11] = 3; }), /nodes\[4\] is -1, not an unsigned 32-bit integer/], // sums right: crashed the process
    [edit((s) => { s.edges[5] = "14" as never; }), /edges\[5\] is "14"/],
    [edit((s) => { s.edges[5] = null as never; }), /edges\[5\] is null/],
    [edit((s) => { s.nodes[4] = 0.5; s.nodes[11] = 1.5; }), /nodes\[4\] is 0\.5/],
    [edit((s) => { s.nodes[9] = 2 ** 40; }), /nodes\[9\] is 1099511627776/],
    [edit((s) => { s.nodes[8] = 99; }), /node 1: name 99 is not one of strings \(5\)/],
    [edit((s) => { s.nodes[7] = 99; }), /node 1: type 99 is not one of meta\.node_types/],
    [edit((s) => { s.edges[3] = 99; }), /edge 1: type 99 is not one of meta\.edge_types/],
    [edit((s) => { s.edges[4] = 99; }), /edge 1: name 99 is not one of strings/],
    [edit((s) => { delete (s.snapshot.meta as Record<string, unknown>).node_types; }), /node_types\[0\] and edge_types\[0\] must be lists/],
    [edit((s) => { s.snapshot.meta.node_fields[3] = "size"; }), /node_fields has no 'self_size'/],
    [edit((s) => { s.snapshot.meta.edge_fields = ["type", "to_node", "name_or_index"]; }), /edge_fields must be type, name_or_index, to_node/],
    [edit((s) => { (s.snapshot as Record<string, unknown>).node_count = "3"; }), /node_count must be a non-negative integer, got "3"/],
    [edit((s) => { s.strings[2] = 5 as never; }), /strings: a list of strings/],
  ];
  for (const [text, message] of cases) {
    let err: unknown;
    try { graphFromHeapSnapshot(text); } catch (e) { err = e; }
    expect(err, text.slice(0, 80)).toBeInstanceOf(HeapSnapshotFormatError);
    expect((err as Error).message, text.slice(0, 80)).toMatch(message);
  }
  const dir = await mkdtemp(join(tmpdir(), "refheap-load-"));
  try {
    await writeFile(join(dir, "s.heapsnapshot"), JSON.stringify(good()));
    expect((await loadHeapSnapshot(join(dir, "s.heapsnapshot"))).count).toBe(2);
    await writeFile(join(dir, "s.heapsnapshot.gz"), gzipSync(JSON.stringify(good())));
    await expect(loadHeapSnapshot(join(dir, "s.heapsnapshot.gz"))).rejects.toThrow(/gzip-compressed: decompress it first/);
    await expect(loadHeapSnapshot(dir)).rejects.toThrow(HeapConfigError);
    await expect(loadHeapSnapshot(join(dir, "missing"))).rejects.toThrow(/loadHeapSnapshot: cannot read .*ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
