// A chain built link by link, the previous head released as each new link takes it: what a link
// costs per collector as the chain grows. Each release leaves the previous head at count 1, so
// the collectors driven by candidate roots (a decrement to non-zero) examine it, and with it
// everything it reaches: the whole chain, once per collection. Their cost per link then grows with
// the chain's length; the generational collector's does not (docs/collectors.md, the hybrid's
// weakness).
//
//   npx tsx bench/chain.ts [--sizes 100000,200000,400000] [--runs 3]

import { parseArgs } from "node:util";
import { COLLECTORS, Heap } from "../src/index.js";
import { median } from "simple-statistics";
import { medianInterval } from "./stats.js";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "100000,200000,400000" }, runs: { type: "string", default: "3" } }, strict: true });
const sizes = values.sizes.split(",").map(Number);
const runs = Number(values.runs);
for (const n of sizes) if (!(Number.isInteger(n) && n > 0 && n <= 4_000_000)) throw new Error(`--sizes: link counts from 1 to 4,000,000, got ${values.sizes}`);
if (!(Number.isInteger(runs) && runs > 0 && runs <= 50)) throw new Error(`--runs: 1 to 50, got ${values.runs}`);

/** µs per link to build an n-link chain (setRef then the old head's release), on a fresh heap. */
async function once(collector: (typeof COLLECTORS)[number], n: number): Promise<number> {
  const heap = await Heap.create({ collector });
  const L = heap.defineType({ name: "L", refs: ["next"] });
  const raw = heap.raw;
  let head = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const p = raw.alloc(L.id);
    if (!p) throw new Error("out of memory");
    if (head) { raw.setRef(p, 0, head); raw.decref(head); }
    head = p;
  }
  const us = ((performance.now() - t0) * 1000) / n;
  raw.decref(head);
  heap.destroy();
  return us;
}

console.log(`µs per link to build a chain, the previous head released at each link (median of ${runs}, 95 % interval)`);
console.log(["collector", ...sizes.map((n) => `${n.toLocaleString("en-US")} links`)].join("\t"));
for (const c of COLLECTORS) {
  const cells: string[] = [];
  for (const n of sizes) {
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) xs.push(await once(c, n));
    const ci = medianInterval(xs);
    cells.push(`${median(xs).toFixed(2)}${ci ? ` (${ci[0].toFixed(2)}–${ci[1].toFixed(2)})` : ""}`);
  }
  console.log([c, ...cells].join("\t"));
}
