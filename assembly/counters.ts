// === Hot counters ===
// Kept in wasm globals (cheaper than memory on the allocation path); stats.ts copies them into
// the statistics buffer whose slots are named by src/stats-table.json.

export let allocations: u64 = 0;
export let deallocations: u64 = 0;
/** Live objects with a 16-byte container header. */
export let liveContainers: u32 = 0;
/** Sum of exact object sizes (header included) of live objects (< 4 GiB: it all fits in memory). */
export let liveObjectBytes: usize = 0;

/** Live objects (including internal list-storage blocks): derived, one counter less on the fast path. */
// @ts-ignore: decorator
@inline export function liveObjects(): u32 { return <u32>(allocations - deallocations); }
export let largeAllocations: u64 = 0;
export let allocationFailures: u64 = 0;
export let memoryGrows: u32 = 0;

// @ts-ignore: decorator
@inline export function countAlloc(size: usize, container: bool): void {
  allocations++;
  liveContainers += <u32>container;
  liveObjectBytes += size;
}

// @ts-ignore: decorator
@inline export function countFree(size: usize, container: bool): void {
  deallocations++;
  liveContainers -= <u32>container;
  liveObjectBytes -= size;
}

/** countFree for `n` objects at once (`containers` of them containers, `bytes` their sizes' sum). */
// @ts-ignore: decorator
@inline export function countFrees(n: u32, containers: u32, bytes: usize): void {
  deallocations += n;
  liveContainers -= containers;
  liveObjectBytes -= bytes;
}
