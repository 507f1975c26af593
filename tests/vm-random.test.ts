// Random programs against the VM's reference discipline: statements that bind, store, delete,
// build cycles, make weak references with callbacks, run __del__ (which allocates and stores into
// globals while the heap is mid-release), raise errors half-way through expressions, and collect.
// After every statement the heap must verify; after the VM is disposed, nothing may be left.
import { expect, test } from "vitest";
import { collectorCaps, heapSuite, rng } from "./helpers.js";
import { makeVM } from "./vm-helpers.js";
import { VMError } from "../src/vm/errors.js";

const PRELUDE = `
(class Box (v other)
  (define (__init__ self v) (set! self.v v))
  (define (__del__ self) (append! log [self.v]) (when (> (len log) 50) (set! log []))))
(class Plain (v other))
(define log [])
(define cbs 0)
(define (on-dead wr) (set! cbs (+ cbs 1)) (append! log "cb"))
(define (mk-closure x) (define (self-ref) (+ x 1)) self-ref)
`;

function statement(r: () => number): string {
  const v = () => `v${Math.floor(r() * 6)}`;
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  switch (Math.floor(r() * 16)) {
    case 0: return `(define ${v()} (Box ${Math.floor(r() * 1000)}))`;
    case 1: return `(define ${v()} (Plain "s"))`;
    case 2: return `(define ${v()} [${v()} ${v()} 7])`;
    case 3: return `(define ${v()} {"k" ${v()} 3 ${v()}})`;
    case 4: return `(set! ${v()}.other ${v()})`; // may be a type error: no field on a list
    case 5: return `(append! ${v()} ${v()})`; // cycles when a list holds itself
    case 6: return `(del ${v()})`;
    case 7: return `(define ${v()} (weakref ${v()} on-dead))`;
    case 8: return `(define ${v()} (proxy ${v()}))`;
    case 9: return `(print (. ${v()} v))`;
    case 10: return `(gc-collect ${pick([0, 1, 2])})`;
    case 11: return `(define ${v()} (mk-closure ${Math.floor(r() * 9)}))`;
    case 12: return `(list (Box 1) (Box 2) (undefined-thing) (Box 3))`; // an error mid-expression
    case 13: return `(put! ${v()} "k" ${v()})`;
    case 14: return `(define ${v()} (WeakKeyDictionary)) (put! ${v()} ${v()} ${v()})`;
    default: return `(getrefcount ${v()})`;
  }
}

heapSuite("vm random programs", ({ make, strategy }) => {
  // the checked build validates every call; the release build is where the VM does increfs and
  // non-final decrefs inline (src/vm/values.ts): both must keep every count right
  test.each([{ debug: true }, { debug: false }])("reference discipline holds under random statements (debug: $debug)", async ({ debug }) => {
    for (let seed = 1; seed <= 8; seed++) {
      const heap = await make({ debug });
      const { vm } = makeVM(heap);
      vm.run(PRELUDE);
      const r = rng(seed * 7919 + strategy.collector.length);
      let errors = 0;
      for (let i = 0; i < 200; i++) {
        const src = statement(r);
        try {
          vm.run(src);
        } catch (e) {
          if (!(e instanceof VMError)) throw new Error(`seed ${seed} statement ${i} ${src}: ${e}`);
          errors++;
        }
        expect(vm.stack.length, src).toBe(0);
        if (i % 10 === 0) heap.verify();
      }
      expect(errors).toBeGreaterThan(0);
      heap.verify();
      vm.dispose();
      heap.verify();
      if (collectorCaps(strategy.collector).collectsCycles) expect(heap.stats().liveObjects, `seed ${seed}`).toBe(0);
    }
  });
});
