// objgraph.show_growth: which types grew since the last look. It does not collect first unless
// asked (objgraph#61: a forced full collection made the leaking cycle the user was hunting
// disappear); `collect: g` collects generation g first, as objgraph PR #63's gc_collect_gen.

import type { ObjectGraph } from "./graph.js";
import { typeStats, type CensusOptions } from "./census.js";
import { PERMANENT } from "../generated/boundary.js";

export interface GrowthRow { type: string; count: number; delta: number }

/** Per-type peak counts, as objgraph's peak_stats: a type shows when it exceeds its old peak. */
export class GrowthTracker {
  readonly peaks = new Map<string, number>();

  /** Types whose count exceeds their previous peak, largest increase first; the peaks are updated. */
  update(g: ObjectGraph, limit = 10, o: CensusOptions = {}): GrowthRow[] {
    const rows: GrowthRow[] = [];
    for (const [type, count] of Object.entries(typeStats(g, o))) {
      const old = this.peaks.get(type) ?? 0;
      if (count > old) {
        rows.push({ type, count, delta: count - old });
        this.peaks.set(type, count);
      }
    }
    rows.sort((a, b) => b.delta - a.delta || (a.type < b.type ? -1 : 1));
    return limit > 0 ? rows.slice(0, limit) : rows;
  }
}

/** objgraph's show_growth table: "Node   1200     +200". */
export function formatGrowth(rows: GrowthRow[]): string {
  const w = Math.max(0, ...rows.map((r) => r.type.length)), c = Math.max(0, ...rows.map((r) => String(r.count).length));
  return rows.map((r) => `${r.type.padEnd(w)} ${String(r.count).padStart(c)} ${`+${r.delta}`.padStart(8)}`).join("\n");
}

/**
 * objgraph.get_new_ids: the objects (addresses, per type) that were not there at the previous
 * call. An address freed and reused in between counts as not new: addresses are our only ids.
 */
export class NewIdsTracker {
  #previous = new Set<number>();

  update(g: ObjectGraph, o: CensusOptions = {}): Record<string, number[]> {
    const now = new Set<number>(), out: Record<string, number[]> = {};
    const keep = (i: number) => (!o.trackedOnly || g.generation[i] <= PERMANENT) && (!o.filter || o.filter(g, i));
    for (let i = 0; i < g.count; i++) {
      if (!keep(i)) continue;
      now.add(g.address[i]);
      if (!this.#previous.has(g.address[i])) (out[g.typeOf(i)] ??= []).push(g.address[i]);
    }
    this.#previous = now;
    return out;
  }
}
