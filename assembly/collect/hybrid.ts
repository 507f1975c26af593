// === The hybrid collector: trial deletion over the young generation, candidate roots for the old ===
// Refcounting frees acyclic garbage at once; a cycle collector only has to find cycles. CPython's
// generational collector (generational.ts) finds them by re-examining whole generations, and its
// full collections rescan every long-lived object each time the objects promoted since the last
// one reach 25 % of them (issue 16: most of W1's cost). The recycler (recycler.ts) examines only
// what decremented objects reach, but gathers every object it examines node by node (a list move
// each), young cycles included. This collector takes each where it is cheap:
//
//   young   new containers join the young list; a collection examines all of it as it stands
//           (no gathering: the list is the set), as generation 0 of the generational collector;
//   old     a survivor is old and is examined again only as part of what a candidate reaches: a
//           container whose count is decremented to a non-zero value becomes a candidate root
//           (candidates.ts, the decrement hook), as in the recycler (Bacon and Rajan 2001); a walk
//           into more old objects than threshold0 waits for an old pass (deferred.ts).
//
// Why it is exact: a garbage cycle becomes garbage when its last outside reference goes, a decrement
// to non-zero of one of its members m (a death that frees the referrer decrements m too), which
// makes m a candidate, young or old (the hook does not know the age). The next collection gathers
// from every member of its set (candidates and young) through old objects, so a cycle through old
// objects that a young object closed is examined whole, or, when that walk is too long, from the
// deferred candidates it leaves (deferred.ts: an old pass comes within heapSize / 4 / threshold0 + 1
// collections). An object that survives is reachable from outside the set at that moment, or held
// by garbage outside it; when that garbage is freed, its references to the survivor are decremented
// and the survivor is a candidate again. Hence, with no candidate there is no garbage cycle but
// those the deferred candidates reach, and the young generation is promoted unexamined (W1: a tree
// that refcounting frees a moment later costs nothing). Two ways around the hook are closed:
// unfrozen objects (frozen ones are never candidates) force the next examination, and a decrement
// legacy mode ignored during a collection makes the next collection a full one. gc.collect(2)
// examines everything; gc.collect(1) is an old pass.
//
// Lists: 0 = the candidates (candidates.ts; the deferred ones among them), 1 = young, 2 = old,
// 3 = permanent (gc.freeze). A full collection links its set in address order with a walk over the
// heap (addressorder.ts). After each step of a collection (collectGeneration), when there is a new
// candidate (or an old pass is due, or gc.unfreeze ran):
//   take       the new candidates (at an old pass, the deferred ones too), then the young list, are
//              one list, COLLECTING set, CANDIDATE cleared
//   gather     every tracked, unfrozen object its members reach is on it too (through the list
//              itself, breadth first: no recursion), unless they are more than threshold0 outside
//              an old pass: then none is, and the members' old children are deferred (deferred.ts);
//              unless phases are observed, the same walk does trial deletion's subtraction
//   deduce ..  trial.ts: the garbage is found
//   promote    the survivors join the old list
//   finish     trial.ts: the garbage is freed (at once when it has no finalizer and no weakref:
//              atonce.ts, capability freesGarbageAtOnce); resurrected objects are old
// The automatic trigger is the young count (generation 0's count: container allocations − deaths
// since the last collection) over threshold 0 (HYBRID_THRESHOLD0 by default; gc.setThreshold).

import { FLAG_CANDIDATE, FLAG_COLLECTING, GC_NEXT, GC_PREV, INFO, SET_INFO } from "../layout";
import { COUNTS, GEN_HEAD, NUM_GENERATIONS, PERMANENT, SET_COUNT, THRESHOLD, THRESHOLDS, listIsEmpty, listLength, listMerge } from "./generations";
import { collecting, legacyFinalizers, setCollecting, setTrigger } from "./gcstate";
import { candidateCount, candidatesMissed, setCandidateCount, setCandidatesMissed, setCandidatesOn } from "./candidates";
import { heapSize, setTrackGeneration } from "./track";
import { displace, displacedReset, linkInAddressOrder, relinkDue } from "./addressorder";
import { liveObjects } from "../counters";
import { deferredLeft, earn, gatherOld, lastGathered, oldPassDue, passDone, takeNewCandidates } from "./deferred";
import { PHASE_GATHERED, PHASE_START, hostGcPhase, observePhases, phase, setPhaseGeneration } from "./phases";
import { UNREACHABLE, countVisits, deduceSubtracted, deduceUnreachable, finishCollection, listInit, movedBack } from "./trial";
import { fail } from "../failure";
import {
  GC_CAP_CANDIDATES, GC_CAP_COLLECTS_CYCLES, GC_CAP_FREES_GARBAGE_AT_ONCE, GC_CAP_NEEDS_DECREMENT_HOOK, GC_CAP_YOUNG_GENERATION,
} from "../generated/capabilities";

