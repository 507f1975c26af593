// === What the core calls on a weak map without importing weakmap.ts ===
// A weak map releases its entries with decref, and a death (rc.ts) releases a dying map's
// entries or drops the entry of an internal weakref whose referent died: called directly, each
// would be an import cycle (rc.ts → weakmap.ts → rc.ts). CPython has the same shape and breaks it
// the same way, with the type's function pointers (tp_dealloc, tp_clear); weakmap.ts sets these
// when the module starts (its top-level statement runs in _start, before any call).

function unset(p: usize): void { unreachable(); }

/** Releases every entry and the table of a map (weakmap.ts weakMapRelease). */
export let mapRelease: (m: usize) => void = unset;
/** An internal weakref's referent died: drop its entry (weakmap.ts mapEntryDied). */
export let mapEntryDied: (wr: usize) => void = unset;

export function setMapHooks(release: (m: usize) => void, entryDied: (wr: usize) => void): void {
  mapRelease = release;
  mapEntryDied = entryDied;
}
