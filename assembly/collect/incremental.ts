// === The incremental cycle collector (CPython 3.14.0's Python/gc.c) ===
// Shipped in 3.14.0 (gh-108362, faster-cpython/ideas#613), resized in 3.14.1 (gh-139951, PR
// #140262: see the sizing below), reverted in 3.14.5 after reports of up to 5x memory in production
// (gh-142516, gh-148726). Kept here as 3.14.0 shipped it, so its memory and pauses can be measured
// beside CPython 3.12's generational collector (docs/collectors.md, which lists what has no
// counterpart here).
//
// Two generations. New containers go to the young one. The old generation is two lists, spaces 0
// and 1: `visited` holds what this pass has scanned, `pending` what it has not. Every automatic
// collection (gc.collect(1)) is one increment: the whole young generation plus pending objects,
// each with everything pending it reaches (an unreachable cycle is in an increment whole or not at
// all), until the increment holds work_to_do objects. Trial deletion (the same steps as
// generational.ts) runs on the increment; its survivors join `visited` when it ends. When `pending` is empty
// the pass is over: the two spaces swap by flipping one bit (visitedSpace), and the next
// increment first marks everything reachable from the roots straight into `visited`.
//
// The lists: young = generation 0's head, old space s = generation (1 + s)'s, permanent = 3's.
// An object's space is its OLD_SPACE_1 header bit (CPython keeps it in bit 0 of _gc_next, which
// refheap's trial deletion uses for UNREACHABLE):
//   young            every object is not-visited (track() gives it visitedSpace ^ 1)
//   old[s]           every object has space s
//   permanent        every object is visited (gc.freeze), FROZEN set: never moved, so a pass that
//                    ends with frozen objects cannot flip the bit and moves visited back to pending
// checkSpaces() checks these in debug builds (verify()).
//
// Sizing, as CPython (assess_work_to_do, gc_collect_increment):
//   work_to_do += young.count + min(heap_size / 10 / max(threshold1, 2), young.count * 3 / 2)
//   young.count = 0; the increment then takes the young generation, and pending objects only while
//   it holds fewer than work_to_do (none while work_to_do < 0; 3.14.1 skipped such increments
//   altogether, young generation included: gh-139951, PR #140262)
//   after it: work_to_do += heap_size / 10 / max(threshold1, 2) - the objects it held (3.14.1 dropped
//   the first term); threshold1 is read before the collection, as the start callbacks left it
//   marking at the start of a pass subtracts the objects marked from work_to_do twice (mark_at_start
//   and its caller both do: gh-141890, "collections could be delayed indefinitely"); 3.14.0 shipped
//   it, so it is kept. work_to_do starts at -5000 (pycore_runtime_init.h).
// heap_size counts tracked containers (generations.ts's heapSize, kept by track/untrack).
//
// Roots: CPython marks from the interpreter's sys dict, builtins and static types' dicts
// (mark_global_roots) and from every frame's stack (mark_stacks). refheap has no interpreter: its
// global namespace is the object given to gc.setRoot (the heap holds a reference to it), and
// the host's handles, which the core cannot enumerate, are its frames. So marking starts from the
// root object only; with no root set, a pass's marking step marks nothing.
//
// gc module: get_count() = (young.count, visited.count, pending.count), where an old space's count
// is the young collections (gc.collect(0)) since it was last emptied; get_threshold() = (2000, 10, 0)
// (the third is stored, never used or reported); collect(0) = the young generation, collect(1) = one
// increment (a marking step is reported to the callbacks but not counted in get_stats()), collect(2)
// = everything (young, pending and visited merged into visited); get_objects(1)
// is empty, get_objects(2) both old spaces (the host reads the `oldSpaces` capability).

