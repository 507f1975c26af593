// === Deferred candidates: walks into old objects paid for as CPython pays for full collections ===
// A candidate collector examines what its candidates reach. A long structure released near its
// newest end (a chain built link by link, each link taking the previous head: bench/chain.ts) makes,
// at every collection, a candidate whose subgraph is the whole structure: each collection walked
// everything old again, and a link cost more the longer the chain (the hybrid: 1.42, 2.72, 5.26 µs
// at 100k, 200k, 400k links). CPython bounds its full collections' cost by running one only when the
// objects promoted since the last reach 25 % of the long-lived ones; the walks into old objects are
// bounded the same way:
//
//   young walk  a young collection gathers the old objects its set reaches only when they are at
//               most threshold0 (a young generation's worth); otherwise it examines its set alone,
//               and the old objects the set references directly (the frontier) become deferred
//               candidates (CANDIDATE and DEFERRED, on the candidate list), which later young
//               collections leave where they are
//   old pass    takes the deferred candidates with the new ones and gathers without a limit. It runs
//               when some are deferred and the credit earned since the last one (per collection:
//               threshold0, at least 1, plus the candidate list's length) reaches a quarter of the
//               tracked containers; and at gc.collect(1)
//
// No garbage waits forever: a garbage cycle that a young collection's set reaches, through old
// objects it did not gather, is reached from the frontier (the path from the set into the cycle
// leaves the set through a member's old child), hence from a deferred candidate; a deferred
// candidate that a later cut-short walk gathered is reached from that walk's frontier. So an old
// pass examines the cycle whole, and one comes within heapSize / 4 / threshold0 + 1 collections.
// Linear: a young walk into old objects costs at most threshold0 plus what its set references; an
// old pass costs at most the heap, after credit of a quarter of it (each automatic collection
// follows threshold0 container allocations; the list walks it pays for are counted in it).
//
// FLAG_DEFERRED is read only on candidates: possibleRoot clears it (a new candidate is examined by
// the next collection), and taking a candidate clears CANDIDATE only.

import {
  FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_DEFERRED, FLAG_FROZEN, FLAG_TRACKED, GC_NEXT, GC_PREV, INFO, RC, SET_GC_NEXT, SET_GC_PREV, SET_INFO,
  TYPE_ID_MASK,
} from "../layout";
import { TYPE_SPAN } from "../types";
import { listMerge, listMove } from "./generations";
import { candidateCount, candidateTaken, setCandidateCount } from "./candidates";
import { heapSize } from "./track";
import { gatherChildren } from "./gather";
import { GC_REFS, SET_GC_REFS, countVisits, listInit, subtractRefs, updateRefs } from "./trial";
import { runEnd, runStart, spanFrom, spanIsRun, spanTo, visitRun, visitStart } from "./visit";

/** Credit toward the next old pass (list walks and collections since the last one). */
let credit: u64 = 0;

/** A collection stands for n units of work (threshold0 and the candidates it walked). */
export function earn(n: u32): void { credit += n; }

/** The credit reaches a quarter of the tracked containers: an old pass may cost the heap. */
export function oldPassDue(): bool { return credit >= <u64>(heapSize >> 2); }

/** An old pass or a full collection took every candidate: the credit starts again. */
export function passDone(): void { credit = 0; }

/** Deferred candidates left on the list by the last takeNewCandidates. */
export let deferredLeft: u32 = 0;

/** The deferred candidates while takeNewCandidates takes the others. */
const ASIDE: usize = memory.data(16, 8);

/**
 * Moves the candidates that are not deferred to the end of `work` (COLLECTING set, CANDIDATE
 * cleared); the deferred ones stay, in their order, counted in deferredLeft and in the candidate
 * count. One pass and a splice: only the deferred ones move one by one (usually there are none).
 * Returns the candidates walked (what the walk cost).
 */
