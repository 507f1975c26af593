// The object graph every inspection tool reads: one census of the heap (assembly/census.ts) turned
// into flat typed arrays (nodes in address order, strong edges as compressed rows), so graphs of
// 10^6 objects cost a few arrays, not 10^6 JS objects. A graph is a copy: it does not follow the
// heap after it was taken. It can also be rebuilt from a saved .heapsnapshot (heapsnapshot.ts).

import type { Heap } from "../heap.js";
import { collectorList } from "../phases.js";

import {
  BYTES_DATA, BYTES_LENGTH, KIND_BYTES, KIND_FIXED, KIND_RAW, KIND_REFARRAY, KIND_STORAGE, KIND_WEAKMAP, KIND_WEAKREF, LIST_ITEMS, LIST_LENGTH, STORAGE_SLOTS,
  PERMANENT, TR_KIND, TYPE_ID_MASK, TYPE_RECORD_SIZE, TYPE_STORAGE, WR_REFERENT,
} from "../generated/boundary.js";
/** Core kinds (boundary.json). */
export { KIND_BYTES, KIND_FIXED, KIND_RAW, KIND_REFARRAY, KIND_STORAGE, KIND_WEAKMAP, KIND_WEAKREF };
/** generation[i] of an object the collector does not track (bytes, weakrefs, types without references). */
export const UNTRACKED = 255;
/** generation[i] in a graph read from a file, which does not say. */
export const GENERATION_UNKNOWN = 254;

/** What one object looks like to the inspection API (plain data: holds no reference). */
export interface ObjectInfo {
  address: number;
  type: string;
  /** Bytes: the object's block, header included (a list's items block is counted with its list). */
  size: number;
  refcount: number;
  /** References from outside the heap: host handles, VM slots (refcount minus heap referrers). */
  externalRefs: number;
  /** 0..2, 3 = permanent (frozen), null when the collector does not track it, undefined when unknown (read from a file). */
  generation: number | null | undefined;
}

export class ObjectGraph {
  /** Objects (list items blocks are folded into their lists, not counted). */
  readonly count: number;
  readonly address: Uint32Array;
  /** Index into typeNames. */
  readonly typeIndex: Uint32Array;
  readonly typeNames: string[];
  /** Core kind of each entry of typeNames (KIND_*). */
  readonly typeKinds: number[];
  /** The core's type id of each entry of typeNames (-1 in a graph read from a file). */
  readonly typeIds: number[];
  readonly size: Float64Array;
  readonly refcount: Uint32Array;
  /** refcount − strong references from heap objects: > 0 means held from outside (a root). */
  readonly external: Int32Array;
  readonly generation: Uint8Array;
  /** Strong edges of node i: edgeTo[edgeStart[i] .. edgeStart[i + 1]). */
  readonly edgeStart: Uint32Array;
  readonly edgeTo: Uint32Array;
  /** Edge names: a field name or a list index. */
  readonly edgeName: (string | number)[];
  /** A weakref's referent (node index), or -1. Weak edges hold nothing alive. */
  readonly weakTo: Int32Array;
  /** Bytes objects: their first bytes as text (for labels). */
  readonly preview: Map<number, string>;

  constructor(parts: {
    address: Uint32Array; typeIndex: Uint32Array; typeNames: string[]; typeKinds: number[]; typeIds?: number[]; size: Float64Array;
    refcount: Uint32Array; external?: Int32Array; generation: Uint8Array; edgeStart: Uint32Array; edgeTo: Uint32Array;
    edgeName: (string | number)[]; weakTo: Int32Array; preview?: Map<number, string>;
  }) {
    this.count = parts.address.length;
    this.address = parts.address; this.typeIndex = parts.typeIndex; this.typeNames = parts.typeNames; this.typeKinds = parts.typeKinds;
    this.typeIds = parts.typeIds ?? parts.typeNames.map(() => -1);
    this.size = parts.size; this.refcount = parts.refcount; this.generation = parts.generation;
    this.edgeStart = parts.edgeStart; this.edgeTo = parts.edgeTo; this.edgeName = parts.edgeName; this.weakTo = parts.weakTo;
    this.preview = parts.preview ?? new Map();
    this.external = parts.external ?? this.#externalRefs();
  }

