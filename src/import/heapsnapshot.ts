// importHeapSnapshot: a refheap heap from a V8 .heapsnapshot, to run every allocator and collector
// on the object graph of a real program (bench W7, docs/snapshots.md). loadHeapSnapshot
// (src/inspect/heapsnapshot.ts) reads a snapshot into an inspection graph; this builds objects.
//
// Mapping: one object per node reachable from the root (snapshot.root_index, else node 0) through
// strong edges, allocated depth first from the root (or in the snapshot's node order, V8's heap
// order: `order`). A type per V8 node type, name ("object:Foo", "closure:bar"; nodes named by
// their value, strings and numbers, by their node type alone) and shape, the node's edge list
// (types and names, in order), as V8 gives objects with other properties another map: a fixed
// type, a reference field per edge (named after it: `map`, `_0` for element 0), so a node is one
// block. A name's most common shape is named after it, its others "name #2", ...; the most common
// `maxTypes` keep their own type, the rest share a refarray per node type ("object:(other)"), as
// do nodes of more than MAX_FIXED_REFS edges per name. A weak edge is a weakref object in its slot
// (its target's type weakrefable); a weak edge to a node no strong path reaches leaves the slot null.
// The root comes back held by a handle; the import held everything else only while building.
//
// Order of work, so bad input changes nothing: the whole file is read and checked (shape, counts,
// indexes, limits) and the plan made in JS; only then are types defined and objects built. If
// memory runs out while building, what was built is freed (the types stay defined).

import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { createGunzip, gunzipSync } from "node:zlib";
import type { Heap } from "../heap.js";
import type { Handle } from "../handle.js";
import type { HeapType } from "../types.js";
import { HeapConfigError, HeapError, HeapFileError, HeapOutOfMemoryError, HeapTypeError, describeValue, fileError } from "../errors.js";
import { HeapSnapshotFormatError } from "../inspect/heapsnapshot.js";
import { HeapSnapshotLimitError, readSnapshot, type ParsedSnapshot } from "./snapshot-reader.js";

export { HeapSnapshotLimitError };

export interface ImportHeapSnapshotOptions {
  /** Most bytes of the file, and of its text once decompressed. Default 2 GiB. */
  maxFileBytes?: number;
  /** Most nodes the snapshot may declare (checked from its header, before its arrays are read). Default 4,000,000. */
  maxNodes?: number;
  /** Most edges the snapshot may declare. Default 40,000,000. */
  maxEdges?: number;
  /** Most types the import defines for (node type, name, shape) keys; rarer keys share a type per node type. Default 2,000. */
  maxTypes?: number;
  /**
   * The order the objects are allocated in (their addresses, and their order in the collector's
   * lists); the snapshot does not record the program's. `"depth-first"` (default): preorder from
   * the root (first edge first), each object right after one that references it, as a program that
   * allocates a parent before its children has them: the first collection leaves the list in
   * memory order. `"postorder"`: the same walk, each object after the objects it reaches first
   * (children before parents, as TypeScript's parser builds its trees): the first collection
   * reorders the list breadth first, away from memory order. `"snapshot"`: the snapshot's node
   * order, V8's heap order after its own moving collections (docs/snapshots.md says why it is not
   * the default).
   */
  order?: "depth-first" | "postorder" | "snapshot";
}