export const CAPABILITIES: u32 =
  GC_CAP_COLLECTS_CYCLES | GC_CAP_CANDIDATES | GC_CAP_NEEDS_DECREMENT_HOOK | GC_CAP_YOUNG_GENERATION | GC_CAP_FREES_GARBAGE_AT_ONCE;

// @ts-ignore: decorator
@inline const CANDIDATES: u32 = 0;
// @ts-ignore: decorator
@inline const YOUNG: u32 = 1;
// @ts-ignore: decorator
@inline const OLD: u32 = 2;

/**
 * The young count that triggers a collection: CPython's threshold0. Refcounting frees acyclic
 * garbage at once, so the count grows only with new live data and cyclic garbage, and a larger
 * young generation only holds cyclic garbage longer: 2000 was no faster on W2, W3c and W5 in one
 * (noisy) run, with pauses of 0.058 ms at the median against 0.017. W1 does not depend on it: with
 * nothing decremented the young generation is promoted unexamined.
 */
export const HYBRID_THRESHOLD0: u32 = 700;

/** The set being examined. */
const WORK: usize = memory.data(16, 8);

export function init(): void {
  store<u32>(THRESHOLDS, HYBRID_THRESHOLD0);
  setTrackGeneration(YOUNG);
  setCandidatesOn(true); // list 0 is the candidate list
  displacedReset();
  setTrigger(COUNTS, step);
}

/** Sets COLLECTING and clears CANDIDATE on every object of a list; returns how many there are. */
function take(head: usize): u32 {
  let n: u32 = 0;
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) { SET_INFO(p, (INFO(p) | FLAG_COLLECTING) & ~FLAG_CANDIDATE); n++; }
  return n;
}

/** Clears CANDIDATE on every object of a list (a full collection takes them without gathering). */
function uncandidate(head: usize): void {
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) SET_INFO(p, INFO(p) & ~FLAG_CANDIDATE);
}

/**
 * Unfrozen objects since the last collection that examined the young generation: decrements are
 * ignored while an object is frozen, so a cycle may have become garbage with no candidate.
 */
let thawed = false;

/**
 * gc.collect(g): 2 examines every tracked object but the frozen ones; 1 is an old pass (the young
 * generation and what every candidate, deferred or not, reaches); 0, as the automatic collection,
 * the young generation and what the new candidates reach, the walk into old objects bounded by
 * threshold0 (deferred.ts). The survivors are old. Reported as generation 0 unless full, as the
 * recycler's.
 *
 * With no new candidate (and nothing unfrozen, no old pass due) there is no garbage cycle to find
 * but those deferred candidates reach: every cycle that became garbage had a member decremented to
 * non-zero, a candidate until a collection examines it with all it reaches, and one that survived
 * that was held by garbage whose freeing decrements it again. Then the young generation is promoted
 * without being examined (O(1)): a tree that refcounting will free in a moment costs nothing (W1),
 * and the generational collector's rescans never happen.
 */
