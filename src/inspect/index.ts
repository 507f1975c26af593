// heap.inspect: the inspection toolset over one heap. Each call takes a fresh census (graph.ts),
// which allocates nothing in the heap and never collects unless asked. Objects come back as
// plain ObjectInfo (no reference held) or, where objgraph returns objects, as new Handles.
//
// A Handle passed as an argument owns one reference of its own; like sys.getrefcount's "minus its
// argument", the questions "who holds it?" (chains, describe, referrerClass, DOT) do not count that
// reference as an external (host) one. "What does it retain?" (retainedSize, dominos) does not ask.

import type { Heap } from "../heap.js";
import { Handle } from "../handle.js";
import { HeapIndexError, HeapTypeError } from "../errors.js";
import { ObjectGraph, takeGraph, type ObjectInfo } from "./graph.js";
import {
  byType, formatPartition, formatTypeCounts, leakingObjects, mostCommonTypes, partition, referrerClass, typeStats,
  type CensusOptions, type GroupBy, type PartitionRow,
} from "./census.js";
import { GrowthTracker, NewIdsTracker, formatGrowth, type GrowthRow } from "./growth.js";
import { findChain, formatChain } from "./chains.js";
import { DominatorTree, dominos } from "./dominators.js";
import { saveHeapSnapshot, toHeapSnapshot, type HeapSnapshotJson } from "./heapsnapshot.js";
import { chainToDot, renderSvg, toDot, type DotOptions } from "./dot.js";
import { Tracemalloc } from "./tracemalloc.js";
import { MemoryTimeline, type TimelineOptions } from "./timeline.js";

export { ObjectGraph, takeGraph, UNTRACKED, GENERATION_UNKNOWN } from "./graph.js";
export type { ObjectInfo } from "./graph.js";
export { DominatorTree, dominos, ROOT, UNREACHABLE } from "./dominators.js";
export { toHeapSnapshot, heapSnapshotText, saveHeapSnapshot, loadHeapSnapshot, graphFromHeapSnapshot, validateHeapSnapshot, HeapSnapshotFormatError } from "./heapsnapshot.js";
export type { HeapSnapshotJson } from "./heapsnapshot.js";
export { toDot, chainToDot, renderSvg } from "./dot.js";
export type { DotOptions } from "./dot.js";
export { typeStats, mostCommonTypes, partition, formatPartition, formatTypeCounts, referrerClass, leakingObjects } from "./census.js";
export type { CensusOptions, GroupBy, PartitionRow } from "./census.js";
export { GrowthTracker, NewIdsTracker, formatGrowth } from "./growth.js";
export type { GrowthRow } from "./growth.js";
export { findChain, formatChain } from "./chains.js";
export { Tracemalloc, TracemallocSnapshot, formatStatistics } from "./tracemalloc.js";
export type { Frame, Trace, Statistic, StatisticDiff, StatisticKey, TracemallocOptions } from "./tracemalloc.js";
export { MemoryTimeline, formatTimeline } from "./timeline.js";
export type { TimelineSample, TimelineOptions } from "./timeline.js";

/** One step of a reference chain: the object, and the field or index it was reached through from the previous step. */
export type ChainLink = ObjectInfo & { via: string | number | null };

export interface ChainOptions {
  /** Longest chain searched (references followed). Default 20, as objgraph. */
  maxDepth?: number;
  /** Objects the search must not pass through. */
  extraIgnore?: readonly (Handle | number)[];
}

export interface GrowthOptions extends CensusOptions {
  limit?: number;
  /** Collect this generation first (objgraph PR #63's gc_collect_gen). Default: no collection (objgraph#61). */
  collect?: number | false;
}

/** The default chain predicate: held by a host handle (or any reference from outside the heap). */
export const isHeldFromOutside = (o: ObjectInfo): boolean => o.externalRefs > 0;

export class Inspector {
  #growth = new GrowthTracker();
  #newIds = new NewIdsTracker();
  #tracemalloc: Tracemalloc | undefined;

  constructor(private readonly heap: Heap) {}

  /** A fresh census of the heap as a graph (see graph.ts). */
  graph(): ObjectGraph { return takeGraph(this.heap); }

