// The README is a map of docs/ (issue 15 item 7): short, linking every page, every link resolving;
// docs/architecture.md's copy of the header diagram is the one drawn in assembly/layout.ts.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
const pages = readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort();

/** Relative links of a markdown page ([text](target), anchors dropped). */
function links(md: string): string[] {
  return [...md.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith("#")).map((t) => t.split("#")[0]!);
}

describe("the README as a map of docs/", () => {
  it("fits on a screen or two", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(200);
  });
  it("links every page of docs/", () => {
    const linked = new Set(links(read("README.md")));
    expect(pages.filter((p) => !linked.has(`docs/${p}`))).toEqual([]);
  });
  it.each(["README.md", ...pages.map((p) => `docs/${p}`)])("%s: every relative link resolves", (page) => {
    const dir = path.dirname(path.join(root, page));
    expect(links(read(page)).filter((t) => !existsSync(path.resolve(dir, t)))).toEqual([]);
  });
});

describe("docs/architecture.md", () => {
  it("shows the header diagram of assembly/layout.ts, as drawn there", () => {
    const layout = read("assembly/layout.ts").split("\n");
    const a = layout.findIndex((l) => l.includes("╒")), b = layout.findIndex((l) => l.includes("└"));
    expect(a).toBeGreaterThanOrEqual(0);
    const box = layout.slice(a, b + 1).map((l) => l.replace(/^\/\/ ?/, "").trimEnd()).join("\n");
    const doc = read("docs/architecture.md").split("\n").map((l) => l.trimEnd()).join("\n");
    expect(doc).toContain(box);
  });
});
