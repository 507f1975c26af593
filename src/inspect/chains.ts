// objgraph.find_ref_chain / find_backref_chain: the shortest chain of strong references from an
// object to one matching a predicate (forward), or from a matching one to the object (backward:
// "why is this alive?"). Breadth-first with a queue over the graph's arrays: no recursion, so a
// 10^6-long linked list is fine (guppy3#7).

import type { ObjectGraph } from "./graph.js";

/** Shortest chain [start, …, match] over referents (forward) or [match, …, start] over referrers. */
export function findChain(g: ObjectGraph, start: number, matches: (i: number) => boolean, maxDepth: number, backward: boolean, ignore: Set<number> = new Set()): number[] {
  const parent = new Int32Array(g.count).fill(-2), depth = new Uint32Array(g.count);
  const queue = new Uint32Array(g.count);
  let head = 0, tail = 0;
  queue[tail++] = start;
  parent[start] = -1;
  const rev = backward ? g.reverse : null;
  while (head < tail) {
    const v = queue[head++];
    if (matches(v)) {
      const chain: number[] = [];
      for (let x = v; x !== -1; x = parent[x]) chain.push(x);
      return backward ? chain : chain.reverse();
    }
    if (depth[v] >= maxDepth) continue;
    const [from, to] = rev ? [rev.start[v], rev.start[v + 1]] : [g.edgeStart[v], g.edgeStart[v + 1]];
    for (let k = from; k < to; k++) {
      const w = rev ? rev.from[k] : g.edgeTo[k];
      if (parent[w] !== -2 || ignore.has(w)) continue;
      parent[w] = v;
      depth[w] = depth[v] + 1;
      queue[tail++] = w;
    }
  }
  return [start]; // objgraph's answer when nothing matches
}

/** The name of the first edge from a to b ("next", 3), or null if a holds no reference to b. */
export function edgeBetween(g: ObjectGraph, a: number, b: number): string | number | null {
  for (let e = g.edgeStart[a]; e < g.edgeStart[a + 1]; e++) if (g.edgeTo[e] === b) return g.edgeName[e];
  return null;
}

/** A chain as text: "<host> → Registry@0x10 -[items]→ List@0x20 -[3]→ Node@0x30". */
export function formatChain(g: ObjectGraph, chain: number[]): string {
  let s = g.external[chain[0]] > 0 ? "<host> → " : "";
  chain.forEach((v, k) => {
    if (k > 0) {
      const name = edgeBetween(g, chain[k - 1], v);
      s += typeof name === "number" ? ` -[${name}]→ ` : ` -.${name}→ `;
    }
    s += g.label(v);
  });
  return s;
}