export interface HeapSnapshotImport {
  /** The snapshot's root node, held: dispose it and the graph is garbage (cycles for the collector). */
  readonly root: Handle;
  /** Objects built (the root included; weakref objects not). */
  readonly objects: number;
  /** Strong references stored (edges between built objects). */
  readonly references: number;
  /** Weak edges between built objects, each stored as a weakref (edges to one target share its weakref, as CPython shares a callback-less one). */
  readonly weakrefs: number;
  /** The types defined, by name ("object:Array", "string", "closure:(other)"). */
  readonly types: ReadonlyMap<string, HeapType>;
  /** Objects per type name. */
  readonly counts: ReadonlyMap<string, number>;
  /** What the snapshot held and the heap does not: nodes no strong path from the root reaches, weak edges to them. */
  readonly skipped: { readonly unreachableNodes: number; readonly weakEdgesToUnreachable: number };
  /** Nodes the snapshot declares, and edges. */
  readonly snapshot: { readonly nodes: number; readonly edges: number };
  /** Disposes the root handle. */
  [Symbol.dispose](): void;
}

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);
const DEFAULTS = { maxFileBytes: 2 * 1024 ** 3, maxNodes: 4_000_000, maxEdges: 40_000_000, maxTypes: 2000 } as const;
const ORDERS = ["depth-first", "postorder", "snapshot"] as const;
const DEFAULT_ORDER = ORDERS[0];
const OPTION_NAMES = [...Object.keys(DEFAULTS), "order"];
/** Node types whose `name` is the node's value (a string's text, a number), not a kind of object. */
const VALUE_NAMED = new Set(["string", "concatenated string", "sliced string", "number", "bigint", "regexp", "symbol"]);
/** Most reference fields a fixed type gets; wider nodes share a refarray per name. */
const MAX_FIXED_REFS = 256;
/** The core's type table (assembly/types.ts MAX_TYPES). */
const TYPE_TABLE = 4096;
const IDENT = /^[A-Za-z_$][\w$]*$/;
const MAX_TYPE_NAME = 120;

function checkOptions(o: ImportHeapSnapshotOptions | undefined): Required<ImportHeapSnapshotOptions> {
  if (o === undefined) return { ...DEFAULTS, order: DEFAULT_ORDER };
  if (o === null || typeof o !== "object") throw new HeapConfigError(`importHeapSnapshot: options must be an object, got ${describeValue(o)}`);
  const out = { ...DEFAULTS, order: DEFAULT_ORDER } as Required<ImportHeapSnapshotOptions>;
  if (o.order !== undefined) {
    if (!(ORDERS as readonly unknown[]).includes(o.order)) throw new HeapConfigError(`importHeapSnapshot: order must be one of ${ORDERS.map((x) => `'${x}'`).join(", ")}, got ${describeValue(o.order)}`);
    out.order = o.order;
  }
  for (const k of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new HeapConfigError(`importHeapSnapshot: ${k} must be a positive integer, got ${describeValue(v)}`);
    out[k] = v;
  }
  for (const k of Object.keys(o)) if (!OPTION_NAMES.includes(k)) throw new HeapConfigError(`importHeapSnapshot: unknown option '${k}' (${OPTION_NAMES.join(", ")})`);
  return out;
}

/** The snapshot's text as chunks: a file (streamed) or bytes, gunzipped when they start with gzip's magic. */
async function textOf(file: string | Uint8Array, maxFileBytes: number): Promise<AsyncIterable<Uint8Array>> {
  if (file instanceof Uint8Array) {
    if (file.length > maxFileBytes) throw new HeapSnapshotLimitError(`.heapsnapshot: ${file.length} bytes, more than maxFileBytes (${maxFileBytes})`, "maxFileBytes", file.length, maxFileBytes);
    let text = file;
    if (file[0] === 0x1f && file[1] === 0x8b) {
      try {
        text = gunzipSync(file, { maxOutputLength: maxFileBytes });
      } catch (e) {
        if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
          throw new HeapSnapshotLimitError(`.heapsnapshot: the snapshot text is larger than maxFileBytes (${maxFileBytes} bytes)`, "maxFileBytes", maxFileBytes + 1, maxFileBytes);
        }
        throw new HeapSnapshotFormatError(`.heapsnapshot: bad gzip data (${(e as Error).message})`);
      }
    }
    const CHUNK = 1 << 20;
    return (async function* () { for (let i = 0; i < text.length; i += CHUNK) yield text.subarray(i, i + CHUNK); })();
  }
  if (typeof file !== "string") throw new HeapTypeError(`importHeapSnapshot: expected a file path or the file's bytes, got ${describeValue(file)}`);
  let size: number;
  const head = new Uint8Array(2);
  let fh: FileHandle | undefined;
  try {
    const st = await stat(file); // before open: opening a FIFO waits for a writer
    if (!st.isFile()) throw new HeapFileError(`importHeapSnapshot: ${file} is not a file`, file);
    size = st.size;
    if (size <= maxFileBytes) {
      fh = await open(file, "r");
      await fh.read(head, 0, 2, 0);
    }
  } catch (e) {
    throw fileError("importHeapSnapshot", file, e);
  } finally {
    await fh?.close().catch(() => undefined); // the two bytes are read; a failed close changes neither
  }
  if (size > maxFileBytes) throw new HeapSnapshotLimitError(`.heapsnapshot: ${file} has ${size} bytes, more than maxFileBytes (${maxFileBytes})`, "maxFileBytes", size, maxFileBytes);
  // its read errors reach plan() through the parse, and become HeapFileError there
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    stream.on("error", (e) => gunzip.destroy(e));
    return stream.pipe(gunzip);
  }
  return stream;
}

