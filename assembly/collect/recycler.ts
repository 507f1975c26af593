// === The recycler: cycle collection from candidate roots ===
// After Bacon and Rajan (2001), "Concurrent Cycle Collection in Reference Counted Systems", in its
// synchronous form: a container whose count is decremented to a non-zero value may be the root of a
// garbage cycle, so it becomes a candidate (candidates.ts, the decrement hook). A collection gathers
// the subgraph reachable from the candidates (breadth first, through the list itself: no recursion)
// and runs the same trial deletion and the same weakref / finalizer / resurrection / delete steps
// (trial.ts) on that subgraph only: its cost follows the candidates, not the heap. Generation 0's
// list holds the candidates, generation 1's everything else; gc.collect(2) gathers everything (a
// full collection).

import { FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_FROZEN, FLAG_TRACKED, GC_NEXT, INFO, SET_INFO } from "../layout";
import { GEN_HEAD, NUM_GENERATIONS, SET_COUNT, THRESHOLD, listMerge, listMove } from "./generations";
import { collecting, setCollecting, setTrigger, stepWorkLimit } from "./gcstate";
import { CANDIDATE_COUNT, candidateCount, candidateTaken, setCandidateCount, setCandidatesOn } from "./candidates";
import { setTrackGeneration } from "./track";
import { runEnd, runStart, visitRun, visitStart } from "./visit";
import { PHASE_GATHERED, PHASE_START, hostGcPhase, phase, setPhaseGeneration } from "./phases";
import { UNREACHABLE, countVisits, deduceUnreachable, finishCollection, listInit } from "./trial";
import { GC_CAP_BOUNDED_PAUSES, GC_CAP_CANDIDATES, GC_CAP_COLLECTS_CYCLES, GC_CAP_NEEDS_DECREMENT_HOOK } from "../generated/capabilities";

export const CAPABILITIES: u32 = GC_CAP_COLLECTS_CYCLES | GC_CAP_CANDIDATES | GC_CAP_BOUNDED_PAUSES | GC_CAP_NEEDS_DECREMENT_HOOK;

/** The set being gathered. */
const WORK: usize = memory.data(16, 8);

export function init(): void {
  setTrackGeneration(1); // generation 0's list is the candidate list
  setCandidatesOn(true);
  setTrigger(CANDIDATE_COUNT, step);
}

/** gc.collect(g): generation 2 is a full collection (every tracked object), 0 and 1 the candidates' subgraph. */
export function collectGeneration(g: u32): i32 {
  if (collecting) return 0;
  return recyclerCollect(g == NUM_GENERATIONS - 1);
}

/** The automatic collection: a step bounded by the pause budget's work limit. */
export function step(): void { recyclerCollect(false, stepWorkLimit); }

/** Pulls the tracked, not yet gathered children of p into the set (the list grows while it is walked). */
// @ts-ignore: decorator
@inline function gatherChildren(p: usize): void {
  visitStart(p);
  while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
    let c = load<usize>(s);
    if (!c) continue;
    let info = INFO(c);
    if ((info & (FLAG_TRACKED | FLAG_COLLECTING | FLAG_FROZEN)) == FLAG_TRACKED) {
      if (info & FLAG_CANDIDATE) candidateTaken();
      SET_INFO(c, (info | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
      listMove(c, WORK);
    }
  }
}

/**
 * A recycler collection. `limit` > 0 makes it a bounded step: candidates are taken one by one, each
 * with its whole subgraph (trial deletion on a truncated set would miss garbage), until `limit`
 * objects are gathered; the other candidates stay buffered for the next step, so no garbage is
 * lost. So that memory cannot grow without bound, a step ignores the limit when the buffer holds
 * more than 16 × threshold0 candidates. A step exceeds its limit only when one candidate's
 * subgraph alone is larger.
 */
function recyclerCollect(full: bool, limit: u32 = 0): i32 {
  let g: u32 = full ? NUM_GENERATIONS - 1 : 0;
  setCollecting(true);
  hostGcPhase(PHASE_START, <i32>g, 0, 0, 0);
  SET_COUNT(0, 0);
  listInit(WORK);
  let head = GEN_HEAD(0);
  if (full || limit == 0 || candidateCount() > THRESHOLD(0) * 16) {
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, (INFO(p) | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
    setCandidateCount(0);
    listMerge(head, WORK);
    if (full) {
      // every tracked object but the frozen ones: nothing left to gather
      listMerge(GEN_HEAD(1), WORK);
    } else {
      // gather what the candidates reach (the list grows while it is walked)
      let gathered: u32 = 0;
      for (let p = GC_NEXT(WORK); p != WORK; p = GC_NEXT(p)) { gatherChildren(p); gathered++; }
      countVisits(gathered);
    }
  } else {
    let gathered: u32 = 0;
    let scan = WORK; // the last object whose children were visited
    while (GC_NEXT(head) != head && gathered < limit) {
      let c = GC_NEXT(head);
      SET_INFO(c, (INFO(c) | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
      candidateTaken();
      listMove(c, WORK);
      // this candidate's whole subgraph
      for (let p = GC_NEXT(scan); p != WORK; p = GC_NEXT(p)) {
        gatherChildren(p);
        gathered++;
        scan = p;
      }
    }
    countVisits(gathered);
  }
  setPhaseGeneration(g);
  phase(PHASE_GATHERED, g, WORK);
  let n = deduceUnreachable(WORK, UNREACHABLE);
  listMerge(WORK, GEN_HEAD(1));
  return finishCollection(g, GEN_HEAD(1), n);
}

/** Unfrozen objects (gc.unfreeze) join generation 1, where this collector keeps its non-candidates. */
export function thawGeneration(): u32 { return 1; }

/** Its own invariants: nothing beyond the shared checks (verify.ts lists, candidates.ts the candidate list). */
export function check(): void {}
