// The strategy registry on the host: every allocator and collector, with its code (what init()
// takes) and its capabilities, generated from strategies.json (and any --allocator files) by
// scripts/build-wasm.mjs. Host, bench, tests, explorer, replay, soak and the VM iterate these and
// read capabilities; no other file compares a strategy's name.

import { ALLOCATOR_ENTRIES, COLLECTOR_ENTRIES, DEFAULTS, ALLOCATOR_CAPABILITY_DOCS, COLLECTOR_CAPABILITY_DOCS, REGISTRY_ID } from "./generated/strategies.js";

/** The registry the host was generated from; a core built from another is refused (Heap.create). */
export { REGISTRY_ID };

export type AllocatorName = (typeof ALLOCATOR_ENTRIES)[number]["name"];
export type CollectorName = (typeof COLLECTOR_ENTRIES)[number]["name"];
export type AllocatorCapability = keyof typeof ALLOCATOR_CAPABILITY_DOCS;
export type CollectorCapability = keyof typeof COLLECTOR_CAPABILITY_DOCS;

export interface StrategyInfo<C extends string> {
  readonly name: string;
  /** The number init() takes (never renumbered: it crosses the wasm boundary). */
  readonly code: number;
  readonly doc: string;
  /** Built from a file outside the repository (`--allocator`). */
  readonly external?: boolean;
  readonly capabilities: Readonly<Record<C, boolean>>;
}
export type AllocatorInfo = StrategyInfo<AllocatorCapability>;
export type CollectorInfo = StrategyInfo<CollectorCapability>;

export const ALLOCATORS = ALLOCATOR_ENTRIES.map((a) => a.name) as readonly AllocatorName[];
export const COLLECTORS = COLLECTOR_ENTRIES.map((c) => c.name) as readonly CollectorName[];
export const ALLOCATOR_INFO = Object.fromEntries(ALLOCATOR_ENTRIES.map((a) => [a.name, a])) as Readonly<Record<AllocatorName, AllocatorInfo>>;
export const COLLECTOR_INFO = Object.fromEntries(COLLECTOR_ENTRIES.map((c) => [c.name, c])) as Readonly<Record<CollectorName, CollectorInfo>>;
/** Both, for a strategy pair: `STRATEGY_INFO.allocators.pools.capabilities.reuses`. */
export const STRATEGY_INFO = { allocators: ALLOCATOR_INFO, collectors: COLLECTOR_INFO } as const;
export const CAPABILITY_DOCS = { allocators: ALLOCATOR_CAPABILITY_DOCS, collectors: COLLECTOR_CAPABILITY_DOCS } as const;
/** Each strategy's number in the core's init(allocator, pages, collector, mode) (assembly/index.ts). */
export const ALLOCATOR_CODES = Object.fromEntries(ALLOCATOR_ENTRIES.map((a) => [a.name, a.code])) as Readonly<Record<AllocatorName, number>>;
export const COLLECTOR_CODES = Object.fromEntries(COLLECTOR_ENTRIES.map((c) => [c.name, c.code])) as Readonly<Record<CollectorName, number>>;
/** What Heap.create uses when no strategy is named. */
export const DEFAULT_ALLOCATOR: AllocatorName = DEFAULTS.allocator;
export const DEFAULT_COLLECTOR: CollectorName = DEFAULTS.collector;

export const isAllocator = (name: unknown): name is AllocatorName => typeof name === "string" && Object.hasOwn(ALLOCATOR_INFO, name);
export const isCollector = (name: unknown): name is CollectorName => typeof name === "string" && Object.hasOwn(COLLECTOR_INFO, name);
/** The allocators that have (or, with false, lack) a capability. */
export const allocatorsWith = (cap: AllocatorCapability, has = true): AllocatorName[] => ALLOCATORS.filter((a) => ALLOCATOR_INFO[a].capabilities[cap] === has);
/** The collectors that have (or, with false, lack) a capability. */
export const collectorsWith = (cap: CollectorCapability, has = true): CollectorName[] => COLLECTORS.filter((c) => COLLECTOR_INFO[c].capabilities[cap] === has);
