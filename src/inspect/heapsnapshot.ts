// Export to the V8 / Chrome DevTools .heapsnapshot format (and back), so DevTools' Memory panel,
// memlab and other readers of that format can open our heap. Format: shared reference A5 (V8's
// HeapSnapshotJSONSerializer, DevTools' HeapSnapshotLoader): keys in order snapshot, nodes,
// edges, …, strings last; edges grouped by source in node order; to_node = node ordinal × 7.
//
// Mapping: node 0 is the synthetic root; its shortcut edges ("host×N", N = external references)
// lead to the objects held from outside the heap, the "user roots" DevTools measures distances
// from. Objects no root reaches (cycles awaiting collection) hang under a synthetic
// "(unreachable)" node, entered as the dominator tree does (dominators.ts). Every object is an
// `object` node named by its type (bytes: `native`), id = address + 1 (V8 gives objects odd
// ids; an address is reused after a free, so ids are stable only while the object lives),
// self_size = its block bytes (a list's items block included). Field references are `property`
// edges, list items `element`, weak-map entries `internal`, a weakref's referent a `weak` edge.

import { GENERATION_UNKNOWN, KIND_BYTES, KIND_FIXED, KIND_REFARRAY, KIND_WEAKMAP, ObjectGraph } from "./graph.js";
import { unreachableEntries } from "./dominators.js";
import { HeapError } from "../errors.js";

const NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native", "synthetic",
  "concatenated string", "sliced string", "symbol", "bigint", "object shape"];
const EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"];
const NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"];
const NF = NODE_FIELDS.length;
const T_OBJECT = 3, T_NATIVE = 8, T_SYNTHETIC = 9;
const E_ELEMENT = 1, E_PROPERTY = 2, E_INTERNAL = 3, E_SHORTCUT = 5, E_WEAK = 6;

/** A .heapsnapshot file that does not follow the format. */
export class HeapSnapshotFormatError extends HeapError {}

export interface HeapSnapshotJson {
  snapshot: { meta: Record<string, unknown>; node_count: number; edge_count: number; trace_function_count: number };
  nodes: number[]; edges: number[]; trace_function_infos: number[]; trace_tree: number[]; samples: number[]; locations: number[];
  strings: string[];
}

/** The graph as a .heapsnapshot object (JSON.stringify it, or use heapSnapshotText). Self-validated. */
export function toHeapSnapshot(g: ObjectGraph): HeapSnapshotJson {
  const strings: string[] = [""], stringIndex = new Map<string, number>([["", 0]]);
  const str = (s: string) => {
    let k = stringIndex.get(s);
    if (k === undefined) { k = strings.length; strings.push(s); stringIndex.set(s, k); }
    return k;
  };
  const entries = unreachableEntries(g);
  const hasUnreachable = entries.length > 0;
  const first = hasUnreachable ? 2 : 1; // node ordinal of object 0
  const nodes: number[] = [], edges: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < g.count; i++) if (g.external[i] > 0) held.push(i);
  // root
  nodes.push(T_SYNTHETIC, str("(root)"), 1, 0, held.length + (hasUnreachable ? 1 : 0), 0, 0);
  for (const i of held) edges.push(E_SHORTCUT, str(`host×${g.external[i]}`), (first + i) * NF);
  if (hasUnreachable) {
    edges.push(E_SHORTCUT, str("(unreachable)"), NF);
    nodes.push(T_SYNTHETIC, str("(unreachable)"), 3, 0, entries.length, 0, 0);
    entries.forEach((i, k) => edges.push(E_ELEMENT, k, (first + i) * NF));
  }
  for (let i = 0; i < g.count; i++) {
    const kind = g.kindOf(i);
    const from = g.edgeStart[i], to = g.edgeStart[i + 1], weak = g.weakTo[i];
    nodes.push(kind === KIND_BYTES ? T_NATIVE : T_OBJECT, str(g.typeOf(i)), g.address[i] + 1, g.size[i], to - from + (weak >= 0 ? 1 : 0), 0, 0);
    for (let e = from; e < to; e++) {
      const name = g.edgeName[e];
      const type = kind === KIND_WEAKMAP ? E_INTERNAL : typeof name === "number" ? E_ELEMENT : E_PROPERTY;
      edges.push(type, type === E_ELEMENT ? (name as number) : str(String(name)), (first + g.edgeTo[e]) * NF);
    }
    if (weak >= 0) edges.push(E_WEAK, str("referent"), (first + weak) * NF);
  }
  const snap: HeapSnapshotJson = {
    snapshot: {
      meta: {
        node_fields: NODE_FIELDS,
        node_types: [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        edge_fields: ["type", "name_or_index", "to_node"],
        edge_types: [EDGE_TYPES, "string_or_number", "node"],
        trace_function_info_fields: ["function_id", "name", "script_name", "script_id", "line", "column"],
        trace_node_fields: ["id", "function_info_index", "count", "size", "children"],
        sample_fields: ["timestamp_us", "last_assigned_id"],
        location_fields: ["object_index", "script_id", "line", "column"],
      },
      node_count: nodes.length / NF, edge_count: edges.length / 3, trace_function_count: 0,
    },
    nodes, edges, trace_function_infos: [], trace_tree: [], samples: [], locations: [], strings,
  };
  validateHeapSnapshot(snap);
  return snap;
}

