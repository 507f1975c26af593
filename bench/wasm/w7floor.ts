// W7's floor: what one walk over a heap's tracked containers costs, with less of a collection pass
// each mode, so that a full collection (two such walks in CPython's algorithm: copy-and-subtract,
// then move the unreachable) can be set against it on the same imported graph (bench/w7-floor.ts).
//   mode 0  the lists walked, each object's info word read: the walk alone
//   mode 1  + every reference slot loaded (the objects' bodies)
//   mode 2  + the info word of every object referenced: one read-only pass over the graph
// Nothing is written: a real pass also writes every member's gc_refs.

import { GEN_HEAD, PERMANENT } from "../../assembly/collect/generations";
import { GC_NEXT, INFO, TYPE_ID_MASK } from "../../assembly/layout";
import { TYPE_SPAN } from "../../assembly/types";
import { spanFrom, spanIsRun, spanTo, visitRun, visitStart, runStart, runEnd } from "../../assembly/collect/visit";

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
