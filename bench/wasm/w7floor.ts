// W7's floor: what one walk over a heap's tracked containers costs, with less of a collection pass
// each mode, so that a full collection (two such walks in CPython's algorithm: copy-and-subtract,
// then move the unreachable) can be set against it on the same imported graph (bench/w7-floor.ts).
//   mode 0  the lists walked, each object's info word read: the walk alone
//   mode 1  + every reference slot loaded (the objects' bodies)
//   mode 2  + the info word of every object referenced: one read-only pass over the graph
// Nothing is written: a real pass also writes every member's gc_refs.
// w7Mark: what a collection that knew its roots would pay instead, as CPython 3.14's incremental
// collector marks what its roots reach before it examines anything (gc.c mark_at_start): every
// tracked container the root reaches marked, depth first with an explicit stack, then one walk of
// the lists clearing the marks (a collection would examine the unmarked ones by trial deletion).

import { GEN_HEAD, PERMANENT } from "../../assembly/collect/generations";
import { GC_NEXT, INFO, SET_INFO, TYPE_ID_MASK } from "../../assembly/layout";
import { TYPE_SPAN } from "../../assembly/types";
import { spanFrom, spanIsRun, spanTo, visitRun, visitStart, runStart, runEnd } from "../../assembly/collect/visit";
import { inFullSet } from "../../assembly/collect/fullset";
import { heapSize } from "../../assembly/collect/track";
import { allocBlock, freeBlock } from "../../assembly/alloc/index";

// @ts-ignore: decorator
@inline function walk(mode: i32): u32 {
  let acc: u32 = 0;
  for (let g: u32 = 0; g <= PERMANENT; g++) {
    let head = GEN_HEAD(g);
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) {
      let info = INFO(p);
      acc += info;
      if (mode == 0) continue;
      let span = TYPE_SPAN(info & TYPE_ID_MASK);
      if (spanIsRun(span)) {
        for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) {
          let c = load<usize>(s);
          acc += mode == 1 ? <u32>c : c ? INFO(c) : 0;
        }
      } else {
        visitStart(p);
        while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
          let c = load<usize>(s);
          acc += mode == 1 ? <u32>c : c ? INFO(c) : 0;
        }
      }
    }
  }
  return acc;
}

/** One walk at `mode` (0 to 2) over every collector list; a sum of what it read (so nothing is optimised away). */
export function w7Walk(mode: i32): u32 {
  return mode == 0 ? walk(0) : mode == 1 ? walk(1) : walk(2);
}

/** The mark: a bit of the info word the layout leaves 0 (verify() refuses it set), cleared before w7Mark returns. */
// @ts-ignore: decorator
@inline const MARK: u32 = 1 << 31;

/** c marked and pushed if it is an unmarked member of a full collection's set; the new stack top. */
// @ts-ignore: decorator
@inline function markChild(c: usize, sp: usize): usize {
  if (!c) return sp;
  let info = INFO(c);
  if ((info & MARK) || !inFullSet(info)) return sp;
  SET_INFO(c, info | MARK);
  store<usize>(sp, c);
  return sp + 4;
}

/**
 * Marks every tracked, unfrozen container `root` reaches, then walks every collector list clearing
 * the marks. Children are pushed last first, so the first is marked first: the order the import
 * allocated them (first child first, depth first), in which memory is walked forwards; pushed first
 * to last, tsc-lib took 15.2 ms against 9.2. Returns the containers marked, or -1 when the stack
 * (4 bytes for each tracked container: each is pushed at most once) could not be allocated.
 */
export function w7Mark(root: usize): i32 {
  let bytes = (<usize>heapSize + 1) << 2;
  let stack = allocBlock(bytes);
  if (!stack) return -1;
  let sp = markChild(root, stack);
  let marked: i32 = 0;
  while (sp > stack) {
    sp -= 4;
    let p = load<usize>(sp);
    marked++;
    let span = TYPE_SPAN(INFO(p) & TYPE_ID_MASK);
    if (spanIsRun(span)) {
      for (let s0 = spanFrom(p, span), s = spanTo(p, span, s0) - 4; s >= s0; s -= 4) sp = markChild(load<usize>(s), sp);
    } else {
      // each run's references pushed last first (a list's items; fields, then items)
      visitStart(p);
      while (visitRun()) for (let s0 = runStart, s = runEnd - 4; s >= s0; s -= 4) sp = markChild(load<usize>(s), sp);
    }
  }
  freeBlock(stack, bytes);
  for (let g: u32 = 0; g <= PERMANENT; g++) {
    let head = GEN_HEAD(g);
    for (let p = GC_NEXT(head); p != head; p = GC_NEXT(p)) { let info = INFO(p); if (info & MARK) SET_INFO(p, info & ~MARK); }
  }
  return marked;
}
