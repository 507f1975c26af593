// No import cycles among value imports in assembly/ and src/ (issue 15): scripts/check-cycles.mjs.
import { expect, test } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCycles } from "../scripts/check-cycles.mjs";

test("assembly/ and src/ have no import cycles among value imports", () => {
  expect(findCycles()).toEqual([]);
});

test("the check finds a cycle through value imports, and ignores type-only ones", () => {
  const dir = mkdtempSync(join(tmpdir(), "refheap-cycles-"));
  try {
    mkdirSync(join(dir, "m"));
    writeFileSync(join(dir, "m/a.ts"), 'import { b } from "./b.js";\nexport const a = () => b();\n');
    writeFileSync(join(dir, "m/b.ts"), 'import { c } from "./sub/c";\nexport const b = () => c;\n');
    mkdirSync(join(dir, "m/sub"));
    writeFileSync(join(dir, "m/sub/c.ts"), 'export { a as c } from "../a";\n');
    // type-only: `import type`, and a name used only as a type (elided by TypeScript)
    writeFileSync(join(dir, "m/t1.ts"), 'import type { U } from "./t2";\nexport interface T { u: U }\nexport const t = 1;\n');
    writeFileSync(join(dir, "m/t2.ts"), 'import { T } from "./t1";\nexport interface U { t: T }\nexport const u = 2;\n');
    const cycles = findCycles(["m"], dir);
    expect(cycles).toEqual([{ files: ["m/a.ts", "m/b.ts", "m/sub/c.ts"], path: ["m/a.ts", "m/b.ts", "m/sub/c.ts", "m/a.ts"] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
