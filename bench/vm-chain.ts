// The VM __del__ chain (tests/reentry.test.ts, issue 14 item 1): what one link costs to build in
// the interpreter and to tear down through its __del__, per strategy and build.
//
//   npx tsx bench/vm-chain.ts [--n 200000] [--runs 5] [--builds release,debug]
//                             [--strategies pools/generational,...] [--base <checkout>]
//
// Each run makes a fresh heap and VM, builds an n-link chain (automatic collection off while it
// is built, as in the test) and drops its head; the chain then dies link by link, each __del__
// dropping the next. Reported: the median µs per link of each phase over the runs, with its 95 %
// interval (bench/stats.ts). --base <dir> also runs the same program on another checkout's
// src/ (built: its build/*.wasm present), alternating with this one in the same process, so the
// two are compared under the same load (a before/after: `git worktree add <dir> <commit>`).

import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { median } from "simple-statistics";
import { medianInterval } from "./stats.js";
import { DEL_CHAIN_DROP, DEL_CHAIN_SETUP, delChainBuild } from "../tests/del-chain.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "200000" },
    runs: { type: "string", default: "5" },
    builds: { type: "string", default: "release,debug" },
    strategies: { type: "string", default: "pools/generational" },
    base: { type: "string" },
  },
});
const n = Number(values.n), runs = Number(values.runs);
if (!(Number.isInteger(n) && n > 0 && n <= 10_000_000)) throw new Error(`--n: a link count from 1 to 10,000,000, got ${values.n}`);
if (!(Number.isInteger(runs) && runs > 0 && runs <= 100)) throw new Error(`--runs: 1 to 100, got ${values.runs}`);

interface Tree { label: string; Heap: typeof import("../src/index.js").Heap; VM: typeof import("../src/vm/interp.js").VM }

async function load(label: string, root: string): Promise<Tree> {
  const url = (p: string) => pathToFileURL(resolve(root, p)).href;
  const { Heap } = await import(url("src/index.ts")) as typeof import("../src/index.js");
  const { VM } = await import(url("src/vm/interp.ts")) as typeof import("../src/vm/interp.js");
  return { label, Heap, VM };
}

/** One run: µs per link to build and to tear down. */
async function once(t: Tree, debug: boolean, allocator: string, collector: string): Promise<[number, number]> {
  const heap = await t.Heap.create({ debug, allocator, collector } as Parameters<typeof t.Heap.create>[0]);
  let out = "";
  const vm = new t.VM(heap, { out: (s) => { out += s; } });
  vm.run(DEL_CHAIN_SETUP);
  const t0 = performance.now();
  vm.run(delChainBuild(n));
  const t1 = performance.now();
  vm.run(DEL_CHAIN_DROP);
  const t2 = performance.now();
  vm.run("(print deaths deepest)");
  vm.dispose();
  heap.verify();
  if (out !== `${n} 1\n`) throw new Error(`${t.label}: the chain printed ${JSON.stringify(out)}`);
  return [((t1 - t0) * 1000) / n, ((t2 - t1) * 1000) / n];
}

const trees = [await load("this tree", resolve(import.meta.dirname, ".."))];
if (values.base) trees.unshift(await load(`base ${values.base}`, values.base));

const fmt = (xs: number[]) => {
  const med = median(xs);
  const ci = medianInterval(xs);
  return `${med.toFixed(2)} µs${ci ? ` [${ci[0].toFixed(2)}, ${ci[1].toFixed(2)}]` : ""}`;
};
console.log(`VM __del__ chain, ${n.toLocaleString("en-US")} links, median of ${runs} runs per link [95 % interval]`);
for (const build of values.builds.split(",")) {
  for (const s of values.strategies.split(",")) {
    const [allocator, collector] = s.split("/");
    const res = trees.map(() => ({ build: [] as number[], teardown: [] as number[] }));
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < trees.length; k++) {
        const [b, d] = await once(trees[k], build === "debug", allocator, collector);
        res[k].build.push(b); res[k].teardown.push(d);
      }
    }
    trees.forEach((t, k) => console.log(`${build.padEnd(8)} ${s.padEnd(22)} ${t.label.padEnd(24)} build ${fmt(res[k].build).padEnd(24)} teardown ${fmt(res[k].teardown)}`));
  }
}
