// === Census: every live block and the strong references it holds, streamed to the host ===
// The inspection tools (src/inspect/) build their object graph from this one walk. Nothing is
// allocated in the heap: records go to a static buffer below the heap, handed to the host each
// time it fills (the host parses the stream across batches), so measuring never changes what is
// measured (guppy3 PR #43, objgraph#61).
//
//   per live block, in address order, a variable-length record of u32 words:
//   ┌──────────────────────────────────────────────┐
//   │ info word (type id, generation, flags)       │ +0
//   │ address                                       │ +1
//   │ exact size in bytes (header included)         │ +2
//   │ refcount (storage: its owner; raw: its size)  │ +3
//   │ child address … (every strong reference held, │ +4…
//   │ in the generic visitor's order; containers)   │
//   │ 0 (end of record: no object lives at 0)       │
//   └──────────────────────────────────────────────┘

import { FLAG_CONTAINER, FLAG_DYING, INFO, RC } from "./layout";
import { dyingNow } from "./rc";
import { HOOK_CENSUS, fromHost, toHost } from "./entry";
import { objectSize } from "./object";
import { visitChildren } from "./collect/visit";
import { VISIT_CENSUS } from "./collect/generational";
import { VISIT_CENSUS as WALK_CENSUS, walkHeap } from "./walk";

// @ts-ignore: decorator
@external("host", "censusBatch")
declare function censusBatchImport(buffer: usize, words: u32): void;

// @ts-ignore: decorator
@inline const CENSUS_WORDS: u32 = 8192;
const CENSUS_BUFFER: usize = memory.data(<i32>(CENSUS_WORDS << 2), 8);
let used: u32 = 0;

function flush(): void {
  if (used) { toHost(HOOK_CENSUS); censusBatchImport(CENSUS_BUFFER, used); fromHost(); }
  used = 0;
}

// @ts-ignore: decorator
@inline function put(word: u32): void {
  if (used == CENSUS_WORDS) flush();
  store<u32>(CENSUS_BUFFER + (<usize>used << 2), word);
  used++;
}

/** The walk's step at one live block (walk.ts calls it for VISIT_CENSUS). */
export function censusObject(p: usize): void {
  let info = INFO(p);
  // Dead, not yet freed (on rc.ts's death worklists, or mid-death): not live, never handed out. A
  // handle to one, disposed later, dropped an unrelated object's count once its block was reused.
  if ((info & FLAG_DYING) || RC(p) == 0 || p == dyingNow) return;
  put(info);
  put(<u32>p);
  put(<u32>objectSize(p));
  put(RC(p));
  if (info & FLAG_CONTAINER) visitChildren(p, VISIT_CENSUS, 0);
  put(0);
}

/** The visitor's step at one strong reference (visitRef calls it for VISIT_CENSUS). */
export function censusChild(c: usize): void { put(<u32>c); }

/** Streams every live block to the host's censusBatch, in batches, then returns. */
export function census(): void {
  used = 0;
  walkHeap(WALK_CENSUS);
  flush();
}
