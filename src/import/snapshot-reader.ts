// A streaming reader of V8 .heapsnapshot files (plain or gzip) into typed arrays, for files of
// hundreds of MB: the text is never held whole (V8 refuses strings over 512 MiB, and JSON.parse
// of such a file takes gigabytes), the numbers of `nodes` and `edges` go straight into
// Uint32Arrays sized from the header (after the limits are checked), and of `strings` only the
// ones the caller asks for are decoded. The layout is the one V8's HeapSnapshotJSONSerializer
// writes and DevTools' HeapSnapshotLoader requires: `snapshot` first, `nodes` and `edges` before
// `strings`; other keys (trace_tree, samples, locations...) are skipped without recursion.
// Every departure from the format is a HeapSnapshotFormatError naming the byte offset, every
// limit a HeapSnapshotLimitError: the file is input from strangers.

import { HeapError } from "../errors.js";
import { HeapSnapshotFormatError } from "../inspect/heapsnapshot.js";

/** A .heapsnapshot beyond a limit of importHeapSnapshot (file bytes, nodes, edges). `limit` names it. */
export class HeapSnapshotLimitError extends HeapError {
  constructor(message: string, readonly limit: "maxFileBytes" | "maxNodes" | "maxEdges" | "maxTypes", readonly value: number, readonly max: number) {
    super(message);
  }
}

export interface SnapshotMeta {
  nodeFields: string[];
  nodeTypes: string[];
  edgeFields: string[];
  edgeTypes: string[];
  nodeCount: number;
  edgeCount: number;
  /** Node ordinal of the root (snapshot.root_index / node field count; 0 when absent). */
  root: number;
}

export interface ParsedSnapshot extends SnapshotMeta {
  /** nodeCount × nodeFields.length numbers, as in the file. */
  nodes: Uint32Array;
  /** edgeCount × edgeFields.length numbers, as in the file. */
  edges: Uint32Array;
  /** Number of strings in the file. */
  stringCount: number;
  /** The strings asked for (by index); the others are not decoded. */
  strings: Map<number, string>;
}

export interface ReadLimits {
  /** Most bytes of snapshot text (after decompression). */
  maxTextBytes: number;
  maxNodes: number;
  maxEdges: number;
  /** Longest `snapshot` header, in bytes (it holds only the meta data). */
  maxHeaderBytes?: number;
  /** Longest string decoded (longer ones are cut): names, not contents, are wanted. */
  maxNameBytes?: number;
}

const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const EMPTY = new Uint8Array(0);

