// === The first broken invariant: what every validator reports to ===
// A leaf, so that each mechanism's own check (an allocator's check(), verify.ts, the walk) can
// report without importing the others. Messages are static strings, so nothing is allocated.

let failMsg: usize = 0;
let failPtr: usize = 0;

/** Records the first broken invariant; later ones are ignored until resetFailure(). */
export function fail(msg: string, p: usize): void {
  if (!failMsg) { failMsg = changetype<usize>(msg); failPtr = p; }
}
export function resetFailure(): void { failMsg = 0; failPtr = 0; }
export function failureMessage(): usize { return failMsg; }
export function failurePointer(): usize { return failPtr; }
