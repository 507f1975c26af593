// Environments. At compile time a Scope lists the names of one frame; a name resolves to
// (depth, slot): how many parent links to follow, then which reference field. At run time a frame
// is a heap object of a fixed type with refs [parent, slot1..slotN] (one type per slot count,
// see Model.frameType), so a closure holding its frame is an ordinary heap reference and cycles
// through frames are ordinary cycles. Globals are not frames: they live in the VM's module list.

import type { Node } from "./reader.js";

export class Scope {
  readonly names: string[] = [];
  constructor(readonly parent: Scope | null) {}
  add(n: string): void { if (!this.names.includes(n)) this.names.push(n); }
  lookup(n: string): { depth: number; index: number } | null {
    let d = 0;
    for (let s: Scope | null = this; s; s = s.parent, d++) {
      const i = s.names.indexOf(n);
      if (i >= 0) return { depth: d, index: i + 1 };
    }
    return null;
  }
}

/** Names a function body defines (define, for and for-each variables), not looking into nested scopes. */
export function scanDefines(forms: Node[], scope: Scope): void {
  const work = [...forms];
  while (work.length) {
    const f = work.pop()!;
    if (f.t !== "list" || !f.items.length || f.items[0].t !== "sym") continue;
    const h = f.items[0].v;
    if (h === "lambda" || h === "fn" || h === "let" || h === "class") continue;
    if (h === "define") {
      const target = f.items[1];
      if (target?.t === "sym") scope.add(target.v);
      else if (target?.t === "list" && target.items[0]?.t === "sym") {
        scope.add(target.items[0].v);
        continue; // (define (f ...) body): the body is f's own scope
      }
    }
    if ((h === "for" || h === "for-each") && f.items[1]?.t === "list" && f.items[1].items[0]?.t === "sym") scope.add(f.items[1].items[0].v);
    if (h === "try") for (const c of f.items) if (c.t === "list" && c.items[0]?.t === "sym" && c.items[0].v === "catch" && c.items[1]?.t === "sym") scope.add(c.items[1].v);
    for (const c of f.items.slice(1)) work.push(c);
  }
}

/**
 * How deep compound forms nest in `forms` ((f x) is 1, (f (g x)) 2): the JS frames their evaluation
 * stacks up. Bodies of nested functions are left out: they run in calls of their own, charged there.
 */
export function nesting(forms: Node[]): number {
  let max = 0;
  const work: { f: Node; d: number }[] = forms.map((f) => ({ f, d: 1 }));
  while (work.length) {
    const { f, d } = work.pop()!;
    if (f.t !== "list") continue;
    if (d > max) max = d;
    const h = f.items[0];
    if (h?.t === "sym" && (h.v === "lambda" || h.v === "fn" || (h.v === "define" && f.items[1]?.t === "list"))) continue;
    for (const c of f.items) work.push({ f: c, d: d + 1 });
  }
  return max;
}