/** The .heapsnapshot text, keys in the order the streaming loaders expect (strings last). */
export function heapSnapshotText(g: ObjectGraph): string {
  const s = toHeapSnapshot(g);
  // JSON.stringify keeps insertion order, which toHeapSnapshot set as the loaders need
  return JSON.stringify(s);
}

export async function saveHeapSnapshot(g: ObjectGraph, file: string): Promise<void> {
  const { writeFile } = await import("node:fs/promises"); // Node only: the explorer bundles this file for browsers
  await writeFile(file, heapSnapshotText(g));
}

/**
 * Checks what loaders silently choke on (nodejs/node#47072): counts match the arrays, every
 * to_node is a node start, edge counts add up, and every node is reachable from the root.
 */
export function validateHeapSnapshot(s: HeapSnapshotJson): void {
  const fail = (m: string) => { throw new HeapSnapshotFormatError(`.heapsnapshot: ${m}`); };
  const nf = (s.snapshot.meta.node_fields as string[] | undefined)?.length ?? 0;
  if (!nf || s.nodes.length !== s.snapshot.node_count * nf) fail(`nodes has ${s.nodes.length} numbers, not node_count ${s.snapshot.node_count} × ${nf}`);
  if (s.edges.length !== s.snapshot.edge_count * 3) fail(`edges has ${s.edges.length} numbers, not edge_count ${s.snapshot.edge_count} × 3`);
  const fields = s.snapshot.meta.node_fields as string[];
  const ec = fields.indexOf("edge_count");
  let sum = 0;
  for (let n = 0; n < s.nodes.length; n += nf) sum += s.nodes[n + ec];
  if (sum !== s.snapshot.edge_count) fail(`the nodes' edge_count sum to ${sum}, not ${s.snapshot.edge_count}`);
  for (let e = 2; e < s.edges.length; e += 3) {
    const to = s.edges[e];
    if (to % nf !== 0 || to < 0 || to >= s.nodes.length) fail(`edge ${(e - 2) / 3}: to_node ${to} is not a node`);
  }
  // reachability from node 0
  const count = s.snapshot.node_count, seen = new Uint8Array(count), first = new Uint32Array(count + 1);
  for (let k = 0; k < count; k++) first[k + 1] = first[k] + s.nodes[k * nf + ec];
  const stack = [0];
  seen[0] = 1;
  while (stack.length) {
    const k = stack.pop()!;
    for (let e = first[k]; e < first[k + 1]; e++) {
      const w = s.edges[e * 3 + 2] / nf;
      if (!seen[w]) { seen[w] = 1; stack.push(w); }
    }
  }
  const lost = seen.indexOf(0);
  if (lost >= 0) fail(`node ${lost} is not reachable from the root`);
}

/**
 * Reads a .heapsnapshot (ours, or any V8 one) back into an ObjectGraph: node 0's edges mark the
 * roots (external references from "host×N" names, else 1), synthetic nodes are left out, weak
 * edges become weak references. Object addresses are ids − 1 for our files, ids otherwise.
 */
