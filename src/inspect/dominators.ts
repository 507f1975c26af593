// Dominator tree and retained sizes (heapy's dominos/domisize, DevTools' retained size), by
// Lengauer and Tarjan's algorithm (1979, "simple" version: path compression, O(m log n)),
// written without recursion: an explicit DFS stack and an iterative path compression, so a
// 10^6-long chain of objects costs arrays, not stack frames.
//
// The graph gets a virtual root whose children are the objects held from outside the heap
// (external references > 0: host handles, VM slots). Objects that no root reaches (cycles
// waiting for the collector) hang under a second virtual node, "(unreachable)", entered at the
// first unreached object of each such region in address order, so every object has a dominator.
// Weak references are not edges: they hold nothing alive.

import type { ObjectGraph } from "./graph.js";

/** Node index used for the virtual root in `idom`. */
export const ROOT = -1;
/** Node index used for the "(unreachable)" group in `idom`. */
export const UNREACHABLE = -2;

export class DominatorTree {
  /** Immediate dominator of each object: a node index, ROOT, or UNREACHABLE. */
  readonly idom: Int32Array;
  /** Bytes freed if the object died: its size plus every object it dominates. */
  readonly retained: Float64Array;
  /** Whether a root reaches the object (false: only the collector can free it). */
  readonly reachable: Uint8Array;
  /** Total bytes under the virtual root and under "(unreachable)". */
  readonly rootRetained: number;
  readonly unreachableRetained: number;

  constructor(readonly graph: ObjectGraph) {
    const r = computeDominators(graph);
    this.idom = r.idom; this.retained = r.retained; this.reachable = r.reachable;
    this.rootRetained = r.rootRetained; this.unreachableRetained = r.unreachableRetained;
  }

  /** Objects whose immediate dominator is i (children in the dominator tree), largest retained first. */
  children(i: number): number[] {
    const { start, list } = this.#tree();
    return [...list.subarray(start[i], start[i + 1])].sort((a, b) => this.retained[b] - this.retained[a] || a - b);
  }

  /** heapy's dominos of one object: itself and everything it dominates (freed with it). */
  dominated(i: number): number[] {
    const { start, list } = this.#tree();
    const out = [i];
    for (let k = 0; k < out.length; k++) for (let c = start[out[k]]; c < start[out[k] + 1]; c++) out.push(list[c]);
    return out;
  }

