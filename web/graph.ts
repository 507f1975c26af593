// The heap as a graph, read without touching it: the inspection census (src/inspect/graph.ts)
// copies every live object and its references out of memory and makes no handle (a handle would
// add a reference and change the counts being shown). Nodes are every object (a list's items block
// folded into its list); edges are strong references, named by field or index, and weak ones (a
// weakref to its referent). The host holds what the heap does not explain: refcount - references
// from heap objects.

import type { Heap } from "../src/heap.js";
import { KIND_WEAKREF, UNTRACKED, takeGraph } from "../src/inspect/graph.js";
import { FLAG_FINALIZED, INFO_OFFSET } from "../src/generated/boundary.js";

export interface GraphNode {
  id: number;            // the object's address
  type: string;
  refcount: number;
  /** 0, 1, 2; 3 for the permanent generation (gc.freeze); null when untracked (bytes, weakrefs). */
  generation: number | null;
  /** References from outside the heap: refcount - strong references from heap objects. */
  external: number;
  weakref: boolean;
  finalized: boolean;
}
export interface GraphEdge { from: number; to: number; weak: boolean; name: string }
export interface HeapGraph { nodes: GraphNode[]; edges: GraphEdge[] }


export function readGraph(heap: Heap): HeapGraph {
  const g = takeGraph(heap);
  const u32 = heap.views.u32;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < g.count; i++) {
    const id = g.address[i]!;
    const gen = g.generation[i]!;
    nodes.push({
      id, type: g.typeNames[g.typeIndex[i]!]!, refcount: g.refcount[i]!, generation: gen === UNTRACKED ? null : gen,
      external: g.external[i]!, weakref: g.typeKinds[g.typeIndex[i]!] === KIND_WEAKREF, finalized: (u32[(id + INFO_OFFSET) >>> 2]! & FLAG_FINALIZED) !== 0,
    });
    for (let e = g.edgeStart[i]!; e < g.edgeStart[i + 1]!; e++) edges.push({ from: id, to: g.address[g.edgeTo[e]!]!, weak: false, name: String(g.edgeName[e]) });
    if (g.weakTo[i]! >= 0) edges.push({ from: id, to: g.address[g.weakTo[i]!]!, weak: true, name: "" });
  }
  return { nodes, edges };
}

export interface PoolRecord { address: number; arena: number; sizeClass: number | null; blockSize: number; used: number; capacity: number }

/** The allocator's pools or pages (capability poolMap; empty ones with sizeClass null), for the memory map (assembly/poolmap.ts). */
export function readPools(heap: Heap): PoolRecord[] {
  const out: PoolRecord[] = [];
  for (let k = 0; ; k++) {
    const r = heap.core.poolRecord(k) >>> 2;
    if (!r) break;
    const u32 = heap.views.u32;
    const cls = u32[r + 2]!;
    const sizeClass = cls === 0xffffffff ? null : cls;
    out.push({ address: u32[r]!, arena: u32[r + 1]!, sizeClass, blockSize: u32[r + 4]!, used: u32[r + 3]!, capacity: u32[r + 5]! });
  }
  return out;
}
