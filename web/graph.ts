// The heap as a graph, read from memory without touching it: no handles are made (a handle would
// add a reference and change the counts being shown). Nodes are the tracked containers of every
// generation and the weakrefs to them or held by them; edges are strong references (what the
// collector traverses) and weak ones (a weakref to its referent). The host holds the references
// that containers do not explain: external = refcount - references from the heap.

import type { Heap } from "../src/heap.js";

export interface GraphNode {
  id: number;            // the object's address
  type: string;
  refcount: number;
  /** 0, 1, 2; 3 for the permanent generation (gc.freeze); null when untracked (weakrefs). */
  generation: number | null;
  /** References from outside the heap: refcount - strong references from heap objects. */
  external: number;
  weakref: boolean;
  finalized: boolean;
}
export interface GraphEdge { from: number; to: number; weak: boolean }
export interface HeapGraph { nodes: GraphNode[]; edges: GraphEdge[] }

const FLAG_FINALIZED = 1 << 22;

export function readGraph(heap: Heap): HeapGraph {
  const core = heap.core, u32 = heap.views.u32;
  const nodes = new Map<number, GraphNode>();
  const edges: GraphEdge[] = [];
  const node = (p: number, generation: number | null, weakref: boolean) => {
    const info = u32[(p + 4) >>> 2]!;
    const n: GraphNode = {
      id: p, type: heap.types[info & 0xffff]?.name ?? `type ${info & 0xffff}`, refcount: u32[p >>> 2]!,
      generation, external: 0, weakref, finalized: (info & FLAG_FINALIZED) !== 0,
    };
    nodes.set(p, n);
    return n;
  };
  for (let g = 0; g <= 3; g++) {
    const head = core.gcGenerationHead(g);
    let guard = 0;
    for (let p = u32[(head + 8) >>> 2]!; p !== head && guard++ < 1_000_000; p = u32[(p + 8) >>> 2]!) node(p, g, false);
  }
  const containers = [...nodes.keys()];
  const strongIn = new Map<number, number>();
  const weakrefNode = (wr: number) => nodes.get(wr) ?? node(wr, null, true);
  for (const p of containers) {
    for (let i = 0, c; (c = core.gcReferentAt(p, i)); i++) {
      edges.push({ from: p, to: c, weak: false });
      strongIn.set(c, (strongIn.get(c) ?? 0) + 1);
      const info = u32[(c + 4) >>> 2]!;
      if (!nodes.has(c) && (info & 0xffff) === 2) weakrefNode(c); // a weakref held by a container
    }
    if (heap.types[u32[(p + 4) >>> 2]! & 0xffff]?.weakrefable) {
      for (let i = 0, wr; (wr = core.weakrefAt(p, i)); i++) weakrefNode(wr);
    }
  }
  for (const n of nodes.values()) {
    if (!n.weakref) continue;
    const target = core.weakrefGet(n.id);
    if (target) edges.push({ from: n.id, to: target, weak: true });
  }
  for (const n of nodes.values()) n.external = n.refcount - (strongIn.get(n.id) ?? 0);
  return { nodes: [...nodes.values()], edges };
}

export interface PoolRecord { address: number; arena: number; sizeClass: number | null; blockSize: number; used: number; capacity: number }

/** The pools allocator's carved pools (empty ones with sizeClass null), for the memory map. */
export function readPools(heap: Heap): PoolRecord[] {
  const out: PoolRecord[] = [];
  for (let k = 0; ; k++) {
    const r = heap.core.poolRecord(k) >>> 2;
    if (!r) break;
    const u32 = heap.views.u32;
    const cls = u32[r + 2]!;
    const sizeClass = cls === 0xffffffff ? null : cls;
    const blockSize = sizeClass === null ? 0 : (sizeClass + 1) * 8;
    out.push({ address: u32[r]!, arena: u32[r + 1]!, sizeClass, blockSize, used: u32[r + 3]!, capacity: blockSize ? Math.floor((16384 - 32) / blockSize) : 0 }); // 16 KiB pool minus its 32-byte header (pools.ts)
  }
  return out;
}