/** Bytes from an async source, with the offset for messages and a bound on the total. */
class ByteSource {
  chunk: Uint8Array = EMPTY;
  pos = 0;
  /** Bytes before the current chunk. */
  base = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>, private readonly maxBytes: number) {}

  get offset(): number { return this.base + this.pos; }

  fail(m: string): never { throw new HeapSnapshotFormatError(`.heapsnapshot at byte ${this.offset}: ${m}`); }

  /** The next chunk; false at the end of the input. */
  async more(): Promise<boolean> {
    for (;;) {
      const r = await this.it.next();
      if (r.done) return false;
      this.base += this.chunk.length;
      this.chunk = r.value;
      this.pos = 0;
      if (this.base + this.chunk.length > this.maxBytes) {
        throw new HeapSnapshotLimitError(`.heapsnapshot: the snapshot text is larger than maxFileBytes (${this.maxBytes} bytes)`, "maxFileBytes", this.base + this.chunk.length, this.maxBytes);
      }
      if (this.chunk.length) return true;
    }
  }

  /** The next byte that is not white space, not consumed; -1 at the end. */
  async peek(): Promise<number> {
    for (;;) {
      while (this.pos < this.chunk.length) {
        const c = this.chunk[this.pos];
        if (!WS(c)) return c;
        this.pos++;
      }
      if (!(await this.more())) return -1;
    }
  }

  async expect(c: number, what: string): Promise<void> {
    const got = await this.peek();
    if (got !== c) this.fail(`expected ${what}, found ${got < 0 ? "the end of the file" : JSON.stringify(String.fromCharCode(got))}`);
    this.pos++;
  }

  /**
   * A JSON string at the current position (after white space): its raw bytes between the quotes
   * when `keep`, at most `most` of them (the rest skipped); null when not kept.
   */
  async string(keep: boolean, most: number): Promise<{ raw: Uint8Array; cut: boolean } | null> {
    await this.expect(0x22, "a string");
    const parts: Uint8Array[] = [];
    let kept = 0, cut = false, escaped = false;
    for (;;) {
      if (this.pos >= this.chunk.length && !(await this.more())) this.fail("unterminated string");
      const chunk = this.chunk, start = this.pos;
      let i = start, end = -1;
      for (; i < chunk.length; i++) {
        const c = chunk[i];
        if (escaped) { escaped = false; continue; }
        if (c === 0x5c) escaped = true;
        else if (c === 0x22) { end = i; break; }
        else if (c < 0x20) { this.pos = i; this.fail("control character in a string"); }
      }
      const stop = end < 0 ? i : end;
      if (keep && !cut) {
        const room = most - kept;
        // never cut inside an escape: the cut falls at a backslash-free point or the whole is kept
        let take = Math.min(room, stop - start);
        if (take < stop - start) {
          cut = true;
          while (take > 0 && chunk[start + take - 1] === 0x5c) take--;
        }
        parts.push(chunk.slice(start, start + take));
        kept += take;
      }
      if (end >= 0) { this.pos = end + 1; break; }
      this.pos = chunk.length;
    }
    if (!keep) return null;
    if (parts.length === 1) return { raw: parts[0], cut };
    const raw = new Uint8Array(kept);
    let o = 0;
    for (const p of parts) { raw.set(p, o); o += p.length; }
    return { raw, cut };
  }

  /**
   * An array of unsigned integers into `out` from index 0; returns how many. More than out.length
   * of them is an error (so memory stays what the header declared).
   */
  async uintArray(out: Uint32Array, what: string): Promise<number> {
    await this.expect(0x5b, `'[' opening ${what}`);
    let n = 0, cur = 0, digits = 0, ended = false; // ended: white space after a number
    for (;;) {
      if (this.pos >= this.chunk.length && !(await this.more())) this.fail(`${what}: the file ends inside the array`);
      const chunk = this.chunk, len = chunk.length;
      let i = this.pos;
      for (; i < len; i++) {
        const c = chunk[i];
        if (c >= 0x30 && c <= 0x39) {
          if (ended) { this.pos = i; this.fail(`${what}: two numbers without a comma`); }
          cur = cur * 10 + (c - 0x30);
          if (++digits > 10 || cur > 0xffff_ffff) { this.pos = i; this.fail(`${what}: a number larger than 2^32 − 1`); }
        } else if (c === 0x2c || c === 0x5d) {
          if (!digits) {
            if (c === 0x5d && n === 0) { this.pos = i + 1; return 0; }
            this.pos = i; this.fail(`${what}: a missing number`);
          }
          if (n >= out.length) { this.pos = i; this.fail(`${what}: more numbers than the header declares (${out.length})`); }
          out[n++] = cur;
          cur = 0; digits = 0; ended = false;
          if (c === 0x5d) { this.pos = i + 1; return n; }
        } else if (WS(c)) {
          if (digits) ended = true;
        } else {
          this.pos = i;
          this.fail(`${what}: expected an unsigned integer, found ${JSON.stringify(String.fromCharCode(c))}`);
        }
      }
      this.pos = i;
    }
  }

  /**
   * Skips one JSON value (any nesting, iteratively); with `capture`, returns its text (at most
   * `most` bytes, else a limit error naming `what`).
   */
  async value(capture: boolean, most: number, what: string): Promise<string | undefined> {
    const parts: Uint8Array[] = [];
    let size = 0;
    const keep = (from: number, to: number) => {
      if (!capture) return;
      size += to - from;
      if (size > most) this.fail(`${what} is longer than ${most} bytes`);
      parts.push(this.chunk.slice(from, to));
    };
    let depth = 0, inString = false, escaped = false, started = false;
    await this.peek();
    for (;;) {
      if (this.pos >= this.chunk.length && !(await this.more())) this.fail(`${what}: the file ends inside the value`);
      const chunk = this.chunk, start = this.pos;
      let i = start, done = false;
      for (; i < chunk.length; i++) {
        const c = chunk[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) { inString = false; if (!depth) { i++; done = true; break; } }
          continue;
        }
        if (c === 0x22) { inString = true; started = true; }
        else if (c === 0x7b || c === 0x5b) { depth++; started = true; }
        else if (c === 0x7d || c === 0x5d) {
          if (!depth) { done = true; break; } // the end of the enclosing container: a scalar ended
          if (--depth === 0) { i++; done = true; break; }
        } else if (c === 0x2c && !depth) { done = true; break; }
        else if (!WS(c)) started = true;
        else if (started && !depth) { done = true; break; }
      }
      keep(start, i);
      this.pos = i;
      if (done) break;
    }
    if (!started) this.fail(`${what}: a missing value`);
    if (!capture) return undefined;
    const all = new Uint8Array(size);
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    return new TextDecoder().decode(all);
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function decodeJsonString(src: ByteSource, raw: Uint8Array, cut: boolean): string {
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    if (!cut) src.fail("a string that is not UTF-8");
    text = new TextDecoder().decode(raw); // a cut may split a character: the replacement is fine for a name
  }
  if (!text.includes("\\")) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    if (cut) return text;
    return src.fail("a string with a bad escape");
  }
}

