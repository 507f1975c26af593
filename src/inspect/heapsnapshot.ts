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
import { HeapError, HeapFileError, fileError } from "../errors.js";

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
  const text = heapSnapshotText(g);
  try { await writeFile(file, text); } catch (err) { throw fileError("saveHeapSnapshot", file, err, "write"); }
}

/** Largest number in nodes and edges: V8 writes unsigned 32-bit fields (the import's reader takes no more). */
const MAX_FIELD = 0xffff_ffff;
/** Longest file loadHeapSnapshot parses whole: V8's longest string (importHeapSnapshot streams larger ones). */
const MAX_TEXT_BYTES = 0x1fff_ffe8;

/**
 * Checks what loaders silently choke on (nodejs/node#47072), and what a file from a stranger may
 * hold instead of a snapshot: the meta data names the fields this reader uses (edges laid out as V8
 * writes them: type, name_or_index, to_node), counts match the arrays, every number is an unsigned
 * 32-bit integer, every node and edge type is one of meta's, every name one of strings, every
 * to_node is a node start, edge counts add up, and every node is reachable from the root.
 */
export function validateHeapSnapshot(s: HeapSnapshotJson): void {
  const fail = (m: string): never => { throw new HeapSnapshotFormatError(`.heapsnapshot: ${m}`); };
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  const names = (x: unknown): x is string[] => Array.isArray(x) && x.every((n) => typeof n === "string");
  if (!obj(s) || !obj(s.snapshot) || !obj(s.snapshot.meta)) return fail("missing snapshot.meta");
  const meta = s.snapshot.meta;
  if (!names(meta.node_fields)) return fail("snapshot.meta.node_fields must be a list of names");
  for (const f of ["type", "name", "id", "self_size", "edge_count"]) if (!meta.node_fields.includes(f)) fail(`snapshot.meta.node_fields has no '${f}'`);
  if (!names(meta.edge_fields) || meta.edge_fields.join() !== "type,name_or_index,to_node") fail("snapshot.meta.edge_fields must be type, name_or_index, to_node");
  if (!Array.isArray(meta.node_types) || !names(meta.node_types[0]) || !Array.isArray(meta.edge_types) || !names(meta.edge_types[0])) {
    fail("snapshot.meta.node_types[0] and edge_types[0] must be lists of names");
  }
  const count = (x: unknown, what: string): number => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : fail(`snapshot.${what} must be a non-negative integer, got ${JSON.stringify(x)}`));
  const nodeCount = count(s.snapshot.node_count, "node_count"), edgeCount = count(s.snapshot.edge_count, "edge_count");
  if (!Array.isArray(s.nodes) || !Array.isArray(s.edges) || !names(s.strings)) fail("missing nodes, edges or strings (strings: a list of strings)");
  const nf = (meta.node_fields as string[]).length;
  if (!nodeCount) fail("snapshot.node_count is 0: a snapshot has at least its root");
  if (s.nodes.length !== nodeCount * nf) fail(`nodes has ${s.nodes.length} numbers, not node_count ${nodeCount} × ${nf}`);
  if (s.edges.length !== edgeCount * 3) fail(`edges has ${s.edges.length} numbers, not edge_count ${edgeCount} × 3`);
  for (const [what, a] of [["nodes", s.nodes], ["edges", s.edges]] as const) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isInteger(v) || v < 0 || v > MAX_FIELD) fail(`${what}[${i}] is ${JSON.stringify(v)}, not an unsigned 32-bit integer`);
    }
  }
  const fields = meta.node_fields as string[], nodeTypes = (meta.node_types as string[][])[0], edgeTypes = (meta.edge_types as string[][])[0];
  const fType = fields.indexOf("type"), fName = fields.indexOf("name"), ec = fields.indexOf("edge_count");
  let sum = 0;
  for (let k = 0; k < nodeCount; k++) {
    if (s.nodes[k * nf + fType] >= nodeTypes.length) fail(`node ${k}: type ${s.nodes[k * nf + fType]} is not one of meta.node_types`);
    if (s.nodes[k * nf + fName] >= s.strings.length) fail(`node ${k}: name ${s.nodes[k * nf + fName]} is not one of strings (${s.strings.length})`);
    sum += s.nodes[k * nf + ec];
  }
  if (sum !== edgeCount) fail(`the nodes' edge_count sum to ${sum}, not ${edgeCount}`);
  const element = edgeTypes.indexOf("element"), hidden = edgeTypes.indexOf("hidden");
  for (let e = 0; e < edgeCount; e++) {
    const type = s.edges[e * 3], name = s.edges[e * 3 + 1], to = s.edges[e * 3 + 2];
    if (type >= edgeTypes.length) fail(`edge ${e}: type ${type} is not one of meta.edge_types`);
    if (type !== element && type !== hidden && name >= s.strings.length) fail(`edge ${e}: name ${name} is not one of strings (${s.strings.length})`);
    if (to % nf !== 0 || to >= s.nodes.length) fail(`edge ${e}: to_node ${to} is not a node`);
  }
  // reachability from node 0
  const seen = new Uint8Array(nodeCount), first = new Float64Array(nodeCount + 1);
  for (let k = 0; k < nodeCount; k++) first[k + 1] = first[k] + s.nodes[k * nf + ec];
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
  let s: HeapSnapshotJson;
  try { s = typeof json === "string" ? JSON.parse(json) : json; } catch (e) {
    throw new HeapSnapshotFormatError(`.heapsnapshot: not JSON (${(e as Error).message})`);
  }
  validateHeapSnapshot(s); // the whole shape: the file is input from strangers
  const meta = s.snapshot.meta as { node_fields: string[]; node_types: [string[]]; edge_types: [string[]] };
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

/** Reads a plain .heapsnapshot file (parsed whole: at most 512 MiB) into an ObjectGraph. */
export async function loadHeapSnapshot(file: string): Promise<ObjectGraph> {
  const { readFile, stat } = await import("node:fs/promises"); // Node only: the explorer bundles this file for browsers
  let data: Uint8Array;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new HeapFileError(`loadHeapSnapshot: ${file} is not a file`, file);
    // checked before reading: a larger file cannot be one string (importHeapSnapshot streams it)
    if (st.size > MAX_TEXT_BYTES) throw new HeapSnapshotFormatError(`.heapsnapshot: ${file} has ${st.size} bytes, more than the ${MAX_TEXT_BYTES} this reader parses whole`);
    data = await readFile(file);
  } catch (e) {
    throw fileError("loadHeapSnapshot", file, e);
  }
  if (data[0] === 0x1f && data[1] === 0x8b) throw new HeapSnapshotFormatError(`.heapsnapshot: ${file} is gzip-compressed: decompress it first (gunzip)`);
  return graphFromHeapSnapshot(new TextDecoder().decode(data));
}
