// === The statistics buffer: one f64 slot per row of src/stats-table.json ===
// A leaf, so that each allocator can put its own byte parts (its stats()) while stats.ts puts the
// core's. Slot numbers come from assembly/generated/stats_ids.ts (generated from the table).

import { STAT_COUNT } from "./generated/stats_ids";

export const STATS: usize = memory.data(STAT_COUNT * 8, 8);

/** Sets a slot. */
// @ts-ignore: decorator
@inline export function put(slot: i32, v: f64): void { store<f64>(STATS + (<usize>slot << 3), v); }
/** Adds to a slot (for parts more than one mechanism contributes to). */
// @ts-ignore: decorator
@inline export function add(slot: i32, v: f64): void { store<f64>(STATS + (<usize>slot << 3), load<f64>(STATS + (<usize>slot << 3)) + v); }
/** Raises a slot to v if it is lower (a maximum over several mechanisms). */
// @ts-ignore: decorator
@inline export function atLeast(slot: i32, v: f64): void { if (load<f64>(STATS + (<usize>slot << 3)) < v) put(slot, v); }
export function clearStats(): void { memory.fill(STATS, 0, STAT_COUNT * 8); }
