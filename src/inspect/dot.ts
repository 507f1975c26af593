// Graphviz drawings of the references around objects, like objgraph.show_refs / show_backrefs /
// show_chain: breadth-first to maxDepth (iterative), nodes labelled with type, address, size,
// refcount (and how much of it comes from outside the heap) and generation; edges with the field
// name or list index. A node with more than `tooMany` references shows that many and a
// "… N more" node. Rendered to SVG by Graphviz compiled to WebAssembly (@viz-js/viz).

import { GENERATION_UNKNOWN, UNTRACKED, type ObjectGraph } from "./graph.js";
import { PERMANENT } from "../generated/boundary.js";
import { HeapConfigError } from "../errors.js";

export interface DotOptions {
  /** Levels of references to follow from the given objects. Default 3. */
  maxDepth?: number;
  /** At most this many references drawn per object. Default 10. */
  tooMany?: number;
  /** Skip (and do not go past) objects this returns false for. */
  filter?: (graph: ObjectGraph, index: number) => boolean;
  /** Draw these objects filled (default: the starting objects). */
  highlight?: (graph: ObjectGraph, index: number) => boolean;
  /** Refcount and external references on each node. Default true. */
  refcounts?: boolean;
  /** Collector generation on each node. Default true. */
  generations?: boolean;
  /** Extra text per node. */
  extraInfo?: (graph: ObjectGraph, index: number) => string;
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

/** DOT of the objects around `starts`: their referrers (backrefs) or referents. */
export function toDot(g: ObjectGraph, starts: number[], backrefs: boolean, o: DotOptions = {}): string {
  const maxDepth = o.maxDepth ?? 3, tooMany = o.tooMany ?? 10;
  const depth = new Map<number, number>();
  const queue: number[] = [];
  for (const s of starts) if (!depth.has(s)) { depth.set(s, 0); queue.push(s); }
  const edges: string[] = [];
  const extra: string[] = [];
  const rev = backrefs ? g.reverse : null;
  let hostEdges = 0;
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h], d = depth.get(v)!;
    if (backrefs && g.external[v] > 0) {
      edges.push(`  host -> o${v} [label=${quote(`×${g.external[v]}`)}, style=dashed];`);
      hostEdges++;
    }
    if (d >= maxDepth) continue;
    const [from, to] = rev ? [rev.start[v], rev.start[v + 1]] : [g.edgeStart[v], g.edgeStart[v + 1]];
    let drawn = 0;
    for (let k = from; k < to; k++) {
      const w = rev ? rev.from[k] : g.edgeTo[k];
      const e = rev ? rev.edge[k] : k;
      if (o.filter && !o.filter(g, w)) continue;
      if (drawn === tooMany) {
        extra.push(`  more${v} [label=${quote(`… ${to - k} more`)}, shape=plaintext];`);
        edges.push(backrefs ? `  more${v} -> o${v};` : `  o${v} -> more${v};`);
        break;
      }
      drawn++;
      const name = g.edgeName[e];
      const label = typeof name === "number" ? `[${name}]` : name;
      edges.push(backrefs ? `  o${w} -> o${v} [label=${quote(label)}];` : `  o${v} -> o${w} [label=${quote(label)}];`);
      if (!depth.has(w)) { depth.set(w, d + 1); queue.push(w); }
    }
  }
  const highlight = o.highlight ?? ((_g: ObjectGraph, i: number) => starts.includes(i));
  const lines = [`digraph ${backrefs ? "backrefs" : "refs"} {`, "  node [shape=box, style=filled, fillcolor=white, fontname=Helvetica, fontsize=10];",
    "  edge [fontname=Helvetica, fontsize=9];"];
  if (hostEdges) lines.push(`  host [label="host handles", shape=ellipse, fillcolor="#dddddd"];`);
  for (const [v, d] of depth) {
    let label = `${g.typeOf(v)}\n0x${g.address[v].toString(16)}  ${g.size[v]} B`;
    const preview = g.preview.get(v);
    if (preview !== undefined) label += `\n${JSON.stringify(preview.length > 20 ? preview.slice(0, 20) + "…" : preview)}`;
    if (o.refcounts ?? true) label += `\nrefcount ${g.refcount[v]}${g.external[v] > 0 ? ` (${g.external[v]} external)` : ""}`;
    if ((o.generations ?? true) && g.generation[v] !== GENERATION_UNKNOWN) {
      const gen = g.generation[v];
      label += `\n${gen === UNTRACKED ? "untracked" : gen === PERMANENT ? "permanent" : `generation ${gen}`}`;
    }
    if (o.extraInfo) label += `\n${o.extraInfo(g, v)}`;
    // objgraph's shading: the further from the start, the lighter
    const fill = highlight(g, v) ? "#f4a582" : `"0,0,${(0.75 + 0.25 * (d / Math.max(1, maxDepth))).toFixed(3)}"`;
    lines.push(`  o${v} [label=${quote(label)}, fillcolor=${fill.startsWith('"') ? fill : quote(fill)}];`);
  }
  lines.push(...extra, ...edges, "}");
  return lines.join("\n") + "\n";
}

/** DOT of reference chains (from findRefChain / findBackrefChain), as objgraph.show_chain. */
export function chainToDot(g: ObjectGraph, chains: number[][], o: DotOptions = {}): string {
  const keep = new Set(chains.flat());
  const starts = chains.map((c) => c[0]);
  return toDot(g, starts, false, {
    maxDepth: Math.max(0, ...chains.map((c) => c.length)), tooMany: Number.MAX_SAFE_INTEGER, ...o,
    filter: (gg, i) => keep.has(i) && (o.filter?.(gg, i) ?? true),
  });
}

let vizInstance: Promise<{ renderString(dot: string, options: { format: string }): string }> | undefined;

/** Renders DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz, loaded on first use). */
export async function renderSvg(dot: string): Promise<string> {
  vizInstance ??= import("@viz-js/viz").then((m) => m.instance()).catch((err) => {
    vizInstance = undefined;
    throw new HeapConfigError(`renderSvg needs the @viz-js/viz package (npm install @viz-js/viz): ${err.message}`);
  });
  return (await vizInstance).renderString(dot, { format: "svg" });
}
