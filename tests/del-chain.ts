// The VM __del__ chain (issue 14 item 1): tests/reentry.test.ts runs it at length, bench/vm-chain.ts
// times it. A class whose __del__ counts its nesting depth and drops the next link.

/** Globals, the class and the loop's counters; `(print deaths deepest)` then reports the chain. */
export const DEL_CHAIN_SETUP = `
  (define deaths 0)
  (define depth 0)
  (define deepest 0)
  (class L (next)
    (define (__del__ self)
      (set! depth (+ depth 1))
      (when (> depth deepest) (set! deepest depth))
      (set! deaths (+ deaths 1))
      (set! self.next None)
      (set! depth (- depth 1))))
  (define head None)
  (define i 0)`;

/**
 * Builds an n-link chain with automatic collection off (each new link makes the previous one a
 * candidate whose subgraph is the whole chain: the candidate-driven collectors' cost per link would
 * grow with the length, docs/collectors.md).
 */
export const delChainBuild = (n: number): string =>
  `(gc-disable) (while (< i ${n}) (define n (L)) (set! n.next head) (set! head n) (set! i (+ i 1))) (gc-enable)`;

/** Drops the chain: it dies link by link, each __del__ dropping the next. */
export const DEL_CHAIN_DROP = "(set! n None) (set! head None)";
