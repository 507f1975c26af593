// AssemblyScript's own allocator must never run over our heap: under the trapping runtime a stray
// managed allocation fails loudly instead of overwriting memory above __heap_base.
import asc from "assemblyscript/asc";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

test("a managed allocation under assembly/rt/trap traps, and raw memory code still works", async () => {
  const dir = mkdtempSync(join(tmpdir(), "refheap-trap-"));
  const src = join(dir, "stray.ts");
  writeFileSync(src, [
    "export function raw(): i32 { store<i32>(__heap_base, 42); return load<i32>(__heap_base); }",
    "export function stray(): i32 { let a = new Array<i32>(3); return a.length; }",
  ].join("\n"));
  const out = join(dir, "stray.wasm");
  const { error, stderr } = await asc.main([
    src, "--outFile", out, "--runtime", join(root, "assembly/rt/trap"), "--config", "none", "--noAssert",
  ]);
  expect(error, stderr.toString()).toBeFalsy();
  const { instance } = await WebAssembly.instantiate(readFileSync(out), { env: { abort() { throw new Error("abort"); } } });
  const x = instance.exports as { raw(): number; stray(): number };
  expect(x.raw()).toBe(42);
  expect(() => x.stray()).toThrow(/unreachable/);
});

test("the core's own wasm contains no AssemblyScript runtime code", () => {
  const wat = readFileSync(join(root, "build/core.debug.wat"), "utf8");
  expect(wat).not.toMatch(/~lib\/rt\/(tlsf|itcms|tcms|stub)/);
  expect(wat).toMatch(/\(func \$assembly\/rc\/dealloc/);
});