  #externalRefs(): Int32Array {
    const ext = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) ext[i] = this.refcount[i];
    for (let e = 0; e < this.edgeTo.length; e++) ext[this.edgeTo[e]]--;
    return ext;
  }

  /** Node index of the object at `address`, or -1 (binary search: nodes are in address order). */
  indexOf(address: number): number {
    let lo = 0, hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1, a = this.address[mid];
      if (a === address) return mid;
      if (a < address) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  typeOf(i: number): string { return this.typeNames[this.typeIndex[i]]; }
  kindOf(i: number): number { return this.typeKinds[this.typeIndex[i]]; }

  info(i: number): ObjectInfo {
    const g = this.generation[i];
    return {
      address: this.address[i], type: this.typeOf(i), size: this.size[i], refcount: this.refcount[i],
      externalRefs: this.external[i], generation: g === UNTRACKED ? null : g === GENERATION_UNKNOWN ? undefined : g,
    };
  }

  /** Referrers of every node (the reverse edges), built once on demand. */
  get reverse(): { start: Uint32Array; from: Uint32Array; edge: Uint32Array } {
    if (this.#reverse) return this.#reverse;
    const n = this.count, start = new Uint32Array(n + 1);
    for (let e = 0; e < this.edgeTo.length; e++) start[this.edgeTo[e] + 1]++;
    for (let i = 0; i < n; i++) start[i + 1] += start[i];
    const fill = start.slice(0, n), from = new Uint32Array(this.edgeTo.length), edge = new Uint32Array(this.edgeTo.length);
    for (let i = 0; i < n; i++) {
      for (let e = this.edgeStart[i]; e < this.edgeStart[i + 1]; e++) {
        const k = fill[this.edgeTo[e]]++;
        from[k] = i;
        edge[k] = e;
      }
    }
    return (this.#reverse = { start, from, edge });
  }
  #reverse: { start: Uint32Array; from: Uint32Array; edge: Uint32Array } | undefined;

  /** "Node@0x1a2b8" */
  label(i: number): string { return `${this.typeOf(i)}@0x${this.address[i].toString(16)}`; }
}

/** Takes a census of the heap and builds its graph. Allocates nothing in the heap. */
export function takeGraph(heap: Heap): ObjectGraph {
  // 1. the census stream, parsed across batches: info, address, size, rc, children…, 0
  const info: number[] = [], address: number[] = [], size: number[] = [], rc: number[] = [], starts: number[] = [];
  const children: number[] = [];
  const storageOwner: number[] = [], storageSize: number[] = [];
  let field = 0, cur = [0, 0, 0, 0], isStorage = false;
  heap.census((words) => {
    for (let k = 0; k < words.length; k++) {
      const w = words[k];
      if (field < 4) {
        cur[field++] = w;
        if (field === 4) {
          isStorage = (cur[0] & TYPE_ID_MASK) === TYPE_STORAGE;
          if (isStorage) { storageOwner.push(cur[3]); storageSize.push(cur[2]); }
          else { info.push(cur[0]); address.push(cur[1]); size.push(cur[2]); rc.push(cur[3]); starts.push(children.length); }
        }
      } else if (w === 0) {
        field = 0; cur = [0, 0, 0, 0];
      } else if (!isStorage) {
        children.push(w);
      }
    }
  });
  const n = info.length;
  // walks go in address order; sort defensively if a strategy ever does not
  let order: number[] | null = null;
  for (let i = 1; i < n; i++) if (address[i] <= address[i - 1]) { order = [...Array(n).keys()].sort((a, b) => address[a] - address[b]); break; }
  const at = (i: number) => (order ? order[i] : i);

  // 2. types: names from the host's table, kinds from the core's
  const typeIds = new Map<number, number>(), typeNames: string[] = [], typeKinds: number[] = [], coreIds: number[] = [];
  const tt = heap.core.typeTable(), u32 = heap.views.u32;
  const typeSlot = (id: number) => {
    let t = typeIds.get(id);
    if (t === undefined) {
      t = typeNames.length;
      typeIds.set(id, t);
      typeNames.push(heap.types[id]?.name ?? `(type ${id})`);
      typeKinds.push(u32[(tt + id * TYPE_RECORD_SIZE + TR_KIND) >>> 2]);
      coreIds.push(id);
    }
    return t;
  };

  const A = new Uint32Array(n), T = new Uint32Array(n), S = new Float64Array(n), R = new Uint32Array(n), G = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = at(i), w = info[j];
    A[i] = address[j]; T[i] = typeSlot(w & TYPE_ID_MASK); S[i] = size[j];
    const kind = typeKinds[T[i]];
    R[i] = kind === KIND_RAW ? 1 : rc[j]; // a replayed raw block keeps its size in the count word; its replayer holds it
    G[i] = UNTRACKED;
  }
  const graphIndex = (a: number) => {
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (A[mid] === a) return mid;
      if (A[mid] < a) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  };
  // generations: the collector's lists say which (promotion splices lists, so no header bit is kept up to date)
  {
    const u32 = heap.views.u32;
    for (let gen = 0; gen <= PERMANENT; gen++) {
      for (const p of collectorList(u32, heap.core.gcGenerationHead(gen), n + 1)) {
        const i = graphIndex(p);
        if (i >= 0) G[i] = gen;
      }
    }
  }
  for (let k = 0; k < storageOwner.length; k++) {
    const o = graphIndex(storageOwner[k]);
    if (o >= 0) S[o] += storageSize[k];
  }

  // 3. edges, named from the objects' own fields (read in the visitor's order)
  const edgeStart = new Uint32Array(n + 1), edgeTo = new Uint32Array(children.length), edgeName: (string | number)[] = new Array(children.length);
  const weakTo = new Int32Array(n).fill(-1), preview = new Map<number, string>();
  let e = 0;
  for (let i = 0; i < n; i++) {
    const j = at(i), from = starts[j], to = j + 1 < n ? starts[j + 1] : children.length;
    edgeStart[i] = e;
    const names = edgeNames(heap, A[i], typeKinds[T[i]], info[j] & TYPE_ID_MASK, to - from);
    for (let c = from; c < to; c++, e++) {
      edgeTo[e] = graphIndex(children[c]);
      edgeName[e] = names[c - from];
    }
    const kind = typeKinds[T[i]];
    if (kind === KIND_WEAKREF) {
      const r = heap.views.u32[(A[i] + WR_REFERENT) >>> 2];
      if (r) weakTo[i] = graphIndex(r);
    } else if (kind === KIND_BYTES) {
      const len = heap.views.u32[(A[i] + BYTES_LENGTH) >>> 2];
      preview.set(i, new TextDecoder().decode(heap.views.u8.subarray(A[i] + BYTES_DATA, A[i] + BYTES_DATA + Math.min(len, 40))));
    }
  }
  edgeStart[n] = e;
  return new ObjectGraph({ address: A, typeIndex: T, typeNames, typeKinds, typeIds: coreIds, size: S, refcount: R, generation: G, edgeStart, edgeTo, edgeName, weakTo, preview });
}

/** The names of an object's strong references, in the generic visitor's order (assembly/collect/visit.ts). */
function edgeNames(heap: Heap, p: number, kind: number, typeId: number, count: number): (string | number)[] {
  const u32 = heap.views.u32, out: (string | number)[] = [];
  if (count === 0) return out;
  if (kind === KIND_FIXED) {
    const t = heap.types[typeId];
    if (t) {
      t.refs.forEach((name, k) => { if (u32[(p + t.refsOffset + 4 * k) >>> 2]) out.push(name); });
    }
  } else if (kind === KIND_REFARRAY) {
    const items = u32[(p + LIST_ITEMS) >>> 2], len = u32[(p + LIST_LENGTH) >>> 2];
    for (let k = 0; k < len; k++) if (u32[(items + STORAGE_SLOTS + 4 * k) >>> 2]) out.push(k);
  } else if (kind === KIND_WEAKMAP) {
    for (let k = 0; k < count; k++) out.push("(entry)");
  }
  while (out.length < count) out.push(out.length);
  return out;
}