/** The node's type key: "nodeType:name", or the node type alone for value-named nodes. */
function keyName(nodeType: string, name: string): string {
  if (VALUE_NAMED.has(nodeType)) return nodeType;
  const n = name.length > MAX_TYPE_NAME ? `${name.slice(0, MAX_TYPE_NAME)}…` : name;
  return `${nodeType}:${n}`;
}

/** A reference field name for an edge label: an identifier, unique within its type. */
function fieldNames(labels: string[]): string[] {
  const seen = new Set<string>();
  return labels.map((l) => {
    let f = l.replace(/[^\w$]/g, "_");
    if (!IDENT.test(f)) f = `_${f}`;
    let g = f;
    for (let k = 2; seen.has(g); k++) g = `${f}$${k}`;
    seen.add(g);
    return g;
  });
}

interface Plan {
  parsed: ParsedSnapshot;
  /** Node ordinals built, in node order; index = object number. */
  order: Uint32Array;
  /** Object number of each node ordinal, -1 for nodes not built. */
  objectOf: Int32Array;
  /** First edge (ordinal) of each node; nodeCount + 1 entries. */
  firstEdge: Float64Array;
  /** Type number of each object (into types). */
  typeOf: Uint32Array;
  types: { name: string; kind: "fixed" | "refarray"; refs: string[]; weakrefable: boolean; count: number }[];
  weakEdges: number;
  weakToUnreachable: number;
  strongEdges: number;
}

/**
 * The `count` nodes reachable from `root` through strong edges, depth first from the root, first
 * edge first, in preorder (a node when first met) or postorder (once every node it leads to is);
 * sets objectOf to each one's place. An explicit stack (a node and the next of its edges to look
 * at): each node is pushed once, when met, so `stack` needs room for `count` entries.
 */
function depthFirst(post: boolean, root: number, firstEdge: Float64Array, edges: ArrayLike<number>, ef: number, eType: number, eTo: number, nf: number, weak: number,
  objectOf: Int32Array, count: number, stack: Uint32Array): Uint32Array {
  const order = new Uint32Array(count);
  const met = new Uint8Array(objectOf.length);
  const next = new Float64Array(count); // per stack entry: its node's next edge
  let top = 0, i = 0;
  const place = (k: number) => { objectOf[k] = i; order[i++] = k; };
  const meet = (k: number) => { met[k] = 1; if (!post) place(k); stack[top] = k; next[top++] = firstEdge[k]; };
  meet(root);
  while (top) {
    const k = stack[top - 1];
    let e = next[top - 1];
    const end = firstEdge[k + 1];
    while (e < end && (edges[e * ef + eType] === weak || met[edges[e * ef + eTo] / nf])) e++;
    if (e === end) { top--; if (post) place(k); continue; }
    next[top - 1] = e + 1;
    meet(edges[e * ef + eTo] / nf);
  }
  if (i !== count) throw new Error(`importHeapSnapshot: depth-first order placed ${i} of ${count} nodes`);
  return order;
}

