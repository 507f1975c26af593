// objgraph's census on our heap (count, typestats, most_common_types, by_type,
// get_leaking_objects) and heapy's partition table. Unlike objgraph, which sees only what the
// collector tracks (pympler#97: atomic objects never show up), a census counts every live object,
// bytes and weakrefs included; `trackedOnly` gives objgraph's view.

import { GENERATION_UNKNOWN, UNTRACKED, type ObjectGraph } from "./graph.js";
import { PERMANENT } from "../generated/boundary.js";

export interface CensusOptions {
  /** Count only objects the cycle collector tracks (objgraph's view). Default false: every object. */
  trackedOnly?: boolean;
  /** Keep only the objects this returns true for. */
  filter?: (graph: ObjectGraph, index: number) => boolean;
}

function included(g: ObjectGraph, i: number, o: CensusOptions): boolean {
  if (o.trackedOnly && (g.generation[i] === UNTRACKED || g.generation[i] === GENERATION_UNKNOWN)) return false;
  return !o.filter || o.filter(g, i);
}

/** objgraph.typestats: {type name: count}. */
export function typeStats(g: ObjectGraph, o: CensusOptions = {}): Record<string, number> {
  const counts = new Array<number>(g.typeNames.length).fill(0);
  for (let i = 0; i < g.count; i++) if (included(g, i, o)) counts[g.typeIndex[i]]++;
  const out: Record<string, number> = {};
  g.typeNames.forEach((name, t) => { if (counts[t]) out[name] = (out[name] ?? 0) + counts[t]; });
  return out;
}

/** objgraph.most_common_types: [name, count] pairs, most common first (ties by name). */
export function mostCommonTypes(g: ObjectGraph, limit = 10, o: CensusOptions = {}): [string, number][] {
  const rows = Object.entries(typeStats(g, o)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return limit > 0 ? rows.slice(0, limit) : rows;
}

/** Node indexes of the objects of one type. */
export function byType(g: ObjectGraph, type: string, o: CensusOptions = {}): number[] {
  const out: number[] = [];
  for (let i = 0; i < g.count; i++) if (g.typeOf(i) === type && included(g, i, o)) out.push(i);
  return out;
}

/**
 * objgraph.get_leaking_objects: objects no heap object refers to. Every live object has a
 * refcount, so these are held only from outside (host handles, a VM's slots): the roots. In a
 * VM-embedded heap, a root the VM does not know about is the refcount-leak signature.
 */
export function leakingObjects(g: ObjectGraph, o: CensusOptions = {}): number[] {
  const referred = new Uint8Array(g.count);
  for (let e = 0; e < g.edgeTo.length; e++) referred[g.edgeTo[e]] = 1;
  const out: number[] = [];
  for (let i = 0; i < g.count; i++) if (!referred[i] && included(g, i, o)) out.push(i);
  return out;
}

export type GroupBy = "type" | "generation" | "size" | "referrers";

/** One row of a partition table (heapy's h.heap()). */
export interface PartitionRow { key: string; count: number; countPct: number; bytes: number; bytesPct: number; cumulativePct: number }

/**
 * heapy's partition: objects grouped by type, generation, size (power-of-two buckets), or
 * referrers (heapy's byrcs: the set of types that refer to each object, "<host>" for references
 * from outside the heap). Rows by bytes, largest first.
 */
export function partition(g: ObjectGraph, by: GroupBy = "type", o: CensusOptions = {}): PartitionRow[] {
  const key = keyFunction(g, by);
  const rows = new Map<string, { count: number; bytes: number }>();
  let total = 0, totalBytes = 0;
  for (let i = 0; i < g.count; i++) {
    if (!included(g, i, o)) continue;
    const k = key(i);
    const r = rows.get(k) ?? { count: 0, bytes: 0 };
    r.count++; r.bytes += g.size[i];
    rows.set(k, r);
    total++; totalBytes += g.size[i];
  }
  let cumulative = 0;
  return [...rows].sort((a, b) => b[1].bytes - a[1].bytes || b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1)).map(([k, r]) => {
    cumulative += r.bytes;
    const pct = (x: number, of: number) => (of ? (100 * x) / of : 0);
    return { key: k, count: r.count, countPct: pct(r.count, total), bytes: r.bytes, bytesPct: pct(r.bytes, totalBytes), cumulativePct: pct(cumulative, totalBytes) };
  });
}

function keyFunction(g: ObjectGraph, by: GroupBy): (i: number) => string {
  if (by === "type") return (i) => g.typeOf(i);
  if (by === "generation") {
    return (i) => {
      const gen = g.generation[i];
      return gen === UNTRACKED ? "untracked" : gen === GENERATION_UNKNOWN ? "unknown" : gen === PERMANENT ? "permanent" : `generation ${gen}`;
    };
  }
  if (by === "size") return (i) => { let b = 8; while (b < g.size[i]) b *= 2; return `<= ${b} bytes`; };
  return (i) => referrerClass(g, i);
}

/** heapy's referrer classification of one object: the sorted set of its referrers' types. */
export function referrerClass(g: ObjectGraph, i: number): string {
  const { start, from } = g.reverse;
  const names = new Set<string>();
  for (let k = start[i]; k < start[i + 1]; k++) names.add(g.typeOf(from[k]));
  const sorted = [...names].sort();
  if (g.external[i] > 0) sorted.unshift("<host>");
  return sorted.length ? `{${sorted.join(", ")}}` : "{}";
}

/** The partition as heapy prints it, every column named in the header. */
export function formatPartition(rows: PartitionRow[], limit = Infinity): string {
  const count = rows.reduce((a, r) => a + r.count, 0), bytes = rows.reduce((a, r) => a + r.bytes, 0);
  const lines = [`Partition of a set of ${count} objects. Total size = ${bytes} bytes.`,
    " Index  Count   %     Size   % Cumulative  % Kind"];
  let cum = 0;
  rows.slice(0, limit).forEach((r, i) => {
    cum += r.bytes;
    lines.push(`${String(i).padStart(6)} ${String(r.count).padStart(6)} ${r.countPct.toFixed(0).padStart(3)} ${String(r.bytes).padStart(8)} ${r.bytesPct.toFixed(0).padStart(3)} ${String(cum).padStart(10)} ${r.cumulativePct.toFixed(0).padStart(3)} ${r.key}`);
  });
  if (rows.length > limit) lines.push(`<${rows.length - limit} more rows>`);
  return lines.join("\n");
}

/** objgraph.show_most_common_types' two-column table. */
export function formatTypeCounts(rows: [string, number][]): string {
  const w = Math.max(0, ...rows.map(([n]) => n.length));
  return rows.map(([n, c]) => `${n.padEnd(w)} ${c}`).join("\n");
}
