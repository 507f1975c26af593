// Smoke test for the W1 peers: builds the AS-runtime peer, runs each peer 3 times with default
// parameters and prints the median ns/node.  Run: npx tsx bench/peers/smoke.ts
import { buildAsPeer } from "./as-runtime/build.mjs";
import { runAsRuntimeW1 } from "./as-runtime/run.js";
import { runV8W1 } from "./v8/w1.js";

const repetitions = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Sample {
  peer: string;
  nsPerNode: number;
  checksum: number;
  memoryBytes?: number;
}

async function measure(name: string, run: () => Promise<Sample> | Sample): Promise<void> {
  const samples: Sample[] = [];
  for (let i = 0; i < repetitions; i++) samples.push(await run());
  const ns = samples.map((s) => s.nsPerNode);
  const mem = samples[0]!.memoryBytes;
  console.log(
    `${name.padEnd(20)} median ${median(ns).toFixed(1)} ns/node  runs [${ns.map((x) => x.toFixed(1)).join(", ")}]` +
      `  checksum ${samples[0]!.checksum}` +
      (mem !== undefined ? `  memory ${(mem / 2 ** 20).toFixed(1)} MiB` : ""),
  );
}

console.log(`built ${await buildAsPeer()}`);
await measure("AS incremental GC", () => runAsRuntimeW1({}));
await measure("V8 plain JS", () => runV8W1({}));