/** Reads and checks the file, and plans the objects and types; touches no heap. */
async function plan(file: string | Uint8Array, o: Required<ImportHeapSnapshotOptions>, typeRoom: number): Promise<Plan> {
  const chunks = await textOf(file, o.maxFileBytes);
  let objectOf!: Int32Array, order!: Uint32Array, firstEdge!: Float64Array;
  const needed = new Set<number>();
  let parsed: ParsedSnapshot;
  try {
    parsed = await readSnapshot(chunks, { maxTextBytes: o.maxFileBytes, maxNodes: o.maxNodes, maxEdges: o.maxEdges }, (s) => {
      const nf = s.nodeFields.length, ef = s.edgeFields.length;
      const fType = s.nodeFields.indexOf("type"), fName = s.nodeFields.indexOf("name"), fEc = s.nodeFields.indexOf("edge_count");
      const eType = s.edgeFields.indexOf("type"), eName = s.edgeFields.indexOf("name_or_index"), eTo = s.edgeFields.indexOf("to_node");
      const fail = (m: string): never => { throw new HeapSnapshotFormatError(`.heapsnapshot: ${m}`); };
      const n = s.nodeCount, nodes = s.nodes, edges = s.edges;
      firstEdge = new Float64Array(n + 1);
      for (let k = 0; k < n; k++) {
        if (nodes[k * nf + fType] >= s.nodeTypes.length) fail(`node ${k}: type ${nodes[k * nf + fType]} is not one of meta.node_types`);
        firstEdge[k + 1] = firstEdge[k] + nodes[k * nf + fEc];
      }
      if (firstEdge[n] !== s.edgeCount) fail(`the nodes' edge_count sum to ${firstEdge[n]}, not edge_count ${s.edgeCount}`);
      const weak = s.edgeTypes.indexOf("weak"), element = s.edgeTypes.indexOf("element"), hidden = s.edgeTypes.indexOf("hidden");
      for (let e = 0; e < s.edgeCount; e++) {
        const t = edges[e * ef + eType], to = edges[e * ef + eTo];
        if (t >= s.edgeTypes.length) fail(`edge ${e}: type ${t} is not one of meta.edge_types`);
        if (to % nf !== 0 || to / nf >= n) fail(`edge ${e}: to_node ${to} is not a node`);
        if (t !== element && t !== hidden) needed.add(edges[e * ef + eName]);
      }
      // reachability from the root through strong edges (an explicit stack: no recursion)
      objectOf = new Int32Array(n).fill(-1);
      const stack = new Uint32Array(n);
      let top = 0;
      stack[top++] = s.root;
      objectOf[s.root] = 0;
      while (top) {
        const k = stack[--top];
        for (let e = firstEdge[k]; e < firstEdge[k + 1]; e++) {
          if (edges[e * ef + eType] === weak) continue;
          const w = edges[e * ef + eTo] / nf;
          if (objectOf[w] < 0) { objectOf[w] = 0; stack[top++] = w; }
        }
      }
      let count = 0;
      for (let k = 0; k < n; k++) if (objectOf[k] === 0) count++;
      const inSnapshotOrder = o.order === "snapshot";
      order = inSnapshotOrder ? new Uint32Array(count) : depthFirst(o.order === "postorder", s.root, firstEdge, edges, ef, eType, eTo, nf, weak, objectOf, count, stack);
      for (let k = 0, i = 0; k < n; k++) {
        if (objectOf[k] < 0) continue;
        if (inSnapshotOrder) { objectOf[k] = i; order[i++] = k; }
        needed.add(nodes[k * nf + fName]);
      }
      return (i: number) => needed.has(i);
    });
  } catch (e) {
    if (e instanceof HeapError) throw e;
    // the file system's errors while streaming (they name their syscall), and zlib's
    if (typeof file === "string" && typeof (e as { syscall?: unknown } | null)?.syscall === "string") throw fileError("importHeapSnapshot", file, e);
    throw new HeapSnapshotFormatError(`.heapsnapshot: ${(e as Error).message}`);
  }
  const s = parsed;
  const nf = s.nodeFields.length, ef = s.edgeFields.length;
  const fType = s.nodeFields.indexOf("type"), fName = s.nodeFields.indexOf("name");
  const eType = s.edgeFields.indexOf("type"), eName = s.edgeFields.indexOf("name_or_index"), eTo = s.edgeFields.indexOf("to_node");
  const weak = s.edgeTypes.indexOf("weak"), element = s.edgeTypes.indexOf("element"), hidden = s.edgeTypes.indexOf("hidden");
  for (const i of needed) if (i >= s.stringCount) throw new HeapSnapshotFormatError(`.heapsnapshot: string ${i} named by a node or an edge, but strings has ${s.stringCount}`);
  const nodes = s.nodes, edges = s.edges;

  // types: a key per (node type, name) and shape, the node's edge list (types and names, in
  // order), as V8 gives objects whose properties differ different maps; each with its count and first node
  interface Key { name: string; nodeType: string; count: number; first: number; fixed: boolean; type: number }
  const keys: Key[] = [], keyIds = new Map<string, number>();
  const keyOf = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const k = order[i];
    const nodeType = s.nodeTypes[nodes[k * nf + fType]];
    const name = keyName(nodeType, s.strings.get(nodes[k * nf + fName])!);
    const a = firstEdge[k], n = firstEdge[k + 1] - a;
    // wider nodes share a refarray per name (one type per huge array would fill the type table)
    let shape = n > MAX_FIXED_REFS ? "*" : "";
    if (!shape) for (let e = a; e < a + n; e++) shape += `${edges[e * ef + eType]},${edges[e * ef + eName]};`;
    const id0 = keyIds.get(`${name}\0${shape}`);
    let id: number;
    if (id0 === undefined) {
      id = keys.length;
      keyIds.set(`${name}\0${shape}`, id);
      keys.push({ name, nodeType, count: 0, first: k, fixed: shape !== "*", type: -1 });
    } else id = id0;
    keys[id].count++;
    keyOf[i] = id;
  }
  // the most common keys keep their type; the others share one per node type
  const budget = Math.min(o.maxTypes, typeRoom - s.nodeTypes.length - 1); // - 1: the root's own
  if (budget < 1) {
    throw new HeapSnapshotLimitError(`importHeapSnapshot: the heap's type table has room for ${typeRoom} more types, too few for this snapshot`, "maxTypes", typeRoom, TYPE_TABLE);
  }
  const byCount = keys.map((_, i) => i).sort((a, b) => keys[b].count - keys[a].count || (keys[a].name < keys[b].name ? -1 : 1));
  // the root's key keeps its own type whatever its count and maxTypes: one node among thousands of
  // one-node keys, it fell into "synthetic:(other)" once the heap had a few more types defined
  const rootKey = keyOf[objectOf[s.root]];
  byCount.splice(byCount.indexOf(rootKey), 1);
  byCount.unshift(rootKey);
  // every type its own name: a name's most common shape is named after it, its other shapes (and a
  // snapshot's own node named like one) "name #2", "name #3", ... in order of count
  const types: Plan["types"] = [], taken = new Set<string>();
  const newType = (base: string, kind: "fixed" | "refarray", refs: string[]) => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} #${n}`;
    taken.add(name);
    types.push({ name, kind, refs, weakrefable: false, count: 0 });
    return types.length - 1;
  };
  const shared = new Map<string, number>(); // node type -> its "(other)" type
  const edgeLabel = (e: number): string => {
    const t = edges[e * ef + eType], x = edges[e * ef + eName];
    return t === element || t === hidden ? String(x) : s.strings.get(x)!;
  };
  byCount.forEach((id, rank) => {
    const key = keys[id];
    if (rank <= budget) { // rank 0 is the root's, beyond the budget
      const a = firstEdge[key.first], n = firstEdge[key.first + 1] - a;
      const refs = key.fixed ? fieldNames(Array.from({ length: n }, (_, j) => edgeLabel(a + j))) : [];
      key.type = newType(key.name, key.fixed ? "fixed" : "refarray", refs);
    } else {
      let t = shared.get(key.nodeType);
      if (t === undefined) shared.set(key.nodeType, t = newType(`${key.nodeType}:(other)`, "refarray", []));
      key.type = t;
    }
  });
  const typeOf = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) { typeOf[i] = keys[keyOf[i]].type; types[typeOf[i]].count++; }
  // weak edges: their targets' types are weakrefable
  let weakEdges = 0, weakToUnreachable = 0, strongEdges = 0;
  for (let i = 0; i < order.length; i++) {
    const k = order[i];
    for (let e = firstEdge[k]; e < firstEdge[k + 1]; e++) {
      if (edges[e * ef + eType] !== weak) { strongEdges++; continue; }
      const w = objectOf[edges[e * ef + eTo] / nf];
      if (w < 0) weakToUnreachable++;
      else { weakEdges++; types[typeOf[w]].weakrefable = true; }
    }
  }
  return { parsed: s, order, objectOf, firstEdge, typeOf, types, weakEdges, weakToUnreachable, strongEdges };
}

