// === Hot counters ===
// Kept in wasm globals (cheaper than memory on the allocation path); stats.ts copies them into
// the statistics buffer whose slots are named by src/stats-table.json.

export let allocations: u64 = 0;
export let deallocations: u64 = 0;
/** Live objects (including internal list-storage blocks). */
export let liveObjects: u32 = 0;
/** Live objects with a 16-byte container header. */
export let liveContainers: u32 = 0;
/** Sum of exact object sizes (header included) of live objects. */
export let liveObjectBytes: u64 = 0;
export let largeAllocations: u64 = 0;
export let allocationFailures: u64 = 0;
export let memoryGrows: u32 = 0;

// @ts-ignore: decorator
@inline export function countAlloc(size: usize, container: bool): void {
  allocations++;
  liveObjects++;
  liveContainers += <u32>container;
  liveObjectBytes += size;
}

// @ts-ignore: decorator
@inline export function countFree(size: usize, container: bool): void {
  deallocations++;
  liveObjects--;
  liveContainers -= <u32>container;
  liveObjectBytes -= size;
}
