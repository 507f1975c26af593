// Builds the AssemblyScript-runtime peer for W1 (bench/peers/as-runtime/w1.ts) with AS's own
// incremental GC into <repo>/build/peer-as-incremental.wasm. Usable as a module or directly:
//   node bench/peers/as-runtime/build.mjs
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import asc from "assemblyscript/asc";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");

/** Compiles the peer and returns the absolute path of the .wasm file. */
export async function buildAsPeer() {
  const outFile = path.join(repoRoot, "build", "peer-as-incremental.wasm");
  await mkdir(path.dirname(outFile), { recursive: true });
  // --config is explicit because asc otherwise picks up <cwd>/asconfig.json (the project's own
  // release target with a custom runtime). Flags repeat the config so the intent is visible here.
  const args = [
    path.join(here, "w1.ts"),
    "--config", path.join(here, "asconfig.json"),
    "--baseDir", repoRoot,
    "--outFile", outFile,
    "--runtime", "incremental",
    "-O3",
    "--converge",
    "--noAssert",
  ];
  const { error, stderr } = await asc.main(args);
  if (error) throw new Error(`asc failed for the AS-runtime peer: ${error.message}\n${stderr.toString()}`);
  return outFile;
}

// Run directly: build and print the output path.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(await buildAsPeer());
}
