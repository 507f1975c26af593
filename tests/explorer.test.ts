// The heap explorer end to end: the page built with esbuild, served on localhost, driven in real
// headless Chromium (through playwright-core; tests/chromium.ts finds the browser). Scenes,
// mouse-made objects, a collection stepped phase by phase, layout, and a screenshot check; and the
// static server's refusal of every path outside its folders (no browser needed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error: plain .mjs build scripts (no types)
import { buildWeb } from "../scripts/build-web.mjs";
// @ts-expect-error: plain .mjs build scripts (no types)
import { serveWeb } from "../scripts/serve-web.mjs";
import { launchChromium } from "./chromium.js";

interface ExplorerApi {
  graph(): { nodes: { id: number; type: string; refcount: number; generation: number | null; external: number; weakref: boolean }[]; edges: { from: number; to: number; weak: boolean }[] };
  pools(): { sizeClass: number | null; used: number }[];
  loadScene(id: string, collector: string): Promise<void>;
  replay: { steps: { phase: string; listA: unknown[]; listB: unknown[] }[]; index: number } | null;
  scenes: string[];
  tap(id: number): void;
  view(): { zoom: number; fitMaxZoom: number; positions: Record<string, { x: number; y: number }>; rendered: Record<string, { w: number; h: number }> };
  runScript(): void;
  heap: { verify(): void; stats(): { liveObjects: number } };
}
declare const explorer: ExplorerApi;

