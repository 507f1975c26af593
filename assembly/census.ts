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

import { FLAG_CONTAINER, FLAG_DYING, INFO, RC, TYPE_ID_MASK } from "./layout";
import { dyingNow } from "./rc";
import { TYPE_WEAKREF } from "./types";
import { weakrefAwaitsDeath } from "./weak";
import { HOOK_CENSUS, fromHost, toHost } from "./entry";
import { objectSize } from "./object";
import { runEnd, runStart, visitRun, visitStart } from "./collect/visit";
import { walkNext, walkStart } from "./walk";

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

/** One live block's record. */
function censusObject(p: usize): void {
  let info = INFO(p);
  // Dead, not yet freed (on rc.ts's death worklists, or mid-death): not live, never handed out. A
  // handle to one, disposed later, dropped an unrelated object's count once its block was reused.
  if ((info & FLAG_DYING) || RC(p) == 0 || p == dyingNow) return;
  // a weakref whose death waits on its referent's (weak.ts, "Deferred deaths"): freed, to CPython
  if ((info & TYPE_ID_MASK) == TYPE_WEAKREF && weakrefAwaitsDeath(p)) return;
  put(info);
  put(<u32>p);
  put(<u32>objectSize(p));
  put(RC(p));
  if (info & FLAG_CONTAINER) {
    // a flush in put() calls the host's parser, which starts no walk (visit.ts: one at a time)
    visitStart(p);
    while (visitRun()) for (let s = runStart, e = runEnd; s < e; s += 4) {
      let c = load<usize>(s);
      if (c) put(<u32>c);
    }
  }
  put(0);
}

/** Streams every live block to the host's censusBatch, in batches, then returns. */
export function census(): void {
  used = 0;
  walkStart();
  for (let p = walkNext(); p; p = walkNext()) censusObject(p);
  flush();
}
