// The docs' code blocks run: each ```ts block of the pages below is executed as written (its
// imports resolved to the package and node:assert), so an example that drifts from the code fails.
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { expect, test } from "vitest";
import * as refheap from "../src/index.js";

const PAGES = ["docs/collectors.md"];
const MODULES: Record<string, unknown> = { refheap, "node:assert/strict": assert };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

/** The page's ts blocks, each with its imports turned into reads of MODULES. */
function runnableBlocks(page: string): string[] {
  const text = readFileSync(new URL(`../${page}`, import.meta.url), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code.replace(
    /^import\s+(.+?)\s+from\s+"([^"]+)";$/gm,
    (_, what: string, from: string) => {
      if (!(from in MODULES)) throw new Error(`${page}: a code block imports ${from}, which the docs test does not provide`);
      return `const ${what.replace(/\bas\b/g, ":")} = __modules[${JSON.stringify(from)}]${what.startsWith("{") ? "" : ".default ?? __modules[" + JSON.stringify(from) + "]"};`;
    },
  ));
}

for (const page of PAGES) {
  test(`${page}: every code block runs`, async () => {
    const blocks = runnableBlocks(page);
    expect(blocks.length).toBeGreaterThan(0);
    for (const code of blocks) await new AsyncFunction("__modules", code)(MODULES);
  });
}
