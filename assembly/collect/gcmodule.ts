// === gc module helpers: freeze, unfreeze, generation lengths ===
// What Python's gc module does besides collect() (Modules/gcmodule.c's gc_freeze_impl...), for every
// collector: the lists of generations 0..2 and the permanent one are shared (generations.ts).

import { FLAG_CANDIDATE, FLAG_FROZEN, GC_NEXT, INFO, SET_INFO } from "../layout";
import { GEN_HEAD, NUM_GENERATIONS, PERMANENT, SET_COUNT, listLength, listMerge } from "./generations";
import { setCandidateCount } from "./candidates";

/** gc.freeze(): every tracked object moves to the permanent generation, candidates included. */
export function freeze(): void {
  for (let g: u32 = 0; g < NUM_GENERATIONS; g++) {
    let head = GEN_HEAD(g);
    // FROZEN on each object: the recycler's gathering must not pull one out of the permanent generation
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, (INFO(p) | FLAG_FROZEN) & ~FLAG_CANDIDATE);
    listMerge(head, GEN_HEAD(PERMANENT));
    SET_COUNT(g, 0);
  }
  setCandidateCount(0);
}

/** gc.unfreeze(): the permanent generation joins generation `to` (the collector's thawGeneration()). */
export function unfreeze(to: u32): void {
  let head = GEN_HEAD(PERMANENT);
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, INFO(p) & ~FLAG_FROZEN);
  listMerge(head, GEN_HEAD(to));
}

export function generationLength(g: u32): u32 { return listLength(GEN_HEAD(g)); }