import { FLAG_FROZEN, FLAG_OLD_SPACE, FLAG_TRACKED, GC_NEXT, INFO, SET_INFO } from "../layout";
import {
  COUNT, COUNTS, GEN_HEAD, PERMANENT, SET_COUNT, THRESHOLD, THRESHOLDS, listIsEmpty, listLength, listMerge, listMove, setThirdThresholdUnused,
} from "./generations";
import { collecting, rootObject, setCollecting, setTrigger, setVisitedList } from "./gcstate";
import { heapSize, setTrackBits, setTrackGeneration } from "./track";
import { PHASE_MERGED, PHASE_START, PHASE_STOP, hostGcPhase, phase, setPhaseGeneration } from "./phases";
import { UNREACHABLE, deduceUnreachable, finishCollection, listInit } from "./trial";
import { runEnd, runStart, visitRun, visitStart } from "./visit";
import { fail } from "../failure";
import { GC_CAP_COLLECTS_CYCLES, GC_CAP_LATE_WEAKREF_CLEARING, GC_CAP_OLD_SPACES } from "../generated/capabilities";

export const CAPABILITIES: u32 = GC_CAP_COLLECTS_CYCLES | GC_CAP_OLD_SPACES | GC_CAP_LATE_WEAKREF_CLEARING;

/** Which old space is `visited` (0 or 1); the other is `pending`. */
export let visitedSpace: u32 = 0;
/** GC_PHASE_MARK: the next increment marks from the roots first. */
let markPhase = true;
/** Objects the collector still owes (negative: it is ahead). */
export let workToDo: i32 = -5000;

// working lists
const INCREMENT: usize = memory.data(16, 8);
const REACHABLE: usize = memory.data(16, 8);
/**
 * A young collection's or an increment's survivors until it ends (gc_collect_young's and
 * gc_collect_increment's local `survivors`): host code it runs finds them on no generation list.
 */
const SURVIVORS: usize = memory.data(16, 8);

// @ts-ignore: decorator
@inline function SPACE_BITS(s: u32): u32 { return s ? FLAG_OLD_SPACE : 0; }
// @ts-ignore: decorator
@inline function SPACE(p: usize): u32 { return (INFO(p) & FLAG_OLD_SPACE) ? 1 : 0; }
// @ts-ignore: decorator
@inline function SET_SPACE(p: usize, s: u32): void { SET_INFO(p, (INFO(p) & ~FLAG_OLD_SPACE) | SPACE_BITS(s)); }
// @ts-ignore: decorator
@inline function OLD(s: u32): usize { return GEN_HEAD(1 + s); }

/** Puts every object of a list in space s; returns how many there are. */
function setListSpace(head: usize, s: u32): u32 {
  let n: u32 = 0;
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) { SET_SPACE(p, s); n++; }
  return n;
}

/**
 * New containers are not-visited. Counts 1 and 2 are CPython's old[visited].count and
 * old[pending].count, as get_count() reports them: they swap when the spaces do.
 */
function publish(): void {
  setTrackBits(FLAG_OLD_SPACE, SPACE_BITS(visitedSpace ^ 1));
  setVisitedList(1 + visitedSpace);
}

export function init(): void {
  visitedSpace = 0;
  markPhase = true;
  workToDo = -5000;
  store<u32>(THRESHOLDS, 2000);
  store<u32>(THRESHOLDS, 10, 4);
  store<u32>(THRESHOLDS, 0, 8);
  setThirdThresholdUnused();
  setTrackGeneration(0);
  setTrigger(COUNTS, step);
  publish();
}

// ── pulling pending objects into a list ──

let added: u32 = 0;

/** A tracked object not yet visited joins `list`, visited (visit_add_to_container, move_to_reachable). */
// @ts-ignore: decorator
@inline function addUnvisited(c: usize, list: usize): void {
  let info = INFO(c);
  if ((info & (FLAG_TRACKED | FLAG_FROZEN)) == FLAG_TRACKED && SPACE(c) != visitedSpace) {
    SET_INFO(c, info ^ FLAG_OLD_SPACE);
    listMove(c, list);
    added++;
  }
}

/** Every child of p not yet visited joins `list`. */
function addChildren(p: usize, list: usize): void {
  visitStart(p);
  while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
    let c = load<usize>(s);
    if (c) addUnvisited(c, list);
  }
}

