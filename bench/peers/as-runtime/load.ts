// Loads a module built with AssemblyScript's own runtime (the peer) and instantiates it fresh.
// The compiled Module is cached per file, keyed on its mtime so a rebuild is picked up. The
// builder (./build.mjs) is imported only when the file is missing: it loads the AS compiler,
// which adds ~226 MiB to this process's V8 heap and would distort every V8 row measured in it.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileEager } from "../../../src/compile.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const cache = new Map<string, { mtimeMs: number; module: WebAssembly.Module }>();

/** Reads an AS string (UTF-16, byte length stored 4 bytes before the pointer) for abort messages. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const byteLength = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, byteLength >>> 1));
}

/** A fresh instance of build/<file>, built with build.mjs's `builder` export if it is missing. */
export async function instantiatePeer<E extends { memory: WebAssembly.Memory }>(file: string, builder: "buildAsPeer" | "buildAsGcPeer"): Promise<E> {
  const wasmPath = path.join(repoRoot, "build", file);
  if (!existsSync(wasmPath)) await (await import("./build.mjs"))[builder]();
  const mtimeMs = statSync(wasmPath).mtimeMs;
  let hit = cache.get(wasmPath);
  if (hit?.mtimeMs !== mtimeMs) {
    hit = { mtimeMs, module: await compileEager(readFileSync(wasmPath)) };
    cache.set(wasmPath, hit);
  }
  let memory: WebAssembly.Memory | null = null;
  const imports = {
    env: {
      abort(msg: number, fileName: number, line: number, column: number): never {
        const text = memory ? `${readAsString(memory, msg)} at ${readAsString(memory, fileName)}:${line}:${column}` : "";
        throw new Error(`AS-runtime peer (${file}) aborted: ${text}`);
      },
    },
  };
  const instance = await WebAssembly.instantiate(hit.module, imports);
  const exports = instance.exports as unknown as E;
  memory = exports.memory;
  return exports;
}