export function collectGeneration(g: u32): i32 {
  if (collecting) return 0;
  // legacy mode ignores decrements during a collection (candidates.ts): one of them may have made
  // a cycle garbage with no candidate, so the next collection is a full one
  if (candidatesMissed) { g = NUM_GENERATIONS - 1; setCandidatesMissed(false); }
  let full = g == NUM_GENERATIONS - 1;
  let r: u32 = full ? g : 0;
  setCollecting(true);
  hostGcPhase(PHASE_START, <i32>r, 0, 0, 0);
  SET_COUNT(0, 0);
  listInit(WORK);
  let subtracted: i64 = -1; // the set's size when the gathering subtracted too
  let candidates = GEN_HEAD(CANDIDATES), young = GEN_HEAD(YOUNG), old = GEN_HEAD(OLD);
  if (full) {
    thawed = false;
    // CANDIDATE cleared, COLLECTING left clear: the deduction's single walk joins each object to
    // the set when it first meets it (an object already COLLECTING would keep a stale count)
    displace(candidateCount());
    uncandidate(candidates);
    listMerge(candidates, WORK);
    listMerge(young, WORK);
    listMerge(old, WORK);
    // The lists as they stand (allocation order, as trial deletion leaves it), unless more than
    // one object in 16 was taken out of its place since the last full collection (the gathering
    // and the candidates leave it breadth first at the end: W3a): then the set in address order
    // (addressorder.ts), every tracked, unfrozen container relinked. A heap of leaves is never
    // walked: every block would cost more than the order saves. Address order is not better than
    // allocation order: a graph of many sizes steps across the pools of the others in it (W7
    // tsc-lib, allocated depth first: 21 ms CPU against 11).
    if (relinkDue(heapSize) && <u64>heapSize * 4 >= <u64>liveObjects()) {
      let expected: u32 = 0;
      if (isDefined(ASC_HEAP_DEBUG)) expected = listLength(WORK);
      listInit(WORK);
      let n = linkInAddressOrder(WORK);
      if (isDefined(ASC_HEAP_DEBUG)) assert(n == expected, "hybrid: the heap walk found other containers than the lists hold");
      countVisits(n);
    }
    setCandidateCount(0);
    passDone();
  } else {
    // the new candidates join the set; the deferred ones (deferred.ts) wait for an old pass
    let walked = takeNewCandidates(candidates, WORK);
    displace(walked - deferredLeft);
    earn(max(THRESHOLD(0), 1) + walked);
    let oldPass = g == 1 || (deferredLeft > 0 && oldPassDue());
    if (oldPass) {
      displace(take(candidates));
      listMerge(candidates, WORK);
      setCandidateCount(0);
      passDone();
    }
    if (listIsEmpty(WORK) && !thawed) {
      listMerge(young, old); // in allocation order
    } else {
      // Unfrozen objects are young, and their decrements while frozen made no candidate: so after
      // gc.unfreeze the young are examined even without one (soak --fuzz, bump/hybrid seed 25886).
      thawed = false;
      // The candidates, then the young: the set the gathering starts from, every member walked. A
      // young object's old child is gathered too: a cycle young candidate -> young -> old -> the
      // candidate was missed when only the candidates were walked, and then kept for ever (both
      // promoted, no candidate left).
      let limit = oldPass ? u32.MAX_VALUE : THRESHOLD(0);
      // unobserved, the gathering walk subtracts too (deferred.ts): a listener sees the steps apart
      if (observePhases) take(young);
      listMerge(young, WORK);
      let size = gatherOld(WORK, GC_PREV(WORK), limit, candidates, old, !observePhases);
      displace(lastGathered);
      if (!observePhases) subtracted = size;
    }
  }
  setPhaseGeneration(r);
  phase(PHASE_GATHERED, r, WORK);
  // a full collection's set is every tracked, unfrozen container: copy and subtraction in one walk
  let n = subtracted >= 0 ? deduceSubtracted(WORK, UNREACHABLE, <u32>subtracted, false, true) : deduceUnreachable(WORK, UNREACHABLE, true, full);
  displace(movedBack);
  // Survivors join the old list as trial deletion leaves them (in it, every survivor follows an
  // object that references it). Gathering and the candidate list take objects out of their place,
  // so a full collection rebuilds its order from the heap (above). Sorting each young collection's
  // survivors by address instead cost W5, where most young objects survive, more than it saved.
  listMerge(WORK, old);
  return finishCollection(r, old, n);
}

/** The automatic collection: the young generation and the candidates' subgraph. */
export function step(): void { collectGeneration(0); }

/**
 * Unfrozen objects (gc.unfreeze) are young: examined by the next collection. A cycle that became
 * garbage while frozen had its decrements ignored (frozen objects are never candidates).
 */
export function thawGeneration(): u32 { thawed = true; return YOUNG; }

/**
 * Its own invariants, beyond the shared checks (the lists, COLLECTING and FROZEN, CANDIDATE exactly
 * on list 0):
 *   young count <= young + candidates   the trigger counts only what a collection will take: it is
 *                                       reset when the young list is emptied, and every container
 *                                       counted since is young or a candidate (a death counts down)
 *   heap size = objects on the lists    track and untrack kept the lists whole
 *   missed => legacy mode               only legacy mode ignores a decrement (candidates.ts)
 */
export function check(): void {
  let n: u32 = 0;
  for (let g: u32 = 0; g <= PERMANENT; g++) {
    let head = GEN_HEAD(g);
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) n++;
    if (g == YOUNG && load<u32>(COUNTS) > n) { fail("hybrid: the young count exceeds the young generation and the candidates", 0); return; }
  }
  if (n != heapSize) fail("hybrid: heap size (track − untrack) != objects on the collector lists", 0);
  if (candidatesMissed && !legacyFinalizers) fail("hybrid: a missed candidate outside legacy mode", 0);
}