/** Visits the children of every object of `list` from `from` on (the list grows meanwhile); returns the objects added. */
function expandTransitively(list: usize, from: usize): u32 {
  added = 0;
  for (let p = from; p != list; p = GC_NEXT(p)) addChildren(p, list);
  return added;
}

/** Moves `reachable` into `visited`, with everything not yet visited that it reaches; returns the objects added. */
function markAllReachable(reachable: usize, visited: usize): u32 {
  let n: u32 = 0;
  while (!listIsEmpty(reachable)) {
    let p = GC_NEXT(reachable);
    listMove(p, visited);
    added = 0;
    addChildren(p, reachable);
    n += added;
  }
  return n;
}

/** The start of a pass (mark_at_start): everything reachable from the root is visited, never examined this pass. */
function markAtStart(): u32 {
  let visited = OLD(visitedSpace);
  listInit(REACHABLE);
  let marked: u32 = 0;
  if (rootObject) {
    added = 0;
    addUnvisited(rootObject, REACHABLE);
    marked = added;
  }
  marked += markAllReachable(REACHABLE, visited);
  workToDo -= <i32>marked;
  markPhase = false;
  return marked;
}

/** assess_work_to_do: this increment's share of the old generation; resets young.count. */
function assessWorkToDo(): i32 {
  let scale = <i32>THRESHOLD(1);
  if (scale < 2) scale = 2;
  let fresh = <i32>COUNT(0);
  let fraction = <i32>(heapSize / 10) / scale;
  // 3.14.0's cap; 3.14.1 made it 2 * young.count (gh-139951, PR #140262)
  let most = fresh * 3 / 2;
  if (fraction > most) fraction = most;
  SET_COUNT(0, 0);
  return fresh + fraction;
}

/** A pass is over (completed_scavenge): swap the spaces, or, with frozen objects, move visited back to pending. */
function completedScavenge(): void {
  if (listIsEmpty(GEN_HEAD(PERMANENT))) {
    let notVisited = visitedSpace;
    visitedSpace ^= 1;
    setListSpace(GEN_HEAD(0), notVisited);
    let c = COUNT(1);
    SET_COUNT(1, COUNT(2));
    SET_COUNT(2, c);
  } else {
    let notVisited = visitedSpace ^ 1;
    listMerge(OLD(visitedSpace), OLD(notVisited));
    setListSpace(OLD(notVisited), notVisited);
  }
  workToDo = 0;
  markPhase = true;
  publish();
}

// ── the three collections ──

/** Trial deletion over `from`; its survivors (and what callbacks resurrect) end in `to`. Ends the collection. */
// `settle` runs after the collection and before its stop callbacks, as CPython's bookkeeping in
// gc_collect_young/increment/full does: a stop callback that allocated or froze saw counts and
// spaces of before the bookkeeping (re-entrancy fuzzer, seeds 20261203 and 20261205).
function collectRegion(g: u32, from: usize, to: usize, settle: () => void): i32 {
  setPhaseGeneration(g);
  phase(PHASE_MERGED, g, from);
  let candidates = deduceUnreachable(from, UNREACHABLE);
  if (from != to) listMerge(from, to);
  return finishCollection(g, to, candidates, settle);
}

function settleYoung(): void {
  listMerge(SURVIVORS, OLD(visitedSpace));
  SET_COUNT(0, 0);
  SET_COUNT(1, COUNT(1) + 1);
}

/** gc.collect(0): the young generation alone; its survivors are visited. */
function collectYoung(): i32 {
  let young = GEN_HEAD(0);
  setListSpace(young, visitedSpace);
  listInit(SURVIVORS);
  return collectRegion(0, young, SURVIVORS, settleYoung);
}