  #children: { start: Uint32Array; list: Uint32Array } | undefined;
  #tree(): { start: Uint32Array; list: Uint32Array } {
    if (this.#children) return this.#children;
    const n = this.graph.count, start = new Uint32Array(n + 1);
    for (let v = 0; v < n; v++) if (this.idom[v] >= 0) start[this.idom[v] + 1]++;
    for (let v = 0; v < n; v++) start[v + 1] += start[v];
    const fill = start.slice(0, n), list = new Uint32Array(start[n]);
    for (let v = 0; v < n; v++) if (this.idom[v] >= 0) list[fill[this.idom[v]]++] = v;
    return (this.#children = { start, list });
  }

  /** The objects retaining the most bytes, largest first. */
  top(limit = 10): number[] {
    const order = [...Array(this.graph.count).keys()].sort((a, b) => this.retained[b] - this.retained[a] || a - b);
    return limit > 0 ? order.slice(0, limit) : order;
  }
}

/**
 * heapy's dominos for a set: the objects that become unreachable when every object in `set`
 * goes (the set included): reachable from the roots, but not without passing through the set.
 */
export function dominos(g: ObjectGraph, set: Iterable<number>): number[] {
  const blocked = new Uint8Array(g.count);
  for (const i of set) blocked[i] = 1;
  const all = reachFromRoots(g, new Uint8Array(g.count)), kept = reachFromRoots(g, blocked);
  const out: number[] = [];
  for (let i = 0; i < g.count; i++) if (all[i] && !kept[i]) out.push(i);
  return out;
}

function reachFromRoots(g: ObjectGraph, blocked: Uint8Array): Uint8Array {
  const seen = new Uint8Array(g.count), stack: number[] = [];
  for (let i = 0; i < g.count; i++) if (g.external[i] > 0 && !blocked[i]) { seen[i] = 1; stack.push(i); }
  while (stack.length) {
    const v = stack.pop()!;
    for (let e = g.edgeStart[v]; e < g.edgeStart[v + 1]; e++) {
      const w = g.edgeTo[e];
      if (!seen[w] && !blocked[w]) { seen[w] = 1; stack.push(w); }
    }
  }
  return seen;
}

function computeDominators(g: ObjectGraph) {
  const n = g.count;
  // vertices: 0 = root, 1 = "(unreachable)", 2 + i = object i
  const N = n + 2, R = 0, U = 1;
  const dfn = new Int32Array(N).fill(-1), vertex = new Int32Array(N), parent = new Int32Array(N);
  const entry = new Uint8Array(n); // entered from "(unreachable)"
  const cursor = new Int32Array(N);
  let count = 0;
  // iterative DFS; a vertex's successors are enumerated through cursor[v]
  const stack = new Int32Array(N);
  let sp = 0;
  const visit = (v: number, from: number) => { dfn[v] = count; vertex[count++] = v; parent[v] = from; stack[sp++] = v; };
  visit(R, -1);
  while (sp > 0) {
    const v = stack[sp - 1];
    let next = -1;
    if (v === R) {
      // the held objects in address order, then "(unreachable)"
      while (cursor[R] < n && next < 0) { const i = cursor[R]++; if (g.external[i] > 0 && dfn[i + 2] < 0) next = i + 2; }
      if (next < 0 && cursor[R] === n) { cursor[R]++; if (dfn[U] < 0) next = U; }
    } else if (v === U) {
      while (cursor[U] < n && next < 0) { const i = cursor[U]++; if (dfn[i + 2] < 0) { entry[i] = 1; next = i + 2; } }
    } else {
      const i = v - 2, end = g.edgeStart[i + 1];
      while (next < 0 && g.edgeStart[i] + cursor[v] < end) {
        const w = g.edgeTo[g.edgeStart[i] + cursor[v]++] + 2;
        if (dfn[w] < 0) next = w;
      }
    }
    if (next >= 0) visit(next, v); else sp--;
  }

  // predecessors of a vertex, calling f(pred) for each. References from the unreachable region
  // into the reachable one are left out: garbage keeps nothing alive (it is visited after every
  // reachable object, so its vertices number from dfn[U] up)
  const rev = g.reverse, firstGarbage = dfn[U];
  const forPreds = (w: number, f: (p: number) => void) => {
    if (w === U) { f(R); return; }
    if (w === R) return;
    const i = w - 2, reachable = dfn[w] < firstGarbage;
    if (g.external[i] > 0) f(R);
    if (entry[i]) f(U);
    for (let k = rev.start[i]; k < rev.start[i + 1]; k++) {
      const p = rev.from[k] + 2;
      if (!reachable || dfn[p] < firstGarbage) f(p);
    }
  };

  const semi = new Int32Array(N), label = new Int32Array(N), ancestor = new Int32Array(N).fill(-1), idom = new Int32Array(N);
  for (let v = 0; v < N; v++) { semi[v] = dfn[v]; label[v] = v; }
  const bucketHead = new Int32Array(N).fill(-1), bucketNext = new Int32Array(N).fill(-1);
  const path: number[] = [];
  const evaluate = (v: number): number => {
    if (ancestor[v] < 0) return v;
    // compress the ancestor path of v, top-down, without recursion
    let x = v;
    while (ancestor[ancestor[x]] >= 0) { path.push(x); x = ancestor[x]; }
    while (path.length) {
      const y = path.pop()!, a = ancestor[y];
      if (semi[label[a]] < semi[label[y]]) label[y] = label[a];
      ancestor[y] = ancestor[a];
    }
    return label[v];
  };
  for (let k = count - 1; k >= 1; k--) {
    const w = vertex[k];
    forPreds(w, (p) => {
      if (dfn[p] < 0) return;
      const u = evaluate(p);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    });
    const s = vertex[semi[w]];
    bucketNext[w] = bucketHead[s]; bucketHead[s] = w;
    const pw = parent[w];
    ancestor[w] = pw;
    for (let v = bucketHead[pw]; v >= 0; v = bucketNext[v]) {
      const u = evaluate(v);
      idom[v] = semi[u] < semi[v] ? u : pw;
    }
    bucketHead[pw] = -1;
  }
  for (let k = 1; k < count; k++) {
    const w = vertex[k];
    if (idom[w] !== vertex[semi[w]]) idom[w] = idom[idom[w]];
  }

  // retained sizes: each vertex adds its total to its dominator, in reverse DFS order
  const total = new Float64Array(N);
  for (let i = 0; i < n; i++) total[i + 2] = g.size[i];
  for (let k = count - 1; k >= 1; k--) total[idom[vertex[k]]] += total[vertex[k]];

  const out = new Int32Array(n), retained = new Float64Array(n), reachable = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = idom[i + 2];
    out[i] = d === R ? ROOT : d === U ? UNREACHABLE : d - 2;
    retained[i] = total[i + 2];
  }
  // reachable from a real root: no "(unreachable)" on the dominator chain (walked once per vertex, in DFS order)
  const viaU = new Uint8Array(N);
  viaU[U] = 1;
  for (let k = 1; k < count; k++) { const w = vertex[k]; if (w !== U) viaU[w] = viaU[idom[w]]; }
  for (let i = 0; i < n; i++) reachable[i] = viaU[i + 2] ? 0 : 1;
  return { idom: out, retained, reachable, rootRetained: total[R] - total[U], unreachableRetained: total[U] };
}

/**
 * Where "(unreachable)" enters the objects no root reaches: the first unreached object in
 * address order, then the next one its references do not reach, and so on (as the DFS above).
 */
export function unreachableEntries(g: ObjectGraph): number[] {
  const seen = reachFromRoots(g, new Uint8Array(g.count)), out: number[] = [], stack: number[] = [];
  for (let i = 0; i < g.count; i++) {
    if (seen[i]) continue;
    out.push(i);
    seen[i] = 1;
    stack.push(i);
    while (stack.length) {
      const v = stack.pop()!;
      for (let e = g.edgeStart[v]; e < g.edgeStart[v + 1]; e++) {
        const w = g.edgeTo[e];
        if (!seen[w]) { seen[w] = 1; stack.push(w); }
      }
    }
  }
  return out;
}