  /** The graph with each handle argument's own reference discounted, and the handles' node indexes. */
  #graphFor(objs: readonly (Handle | number)[], what: string, discount = true): { g: ObjectGraph; nodes: number[] } {
    const g = this.graph();
    const nodes = objs.map((o) => {
      if (typeof o === "number") {
        const i = g.indexOf(o);
        if (i < 0) throw new HeapIndexError(`${what}: no live object at address 0x${o.toString(16)}`);
        return i;
      }
      const i = g.indexOf(this.heap.ptrOf(o, what));
      if (i < 0) throw new HeapIndexError(`${what}: ${o} is not in the census`); // cannot happen for a live handle
      if (discount) g.external[i]--;
      return i;
    });
    return { g, nodes };
  }

  #handles(g: ObjectGraph, nodes: number[]): Handle[] {
    return nodes.map((i) => this.heap.wrapBorrowed(g.address[i])!);
  }

  /** objgraph.count: live objects of a type (every object; trackedOnly: only what the collector tracks). */
  count(type: string, o: CensusOptions = {}): number {
    if (typeof type !== "string") throw new HeapTypeError(`count: expected a type name, got ${typeof type}`);
    return typeStats(this.graph(), o)[type] ?? 0;
  }

  /** objgraph.typestats: {type: count}. */
  typestats(o: CensusOptions = {}): Record<string, number> { return typeStats(this.graph(), o); }

  /** objgraph.most_common_types: [type, count], most common first. */
  mostCommonTypes(limit = 10, o: CensusOptions = {}): [string, number][] { return mostCommonTypes(this.graph(), limit, o); }

  /** objgraph.show_most_common_types, as text. */
  showMostCommonTypes(limit = 10, o: CensusOptions = {}): string { return formatTypeCounts(this.mostCommonTypes(limit, o)); }

  /**
   * objgraph.growth: types whose count grew past their previous peak since the last call, with the
   * increase. Does not collect unless `collect` names a generation (objgraph#61).
   */
  growth(o: GrowthOptions = {}): GrowthRow[] {
    if (o.collect !== undefined && o.collect !== false) this.heap.gc.collect(o.collect);
    return this.#growth.update(this.graph(), o.limit ?? 10, o);
  }

  /** objgraph.show_growth, as text ("Node   1200     +200"). */
  showGrowth(o: GrowthOptions = {}): string { return formatGrowth(this.growth(o)); }

  /** objgraph.get_new_ids: addresses per type of the objects new since the previous call (at() turns them into handles). */
  getNewIds(o: CensusOptions = {}): Record<string, number[]> { return this.#newIds.update(this.graph(), o); }

  /** objgraph.get_leaking_objects: new handles to the objects no heap object refers to (the roots). */
  getLeakingObjects(o: CensusOptions = {}): Handle[] {
    const g = this.graph();
    return this.#handles(g, leakingObjects(g, o));
  }

  /** objgraph.by_type: new handles to every live object of a type. */
  byType(type: string, o: CensusOptions = {}): Handle[] {
    const g = this.graph();
    return this.#handles(g, byType(g, type, o));
  }

  /** objgraph.at: a new handle to the live object at `address`, or null. */
  at(address: number): Handle | null {
    if (!Number.isInteger(address) || address < 0) throw new HeapTypeError(`at: expected an address, got ${address}`);
    const g = this.graph(), i = g.indexOf(address);
    return i < 0 ? null : this.heap.wrapBorrowed(address);
  }

  /** What one object looks like now (its handle's own reference discounted). */
  describe(obj: Handle | number): ObjectInfo {
    const { g, nodes } = this.#graphFor([obj], "describe");
    return g.info(nodes[0]);
  }

  #chain(g: ObjectGraph, chain: number[]): ChainLink[] {
    return chain.map((v, k) => {
      let via: string | number | null = null;
      if (k > 0) for (let e = g.edgeStart[chain[k - 1]]; e < g.edgeStart[chain[k - 1] + 1]; e++) if (g.edgeTo[e] === v) { via = g.edgeName[e]; break; }
      return { ...g.info(v), via };
    });
  }

  #findChain(obj: Handle | number, predicate: (o: ObjectInfo) => boolean, o: ChainOptions, backward: boolean, what: string): { g: ObjectGraph; chain: number[] } {
    if (typeof predicate !== "function") throw new HeapTypeError(`${what}: predicate must be a function`);
    const maxDepth = o.maxDepth ?? 20;
    if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new HeapIndexError(`${what}: maxDepth must be a non-negative integer, got ${maxDepth}`);
    const { g, nodes } = this.#graphFor([obj, ...(o.extraIgnore ?? [])], what);
    const chain = findChain(g, nodes[0], (i) => predicate(g.info(i)), maxDepth, backward, new Set(nodes.slice(1)));
    return { g, chain };
  }

  /**
   * objgraph.find_backref_chain: the shortest chain [match, …, obj] of strong references to obj
   * from an object the predicate accepts (default: one held from outside the heap, i.e. by a host
   * handle: "why is this alive?"). [obj] alone if none is found within maxDepth.
   */
  findBackrefChain(obj: Handle | number, predicate: (o: ObjectInfo) => boolean = isHeldFromOutside, o: ChainOptions = {}): ChainLink[] {
    const { g, chain } = this.#findChain(obj, predicate, o, true, "findBackrefChain");
    return this.#chain(g, chain);
  }

  /** objgraph.find_ref_chain: the shortest chain [obj, …, match] of strong references from obj. */
  findRefChain(obj: Handle | number, predicate: (o: ObjectInfo) => boolean, o: ChainOptions = {}): ChainLink[] {
    const { g, chain } = this.#findChain(obj, predicate, o, false, "findRefChain");
    return this.#chain(g, chain);
  }

  /** The backref chain from a host-held object to obj, as one line of text (objgraph#3's why_alive). */
  whyAlive(obj: Handle | number, o: ChainOptions = {}): string {
    const { g, chain } = this.#findChain(obj, isHeldFromOutside, o, true, "whyAlive");
    if (chain.length === 1 && g.external[chain[0]] <= 0) return `${g.label(chain[0])}: no chain of references from outside the heap (garbage awaiting the collector)`;
    return formatChain(g, chain);
  }

  /** The dominator tree of the heap now, with retained sizes (dominators.ts). */
  dominators(): DominatorTree { return new DominatorTree(this.graph()); }

  /** DevTools' retained size: bytes that die with obj (all it alone keeps alive, itself included). */
  retainedSize(obj: Handle | number): number {
    const { g, nodes } = this.#graphFor([obj], "retainedSize", false);
    return new DominatorTree(g).retained[nodes[0]];
  }

  /** heapy's dominos: the objects that die if all of `objs` die (themselves included). */
  dominos(objs: readonly (Handle | number)[]): ObjectInfo[] {
    const { g, nodes } = this.#graphFor(objs, "dominos", false);
    return dominos(g, nodes).map((i) => g.info(i));
  }

  /** heapy's domisize: total bytes of dominos(objs). */
  domisize(objs: readonly (Handle | number)[]): number {
    return this.dominos(objs).reduce((a, o) => a + o.size, 0);
  }

  /** heapy's partition: rows grouped by type, generation, size or referrers (byrcs). */
  partition(by: GroupBy = "type", o: CensusOptions = {}): PartitionRow[] {
    if (!["type", "generation", "size", "referrers"].includes(by)) throw new HeapTypeError(`partition: groupBy must be type, generation, size or referrers, got ${String(by)}`);
    return partition(this.graph(), by, o);
  }

  showPartition(by: GroupBy = "type", o: CensusOptions = {}): string { return formatPartition(this.partition(by, o)); }

  /** heapy's referrer classification of one object: "{<host>, List, Node}". */
  referrerClass(obj: Handle | number): string {
    const { g, nodes } = this.#graphFor([obj], "referrerClass");
    return referrerClass(g, nodes[0]);
  }

  /** The heap as a V8 .heapsnapshot object (heapsnapshot.ts). */
  heapSnapshot(): HeapSnapshotJson { return toHeapSnapshot(this.graph()); }

  /** Writes the heap as a .heapsnapshot file that DevTools and memlab load. */
  saveHeapSnapshot(file: string): Promise<void> { return saveHeapSnapshot(this.graph(), file); }

  /** objgraph.show_backrefs: DOT of what refers to objs, up to maxDepth levels. */
  showBackrefs(objs: readonly (Handle | number)[], o: DotOptions = {}): string {
    const { g, nodes } = this.#graphFor(objs, "showBackrefs");
    return toDot(g, nodes, true, o);
  }

  /** objgraph.show_refs: DOT of what objs refer to. */
  showRefs(objs: readonly (Handle | number)[], o: DotOptions = {}): string {
    const { g, nodes } = this.#graphFor(objs, "showRefs");
    return toDot(g, nodes, false, o);
  }

  /** objgraph.show_chain: DOT of chains from findRefChain / findBackrefChain. */
  showChain(chains: readonly (readonly ChainLink[])[], o: DotOptions = {}): string {
    const g = this.graph();
    const idx = chains.map((c) => c.map((l) => {
      const i = g.indexOf(l.address);
      if (i < 0) throw new HeapIndexError(`showChain: the object at 0x${l.address.toString(16)} is gone`);
      return i;
    }));
    return chainToDot(g, idx, o);
  }

  /** DOT to SVG (Graphviz in WebAssembly). */
  renderSvg(dot: string): Promise<string> { return renderSvg(dot); }

  /** tracemalloc for this heap: allocation sites of live blocks (tracemalloc.ts). */
  get tracemalloc(): Tracemalloc { return (this.#tracemalloc ??= new Tracemalloc(this.heap)); }

  /** A memory timeline (committed bytes, live bytes and objects per type) sampled while a workload runs. */
  timeline(o: TimelineOptions = {}): MemoryTimeline { return new MemoryTimeline(this.heap, this, o); }
}