/** A rough lower bound of the bytes the objects take (headers and slots), to refuse a heap too small before building. */
function estimateBytes(p: Plan): number {
  let bytes = p.weakEdges * 32;
  for (let i = 0; i < p.order.length; i++) {
    const t = p.types[p.typeOf[i]], k = p.order[i];
    const slots = t.kind === "fixed" ? t.refs.length : p.firstEdge[k + 1] - p.firstEdge[k];
    bytes += 8 + 4 * slots;
  }
  return bytes;
}

/**
 * @internal The objects importHeapSnapshot would make and their strong references, without a heap:
 * object i's references are edgeTo[edgeStart[i] .. edgeStart[i + 1]) (object numbers, in the
 * import's order; weak edges left out). The bench rebuilds the graph from it as plain JS objects
 * for V8's own collector (W7).
 */
export async function strongGraphOf(file: string | Uint8Array, options?: ImportHeapSnapshotOptions): Promise<{ count: number; edgeStart: Uint32Array; edgeTo: Uint32Array }> {
  const p = await plan(file, checkOptions(options), Infinity);
  const s = p.parsed, nf = s.nodeFields.length, ef = s.edgeFields.length;
  const eType = s.edgeFields.indexOf("type"), eTo = s.edgeFields.indexOf("to_node"), weak = s.edgeTypes.indexOf("weak");
  const count = p.order.length, edgeStart = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) {
    const k = p.order[i]!;
    let strong = 0;
    for (let e = p.firstEdge[k]!; e < p.firstEdge[k + 1]!; e++) if (s.edges[e * ef + eType] !== weak) strong++;
    edgeStart[i + 1] = edgeStart[i]! + strong;
  }
  const edgeTo = new Uint32Array(edgeStart[count]!);
  for (let i = 0, j = 0; i < count; i++) {
    const k = p.order[i]!;
    for (let e = p.firstEdge[k]!; e < p.firstEdge[k + 1]!; e++) if (s.edges[e * ef + eType] !== weak) edgeTo[j++] = p.objectOf[s.edges[e * ef + eTo]! / nf]!;
  }
  return { count, edgeStart, edgeTo };
}