/** GET with the path sent byte for byte (fetch would normalise it). */
function rawGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: urlPath, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${urlPath}`)));
    req.on("error", reject);
    req.end();
  });
}

describe("explorer server: only web/ and build/", () => {
  // a project root beside a sibling whose name starts with the root's (the prefix check's blind spot)
  let dir: string, server: Server, port: number;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "refheap-serve-"));
    for (const d of ["proj/web/sub", "proj/build", "proj-secret", "proj/webx"]) mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, "proj/web/index.html"), "INDEX");
    writeFileSync(path.join(dir, "proj/web/sub/page.js"), "PAGE");
    writeFileSync(path.join(dir, "proj/build/core.debug.wasm"), "WASM");
    writeFileSync(path.join(dir, "proj/package.json"), "ROOT-FILE");
    writeFileSync(path.join(dir, "proj/webx/x.txt"), "WEBX");
    writeFileSync(path.join(dir, "proj-secret/key.txt"), "SECRET");
    symlinkSync(path.join(dir, "proj-secret/key.txt"), path.join(dir, "proj/web/leak.txt"));
    symlinkSync(path.join(dir, "proj-secret"), path.join(dir, "proj/build/leakdir"));
    symlinkSync(path.join(dir, "proj/web/sub/page.js"), path.join(dir, "proj/web/alias.js")); // inside: fine
    ({ server, port } = await serveWeb(0, { root: path.join(dir, "proj") }));
  });
  afterAll(() => { server?.close(); rmSync(dir, { recursive: true, force: true }); });

  it("serves the page, its files and the wasm builds", async () => {
    expect(await rawGet(port, "/")).toEqual({ status: 200, body: "INDEX" });
    expect(await rawGet(port, "/sub/page.js")).toEqual({ status: 200, body: "PAGE" });
    expect(await rawGet(port, "/build/core.debug.wasm")).toEqual({ status: 200, body: "WASM" });
    expect(await rawGet(port, "/alias.js")).toEqual({ status: 200, body: "PAGE" });
    expect((await rawGet(port, "/missing.js")).status).toBe(404);
    expect((await rawGet(port, "/sub")).status).toBe(404); // a directory
  });

  it.each([
    "/build/..%2f..%2fproj-secret/key.txt", // the reported one: encoded separators
    "/build/..%2Fpackage.json", // the project root through /build/
    "/build/%2e%2e%2fpackage.json",
    "/..%2f..%2fproj-secret/key.txt",
    "/%2e%2e/%2e%2e/proj-secret/key.txt",
    "/build/..%5c..%5cproj-secret%5ckey.txt", // backslashes
    "/build/..\\..\\proj-secret\\key.txt",
    "/index.html%00.png", // NUL
    "/build/core.debug.wasm%00",
    "/..%2fwebx/x.txt",
    "/%E0%A4%A", // a malformed escape
    "/leak.txt", // symlinks out of the root
    "/build/leakdir/key.txt",
    "/../../proj-secret/key.txt",
    "/build/../../proj-secret/key.txt",
  ])("refuses %s", async (p) => {
    const r = await rawGet(port, p);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toMatch(/SECRET|ROOT-FILE|WEBX/);
  });

  it("stays up after refused requests, and refuses methods other than GET and HEAD", async () => {
    const post = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", method: "POST" }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on("error", reject);
      req.end();
    });
    expect(post).toBe(405);
    expect(await rawGet(port, "/")).toEqual({ status: 200, body: "INDEX" });
  });
});

let browser: Browser, page: Page, server: Server, base: string;
const errors: string[] = [];

const graph = () => page.evaluate(() => explorer.graph());
const verify = () => page.evaluate(() => explorer.heap.verify());
const load = (id: string, collector = "generational") => page.evaluate(([i, c]) => explorer.loadScene(i!, c!), [id, collector]);

describe("heap explorer (Chromium)", () => {
  beforeAll(async () => {
    await buildWeb();
    const s = await serveWeb(0);
    server = s.server;
    base = `http://127.0.0.1:${s.port}/`;
    browser = await launchChromium();
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

  it("caps the zoom on small scenes: one object is drawn at its size, not the page's", async () => {
    await load("empty");
    await page.click("#new");
    const v = await page.evaluate(() => explorer.view());
    expect(v.zoom).toBeLessThanOrEqual(v.fitMaxZoom);
    const node = (await graph()).nodes[0]!;
    expect(v.rendered[String(node.id)]!.w).toBeLessThanOrEqual(58 * v.fitMaxZoom + 4); // a node is 58 units wide
    await load("tasks-strong"); // a larger scene still fits the view
    const big = await page.evaluate(() => explorer.view());
    const box = (await page.locator("#graph").boundingBox())!;
    const xs = Object.values(big.positions).map((p) => p.x), ys = Object.values(big.positions).map((p) => p.y);
    expect((Math.max(...xs) - Math.min(...xs)) * big.zoom).toBeLessThan(box.width);
    expect((Math.max(...ys) - Math.min(...ys)) * big.zoom).toBeLessThan(box.height);
  });

  it("lays cycles out as cycles: a ring made by a script is a circle in ring order", async () => {
    await load("empty");
    await page.fill("#script", `const ring = []; for (let i = 0; i < 6; i++) ring.push(heap.alloc(types.Node));
ring.forEach((n, i) => n.set("a", ring[(i + 1) % 6])); roots.set("first", ring[0]); ring.slice(1).forEach((n) => n.dispose()); return "ring";`);
    await page.evaluate(() => explorer.runScript());
    expect(await page.textContent("#log")).toMatch(/script → ring/);
    const g = await graph(), v = await page.evaluate(() => explorer.view());
    // follow .a from the host's object around the ring
    const order = [g.nodes.find((n) => n.external > 0)!.id];
    for (let i = 1; i < 6; i++) order.push(g.edges.find((e) => e.from === order[i - 1] && !e.weak)!.to);
    const ps = order.map((id) => v.positions[String(id)]!);
    const cx = ps.reduce((a, p) => a + p.x, 0) / 6, cy = ps.reduce((a, p) => a + p.y, 0) / 6;
    const r = ps.map((p) => Math.hypot(p.x - cx, p.y - cy));
    for (const x of r) expect(x).toBeCloseTo(r[0]!, 0);
    expect(r[0]).toBeGreaterThan(40);
    const angle = ps.map((p) => Math.atan2(p.y - cy, p.x - cx));
    for (let i = 0; i < 6; i++) expect((angle[(i + 1) % 6]! - angle[i]! + 4 * Math.PI) % (2 * Math.PI)).toBeCloseTo(Math.PI / 3, 2);
    // the Task/Subtask scene: each task, its list and subtasks (a strong cycle) on a circle of its own
    await load("tasks-strong");
    const t = await graph(), tv = await page.evaluate(() => explorer.view());
    for (const task of t.nodes.filter((n) => n.type === "Task")) {
      const list = t.edges.find((e) => e.from === task.id)!.to;
      const members = [task.id, list, ...t.edges.filter((e) => e.from === list).map((e) => e.to)];
      expect(members).toHaveLength(4);
      const mp = members.map((id) => tv.positions[String(id)]!);
      const mx = mp.reduce((a, p) => a + p.x, 0) / 4, my = mp.reduce((a, p) => a + p.y, 0) / 4;
      const radii = mp.map((p) => Math.hypot(p.x - mx, p.y - my));
      for (const x of radii) expect(x).toBeCloseTo(radii[0]!, 0);
    }
    expect(errors).toEqual([]);
  });

  it("has a default script per scene that runs on every collector", async () => {
    const ids = await page.evaluate(() => explorer.scenes);
    for (const collector of ["generational", "recycler", "none"]) {
      for (const id of ids) {
        await load(id, collector);
        expect(await page.inputValue("#script"), id).not.toBe("");
        await page.evaluate(() => explorer.runScript());
        const log = (await page.textContent("#log"))!;
        expect(log, `${id} on ${collector}`).toMatch(/script → /);
        expect(log, `${id} on ${collector}`).not.toMatch(/error|unraisable/);
        await verify();
      }
    }
    await load("dllist");
    await page.evaluate(() => explorer.runScript());
    expect(await page.textContent("#log")).toMatch(/script → 0 → 1 → 2 → 3/);
    expect(errors).toEqual([]);
  });

  it("keeps the header on the replay step: the heap before the collection, then after its last step", async () => {
    await load("tasks-strong");
    const at = async () => (await page.textContent("#stats"))!;
    const liveObjects = (text: string) => Number(/ · (\d+) live objects/.exec(text)![1]);
    const live = await at();
    expect(live).toMatch(/^13 tracked, 0 weakrefs, 13 objects · \d+ live objects/);
    await page.click("#step-collect");
    const first = await at();
    expect(first).toMatch(/^collect\(2\) step 1\/6, merge generations: 13 in A, 0 unreachable in B · before the collection · 13 tracked, 0 weakrefs, 13 objects · /);
    expect(liveObjects(first)).toBe(liveObjects(live)); // the heap as it was, though the collection already ran
    for (let i = 0; i < 3; i++) await page.click("#next");
    expect(await at()).toMatch(/step 4\/6, move unreachable: 5 in A, 8 unreachable in B · before the collection · 13 tracked, 0 weakrefs, 13 objects · /);
    for (let i = 0; i < 2; i++) await page.click("#next");
    const last = await at();
    expect(last).toMatch(/step 6\/6, promote survivors: .* · after: 8 found · 5 tracked, 0 weakrefs, 5 objects · /);
    expect(liveObjects(last)).toBeLessThan(liveObjects(live));
    await page.click("#prev");
    expect(await at()).toMatch(/step 5\/6, clear garbage: .* · before the collection · 13 tracked, 0 weakrefs, 13 objects · /);
    await page.click("#done");
    const after = await at();
    expect(after).toMatch(/^5 tracked, 0 weakrefs, 5 objects · /);
    expect(liveObjects(after)).toBe(liveObjects(last));
  });

  it("draws the pools allocator's pools as a map", async () => {
    await load("tasks-strong");
    const pools = await page.evaluate(() => explorer.pools());
    expect(pools.length).toBeGreaterThan(0);
    expect(await page.locator("#pools .pool").count()).toBe(pools.length);
  });
});
