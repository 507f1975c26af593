// === Walking the heap: every live object, through the allocator's cursor ===
// One walk serves verify (object checks), the refcount audit and the census. The allocator says
// where its live blocks are (its cursor, alloc/contract.ts); each user loops over the objects
// itself, so this file knows none of them:
//   walkStart(); for (let p = walkNext(); p; p = walkNext()) { ... }
// Byte accounting is each allocator's stats(), structure its check().

import { ALIGN_MASK, INFO, TYPE_ID_MASK } from "./layout";
import { allocatorCursorBlockSize, allocatorCursorNext, allocatorCursorStart } from "./generated/registry";
import { objectSize } from "./size";
import { memoryEnd } from "./memory";
import { typeCount } from "./types";
import { fail } from "./failure";

export { fail, resetFailure, failureMessage, failurePointer } from "./failure";

/** Is `p` shaped like an object pointer (does not read the refcount, which the audit changes)? */
export function plausibleObject(p: usize): bool {
  if (p & ALIGN_MASK || p < 1024 || p > memoryEnd() - 8) return false; // not p + 8 > end: it wraps
  let id = INFO(p) & TYPE_ID_MASK;
  return id != 0 && id < typeCount;
}

/** Starts a walk over the live objects, in the allocator's order. */
export function walkStart(): void { allocatorCursorStart(); }

/**
 * The next live object, 0 past the last, or 0 after fail() when a block does not hold a plausible
 * object or the object does not fit its block (the walk stops there).
 */
export function walkNext(): usize {
  let p = allocatorCursorNext();
  if (!p) return 0;
  if (!plausibleObject(p)) { fail("live block has an invalid type id", p); return 0; }
  if (objectSize(p) > allocatorCursorBlockSize()) fail("object larger than its block", p);
  return p;
}