function meta(headerText: string, src: ByteSource, limits: ReadLimits): SnapshotMeta {
  let h: unknown;
  try { h = JSON.parse(headerText); } catch (e) { src.fail(`snapshot: not JSON (${(e as Error).message})`); }
  const fail = (m: string): never => { throw new HeapSnapshotFormatError(`.heapsnapshot: snapshot.${m}`); };
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  if (!obj(h) || !obj(h.meta)) return fail("meta is missing");
  const m = h.meta;
  const strs = (x: unknown, what: string): string[] => {
    if (!Array.isArray(x) || x.length === 0 || x.length > 64 || !x.every((s) => typeof s === "string" && s.length < 64)) fail(`meta.${what} must be a list of names`);
    return x as string[];
  };
  const nodeFields = strs(m.node_fields, "node_fields"), edgeFields = strs(m.edge_fields, "edge_fields");
  if (!Array.isArray(m.node_types) || !Array.isArray(m.edge_types)) fail("meta.node_types and edge_types must be lists");
  const nodeTypes = strs((m.node_types as unknown[])[0], "node_types[0]"), edgeTypes = strs((m.edge_types as unknown[])[0], "edge_types[0]");
  for (const f of ["type", "name", "edge_count"]) if (!nodeFields.includes(f)) fail(`meta.node_fields has no '${f}'`);
  for (const f of ["type", "name_or_index", "to_node"]) if (!edgeFields.includes(f)) fail(`meta.edge_fields has no '${f}'`);
  const count = (x: unknown, what: string): number => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0) fail(`${what} must be a non-negative integer, got ${JSON.stringify(x)}`);
    return x as number;
  };
  const nodeCount = count(h.node_count, "node_count"), edgeCount = count(h.edge_count, "edge_count");
  if (nodeCount === 0) fail("node_count is 0: a snapshot has at least its root");
  if (nodeCount > limits.maxNodes) {
    throw new HeapSnapshotLimitError(`.heapsnapshot: ${nodeCount} nodes, more than maxNodes (${limits.maxNodes})`, "maxNodes", nodeCount, limits.maxNodes);
  }
  if (edgeCount > limits.maxEdges) {
    throw new HeapSnapshotLimitError(`.heapsnapshot: ${edgeCount} edges, more than maxEdges (${limits.maxEdges})`, "maxEdges", edgeCount, limits.maxEdges);
  }
  const rootIndex = h.root_index === undefined ? 0 : count(h.root_index, "root_index");
  if (rootIndex % nodeFields.length || rootIndex / nodeFields.length >= nodeCount) fail(`root_index ${rootIndex} is not a node`);
  return { nodeFields, nodeTypes, edgeFields, edgeTypes, nodeCount, edgeCount, root: rootIndex / nodeFields.length };
}

