// === Gathering: the set grown from its members' children (the recycler and the hybrid collector) ===
// A collector that examines a subgraph rather than whole generations starts its set from some
// objects (candidates, a young generation) and pulls in what they reach, walking the set's list
// while it grows. Trial deletion (trial.ts) then runs on the set as on a merged generation.

import { FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_FROZEN, FLAG_TRACKED, INFO, SET_INFO, TYPE_ID_MASK } from "../layout";
import { TYPE_SPAN } from "../types";
import { listMove } from "./generations";
import { candidateTaken } from "./candidates";
import { runEnd, runStart, spanFrom, spanIsRun, spanTo, visitRun, visitStart } from "./visit";

/**
 * Pulls the tracked, unfrozen children of p that are not in the set yet (not COLLECTING) to the
 * end of list `work`, COLLECTING set. A child still on the candidate list leaves it (its count
 * and flag): it is examined now, with everything it reaches.
 */
// @ts-ignore: decorator
@inline export function gatherChildren(p: usize, work: usize): void {
  let span = TYPE_SPAN(INFO(p) & TYPE_ID_MASK);
  if (spanIsRun(span)) for (let s = spanFrom(p, span), e = spanTo(p, span, s); s < e; s += 4) gatherOne(load<usize>(s), work);
  else { visitStart(p); while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) gatherOne(load<usize>(s), work); }
}

// @ts-ignore: decorator
@inline function gatherOne(c: usize, work: usize): void {
  if (!c) return;
  let info = INFO(c);
  if ((info & (FLAG_TRACKED | FLAG_COLLECTING | FLAG_FROZEN)) == FLAG_TRACKED) {
    if (info & FLAG_CANDIDATE) candidateTaken();
    SET_INFO(c, (info | FLAG_COLLECTING) & ~FLAG_CANDIDATE);
    listMove(c, work);
  }
}
