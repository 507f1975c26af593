// Builds the AssemblyScript-runtime peers with AS's own incremental GC: W1 (bench/peers/as-runtime/w1.ts)
// into <repo>/build/peer-as-incremental.wasm, and W2/W3/W5 (gc.ts) into <repo>/build/peer-as-gc.wasm.
// Usable as a module or directly:
//   node bench/peers/as-runtime/build.mjs [w1|gc]
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import asc from "assemblyscript/asc";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");

/** Compiles `entry` (in this folder) with AS's incremental runtime into <repo>/build/<outName>. */
async function buildPeer(entry, outName) {
  const outFile = path.join(repoRoot, "build", outName);
  await mkdir(path.dirname(outFile), { recursive: true });
  // --config is explicit because asc otherwise picks up <cwd>/asconfig.json (the project's own
  // release target with a custom runtime). Flags repeat the config so the intent is visible here;
  // --outFile overrides the config's (W1) output path.
  const args = [
    path.join(here, entry),
    "--config", path.join(here, "asconfig.json"),
    "--baseDir", repoRoot,
    "--outFile", outFile,
    "--runtime", "incremental",
    "-O3",
    "--converge",
    "--noAssert",
  ];
  const { error, stderr } = await asc.main(args);
  if (error) throw new Error(`asc failed for the AS-runtime peer ${entry}: ${error.message}\n${stderr.toString()}`);
  return outFile;
}

/** Compiles the W1 peer and returns the absolute path of the .wasm file. */
export async function buildAsPeer() {
  return buildPeer("w1.ts", "peer-as-incremental.wasm");
}

/** Compiles the W2/W3/W5 peer (gc.ts) and returns the absolute path of the .wasm file. */
export async function buildAsGcPeer() {
  return buildPeer("gc.ts", "peer-as-gc.wasm");
}

// Run directly: build the peers named on the command line (w1, gc; default both), print the paths.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const which = process.argv.slice(2);
  if (which.length === 0 || which.includes("w1")) console.log(await buildAsPeer());
  if (which.length === 0 || which.includes("gc")) console.log(await buildAsGcPeer());
}
