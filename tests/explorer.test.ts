// The heap explorer end to end: the page built with esbuild, served on localhost, driven in real
// headless Chromium (through playwright-core: $CHROMIUM, a system one, or @sparticuz/chromium's,
// see scripts/chromium.mjs). Scenes, mouse-made objects, a collection
// stepped phase by phase, and a screenshot check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
// @ts-expect-error: plain .mjs build scripts (no types)
import { buildWeb } from "../scripts/build-web.mjs";
// @ts-expect-error: plain .mjs build scripts (no types)
import { serveWeb } from "../scripts/serve-web.mjs";
import { CHROMIUM_ARGS, findChromium } from "../scripts/chromium.mjs";

interface ExplorerApi {
  graph(): { nodes: { id: number; type: string; refcount: number; generation: number | null; external: number; weakref: boolean }[]; edges: { from: number; to: number; weak: boolean }[] };
  pools(): { sizeClass: number | null; used: number }[];
  loadScene(id: string, collector: string): Promise<void>;
  replay: { steps: { phase: string; listA: unknown[]; listB: unknown[] }[]; index: number } | null;
  scenes: string[];
  tap(id: number): void;
  heap: { verify(): void; stats(): { liveObjects: number } };
}
declare const explorer: ExplorerApi;

let browser: Browser, page: Page, server: Server, base: string;
const errors: string[] = [];