export function takeNewCandidates(candidates: usize, work: usize): u32 {
  let n: u32 = 0, left: u32 = 0;
  listInit(ASIDE);
  let p = GC_NEXT(candidates);
  while (p != candidates) {
    let next = GC_NEXT(p);
    let info = INFO(p);
    if (info & FLAG_DEFERRED) { left++; listMove(p, ASIDE); }
    else SET_INFO(p, (info | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
    n++;
    p = next;
  }
  listMerge(candidates, work);
  listMerge(ASIDE, candidates);
  deferredLeft = left;
  setCandidateCount(left);
  return n;
}

// ── the walk into old objects, and trial deletion's subtraction in it (unobserved young collections) ──
// Gathering walks every member's children to find the old ones, then trial.ts's subtract_refs walks
// them all again. When no listener is shown the steps apart (phases.ts), one walk does both: the
// set's members hold gc_refs from the start (updateRefs, the list singly linked from then on, as
// during the deduction), a child in the set is decremented, and an old child joins with its count
// less this reference. The old objects' lists stay doubly linked: a joining child leaves its list
// as listMove would, and the set's tail is its head's gcPrev.

/** One reference to c from a member: subtracted if c is in the set, else c joins it (tracked, unfrozen). */
// @ts-ignore: decorator
@inline function subtractOrJoin(c: usize, work: usize): void {
  if (!c) return;
  let info = INFO(c);
  if (info & FLAG_COLLECTING) { SET_GC_REFS(c, GC_REFS(c) - 1); return; }
  if ((info & (FLAG_TRACKED | FLAG_FROZEN)) != FLAG_TRACKED) return;
  if (info & FLAG_CANDIDATE) candidateTaken();
  SET_INFO(c, (info | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
  let before = GC_PREV(c), after = GC_NEXT(c);
  SET_GC_NEXT(before, after);
  SET_GC_PREV(after, before);
  SET_GC_NEXT(GC_PREV(work), c);
  SET_GC_NEXT(c, work);
  SET_GC_PREV(work, c);
  SET_GC_REFS(c, RC(c) - 1);
}

// @ts-ignore: decorator
@inline function subtractOrJoinChildren(p: usize, work: usize): void {
  let span = TYPE_SPAN(INFO(p) & TYPE_ID_MASK);
  if (spanIsRun(span)) for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) subtractOrJoin(load<usize>(s), work);
  else { visitStart(p); while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) subtractOrJoin(load<usize>(s), work); }
}

/** Appends q, whose gcPrev holds a count, to the doubly linked list `to`. */
// @ts-ignore: decorator
@inline function append(q: usize, to: usize): void {
  let tail = GC_PREV(to);
  SET_GC_NEXT(tail, q);
  SET_GC_PREV(q, tail);
  SET_GC_NEXT(q, to);
  SET_GC_PREV(to, q);
}

/** The old objects the last gatherOld took into the set (the hybrid counts what left its place). */
export let lastGathered: u32 = 0;

/**
 * Grows the set on `work` (every member COLLECTING; the members up to `setEnd`, or none when it is
 * `work`, are the set it starts from) with every tracked, unfrozen object its members reach: the
 * old objects, since the set holds all that is young. When more than `limit` of them would join,
 * none does: they go back to `old`, except the set's direct old children (the frontier), which
 * become deferred candidates on `candidates`. Returns the set's size.
 *
 * `subtract` (above): the members get their counts first, and the walk subtracts as it goes; the
 * set is then ready for trial.ts's deduceSubtracted. A walk cut short takes the set's counts again
 * without the objects that left (two walks of the set alone: only past threshold0 old objects).
 */
export function gatherOld(work: usize, setEnd: usize, limit: u32, candidates: usize, old: usize, subtract: bool): u32 {
  lastGathered = 0;
  if (setEnd == work) return 0;
  let size: u32 = subtract ? updateRefs(work) : 0;
  let p = GC_NEXT(work);
  while (true) {
    if (subtract) subtractOrJoinChildren(p, work);
    else { gatherChildren(p, work); size++; }
    if (p == setEnd) break;
    p = GC_NEXT(p);
  }
  let frontierEnd = GC_PREV(work); // what the set itself references: the frontier
  let gathered: u32 = 0;
  p = GC_NEXT(setEnd);
  while (p != work) {
    if (gathered == limit) break;
    if (subtract) subtractOrJoinChildren(p, work);
    else gatherChildren(p, work);
    gathered++;
    p = GC_NEXT(p);
  }
  countVisits(size + gathered);
  lastGathered = gathered; // taken out of their place on the old list, whether they stay in the set or go back
  if (p == work) return size + gathered;
  // too long: the gathered objects leave the set; the frontier waits for an old pass. Relinked one
  // by one (with `subtract` their gcPrev words hold counts)
  let n: u32 = 0;
  let frontier = true;
  p = GC_NEXT(setEnd);
  let last = GC_PREV(work);
  SET_GC_NEXT(setEnd, work);
  SET_GC_PREV(work, setEnd);
  while (true) {
    let next = GC_NEXT(p), info = INFO(p) & ~FLAG_COLLECTING;
    if (frontier) { SET_INFO(p, info | FLAG_CANDIDATE | FLAG_DEFERRED); append(p, candidates); }
    else { SET_INFO(p, info); append(p, old); }
    n++;
    if (p == frontierEnd) { setCandidateCount(candidateCount() + n); frontier = false; }
    if (p == last) break;
    p = next;
  }
  if (subtract) {
    // the set's counts again, without the references from the objects that left
    updateRefs(work);
    subtractRefs(work);
    n += size;
  }
  countVisits(n);
  return size;
}
