// === The recycler: cycle collection from candidate roots ===
// After Bacon and Rajan (2001), "Concurrent Cycle Collection in Reference Counted Systems", in its
// synchronous form: a container whose count is decremented to a non-zero value may be the root of a
// garbage cycle, so it becomes a candidate (candidates.ts, the decrement hook). A collection gathers
// the subgraph reachable from the candidates (breadth first, one candidate's subgraph after another,
// through the list itself: no recursion) and runs the same trial deletion and the same weakref /
// finalizer / resurrection / delete steps (trial.ts) on that subgraph only: its cost follows the
// candidates, not the heap. Generation 0's list holds the candidates, generation 1's everything
// else; gc.collect(2) gathers everything (a full collection), in address order.
//
// Why the orders (issue 16: W3a, 1M nodes, took 51 ms against the generational collector's 16).
// Gathering and the candidate list reorder the list: a candidate leaves its place for generation
// 0's list, a gathered subgraph comes back in breadth-first order, and trial deletion's
// moveUnreachable (CPython's) appends every object it finds reachable after it had set it aside,
// so when candidates come first a full collection leaves the whole heap breadth first across all
// its trees. Each pass over such a list (copy the counts, subtract, move) then misses the cache on
// nearly every object: copying 1M counts took 24-36 ms instead of 2. So a step gathers each
// candidate's subgraph before the next candidate's (not all of them interleaved), and a full
// collection rebuilds its set in address order with the allocator's cursor (one sequential pass),
// which also leaves the survivors in address order for the next one.

import { FLAG_CANDIDATE, FLAG_COLLECTING, GC_NEXT, INFO, SET_INFO } from "../layout";
import { GEN_HEAD, NUM_GENERATIONS, SET_COUNT, THRESHOLD, listIsEmpty, listLength, listMerge, listMove } from "./generations";
import { collecting, setCollecting, setTrigger, stepWorkLimit } from "./gcstate";
import { CANDIDATE_COUNT, candidateCount, candidateTaken, setCandidateCount, setCandidatesOn } from "./candidates";
import { heapSize, setTrackGeneration } from "./track";
import { displace, displacedReset, linkInAddressOrder, relinkDue } from "./addressorder";
import { liveObjects } from "../counters";
import { fail } from "../failure";
import { gatherChildren } from "./gather";
import { PHASE_GATHERED, PHASE_START, hostGcPhase, phase, setPhaseGeneration } from "./phases";
import { UNREACHABLE, countVisits, deduceUnreachable, finishCollection, listInit, movedBack } from "./trial";
import { GC_CAP_BOUNDED_PAUSES, GC_CAP_CANDIDATES, GC_CAP_COLLECTS_CYCLES, GC_CAP_NEEDS_DECREMENT_HOOK } from "../generated/capabilities";

export const CAPABILITIES: u32 = GC_CAP_COLLECTS_CYCLES | GC_CAP_CANDIDATES | GC_CAP_BOUNDED_PAUSES | GC_CAP_NEEDS_DECREMENT_HOOK;

/** The set being gathered. */
const WORK: usize = memory.data(16, 8);

export function init(): void {
  setTrackGeneration(1); // generation 0's list is the candidate list
  setCandidatesOn(true);
  displacedReset();
  setTrigger(CANDIDATE_COUNT, step);
}

/** gc.collect(g): generation 2 is a full collection (every tracked object), 0 and 1 the candidates' subgraph. */
export function collectGeneration(g: u32): i32 {
  if (collecting) return 0;
  return recyclerCollect(g == NUM_GENERATIONS - 1);
}

/** The automatic collection: a step bounded by the pause budget's work limit. */
export function step(): void { recyclerCollect(false, stepWorkLimit); }

