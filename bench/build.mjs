// Builds what the benchmarks run: the release core (host-driven rows, replays, bench:ops), the bench
// module (the core linked with the in-wasm mutators) and the peers on AssemblyScript's own runtime.
// Each compile is single-threaded, so two run at once (one per core); a target whose inputs (sources,
// configs, compiler version) hash the same as at its last build here is skipped.
//   node bench/build.mjs [release] [bench] [peers]     (default: all three)
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stampFile = join(root, "build", ".bench-inputs.json");

/** Every file under the given paths (directories walked), sorted. */
function files(paths) {
  const out = [];
  const walk = (p) => {
    const full = join(root, p);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) for (const e of readdirSync(full).sort()) walk(join(p, e));
    else out.push(p);
  };
  for (const p of paths) walk(p);
  return out.sort();
}

const asVersion = () => JSON.parse(readFileSync(join(root, "node_modules/assemblyscript/package.json"), "utf8")).version;
const CORE = ["assembly", "asconfig.json", "scripts/build-wasm.mjs", "src/stats-table.json", "strategies.json", "boundary.json"];

const TARGETS = {
  release: { inputs: CORE, outputs: ["build/core.release.wasm"], cmd: ["scripts/build-wasm.mjs", "release"] },
  bench: { inputs: [...CORE, "bench/wasm"], outputs: ["build/bench.release.wasm"], cmd: ["scripts/build-wasm.mjs", "bench"] },
  peers: {
    inputs: ["bench/peers/as-runtime/w1.ts", "bench/peers/as-runtime/gc.ts", "bench/peers/as-runtime/asconfig.json", "bench/peers/as-runtime/build.mjs"],
    outputs: ["build/peer-as-incremental.wasm", "build/peer-as-gc.wasm"], cmd: ["bench/peers/as-runtime/build.mjs"],
  },
};

function inputHash(target) {
  const h = createHash("sha256").update(`assemblyscript ${asVersion()}\n`);
  for (const f of files(target.inputs)) h.update(`${f}\n`).update(readFileSync(join(root, f)));
  return h.digest("hex");
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.resume();
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`node ${args.join(" ")} exited with ${code}`))));
  });
}

export async function buildBench(names = Object.keys(TARGETS)) {
  const t0 = performance.now();
  for (const n of names) if (!TARGETS[n]) throw new Error(`unknown target '${n}' (${Object.keys(TARGETS).join(", ")})`);
  const stamps = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, "utf8")) : {};
  const todo = [], skipped = [];
  for (const n of names) {
    const hash = inputHash(TARGETS[n]);
    const built = TARGETS[n].outputs.every((o) => existsSync(join(root, o)));
    if (built && stamps[n] === hash) skipped.push(n);
    else todo.push({ name: n, hash });
  }
  if (todo.length) {
    // generated sources first, so the parallel compiles only read them (the compiler loads only now: seconds)
    await (await import("../scripts/build-wasm.mjs")).buildWasm([]);
    const queue = [...todo];
    const lanes = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length, queue.length));
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        await run(TARGETS[job.name].cmd);
        stamps[job.name] = job.hash;
      }
    }));
    mkdirSync(dirname(stampFile), { recursive: true });
    writeFileSync(stampFile, JSON.stringify(stamps, null, 2) + "\n");
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`wasm for the bench: ${todo.length ? `built ${todo.map((j) => j.name).join(", ")} in ${s} s` : "up to date"}${skipped.length && todo.length ? ` (${skipped.join(", ")} up to date)` : ""}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBench(process.argv.length > 2 ? process.argv.slice(2) : undefined);
}
