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

import { FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_DEFERRED, GC_NEXT, GC_PREV, INFO, SET_INFO } from "../layout";
import { listMerge, listMove, listMoveRun } from "./generations";
import { candidateCount, setCandidateCount } from "./candidates";
import { heapSize } from "./track";
import { gatherChildren } from "./gather";
import { countVisits, listInit } from "./trial";

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

/**
 * Grows the set on `work` (every member COLLECTING; the members up to `setEnd`, or none when it is
 * `work`, are the set it starts from) with every tracked, unfrozen object its members reach: the
 * old objects, since the set holds all that is young. When more than `limit` of them would join,
 * none does: they go back to `old`, except the set's direct old children (the frontier), which
 * become deferred candidates on `candidates`. Returns whether the walk was complete.
 */
export function gatherOld(work: usize, setEnd: usize, limit: u32, candidates: usize, old: usize): bool {
  if (setEnd == work) return true;
  let walked: u32 = 0;
  let p = GC_NEXT(work);
  while (true) {
    gatherChildren(p, work);
    walked++;
    if (p == setEnd) break;
    p = GC_NEXT(p);
  }
  let frontierEnd = GC_PREV(work); // what the set itself references: the frontier
  let gathered: u32 = 0;
  p = GC_NEXT(setEnd);
  while (p != work) {
    if (gathered == limit) break;
    gatherChildren(p, work);
    gathered++;
    p = GC_NEXT(p);
  }
  countVisits(walked + gathered);
  if (p == work) return true;
  // too long: the gathered objects leave the set; the frontier waits for an old pass
  let first = GC_NEXT(setEnd), last = GC_PREV(work);
  let n: u32 = 0;
  for (p = first; ; p = GC_NEXT(p)) {
    SET_INFO(p, (INFO(p) & ~FLAG_COLLECTING) | FLAG_CANDIDATE | FLAG_DEFERRED);
    n++;
    if (p == frontierEnd) break;
  }
  let rest = GC_NEXT(frontierEnd);
  listMoveRun(first, frontierEnd, candidates);
  setCandidateCount(candidateCount() + n);
  if (rest != work) {
    for (p = rest; ; p = GC_NEXT(p)) {
      SET_INFO(p, INFO(p) & ~FLAG_COLLECTING);
      n++;
      if (p == last) break;
    }
    listMoveRun(rest, last, old);
  }
  countVisits(n);
  return false;
}