/**
 * Builds the object graph of a V8 heap snapshot (`file`: a path to a .heapsnapshot, plain or gzip,
 * or its bytes) in `heap`, and returns its root held by a handle. See the top of this file for the
 * mapping; errors: HeapSnapshotFormatError (the file does not follow the format),
 * HeapSnapshotLimitError (beyond maxFileBytes, maxNodes, maxEdges or the type table),
 * HeapOutOfMemoryError (the heap's maxBytes) — each thrown before the heap changes.
 */
export async function importHeapSnapshot(heap: Heap, file: string | Uint8Array, options?: ImportHeapSnapshotOptions): Promise<HeapSnapshotImport> {
  const o = checkOptions(options);
  heap.stats(); // refuses a destroyed or refusing heap, and a call from a listener mid-operation
  const p = await plan(file, o, TYPE_TABLE - heap.types.length);
  heap.stats(); // again: the heap may have been destroyed while the file was read
  const committed = heap.views.u8.length, need = estimateBytes(p);
  if (committed + need > heap.maxBytes) {
    throw new HeapOutOfMemoryError(`importHeapSnapshot: ${p.order.length} objects need at least ${need} bytes, beyond the heap's maxBytes ${heap.maxBytes} (${committed} committed)`);
  }
  return build(heap, p);
}

