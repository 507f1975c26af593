// The explorer's layout (web/layout.ts), without a browser: cycles drawn as circles in reference
// order, everything else in layers below the host, components apart, no recursion on long chains.
import { describe, expect, it } from "vitest";
import { SPACING, circleRadius, components, layoutGraph, type LayoutEdge, type Point } from "../web/layout.js";

const strong = (pairs: [string, string][]): LayoutEdge[] => pairs.map(([source, target]) => ({ source, target, weak: false }));
const ring = (names: string[]): [string, string][] => names.map((n, i) => [n, names[(i + 1) % names.length]!]);

function onCircle(pos: Map<string, Point>, members: string[]) {
  const ps = members.map((m) => pos.get(m)!);
  const cx = ps.reduce((a, p) => a + p.x, 0) / ps.length, cy = ps.reduce((a, p) => a + p.y, 0) / ps.length;
  const radii = ps.map((p) => Math.hypot(p.x - cx, p.y - cy));
  const angles = ps.map((p) => Math.atan2(p.y - cy, p.x - cx));
  return { cx, cy, radii, angles };
}

describe("explorer layout", () => {
  it("finds the cycles, each in the order its references run", () => {
    const ids = ["host", "a", "b", "c", "d", "e", "x"];
    const edges = [...strong([["host", "a"], ["host", "x"]]), ...strong(ring(["a", "b", "c", "d", "e"]))];
    const comps = components(ids, edges);
    expect(comps.find((c) => c.length > 1)).toEqual(["a", "b", "c", "d", "e"]);
    expect(comps.filter((c) => c.length === 1).flat().sort()).toEqual(["host", "x"]);
    // a weak edge does not close a cycle
    expect(components(["p", "q"], [{ source: "p", target: "q", weak: false }, { source: "q", target: "p", weak: true }])).toHaveLength(2);
  });

  it("draws a ring as a circle, its members at equal steps in ring order", () => {
    const names = ["a", "b", "c", "d", "e"];
    const pos = layoutGraph(["host", ...names], [...strong([["host", "a"]]), ...strong(ring(names))], "host");
    const { radii, angles } = onCircle(pos, names);
    for (const r of radii) expect(r).toBeCloseTo(circleRadius(5), 6);
    for (let i = 0; i < names.length; i++) {
      const step = (angles[(i + 1) % names.length]! - angles[i]! + 2 * Math.PI) % (2 * Math.PI);
      expect(step).toBeCloseTo((2 * Math.PI) / names.length, 6); // the next member is the next on the circle
    }
    expect(pos.get("host")!.y).toBeLessThan(Math.min(...names.map((n) => pos.get(n)!.y))); // below the host
  });

  it("lays trees in layers and keeps components apart", () => {
    // host -> list -> three tasks, each task in a cycle with its subtask; and a garbage ring no one reaches
    const ids = ["host", "list", "t1", "s1", "t2", "s2", "t3", "s3", "g1", "g2", "g3"];
    const edges = strong([["host", "list"], ["list", "t1"], ["list", "t2"], ["list", "t3"], ["t1", "s1"], ["s1", "t1"], ["t2", "s2"], ["s2", "t2"], ["t3", "s3"], ["s3", "t3"], ...ring(["g1", "g2", "g3"])]);
    const pos = layoutGraph(ids, edges, "host");
    expect(pos.size).toBe(ids.length);
    expect(pos.get("host")!.y).toBeLessThan(pos.get("list")!.y);
    for (const t of ["t1", "t2", "t3"]) expect(pos.get(t)!.y).toBeGreaterThan(pos.get("list")!.y);
    expect(Math.min(...["g1", "g2", "g3"].map((g) => pos.get(g)!.y))).toBeGreaterThan(Math.max(...["t1", "s1"].map((g) => pos.get(g)!.y))); // unreached: below
    // two garbage rings side by side in one layer, not one below the other
    const two = layoutGraph(["host", "a", "b", "c", "d"], strong([["a", "b"], ["b", "a"], ["c", "d"], ["d", "c"]]), "host");
    expect(two.get("a")!.y + two.get("b")!.y).toBeCloseTo(two.get("c")!.y + two.get("d")!.y, 6);
    // circles of different components do not overlap, and no two nodes share a spot
    const circles = [["t1", "s1"], ["t2", "s2"], ["t3", "s3"], ["g1", "g2", "g3"]].map((m) => ({ ...onCircle(pos, m), m }));
    for (let i = 0; i < circles.length; i++) for (let j = i + 1; j < circles.length; j++) {
      const a = circles[i]!, b = circles[j]!;
      expect(Math.hypot(a.cx - b.cx, a.cy - b.cy)).toBeGreaterThanOrEqual(a.radii[0]! + b.radii[0]! + SPACING.node / 2);
    }
    const spots = new Set([...pos.values()].map((p) => `${Math.round(p.x)},${Math.round(p.y)}`));
    expect(spots.size).toBe(ids.length);
  });

  it("handles a 30,000-long chain and a 30,000-long ring without recursion (deeper than the JS stack)", () => {
    const n = 30_000, ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const chain = strong(ids.slice(1).map((id, i) => [ids[i]!, id]));
    expect(components(ids, chain)).toHaveLength(n);
    const comps = components(ids, [...chain, { source: ids[n - 1]!, target: ids[0]!, weak: false }]);
    expect(comps).toHaveLength(1);
    expect(comps[0]![1]).toBe("n1");
    expect(layoutGraph(ids, chain, "n0").size).toBe(n);
  });
});