/**
 * A full collection's set: every tracked, unfrozen container (generation 0's and 1's lists, which
 * it empties), on WORK in address order, candidates no longer. One pass over the allocator's
 * live blocks (its cursor: address order for every built-in allocator), reading one header word
 * each and linking the containers: the passes that follow then walk memory forwards, and parents
 * allocated before their children come before them, so moveUnreachable sets nothing aside to take
 * it back later. When containers are under a quarter of the live objects (a heap of leaves), the
 * walk would cost more than it saves, and when at most one object in 16 left its place since the
 * last full collection (addressorder.ts relinkDue), it would change little: the lists are
 * merged as they are.
 * Returns the objects it linked (0 when it merged).
 */
function gatherAll(): u32 {
  let cands = GEN_HEAD(0), rest = GEN_HEAD(1);
  let n: u32 = 0;
  displace(candidateCount());
  let due = relinkDue(heapSize);
  if (<u64>heapSize * 4 < <u64>liveObjects() || !due) {
    for (let p = GC_NEXT(cands); p != cands; p = GC_NEXT(p)) SET_INFO(p, INFO(p) & ~FLAG_CANDIDATE);
    listMerge(cands, WORK);
    listMerge(rest, WORK);
  } else {
    let expected: u32 = 0;
    if (isDefined(ASC_HEAP_DEBUG)) expected = listLength(cands) + listLength(rest);
    // tracked and not frozen <=> on generation 0's or 1's list (verify: every tracked object is on
    // exactly one list, the frozen ones on the permanent list; check(): generation 2 is empty)
    n = linkInAddressOrder(WORK);
    listInit(cands);
    listInit(rest);
    if (isDefined(ASC_HEAP_DEBUG)) assert(n == expected, "recycler: the heap walk found other containers than the lists hold");
  }
  setCandidateCount(0);
  return n;
}

/**
 * A recycler collection. `limit` > 0 makes it a bounded step: candidates are taken one by one, each
 * with its whole subgraph (trial deletion on a truncated set would miss garbage), until `limit`
 * objects are gathered; the other candidates stay buffered for the next step, so no garbage is
 * lost. So that memory cannot grow without bound, a step ignores the limit when the buffer holds
 * more than 16 × threshold0 candidates. A step exceeds its limit only when one candidate's
 * subgraph alone is larger. Without a limit every candidate is taken, still one subgraph after
 * another.
 */
function recyclerCollect(full: bool, limit: u32 = 0): i32 {
  let g: u32 = full ? NUM_GENERATIONS - 1 : 0;
  setCollecting(true);
  hostGcPhase(PHASE_START, <i32>g, 0, 0, 0);
  SET_COUNT(0, 0);
  listInit(WORK);
  if (full) {
    countVisits(gatherAll());
  } else {
    let head = GEN_HEAD(0);
    if (limit == 0 || candidateCount() > THRESHOLD(0) * 16) limit = u32.MAX_VALUE;
    let gathered: u32 = 0;
    let scan = WORK; // the last object whose children were visited
    while (GC_NEXT(head) != head && gathered < limit) {
      let c = GC_NEXT(head);
      SET_INFO(c, (INFO(c) | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
      candidateTaken();
      listMove(c, WORK);
      // this candidate's whole subgraph (the list grows while it is walked)
      for (let p = GC_NEXT(scan); p != WORK; p = GC_NEXT(p)) {
        gatherChildren(p, WORK);
        gathered++;
        scan = p;
      }
    }
    countVisits(gathered);
    displace(gathered); // at the end of generation 1 after it, in the order of the walk
  }
  setPhaseGeneration(g);
  phase(PHASE_GATHERED, g, WORK);
  let n = deduceUnreachable(WORK, UNREACHABLE);
  displace(movedBack);
  listMerge(WORK, GEN_HEAD(1));
  return finishCollection(g, GEN_HEAD(1), n);
}

/** Unfrozen objects (gc.unfreeze) join generation 1, where this collector keeps its non-candidates. */
export function thawGeneration(): u32 { return 1; }

/** Its own invariant (beyond verify.ts's lists and candidates.ts's): generation 2 is empty, which gatherAll relies on. */
export function check(): void {
  if (!listIsEmpty(GEN_HEAD(2))) fail("recycler: a container in generation 2", GC_NEXT(GEN_HEAD(2)));
}
