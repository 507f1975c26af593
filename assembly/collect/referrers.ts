// === Referrers and referents: gc.get_referrers / gc.get_referents, one container at a time ===
// The host asks container by container (it walks the generation lists itself), through the same
// child cursor the collectors use, so what counts as a reference is the same everywhere.

import { runEnd, runStart, visitRun, visitStart } from "./visit";

/** Does container p hold a strong reference to obj? */
export function references(p: usize, obj: usize): bool {
  if (!obj) return false; // a null slot is no reference
  visitStart(p);
  while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) if (load<usize>(s) == obj) return true;
  return false;
}

/** The i-th strong reference container p holds (in visiting order), or 0 past the end. */
export function referentAt(p: usize, i: usize): usize {
  let k: usize = 0;
  visitStart(p);
  while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
    let c = load<usize>(s);
    if (c && k++ == i) return c;
  }
  return 0;
}