export function graphFromHeapSnapshot(json: string | HeapSnapshotJson): ObjectGraph {
  const s: HeapSnapshotJson = typeof json === "string" ? JSON.parse(json) : json;
  const meta = s.snapshot?.meta as { node_fields: string[]; node_types: [string[]]; edge_types: [string[]] } | undefined;
  if (!meta?.node_fields || !Array.isArray(s.nodes) || !Array.isArray(s.edges) || !Array.isArray(s.strings)) {
    throw new HeapSnapshotFormatError(".heapsnapshot: missing snapshot.meta, nodes, edges or strings");
  }
  validateHeapSnapshot(s);
  const nf = meta.node_fields.length, f = (name: string) => meta.node_fields.indexOf(name);
  const fType = f("type"), fName = f("name"), fId = f("id"), fSize = f("self_size"), fEc = f("edge_count");
  const nodeTypes = meta.node_types[0], edgeTypes = meta.edge_types[0];
  const count = s.snapshot.node_count;
  const ours = s.strings.includes("(root)") && count > 0 && s.nodes[fId] === 1;
  // objects: every non-synthetic node but the root, sorted by address
  const objects: number[] = [];
  for (let k = 1; k < count; k++) if (nodeTypes[s.nodes[k * nf + fType]] !== "synthetic") objects.push(k);
  const addr = (k: number) => (ours ? s.nodes[k * nf + fId] - 1 : s.nodes[k * nf + fId]);
  objects.sort((a, b) => addr(a) - addr(b));
  const index = new Int32Array(count).fill(-1);
  objects.forEach((k, i) => { index[k] = i; });
  const n = objects.length;
  const typeNames: string[] = [], typeKinds: number[] = [], typeIds = new Map<string, number>();
  const address = new Uint32Array(n), typeIndex = new Uint32Array(n), size = new Float64Array(n), external = new Int32Array(n);
  const firstEdge = new Uint32Array(count + 1);
  for (let k = 0; k < count; k++) firstEdge[k + 1] = firstEdge[k] + s.nodes[k * nf + fEc];
  objects.forEach((k, i) => {
    const name = s.strings[s.nodes[k * nf + fName]], kind = nodeTypes[s.nodes[k * nf + fType]] === "native" ? KIND_BYTES : KIND_FIXED;
    const key = `${kind}:${name}`;
    let t = typeIds.get(key);
    if (t === undefined) { t = typeNames.length; typeIds.set(key, t); typeNames.push(name); typeKinds.push(kind); }
    address[i] = addr(k); typeIndex[i] = t; size[i] = s.nodes[k * nf + fSize];
  });
  for (let e = firstEdge[0]; e < firstEdge[1]; e++) {
    const to = index[s.edges[e * 3 + 2] / nf];
    if (to < 0) continue;
    const m = /^host×(\d+)$/.exec(String(s.strings[s.edges[e * 3 + 1]]));
    external[to] += m ? Number(m[1]) : 1;
  }
  const edgeStart = new Uint32Array(n + 1), edgeTo: number[] = [], edgeName: (string | number)[] = [], weakTo = new Int32Array(n).fill(-1);
  const refcount = new Uint32Array(n);
  objects.forEach((k, i) => {
    edgeStart[i] = edgeTo.length;
    for (let e = firstEdge[k]; e < firstEdge[k + 1]; e++) {
      const type = edgeTypes[s.edges[e * 3]], to = index[s.edges[e * 3 + 2] / nf];
      if (to < 0) continue;
      if (type === "weak") { weakTo[i] = to; continue; }
      const nameOrIndex = s.edges[e * 3 + 1];
      edgeTo.push(to);
      edgeName.push(type === "element" || type === "hidden" ? nameOrIndex : s.strings[nameOrIndex]);
      refcount[to]++;
    }
    if (typeKinds[typeIndex[i]] === KIND_FIXED && edgeStart[i] < edgeTo.length && edgeName.slice(edgeStart[i]).every((x) => typeof x === "number")) {
      typeKinds[typeIndex[i]] = KIND_REFARRAY;
    }
  });
  edgeStart[n] = edgeTo.length;
  for (let i = 0; i < n; i++) refcount[i] += external[i];
  return new ObjectGraph({
    address, typeIndex, typeNames, typeKinds, size, refcount, external, generation: new Uint8Array(n).fill(GENERATION_UNKNOWN),
    edgeStart, edgeTo: Uint32Array.from(edgeTo), edgeName, weakTo,
  });
}

export async function loadHeapSnapshot(file: string): Promise<ObjectGraph> {
  const { readFile } = await import("node:fs/promises");
  return graphFromHeapSnapshot(await readFile(file, "utf8"));
}