beforeAll(async () => {
  await buildWeb();
  const s = await serveWeb(0);
  server = s.server;
  base = `http://127.0.0.1:${s.port}/`;
  browser = await chromium.launch({
    executablePath: await findChromium(),
    args: CHROMIUM_ARGS,
  });
  page = await browser.newPage({ viewport: { width: 1300, height: 850 } });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(base);
  await page.waitForSelector("body[data-ready='1']", { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

const graph = () => page.evaluate(() => explorer.graph());
const verify = () => page.evaluate(() => explorer.heap.verify());
const load = (id: string, collector = "generational") => page.evaluate(([i, c]) => explorer.loadScene(i!, c!), [id, collector]);

describe("heap explorer (Chromium)", () => {
  it("opens on the Task/Subtask scene with every object, its refcount and the host's root", async () => {
    const g = await graph();
    expect(g.nodes.filter((n) => n.type === "Task")).toHaveLength(3); // two evicted, still in cycles
    expect(g.nodes.filter((n) => n.type === "Subtask")).toHaveLength(6);
    const roots = g.nodes.filter((n) => n.external > 0);
    expect(roots.map((n) => n.type)).toEqual(["List"]); // only the server's ring is held by the host
    expect(await page.textContent("#stats")).toMatch(/13 tracked, 0 weakrefs, 13 objects/);
    expect(errors).toEqual([]);
  });

  it("steps through collect(2) phase by phase, with gc_refs and the unreachable set", async () => {
    await load("tasks-strong");
    await page.click("#step-collect");
    const replay = await page.evaluate(() => explorer.replay!);
    expect(replay.steps.map((s) => s.phase)).toEqual(["merge generations", "copy refcounts", "subtract internal references", "move unreachable", "clear garbage", "promote survivors"]);
    expect(replay.steps[3]!.listB).toHaveLength(8); // two evicted tasks, their lists and subtasks
    for (let i = 0; i < 3; i++) await page.click("#next");
    expect(await page.textContent("#phase-name")).toBe("collect(2) step 4/6: move unreachable");
    expect(await page.locator("#phases li.current").textContent()).toMatch(/move unreachable \(A: 5, B: 8\)/);
    await page.click("#done");
    expect((await graph()).nodes.filter((n) => n.type === "Task")).toHaveLength(1);
    await verify();
  });

  it("steps through the recycler's collection too, starting from its candidates' subgraph", async () => {
    await load("tasks-strong", "recycler");
    await page.click("#step-collect");
    const phases = await page.evaluate(() => explorer.replay!.steps.map((s) => s.phase));
    expect(phases[0]).toBe("gather candidates' subgraph");
    expect(phases).toContain("move unreachable");
    await page.click("#done");
    expect((await graph()).nodes.filter((n) => n.type === "Task")).toHaveLength(1);
    await verify();
  });

  it("takes a screenshot whose pixels show the unreachable objects marked, then gone", async () => {
    await load("tasks-strong");
    await page.click("#step-collect");
    for (let i = 0; i < 3; i++) await page.click("#next");
    mkdirSync("build", { recursive: true });
    const marked = await page.locator("#graph").screenshot({ path: "build/explorer-move-unreachable.png" });
    await page.click("#done");
    const after = await page.locator("#graph").screenshot({ path: "build/explorer-after.png" });
    // count the unreachable border colour (#e15759) in each screenshot, decoded by the browser itself
    const count = (png: Buffer) => page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = new OffscreenCanvas(img.width, img.height);
      const ctx = c.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, img.width, img.height).data;
      let red = 0, ink = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i]! - 0xe1) < 24 && Math.abs(d[i + 1]! - 0x57) < 24 && Math.abs(d[i + 2]! - 0x59) < 24) red++;
        if (d[i]! + d[i + 1]! + d[i + 2]! < 600) ink++;
      }
      return { red, ink };
    }, png.toString("base64"));
    const before = await count(marked), later = await count(after);
    expect(before.ink).toBeGreaterThan(2000); // a graph was drawn
    expect(before.red).toBeGreaterThan(500); // eight dashed red borders
    expect(later.red).toBeLessThan(before.red / 10); // the garbage is gone from the live view
    expect(later.ink).toBeGreaterThan(1000);
  });

  it("builds objects with the mouse: new, link, drop; a cycle left for the collector", async () => {
    await load("empty");
    await page.click("#new");
    await page.click("#new");
    const [a, b] = (await graph()).nodes.filter((n) => n.type === "Node");
    expect(a && b).toBeTruthy();
    // select b, Link a, click a (b.a = a), then select a, Link a, click b (a.a = b)
    const tap = (id: number) => page.evaluate((i) => explorer.tap(i), id);
    await tap(b!.id); await page.click("#link-a"); await tap(a!.id);
    await tap(a!.id); await page.click("#link-a"); await tap(b!.id);
    let g = await graph();
    expect(g.edges.filter((e) => !e.weak)).toHaveLength(2);
    // the inspection tools on the selection: a is held by the host, and keeps nothing else alive alone
    await tap(a!.id);
    expect(await page.textContent("#inspect-info")).toMatch(/retained size \d+ bytes[\s\S]*Node/);
    expect(g.nodes.find((n) => n.id === a!.id)!.refcount).toBe(2); // the host's handle and b.a
    await tap(a!.id); await page.click("#drop");
    await tap(b!.id); await page.click("#drop");
    g = await graph();
    expect(g.nodes.filter((n) => n.type === "Node")).toHaveLength(2); // a cycle: refcounting cannot free it
    expect(g.nodes.every((n) => n.external === 0)).toBe(true);
    await page.click("#collect-2");
    expect((await graph()).nodes.filter((n) => n.type === "Node")).toHaveLength(0);
    await verify();
  });

  it("loads every preset scene on every collector, with a consistent heap", async () => {
    const ids = await page.evaluate(() => explorer.scenes);
    expect(ids).toEqual(expect.arrayContaining(["observer", "dllist", "tasks-strong", "tasks-weak", "finalizer-pep442", "finalizer-legacy"]));
    for (const collector of ["generational", "recycler", "none"]) {
      for (const id of ids) {
        await load(id, collector);
        await verify();
      }
    }
    await load("tasks-weak");
    expect((await graph()).nodes.filter((n) => n.type === "Task")).toHaveLength(1); // freed on eviction
    await load("dllist");
    const g = await graph();
    expect(g.edges.filter((e) => e.weak)).toHaveLength(3); // prev links are weak proxies
    expect(errors).toEqual([]);
  });

  it("shows PEP 442 freeing a finalizer cycle and legacy mode keeping it in gc.garbage", async () => {
    for (const [mode, left, garbage] of [["pep442", 0, 0], ["legacy", 2, 2]] as const) {
      await load(`finalizer-${mode}`);
      await page.click("#drop"); // nothing selected: a typed error in the log, nothing changes
      expect(await page.textContent("#log")).toMatch(/no handle|select/);
      const x = (await graph()).nodes.find((n) => n.external > 0)!;
      await page.evaluate((i) => explorer.tap(i), x.id);
      await page.click("#drop");
      await page.click("#collect-2");
      expect((await graph()).nodes.filter((n) => n.type === "Resource")).toHaveLength(left);
      expect(await page.textContent("#stats")).toMatch(new RegExp(`gc.garbage ${garbage}`));
      await verify();
    }
  });

  it("draws the pools allocator's pools as a map", async () => {
    await load("tasks-strong");
    const pools = await page.evaluate(() => explorer.pools());
    expect(pools.length).toBeGreaterThan(0);
    expect(await page.locator("#pools .pool").count()).toBe(pools.length);
  });
});
