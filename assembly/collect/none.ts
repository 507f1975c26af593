// === none: refcounting only, the floor every collector is compared with ===
// Containers are still tracked (gc.get_objects, verify's lists), but nothing collects cycles:
// gc.collect() finds nothing and no collection is ever due.

import { NUM_GENERATIONS } from "./generations";
import { setTrackGeneration } from "./track";

export const CAPABILITIES: u32 = 0;

export function init(): void { setTrackGeneration(0); } // no trigger: setTrigger is never called
export function collectGeneration(g: u32): i32 { return 0; }
export function step(): void {}
export function thawGeneration(): u32 { return NUM_GENERATIONS - 1; }

/** Its own invariants: nothing beyond the shared checks. */
export function check(): void {}
