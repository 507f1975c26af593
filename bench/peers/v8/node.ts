// The V8 peers' node: a plain JS object with references a, b and a number v (the design's node).

export class Node {
  a: Node | null;
  b: Node | null;
  v: number;
  constructor(a: Node | null, b: Node | null, v: number) {
    this.a = a;
    this.b = b;
    this.v = v;
  }
}

/** A W1 tree of depth d (2^(d+1) - 1 nodes, v = depth of the subtree). */
export function buildTree(d: number): Node {
  return d > 0 ? new Node(buildTree(d - 1), buildTree(d - 1), d) : new Node(null, null, d);
}
