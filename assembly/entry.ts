// === Entries from the host and calls out to it: detecting a call that unwound ===
// A JS exception thrown in an import (a hook that throws past the host's catch, a RangeError when
// the JS stack runs out on entry to a hook, an abort) unwinds straight through the wasm frames:
// the code after the call never runs, and the core is left mid-operation (draining, collecting,
// half-linked lists). Wasm cannot catch it, so it is detected at the next entry instead.
//
// Two counters, one on each side of the boundary:
//   entryDepth   (core) exported calls in progress: +1 after an export's argument checks, -1 on return
//   HOOK_DEPTH   (host, a word in memory) hook calls in progress: the host's import wrappers add 1
//                on entry and take it away in a `finally` (src/wasm.ts)
// Every exported call in progress but the innermost is suspended in a hook, so at every entry
//   entryDepth == HOOK_DEPTH
// An unwind breaks it: the export's -1 never runs while the hook's `finally` does (or, when the
// stack was already exhausted on entry to the hook, the hook's +1 never ran). From then on every
// entry refuses with "heap corrupted" (the host throws HeapCorruptedError): the state cannot be
// repaired in general (a collection's lists are singly linked mid-scan, an object is half-dead),
// and a heap that silently kept going would free nothing, or collect nothing, forever.

// the hook ids (the host names them in its HeapCorruptedError): boundary.json
export { HOOK_FINALIZE, HOOK_WEAKREF_CALLBACK, HOOK_GC_PHASE, HOOK_GC_GARBAGE, HOOK_ALLOCATION_EVENTS, HOOK_CENSUS, HOOK_WEAKREF_FREED } from "./generated/boundary";

/** The host's count of hook calls in progress (written by the host only). */
export const HOOK_DEPTH: usize = memory.data(4, 4);

let entryDepth: u32 = 0;
/** Host calls in progress, counted by the core: while > 0, deaths join the worklist (rc.ts). */
export let hostDepth: u32 = 0;
/** The hook called at each host depth (names the cause: the innermost that never returned). */
const HOOK_AT: usize = memory.data(16);
/** 0, or why every entry is refused: bit 0 set, the hook in bits 8..15. */
let corrupted: u32 = 0;

/** Refuses the call: the host turns this abort into HeapCorruptedError (src/wasm.ts). */
function refuse(): void {
  // an unwind skipped fromHost: hostDepth still counts the hook it went through, if any
  let hook: u32 = hostDepth > 0 && hostDepth <= 16 ? load<u8>(HOOK_AT + hostDepth - 1) : 0;
  if (!corrupted) corrupted = 1 | (hook << 8);
  throw new Error("heap corrupted");
}

/** At an export's start, after its argument checks: refuses if an earlier call unwound. */
// @ts-ignore: decorator
@inline export function enter(): void {
  if (entryDepth != load<u32>(HOOK_DEPTH) || corrupted) refuse();
  entryDepth++;
}

/** At an export's end (every return path). */
// @ts-ignore: decorator
@inline export function leave(): void { entryDepth--; }

/** A read-only export: refuses like enter(), counts nothing (it calls no hook). */
// @ts-ignore: decorator
@inline export function check(): void {
  if (entryDepth != load<u32>(HOOK_DEPTH) || corrupted) refuse();
}

/** Before calling hook `id` in the host. */
// @ts-ignore: decorator
@inline export function toHost(id: u32): void {
  if (hostDepth < 16) store<u8>(HOOK_AT + hostDepth, <u8>id);
  hostDepth++;
}

/** After the hook returned. */
// @ts-ignore: decorator
@inline export function fromHost(): void { hostDepth--; }

/** Why the heap refuses: 0 if it does not; else bit 0, and the hook the unwind went through (0: none) in bits 8..15. */
export function corruption(): u32 { return corrupted; }