function build(heap: Heap, p: Plan): HeapSnapshotImport {
  const s = p.parsed, nf = s.nodeFields.length, ef = s.edgeFields.length;
  const eType = s.edgeFields.indexOf("type"), eTo = s.edgeFields.indexOf("to_node");
  const weak = s.edgeTypes.indexOf("weak");
  const edges = s.edges, x = heap.core;
  const wasEnabled = heap.gc.isEnabled();
  heap.gc.disable(); // automatic collections would walk a half-built graph every 700 objects
  const defined = p.types.map((t) => heap.defineType({ name: t.name, kind: t.kind, refs: t.refs, weakrefable: t.weakrefable }));
  const ptr = new Uint32Array(p.order.length);
  let built = 0, references = 0, weakrefs = 0;
  const rollback = (why: string): never => {
    // we hold every object: clearing the slots frees only weakrefs, then each object goes alone
    for (let i = 0; i < built; i++) {
      const t = defined[p.typeOf[i]];
      if (t.kind === "fixed") for (let j = 0; j < t.refs.length; j++) x.setRef(ptr[i], j, 0);
      else for (let j = 0, n = x.listLength(ptr[i]); j < n; j++) x.listSet(ptr[i], j, 0);
    }
    for (let i = 0; i < built; i++) x.decref(ptr[i]);
    if (wasEnabled) heap.gc.enable();
    heap.flushUnraisable();
    throw heap.outOfMemory(`importHeapSnapshot: ${why} (${p.order.length} objects planned)`);
  };
  for (let i = 0; i < p.order.length; i++) {
    const t = defined[p.typeOf[i]], k = p.order[i];
    const q = t.kind === "fixed" ? x.alloc(t.id) : x.allocList(t.id, p.firstEdge[k + 1] - p.firstEdge[k]);
    if (!q) rollback(`object ${i} of type ${t.name}`);
    ptr[built++] = q;
  }
  for (let i = 0; i < p.order.length; i++) {
    const k = p.order[i], fixed = defined[p.typeOf[i]].kind === "fixed", from = ptr[i];
    for (let e = p.firstEdge[k], j = 0; e < p.firstEdge[k + 1]; e++, j++) {
      const w = p.objectOf[edges[e * ef + eTo] / nf];
      if (edges[e * ef + eType] === weak) {
        if (w < 0) continue;
        const wr = x.weakrefNew(ptr[w], 0, 0);
        if (!wr) rollback(`a weakref to object ${w}`);
        if (fixed) x.setRefMove(from, j, wr);
        else { x.listSet(from, j, wr); x.unhold(wr); }
        weakrefs++;
      } else {
        if (fixed) x.setRef(from, j, ptr[w]); else x.listSet(from, j, ptr[w]);
        references++;
      }
    }
  }
  // every object but the root now has a referrer in the graph: drop the import's holds
  const rootObject = p.objectOf[s.root];
  for (let i = 0; i < ptr.length; i++) if (i !== rootObject) x.unhold(ptr[i]);
  if (wasEnabled) heap.gc.enable();
  const root = heap.wrapOwned(ptr[rootObject])!;
  heap.flushUnraisable();
  const types = new Map(defined.map((t) => [t.name, t] as const));
  const counts = new Map(p.types.map((t) => [t.name, t.count] as const));
  return {
    root, objects: p.order.length, references, weakrefs, types, counts,
    skipped: { unreachableNodes: s.nodeCount - p.order.length, weakEdgesToUnreachable: p.weakToUnreachable },
    snapshot: { nodes: s.nodeCount, edges: s.edgeCount },
    [disposeSymbol]() { root.dispose(); },
  };
}
