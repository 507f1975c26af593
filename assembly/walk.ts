// === Walking the heap: every live object, through the allocator's cursor ===
// One walk serves verify (object checks), the refcount audit and the census. The allocator says
// where its live blocks are (its cursor, alloc/contract.ts); what is done at each live object is
// chosen by a visitor cookie, as in AssemblyScript's __visit(ptr, cookie): there are no closures
// in AssemblyScript. Byte accounting is each allocator's stats(), structure its check().

import { ALIGN_MASK, FLAG_DYING, INFO, RC, TYPE_ID_MASK } from "./layout";
import { allocatorCursorBlockSize, allocatorCursorNext, allocatorCursorStart } from "./generated/registry";
import { objectSize } from "./size";
import { checkObject } from "./verify";
import { censusObject } from "./census";
import { memoryEnd } from "./memory";
import { KIND_RAW, T_KIND, TYPE, TYPE_STORAGE, typeCount } from "./types";
import { fail } from "./failure";

export { fail, resetFailure, failureMessage, failurePointer } from "./failure";

// @ts-ignore: decorator
@inline export const VISIT_NONE: i32 = 0;
// @ts-ignore: decorator
@inline export const VISIT_CHECK: i32 = 1;    // verify each object
// @ts-ignore: decorator
@inline export const VISIT_EXTERNAL: i32 = 2; // sum refcounts left after internal references are subtracted
// @ts-ignore: decorator
@inline export const VISIT_CENSUS: i32 = 3;   // stream each block and its references to the host (census.ts)

// Results of the last walk
export let walkLiveObjects: u32 = 0;
export let walkExternalRefs: u64 = 0;

/** Is `p` shaped like an object pointer (does not read the refcount, which the audit changes)? */
export function plausibleObject(p: usize): bool {
  if (p & ALIGN_MASK || p < 1024 || p > memoryEnd() - 8) return false; // not p + 8 > end: it wraps
  let id = INFO(p) & TYPE_ID_MASK;
  return id != 0 && id < typeCount;
}

function visitObject(p: usize, cookie: i32): void {
  walkLiveObjects++;
  if (cookie == VISIT_EXTERNAL) {
    if ((INFO(p) & TYPE_ID_MASK) == TYPE_STORAGE) return; // its first word is the owner, not a count
    if (T_KIND(TYPE(INFO(p) & TYPE_ID_MASK)) == KIND_RAW) return; // its first word is its size
    if (INFO(p) & FLAG_DYING) return; // deposited on rc.ts's death worklist: its first word is a link
    if (<i32>RC(p) < 0) fail("refcount is smaller than the references held by live containers", p);
    else walkExternalRefs += RC(p);
  } else if (cookie == VISIT_CHECK) {
    checkObject(p);
  } else if (cookie == VISIT_CENSUS) {
    censusObject(p);
  }
}


/** Visits every live object with `cookie`, checking that each fits the block the allocator gives it. */
export function walkHeap(cookie: i32): void {
  walkLiveObjects = 0; walkExternalRefs = 0;
  allocatorCursorStart();
  for (let p = allocatorCursorNext(); p; p = allocatorCursorNext()) {
    if (!plausibleObject(p)) { fail("live block has an invalid type id", p); return; }
    if (objectSize(p) > allocatorCursorBlockSize()) fail("object larger than its block", p);
    visitObject(p, cookie);
  }
}