/**
 * Reads a snapshot's text from `chunks`. `wanted(parsed)` is called once nodes and edges are in,
 * and returns which string indexes to decode (the others are skipped).
 */
export async function readSnapshot(
  chunks: AsyncIterable<Uint8Array>, limits: ReadLimits, wanted: (s: Omit<ParsedSnapshot, "strings" | "stringCount">) => (i: number) => boolean,
): Promise<ParsedSnapshot> {
  const src = new ByteSource(chunks[Symbol.asyncIterator](), limits.maxTextBytes);
  const maxName = limits.maxNameBytes ?? 1024;
  let header: SnapshotMeta | undefined;
  let nodes: Uint32Array | undefined, edges: Uint32Array | undefined;
  let strings: Map<number, string> | undefined, stringCount = 0;
  const seen = new Set<string>();
  await src.expect(0x7b, "'{' opening the snapshot (is this a .heapsnapshot?)");
  if ((await src.peek()) === 0x7d) src.fail("an empty object");
  for (;;) {
    const keyRaw = await src.string(true, 64);
    const key = decodeJsonString(src, keyRaw!.raw, keyRaw!.cut);
    if (seen.has(key)) src.fail(`key '${key}' twice`);
    seen.add(key);
    await src.expect(0x3a, "':'");
    if (!header && key !== "snapshot") src.fail(`'${key}' before 'snapshot': V8 writes the snapshot's meta data first`);
    if (key === "snapshot") {
      header = meta((await src.value(true, limits.maxHeaderBytes ?? 1 << 20, "snapshot"))!, src, limits);
    } else if (key === "nodes" || key === "edges") {
      const h = header!;
      const n = key === "nodes" ? h.nodeCount * h.nodeFields.length : h.edgeCount * h.edgeFields.length;
      const out = new Uint32Array(n);
      const got = await src.uintArray(out, key);
      if (got !== n) src.fail(`${key} has ${got} numbers, not the ${n} the header declares`);
      if (key === "nodes") nodes = out; else edges = out;
    } else if (key === "strings") {
      if (!nodes || !edges) src.fail("'strings' before 'nodes' and 'edges': V8 writes them last");
      const want = wanted({ ...header!, nodes: nodes!, edges: edges! });
      strings = new Map();
      await src.expect(0x5b, "'[' opening strings");
      if ((await src.peek()) === 0x5d) src.pos++;
      else {
        for (;;) {
          const keep = want(stringCount);
          const s = await src.string(keep, maxName);
          if (s) strings.set(stringCount, decodeJsonString(src, s.raw, s.cut));
          stringCount++;
          const c = await src.peek();
          src.pos++;
          if (c === 0x5d) break;
          if (c !== 0x2c) { src.pos--; src.fail("strings: expected ',' or ']'"); }
        }
      }
    } else {
      await src.value(false, 0, key);
    }
    const c = await src.peek();
    if (c === 0x7d) { src.pos++; break; }
    if (c !== 0x2c) src.fail("expected ',' or '}' after a value");
    src.pos++;
  }
  if ((await src.peek()) !== -1) src.fail("text after the snapshot's closing '}'");
  if (!nodes || !edges || !strings) throw new HeapSnapshotFormatError(`.heapsnapshot: missing ${!nodes ? "nodes" : !edges ? "edges" : "strings"}`);
  return { ...header!, nodes, edges, strings, stringCount };
}
