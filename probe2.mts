import { Heap } from "./src/index.js";
import { importHeapSnapshot } from "./src/import/heapsnapshot.js";
const heap = await Heap.create({ allocator: "pools", collector: "generational", debug: true });
const imp = await importHeapSnapshot(heap, process.argv[2]);
console.log(imp.root.type.name, imp.root.type.id, heap.core.objectType?.(imp.root.ptr), [...imp.types.values()].slice(0,4).map(t => [t.name, t.id]));
