// The seed talks' demonstrations, as VM programs (examples/seeds/*.lisp): each runs here and its
// output must be what the talk shows. Checked build, verified after each program. Programs that
// need the cycle collector run under both collectors; under 'none' their cycles must stay.
import { collectorCaps } from "./helpers.js";
import { describe, expect, test } from "vitest";
import { COLLECTORS, Heap, collectorsWith, type CollectorName } from "../src/index.js";
import { runProgram, seed } from "./vm-helpers.js";

async function run(name: string, collector: CollectorName = COLLECTORS[0], finalizerMode: "pep442" | "legacy" = "pep442") {
  const heap = await Heap.create({ debug: true, collector, finalizerMode });
  const r = runProgram(heap, seed(name));
  heap.verify();
  // the VM gone, nothing is left (but gc.garbage's uncollectable cycles under 'legacy')
  if (collectorCaps(collector).collectsCycles && finalizerMode === "pep442") expect(heap.stats().liveObjects).toBe(0);
  return r;
}

describe("seed programs", () => {
  test("refcount: binding, containers and calls each add a reference (Barker)", async () => {
    const { out, err } = await run("refcount");
    expect(err).toBe("");
    expect(out).toBe(`a = []                 getrefcount(a) = 2
b = a                  getrefcount(a) = 3
l = [1, 2, 3, a]       getrefcount(a) = 4
del b                  getrefcount(a) = 3
del l                  getrefcount(a) = 2
inside test(a): x has a refcount of: 4
after test(a)          getrefcount(a) = 2
getrefcount(3) = 6   getrefcount(1000) = 2
`);
  });

  test("globals: referrers, a local list dies on return, a global one at exit (Lerner wr1-wr4)", async () => {
    const { out } = await run("globals");
    expect(out).toBe(`referrers of p1: [<globals>]
Ack! I'm dead! (name1)
--- 0 ---
Ack! I'm dead! (name2)
Ack! I'm dead! (name1)
Ack! I'm dead! (name0)
--- 1 ---
Ack! I'm dead! (name2)
Ack! I'm dead! (name1)
Ack! I'm dead! (name0)
Before loop
After loop, now ending the program
Ack! I'm dead! (name2)
Ack! I'm dead! (name1)
Ack! I'm dead! (name0)
`);
  });

  test("weakrefs: ref, proxy, callbacks (Lerner wr5-wr9)", async () => {
    const { out, err } = await run("weakrefs");
    expect(err).toBe("");
    expect(out).toBe(`Before loop
Ack! I'm dead! (name0)
Ack! I'm dead! (name1)
Ack! I'm dead! (name2)
After loop
name1
name1
Ack! I'm dead! (name1)
p2() is None: True
AttributeError: 'NoneType' object has no attribute 'name'
name1
Ack! I'm dead! (name1)
weakproxy
ReferenceError: weakly-referenced object no longer exists
Before deleting, p2.name = name1
Deleting
Ack! I'm dead! (name1)
Boo hoo: weakref weakproxy is refless!
Done deleting
`);
  });

  test("observer: a deleted observer stops receiving messages (Lerner)", async () => {
    const { out } = await run("observer");
    expect(out).toBe(`Message for name2: Hello!
Message for name3: Hello!
Message for name4: Hello!
Ack! I'm dead! (name2)
Message for name3: Hello again!
Message for name4: Hello again!
Ack! I'm dead! (main)
Ack! I'm dead! (name3)
Ack! I'm dead! (name4)
`);
  });

  test("weak cache: a WeakValueDictionary keeps objects only while clients do (Barker)", async () => {
    const { out } = await run("weak-cache");
    expect(out).toBe(`a = get-big('alpha')
  creating BigObject alpha
b = get-big('alpha')   same object: True
c = get-big(7)
  creating BigObject 7
cache size: 2  keys: [7, 'alpha']
del a
  BigObject alpha freed
cache size: 1  keys: [7]
get-big('alpha') again
  creating BigObject alpha
cache size: 2
  BigObject alpha freed
  BigObject 7 freed
`);
  });

  for (const collector of collectorsWith("collectsCycles")) {
    test(`descriptor leak and its WeakKeyDictionary fix (Delowar, Lerner) [${collector}]`, async () => {
      const { out, err } = await run("descriptor-leak", collector);
      expect(err).toBe("");
      expect(out).toBe(`=== with a dict: the leak ===
exam.math = 90
  ValueError: value 120 is not within 0 and 100
gc.collect() found 0 ; entries still in _seen: 1
=== with a WeakKeyDictionary: fixed ===
exam.math = 90
entries in _seen: 1
  Exam2 instance freed
gc.collect() found 0 ; entries still in _seen: 0 []
  Exam instance freed
`);
    });

    test(`circular lists are freed only by gc.collect (Barker) [${collector}]`, async () => {
      const { out } = await run("circular", collector);
      expect(out).toBe(`l1 = [1, [2, [...]]]
l2 = [2, [1, [...]]]
l2[1][1][1] = [1, [2, [...]]]
lists alive: 2
after del l1, l2, lists alive: 2
gc.collect() -> 2
after gc.collect(), lists alive: 0
  __del__ a
  __del__ b
a <-> b dropped; gc.collect() -> 2
counter -> 3
counter dropped; gc.collect() -> 2
`);
    });
  }

  const linked = (strong: string) => `strong prev pointers:
  backwards: ['c', 'b', 'a']
  del l
${strong}prev pointers as weak proxies:
  backwards: ['c', 'b', 'a']
  del l
  __del__ a
  __del__ b
  __del__ c
  gc.collect() -> 0
WeakSet after s.add(X()): []
`;
  for (const collector of collectorsWith("collectsCycles")) {
    test(`doubly-linked list: strong prev needs the collector, proxy prev does not (Baker) [${collector}]`, async () => {
      const { out, err } = await run("linked-list", collector);
      expect(err).toBe("");
      expect(out).toBe(linked("  __del__ a\n  __del__ b\n  __del__ c\n  gc.collect() -> 3\n  gc.garbage: 0\n"));
    });
  }

  test("doubly-linked list under Python 2's rules: the cycle holding __del__ lands in gc.garbage", async () => {
    const { out } = await run("linked-list", collectorsWith("generations")[0], "legacy");
    expect(out).toBe(linked("  gc.collect() -> 3\n  gc.garbage: 3\n"));
  });

  test("circular under collector 'none': the cycles stay", async () => {
    const { out } = await run("circular", collectorsWith("collectsCycles", false)[0]);
    expect(out).toContain("after del l1, l2, lists alive: 2\ngc.collect() -> 0\nafter gc.collect(), lists alive: 2\n");
    expect(out).not.toContain("__del__ a"); // the Node cycle is never finalized
  });

  test("Task/Subtask server: strong parents need the collector, weak ones never do (Pytel)", async () => {
    const { out } = await run("tasks");
    const lines = out.split("\n");
    expect(lines[0]).toBe("strong parent (Subtask.task = task):");
    expect(lines[1]).toBe("  GET /subtasks/3 -> 1999");
    const strongColl = JSON.parse(lines[2].split(": ")[1]) as number[];
    expect(strongColl[0]).toBeGreaterThan(20);
    expect(strongColl[1]).toBeGreaterThan(0);
    expect(Number(lines[3].split(": ")[1])).toBeGreaterThan(30000); // the dropped tasks, found by the collector
    expect(lines[4]).toMatch(/^ {2}longest pause per generation \(ms, varies\): \[[\d.]+, [\d.]+, [\d.]+\]$/);
    expect(Number(lines[5].split("-> ")[1])).toBeGreaterThan(1000); // the last 50 tasks' cycles
    expect(lines.slice(6, 9)).toEqual([
      "weak parent (Subtask.task = weakref(task)):",
      "  GET /subtasks/3 -> 1999",
      "  automatic collections per generation: [3, 0, 0]",
    ]);
    expect(lines[9]).toBe("  unreachable objects they found: 0");
    expect(lines[11]).toBe("  server stopped; gc.collect() -> 0");
  });
});
