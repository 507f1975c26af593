// === Candidate roots: containers whose count was decremented to a non-zero value ===
// Bacon and Rajan (2001): such an object may be the root of a garbage cycle, so a collector that
// asks for the decrement hook (capability needsDecrementHook) gets it buffered here, and collects
// from the candidates rather than from whole generations. A leaf that rc.ts imports: the hook is
// one predicted branch on every decrement that leaves a count above zero.
// The candidate list is generation 0's list (the collector keeps its other containers elsewhere:
// the recycler in generation 1); a candidate carries CANDIDATE (layout.ts).

import { FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_CONTAINER, FLAG_DEFERRED, FLAG_FROZEN, FLAG_TRACKED, GC_NEXT, INFO, SET_INFO } from "../layout";
import { GEN_HEAD, NUM_GENERATIONS, listMove } from "./generations";
import { fail } from "../failure";
import { collecting, legacyFinalizers } from "./gcstate";

/** Decrements feed the candidate list (set at init from the collector's needsDecrementHook). */
export let candidatesOn = false;
export function setCandidatesOn(on: bool): void { candidatesOn = on; }

/** A decrement that would have made a candidate was ignored (legacy mode, during a collection). */
export let candidatesMissed = false;
export function setCandidatesMissed(on: bool): void { candidatesMissed = on; }

/** Candidates on the list (a u32 word, so that it can be the automatic trigger's counter). */
export const CANDIDATE_COUNT: usize = memory.data(4, 4);
// @ts-ignore: decorator
@inline export function candidateCount(): u32 { return load<u32>(CANDIDATE_COUNT); }
// @ts-ignore: decorator
@inline export function setCandidateCount(n: u32): void { store<u32>(CANDIDATE_COUNT, n); }

/** rc.ts: p's count was decremented and is still above zero. */
// @ts-ignore: decorator
@inline export function decremented(p: usize): void {
  if (candidatesOn) possibleRoot(p);
}

/** A count was decremented to non-zero: the object may be a garbage cycle's root. */
// @ts-ignore: decorator
@inline export function possibleRoot(c: usize): void {
  let info = INFO(c);
  if ((info & (FLAG_CONTAINER | FLAG_TRACKED | FLAG_CANDIDATE | FLAG_COLLECTING | FLAG_FROZEN)) == (FLAG_CONTAINER | FLAG_TRACKED)) {
    // not while a legacy-mode collection holds uncollectable objects on its own list (the hybrid
    // collector then examines everything next time: the decrement may have made a cycle garbage)
    if (collecting && legacyFinalizers) { candidatesMissed = true; return; }
    SET_INFO(c, (info | FLAG_CANDIDATE) & ~FLAG_DEFERRED); // a new candidate: examined by the next collection (deferred.ts)
    listMove(c, GEN_HEAD(0));
    setCandidateCount(candidateCount() + 1);
  }
}

/** Takes c off the candidate count (its CANDIDATE bit is the caller's to clear): c dies, is gathered or frozen. */
// @ts-ignore: decorator
@inline export function candidateTaken(): void { setCandidateCount(candidateCount() - 1); }

/**
 * verify: CANDIDATE is set exactly on the candidate list (generation 0's, when candidates are on;
 * nowhere otherwise) and the list's length is the candidate count. The lists are known sound.
 */
export function candidatesCheck(): void {
  let n: u32 = 0;
  for (let g: u32 = 0; g < NUM_GENERATIONS; g++) {
    let head = GEN_HEAD(g);
    let listed = candidatesOn && g == 0;
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) {
      if (((INFO(p) & FLAG_CANDIDATE) != 0) != listed) { fail("CANDIDATE disagrees with the candidate list", p); return; }
      if (listed) n++;
    }
  }
  if (n != candidateCount()) fail("candidate count != objects on the candidate list", 0);
}