/** One increment (gc.collect(1), and every automatic collection). */
function collectIncrement(): i32 {
  let scale = <i32>THRESHOLD(1);
  if (scale < 2) scale = 2;
  workToDo += assessWorkToDo();
  if (markPhase) {
    let marked = markAtStart();
    workToDo -= <i32>marked; // a second time (gh-141890), as 3.14.0 shipped
    endMarking(marked);
    return 0;
  }
  let pending = OLD(visitedSpace ^ 1);
  // mark_stacks: refheap's frames are the host's handles, which the core cannot enumerate (see above)
  listInit(INCREMENT);
  let young = GEN_HEAD(0);
  setListSpace(young, visitedSpace);
  listMerge(young, INCREMENT);
  let size = <i32>listLength(INCREMENT);
  while (size < workToDo) {
    if (listIsEmpty(pending)) break;
    let p = GC_NEXT(pending);
    listMove(p, INCREMENT);
    SET_SPACE(p, visitedSpace);
    size += 1 + <i32>expandTransitively(INCREMENT, p);
  }
  incrementSize = size;
  incrementScale = scale;
  listInit(SURVIVORS);
  return collectRegion(1, INCREMENT, SURVIVORS, settleIncrement);
}

let incrementSize: i32 = 0;
let incrementScale: i32 = 2;

function settleIncrement(): void {
  listMerge(SURVIVORS, OLD(visitedSpace));
  workToDo += <i32>(heapSize / 10) / incrementScale; // heap_size after the garbage went
  workToDo -= incrementSize;
  if (listIsEmpty(OLD(visitedSpace ^ 1))) completedScavenge();
}

/** gc.collect(2): young, pending and visited merged into visited and collected at once. */
function collectFull(): i32 {
  let young = GEN_HEAD(0), visited = OLD(visitedSpace), pending = OLD(visitedSpace ^ 1);
  listMerge(young, pending);
  setListSpace(pending, visitedSpace);
  SET_COUNT(0, 0);
  listMerge(pending, visited);
  return collectRegion(2, visited, visited, settleFull);
}

function settleFull(): void {
  SET_COUNT(0, 0);
  SET_COUNT(1, 0);
  SET_COUNT(2, 0);
  completedScavenge();
}

/**
 * The marking step ends: reported, not counted in gc.get_stats() (3.14.0's gc_collect_increment
 * returns before add_stats).
 */
function endMarking(marked: u32): void {
  hostGcPhase(PHASE_STOP, 1, 0, 0, <i32>marked);
  setCollecting(false);
}

/** gc.collect(g) as CPython 3.14.0's (g = 0, 1 or 2): the unreachable objects found. */
export function collectGeneration(g: u32): i32 {
  if (collecting) return 0;
  setCollecting(true);
  hostGcPhase(PHASE_START, <i32>g, 0, 0, 0);
  if (g == 0) return collectYoung();
  if (g == 1) return collectIncrement();
  return collectFull();
}

/** The automatic collection (_Py_RunGC): one increment. */
export function step(): void { collectGeneration(1); }

// ── gc.freeze / gc.unfreeze ──
// gcmodule.ts moves every list to the permanent one (FROZEN set) and back to thawGeneration().
// CPython keeps frozen objects in the visited space (_PyGC_Freeze); here their space bits are set
// when they come back, which is the only time they are read again.

/** gc.unfreeze's destination, the visited space; the frozen objects are put in it first. */
export function thawGeneration(): u32 {
  setListSpace(GEN_HEAD(PERMANENT), visitedSpace);
  return 1 + visitedSpace;
}

// ── the invariants of the spaces (validate_spaces), for verify() ──

function checkList(head: usize, s: u32, what: string): void {
  for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) {
    if (SPACE(p) != s) { fail(what, p); return; }
  }
}

export function check(): void {
  checkList(GEN_HEAD(0), visitedSpace ^ 1, "incremental: a young object is in the visited space");
  checkList(OLD(0), 0, "incremental: an object of old space 0 lacks space 0");
  checkList(OLD(1), 1, "incremental: an object of old space 1 lacks space 1");
  let n: u32 = 0;
  for (let g: u32 = 0; g <= PERMANENT; g++) n += listLength(GEN_HEAD(g));
  if (n != heapSize) fail("incremental: heap_size (track - untrack) != objects on the collector lists", 0);
}
