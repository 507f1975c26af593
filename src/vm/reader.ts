// The reader: source text -> syntax tree. A small Lisp with Python's flavour: `;` comments,
// [a b] list and {k v} dict literals,
// "strings" with \n \t \" \\ escapes, integers and decimals, symbols, and `a.b.c` as attribute
// access (read as (. (. a b) c)). Every node keeps its line for error messages.

import { VMError } from "./errors.js";

export type Node =
  | { t: "num"; v: number; line: number }
  | { t: "str"; v: string; line: number }
  | { t: "sym"; v: string; line: number }
  | { t: "list"; items: Node[]; line: number };

const DELIMS = new Set(["(", ")", "[", "]", "{", "}", '"', ";"]);
const OPENER: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses every form of `src`. Throws a SyntaxError (VMError) naming the line. */
export function read(src: string): Node[] {
  let i = 0, line = 1;
  const n = src.length;
  const out: Node[] = [];
  // an explicit stack of open lists: no recursion however deep the nesting
  const open: { items: Node[]; line: number; close: string }[] = [];
  const emit = (node: Node) => (open.length ? open[open.length - 1].items : out).push(node);
  while (i < n) {
    const c = src[i];
    if (c === "\n") { line++; i++; continue; }
    if (c === " " || c === "\t" || c === "\r" || c === ",") { i++; continue; }
    if (c === ";") { while (i < n && src[i] !== "\n") i++; continue; }
    if (c === "(" || c === "[" || c === "{") { open.push({ items: [], line, close: c === "(" ? ")" : c === "[" ? "]" : "}" }); i++; continue; }
    if (c === ")" || c === "]" || c === "}") {
      const top = open.pop();
      if (!top) throw new VMError("SyntaxError", `unexpected '${c}' at line ${line}`);
      if (top.close !== c) throw new VMError("SyntaxError", `'${c}' at line ${line} closes the '${OPENER[top.close]}' opened at line ${top.line}`);
      const items = top.items;
      // [a b c] is (list a b c); {k v ...} is (dict k v ...)
      const ctor = c === "]" ? "list" : c === "}" ? "dict" : null;
      emit({ t: "list", items: ctor ? [{ t: "sym", v: ctor, line: top.line }, ...items] : items, line: top.line });
      i++;
      continue;
    }
    if (c === "'") {
      throw new VMError("SyntaxError", `quote is not supported (line ${line}): use [..] for lists and "..." for strings`);
    }
    if (c === '"') {
      const start = line;
      let s = "";
      i++;
      for (;;) {
        if (i >= n) throw new VMError("SyntaxError", `unterminated string starting at line ${start}`);
        const d = src[i++];
        if (d === '"') break;
        if (d === "\n") line++;
        if (d === "\\") {
          const e = src[i++];
          s += e === "n" ? "\n" : e === "t" ? "\t" : e === "\\" ? "\\" : e === '"' ? '"' : e === undefined ? "" : "\\" + e;
        } else s += d;
      }
      emit({ t: "str", v: s, line: start });
      continue;
    }
    let j = i;
    while (j < n && !DELIMS.has(src[j]) && !/\s/.test(src[j]) && src[j] !== ",") j++;
    const tok = src.slice(i, j);
    i = j;
    if (NUMBER.test(tok)) { emit({ t: "num", v: Number(tok), line }); continue; }
    emit(symbol(tok, line));
  }
  if (open.length) throw new VMError("SyntaxError", `'${OPENER[open[open.length - 1].close]}' opened at line ${open[open.length - 1].line} is never closed`);
  return out;
}

function symbol(tok: string, line: number): Node {
  // a.b.c -> (. (. a b) c); a lone "." and names starting or ending with a dot stay symbols
  if (tok.length > 2 && tok.includes(".") && !tok.startsWith(".") && !tok.endsWith(".") && !tok.includes("..")) {
    const parts = tok.split(".");
    let node: Node = { t: "sym", v: parts[0], line };
    for (const p of parts.slice(1)) node = { t: "list", items: [{ t: "sym", v: ".", line }, node, { t: "sym", v: p, line }], line };
    return node;
  }
  return { t: "sym", v: tok, line };
}
