// Where the explorer draws each object. Cycles are what a collector is for, so they are drawn as
// cycles: every strongly connected component (over strong references) sits on a circle, in the
// order its references run. The components are then placed in layers by their distance from the
// host (cytoscape's breadthfirst layout drew a ring as a tree with one edge pointing back up).
// Pure: no DOM, no cytoscape, so it is tested in Node too.

export interface LayoutEdge { source: string; target: string; weak: boolean }
export interface Point { x: number; y: number }

/** Spacing, in graph units (a node is 58 × 34). */
export const SPACING = { node: 90, layer: 100, perNodeOnCircle: 80, minRadius: 50 };

/**
 * The strongly connected components of the graph over its strong edges (Tarjan's algorithm,
 * iterative: no recursion depth that grows with the graph), each in a cycle order: a depth-first
 * walk inside the component, so that for a ring consecutive members are linked.
 */
export function components(ids: readonly string[], edges: readonly LayoutEdge[]): string[][] {
  const out = new Map<string, string[]>();
  for (const id of ids) out.set(id, []);
  for (const e of edges) if (!e.weak && out.has(e.source) && out.has(e.target)) out.get(e.source)!.push(e.target);
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [], result: string[][] = [];
  let next = 0;
  for (const start of ids) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    index.set(start, next); low.set(start, next); next++; stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      const succ = out.get(v)!;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i]!;
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next); next++; stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) { const u = work[work.length - 1]![0]; low.set(u, Math.min(low.get(u)!, low.get(v)!)); }
      if (low.get(v) === index.get(v)) {
        const members = new Set<string>();
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); members.add(w); } while (w !== v);
        result.push(cycleOrder(v, members, out));
      }
    }
  }
  return result;
}

function cycleOrder(first: string, members: Set<string>, out: Map<string, string[]>): string[] {
  const order: string[] = [], seen = new Set<string>(), todo = [first];
  while (todo.length) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    order.push(v);
    const succ = out.get(v)!.filter((w) => members.has(w) && !seen.has(w));
    for (let i = succ.length - 1; i >= 0; i--) todo.push(succ[i]!);
  }
  return order;
}

/** The radius of the circle a component of `n` members is drawn on (0 for a single object). */
export function circleRadius(n: number): number {
  return n < 2 ? 0 : Math.max(SPACING.minRadius, (n * SPACING.perNodeOnCircle) / (2 * Math.PI));
}

/**
 * Positions for every id: components in layers by breadth-first distance from `root` over all
 * edges (weak ones too), components no path from the root reaches in layers of their own below
 * (garbage, waiting for a collection); each layer centred on x = 0.
 */
export function layoutGraph(ids: readonly string[], edges: readonly LayoutEdge[], root: string): Map<string, Point> {
  const comps = components(ids, edges);
  const compOf = new Map<string, number>();
  comps.forEach((c, k) => { for (const id of c) compOf.set(id, k); });
  const succ = comps.map(() => [] as number[]);
  const indeg = comps.map(() => 0);
  for (const e of edges) {
    const a = compOf.get(e.source), b = compOf.get(e.target);
    if (a === undefined || b === undefined || a === b || succ[a]!.includes(b)) continue;
    succ[a]!.push(b);
    indeg[b]!++;
  }
  // breadth first from the root's component, then from each unreached component nothing points at
  // (and, for what is left, any unreached one: a component pointed at only by unreached cycles)
  const layer = comps.map(() => -1);
  const order: number[] = [];
  const bfs = (from: number, depth: number) => {
    layer[from] = depth;
    const queue = [from];
    for (let q = 0; q < queue.length; q++) {
      const c = queue[q]!;
      order.push(c);
      for (const d of succ[c]!) if (layer[d] === -1) { layer[d] = layer[c]! + 1; queue.push(d); }
    }
  };
  const rootComp = compOf.get(root);
  if (rootComp !== undefined) bfs(rootComp, 0);
  // the unreached side by side in one layer below everything reached (loops, not Math.max(...):
  // a spread of 100,000 arguments overflows the stack)
  const below = () => { let d = 0; for (const l of layer) d = Math.max(d, l + 1); return d; };
  const base = below();
  for (let k = 0; k < comps.length; k++) if (layer[k] === -1 && indeg[k] === 0) bfs(k, base);
  for (let k = 0; k < comps.length; k++) if (layer[k] === -1) bfs(k, below());
  // place: each layer's components left to right in discovery order, centred
  const layers: number[][] = [];
  for (const c of order) (layers[layer[c]!] ??= []).push(c);
  const pos = new Map<string, Point>();
  let y = 0;
  for (const row of layers) {
    if (!row) continue;
    const widths = row.map((c) => 2 * circleRadius(comps[c]!.length) + SPACING.node);
    const height = row.reduce((h, c) => Math.max(h, 2 * circleRadius(comps[c]!.length)), 0);
    let x = -widths.reduce((a, b) => a + b, 0) / 2;
    row.forEach((c, i) => {
      const members = comps[c]!, r = circleRadius(members.length);
      const cx = x + widths[i]! / 2, cy = y + height / 2;
      members.forEach((id, j) => {
        const angle = -Math.PI / 2 + (2 * Math.PI * j) / members.length;
        pos.set(id, { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) });
      });
      x += widths[i]!;
    });
    y += height + SPACING.layer;
  }
  return pos;
}
