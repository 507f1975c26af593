// Heap statistics, named by the one table (src/stats-table.json) that also numbers the core's
// slots, and printed in the style of CPython's sys._debugmallocstats().

import table from "./stats-table.json" with { type: "json" };
import { ALLOCATOR_INFO, type AllocatorName } from "./strategies.js";
import { CLASS_ROW_WORDS, CLASS_STATS_HEADER_WORDS, MAX_CLASS_ROWS } from "./generated/boundary.js";

/** A statistic's name (src/stats-table.json lists them; typed as a string so the package's declarations stand alone). */
export type StatName = string;
export interface StatField { name: StatName; kind: "counter" | "gauge" | "part"; unit: string; doc: string }
export const STAT_FIELDS: readonly StatField[] = table.fields as readonly StatField[];
export const PART_NAMES: string[] = STAT_FIELDS.filter((f) => f.kind === "part").map((f) => f.name);

export interface SizeClassStats { sizeClass: number; size: number; pools: number; blocksInUse: number; blocksFree: number }

export type HeapStats = Record<StatName, number> & {
  allocator: string;
  /** The byte parts, which sum to committedBytes. */
  parts: Record<string, number>;
  /** Allocators with size classes (capability sizeClasses): one row per class that has pools or pages. */
  sizeClasses: SizeClassStats[];
  /** Allocators with size classes: the largest request served from them (0 without). */
  smallBlockThreshold: number;
  /** Allocators with size classes: how many classes there are (0 without). */
  sizeClassCount: number;
};

/** Decodes the core's f64 slots and per-class rows. */
export function decodeStats(f64: Float64Array, statsPtr: number, u32: Uint32Array, classPtr: number, allocator: string): HeapStats {
  const out: Record<string, unknown> = { allocator };
  const parts: Record<string, number> = {};
  STAT_FIELDS.forEach((f, i) => {
    const v = f64[(statsPtr >>> 3) + i];
    out[f.name] = v;
    if (f.kind === "part") parts[f.name] = v;
  });
  const sizeClasses: SizeClassStats[] = [];
  // the core's classStats(): row count, largest request from classes, class count; five words per row
  const rows = Math.min(u32[classPtr >>> 2], MAX_CLASS_ROWS);
  for (let r = 0, base = (classPtr >>> 2) + CLASS_STATS_HEADER_WORDS; r < rows; r++, base += CLASS_ROW_WORDS) {
    sizeClasses.push({ sizeClass: u32[base], size: u32[base + 1], pools: u32[base + 2], blocksInUse: u32[base + 3], blocksFree: u32[base + 4] });
  }
  out.parts = parts;
  out.sizeClasses = sizeClasses;
  out.smallBlockThreshold = u32[(classPtr >>> 2) + 1];
  out.sizeClassCount = u32[(classPtr >>> 2) + 2];
  return out as HeapStats;
}

const n = (v: number) => v.toLocaleString("en-US");

/** A text report like CPython's sys._debugmallocstats(). */
export function formatStats(s: HeapStats): string {
  const lines: string[] = [];
  const caps = ALLOCATOR_INFO[s.allocator as AllocatorName]?.capabilities;
  if (caps?.sizeClasses) {
    lines.push(`Small block threshold = ${s.smallBlockThreshold}, in ${s.sizeClassCount} size classes.`, "");
    lines.push("class   size   num pools   blocks in use  avail blocks", "-----   ----   ---------   -------------  ------------");
    for (const c of s.sizeClasses) {
      lines.push(`${String(c.sizeClass).padStart(5)}  ${String(c.size).padStart(5)}  ${String(c.pools).padStart(10)}  ${String(c.blocksInUse).padStart(14)}  ${String(c.blocksFree).padStart(12)}`);
    }
    lines.push("");
  }
  if (caps?.arenas) {
    for (const k of ["arenasAllocatedTotal", "arenasReclaimed", "arenasHighWater", "arenasCurrent"] as const) {
      lines.push(`# ${k.padEnd(31)} = ${n(s[k]).padStart(16)}`);
    }
    lines.push("");
  }
  for (const f of STAT_FIELDS.filter((f) => f.kind === "part")) {
    lines.push(`# ${f.name.padEnd(31)} = ${n(s[f.name]).padStart(16)}`);
  }
  lines.push(`${"Total".padEnd(33)} = ${n(PART_NAMES.reduce((a, k) => a + s[k], 0)).padStart(16)}`);
  lines.push(`${"committedBytes".padEnd(33)} = ${n(s.committedBytes).padStart(16)}`);
  return lines.join("\n");
}
