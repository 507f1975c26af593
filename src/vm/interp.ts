// The interpreter: syntax trees are compiled once into JS closures over the heap; running one
// returns a NEW reference (a u32 pointer) to its value.
//
// Roots. The VM holds references in three places, and nowhere else:
//   - the value stack (`vm.stack`): every temporary the interpreter keeps while it evaluates
//     something else (callee, arguments, the current frame, an object being built) is pushed
//     here, owned. An error unwinds the stack to where the catching form started and releases
//     what it drops, so a failed expression leaks nothing.
//   - the globals (`vm.module`), a refarray held by the VM: one slot per global name.
//   - constants (string and large-number literals of compiled code) and the singletons.
// These are external references: the cycle collector needs no root set, it sees refcounts it
// cannot explain from inside the heap (see docs/embedding.md).
//
// Frames are heap objects (fixed types, refs [parent, slots...]); a closure holds its defining
// frame, so recursion through a local function, or a method stored on its own instance, makes
// cycles that only the collector frees, as in CPython.

import type { Heap } from "../heap.js";
import type { Handle } from "../handle.js";
import { HandleDisposedError, HeapConfigError, HeapOutOfMemoryError, HeapTypeError, describeValue } from "../errors.js";
import { VMError } from "./errors.js";
import { read, type Node } from "./reader.js";
import { Model, type ClassMeta } from "./values.js";
import { installBuiltins, type Builtin } from "./builtins.js";
import { Scope, nesting, scanDefines } from "./env.js";
// a frame is a FIXED container (its references from CONTAINER_HEADER_SIZE), the module a list
import { CONTAINER_HEADER_SIZE, LIST_ITEMS, STORAGE_SLOTS } from "../generated/boundary.js";

export { VMError } from "./errors.js";
export type { Builtin } from "./builtins.js";

type Code = (env: number) => number;

interface FnCode { name: string; params: number; slots: number; body: Code; /** its frames' heap type id */ frameId: number; /** JS stack a call uses (STACK) */ stack: number }

/**
 * The JS stack. Running out inside a call into the core (an allocation, a release running a
 * __del__) unwinds through it mid-operation, and the heap refuses every later call; a call nested
 * in 5 lets did so 700 calls deep. So the VM estimates the stack its nesting uses (bytes, an
 * overestimate of V8's frames on node 20: a call with its body nested 4 deep measured 780) and,
 * each time that grows by WINDOW past the last check, checks that WINDOW + RESERVE bytes are
 * really free (stackRoom): RecursionError while there is room, whatever recursionLimit says.
 */
const STACK = {
  /** a call's own frames (call site, invoke, the body's entry; instantiate or a descriptor around it) */
  call: 650,
  /** per level of nested forms in a body (a closure's frame, a let's) */
  node: 200,
  /** per level of a form the compiler recurses into (a let measured 830) */
  compile: 1000,
  /** a __del__ or weakref callback: the core's frames and the hook's under it */
  host: 4096,
};
/** Estimated growth between two checks. */
const WINDOW = 64 * 1024;
/** Left free at every check: one level's error in the estimate, a call into the core and the hooks it runs. */
const RESERVE = 32 * 1024;

/** A probe frame is at least this many bytes (node 20: 89 interpreted, 65 optimized). */
const PROBE_FRAME = 60;
function probe(n: number): number { return n > 0 ? probe(n - 1) + 1 : 0; }
/** Whether `bytes` more of the JS stack are free: a recursion that deep, caught if it runs out. */
function stackRoom(bytes: number): boolean {
  try {
    probe(Math.ceil(bytes / PROBE_FRAME));
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

export interface VMOptions {
  /** Where print writes (default: process.stdout). */
  out?: (s: string) => void;
  /** Where errors in __del__ and weakref callbacks are reported (default: process.stderr). */
  err?: (s: string) => void;
  /** Deepest call nesting before RecursionError (default 1000, as CPython). */
  recursionLimit?: number;
}

/**
 * Builtins that a call with two number operands computes in place (see #binary): the operator's
 * code in the switch there. Only while the name is still bound to the original builtin.
 */
const BINARY: Record<string, number> = { "+": 0, "-": 1, "*": 2, "<": 3, ">": 4, "<=": 5, ">=": 6, "==": 7, "!=": 8 };

const SPECIAL = new Set(["define", "set!", "lambda", "fn", "let", "if", "cond", "when", "and", "or", "begin", "while", "for", "for-each", "del", "class", ".", "try", "None", "True", "False"]);

export class VM {
  readonly m: Model;
  readonly stack: number[] = [];
  /** The globals: a refarray, one slot per name in globalNames. */
  module: number;
  readonly globalNames = new Map<string, number>();
  readonly codes: FnCode[] = [];
  readonly builtins: Builtin[] = [];
  readonly consts: number[] = [];
  out: (s: string) => void;
  err: (s: string) => void;
  depth = 0;
  recursionLimit: number;
  /** Estimated JS stack in use by nested evaluation (bytes; see STACK). */
  stackUse = 0;
  /** stackUse up to which the stack was checked to have room (see STACK). */
  #stackChecked = WINDOW;
  #disposed = false;
  /** Set once dispose() starts releasing the module and the constants: VM code never runs again. */
  #gone = false;
  /** VM code in progress: run()s, __del__s, weakref callbacks and call()s (dispose() refuses meanwhile). */
  #active = 0;

  constructor(readonly heap: Heap, opts: VMOptions = {}) {
    this.out = opts.out ?? ((s) => process.stdout.write(s));
    this.err = opts.err ?? ((s) => process.stderr.write(s));
    this.recursionLimit = opts.recursionLimit ?? 1000;
    this.m = new Model(heap, (cls) => (h) => this.#runDel(cls, h));
    this.module = 0;
    try {
      this.module = this.m.allocList(this.m.T.module.id, 0);
      installBuiltins(this);
    } catch (e) {
      // out of memory: release what was made (the builtins made so far are in the module)
      if (this.module) this.m.x.decref(this.module);
      this.m.releaseConstants();
      throw e;
    }
    heap.onUnraisable = (e, ctx) => this.err(`Exception ignored in: ${ctx}\n${errText(e)}\n`);
  }

  static async create(opts: VMOptions & import("../heap.js").HeapOptions = {}): Promise<VM> {
    const { Heap } = await import("../heap.js");
    const { out, err, recursionLimit, ...heapOpts } = opts;
    return new VM(await Heap.create(heapOpts), { out, err, recursionLimit });
  }

  // ── running programs ──

  /** HandleDisposedError once the VM was disposed or its heap destroyed: the globals and constants are gone. */
  #live(what: string): void {
    if (this.#disposed) throw new HandleDisposedError(`${what}: this VM was disposed`);
    if (this.heap.destroyed) throw new HandleDisposedError(`${what}: this VM's heap was destroyed`);
  }

  /** Runs every form of a program; stops at the first error (thrown as VMError, heap consistent). */
  run(src: string): void {
    this.#live("run");
    for (const form of read(src)) {
      const r = this.#top(form);
      this.m.x.decref(r);
    }
  }

  /** Evaluates forms and returns the repr of the last value (the REPL's view). */
  evalToString(src: string): string {
    this.#live("evalToString");
    let last = "None";
    for (const form of read(src)) {
      const r = this.#top(form);
      try { last = this.m.repr(r); } finally { this.m.x.decref(r); }
    }
    return last;
  }

  #top(form: Node): number {
    const base = this.stack.length, depth = this.depth, use = this.stackUse;
    this.#active++;
    try {
      const code = this.compile(form, null);
      this.#grow(STACK.node * nesting([form])); // from a builtin, the outer evaluation is below
      return code(0);
    } catch (e) {
      // the counts first: a __del__ the unwind runs is not as deep as the error was
      this.depth = depth;
      this.#shrink(use);
      this.unwind(base);
      throw toVMError(e, form.line);
    } finally {
      this.#shrink(use);
      this.#active--;
      this.heap.flushUnraisable();
    }
  }

  /** Adds `bytes` to stackUse, checking the stack has room when that passes what was checked. */
  #grow(bytes: number): void {
    const use = this.stackUse + bytes;
    if (use > this.#stackChecked) this.#checkStack(bytes);
    this.stackUse = use;
  }

  /**
   * Checks that the stack has room for `bytes` more (a call, a form) and a window after it, or
   * raises RecursionError; the next check is due once the estimate passes the window.
   */
  #checkStack(bytes: number): void {
    const w = Math.max(bytes, WINDOW);
    if (!stackRoom(w + RESERVE)) throw new VMError("RecursionError", "maximum recursion depth exceeded (the host stack is nearly full)");
    this.#stackChecked = this.stackUse + w;
  }

  /**
   * Back to `use` (a return or an unwind). What was checked from deeper down holds from here only
   * for a window: the estimate is not a measure of what the return freed.
   */
  #shrink(use: number): void {
    this.stackUse = use;
    if (use + WINDOW < this.#stackChecked) this.#stackChecked = use + WINDOW;
  }

  /** Releases the stack entries above `base` (after an error). */
  unwind(base: number): void {
    while (this.stack.length > base) {
      const p = this.stack.pop()!;
      if (p) this.m.x.decref(p);
    }
  }

  /** Releases the globals, constants and singletons: with them every object the program made dies (cycles at the next collection). */
  dispose(): void {
    if (this.#disposed) return;
    // from a builtin, __del__ or callback, the releases below would free what the running code uses
    if (this.#active) throw new HeapConfigError("vm.dispose(): not while the VM runs code (from a builtin, __del__ or weakref callback); dispose after run() returns");
    this.#disposed = true;
    if (this.heap.destroyed) { this.#gone = true; return; } // its memory went with it
    this.unwind(0);
    // the program's globals die first, in definition order (as a module's dict is cleared at
    // exit), then the builtins, so that finalizers running meanwhile can still print
    const n = this.m.x.listLength(this.module);
    const isBuiltin = (p: number) => p !== 0 && this.m.typeId(p) === this.m.T.builtin.id;
    for (const builtins of [false, true]) {
      for (let i = 0; i < n; i++) if (isBuiltin(this.m.x.listGet(this.module, i)) === builtins) this.m.x.listSet(this.module, i, 0);
      if (!builtins && this.heap.capabilities.collector.collectsCycles) this.m.x.gcCollect(2); // cycles, while print still works
    }
    // globals a __del__ set meanwhile die while the module still holds its slots
    for (let round = 0, again = true; again && round < 100; round++) {
      again = false;
      for (let i = 0; i < n; i++) if (this.m.x.listGet(this.module, i)) { again = true; this.m.x.listSet(this.module, i, 0); }
    }
    // from here a __del__ or weakref callback would read the module and constants being freed
    this.#gone = true;
    this.m.x.decref(this.module);
    this.module = 0;
    for (const c of this.consts.splice(0)) this.m.x.decref(c);
    if (this.heap.capabilities.collector.collectsCycles) this.m.x.gcCollect(2);
    this.m.releaseConstants();
    this.heap.flushUnraisable();
  }

  /**
   * Adds a builtin function (a global): fn receives its arguments on the stack, borrowed, at
   * vm.stack[base .. base+argc), and returns a new reference (vm.m.none() for no value; anything
   * that is not a pointer is a SystemError in the program).
   * max = -1: any number of arguments.
   */
  defineBuiltin(name: string, min: number, max: number, fn: Builtin["fn"]): void {
    this.#live("defineBuiltin");
    const m = this.m;
    const id = this.builtins.length;
    this.builtins.push({ name, min, max, fn });
    const p = m.alloc(m.T.builtin.id);
    m.views.i32[(p + m.builtinIdOff) >>> 2] = id;
    this.setGlobal(name, p);
  }

  // ── globals ──

  globalSlot(name: string): number {
    let g = this.globalNames.get(name);
    if (g === undefined) {
      g = this.globalNames.size;
      this.globalNames.set(name, g);
      this.m.append(this.module, 0);
    }
    return g;
  }
  /** Sets a global, taking over the caller's reference to v. */
  setGlobal(name: string, v: number): void {
    this.#live("setGlobal");
    let g: number;
    try {
      g = this.globalSlot(name);
    } catch (e) {
      this.m.x.decref(v); // taken over even when the module cannot grow
      throw e;
    }
    this.m.x.listSet(this.module, g, v);
    this.m.x.decref(v);
  }
  /** A global's value (borrowed), or 0 when unbound. */
  getGlobal(name: string): number {
    this.#live("getGlobal");
    const g = this.globalNames.get(name);
    return g === undefined ? 0 : this.m.x.listGet(this.module, g);
  }

  // ── the compiler ──

  compile(node: Node, scope: Scope | null): Code {
    const m = this.m, x = m.x;
    switch (node.t) {
      case "num": {
        const v = node.v;
        // a small int is interned (held by the Model for the VM's life), a larger one a constant
        const c = m.int(v);
        if (m.isSmallInt(v)) x.decref(c); else this.consts.push(c);
        return this.#constant(c);
      }
      case "str": {
        const c = m.str(node.v); this.consts.push(c);
        return this.#constant(c);
      }
      case "sym": return this.#compileRef(node.v, scope, node.line);
      case "list": break;
    }
    // the compiler recurses over the nesting of forms (see STACK); in this frame, not a wrapper's
    const use = this.stackUse;
    this.#grow(STACK.compile);
    try {
      const items = node.items;
      if (!items.length) throw new VMError("SyntaxError", `empty form () at line ${node.line}`);
      const head = items[0];
      if (head.t === "sym" && SPECIAL.has(head.v) && !(scope?.lookup(head.v))) return this.#special(head.v, items, scope, node.line);
      // a call. (obj.m args) calls method m with obj as self, without making a bound method
      if (head.t === "list" && head.items.length === 3 && head.items[0].t === "sym" && head.items[0].v === "." && head.items[2].t === "sym") {
        const objC = this.compile(head.items[1], scope), name = head.items[2].v;
        const argC = items.slice(1).map((a) => this.compile(a, scope));
        return (env) => {
          const base = this.stack.length;
          this.stack.push(objC(env));
          const fn = this.methodFor(this.stack[base], name);
          if (fn) {
            for (const a of argC) this.stack.push(a(env));
            const r = this.invoke(fn, base, argC.length + 1);
            this.#drop(base);
            return r;
          }
          const f = this.getattr(this.stack[base], name);
          this.stack.push(f);
          for (const a of argC) this.stack.push(a(env));
          const r = this.invoke(f, base + 2, argC.length);
          this.#drop(base);
          return r;
        };
      }
      const fC = this.compile(head, scope);
      const argC = items.slice(1).map((a) => this.compile(a, scope));
      const line = node.line;
      const call: Code = (env) => {
        const base = this.stack.length;
        this.stack.push(fC(env));
        for (let i = 0; i < argC.length; i++) this.stack.push(argC[i](env));
        let r: number;
        try {
          r = this.invoke(this.stack[base], base + 1, argC.length);
        } catch (e) {
          if (e instanceof VMError && !e.line) e.line = line;
          throw e;
        }
        this.#drop(base);
        return r;
      };
      if (head.t === "sym" && argC.length === 2 && BINARY[head.v] !== undefined && !scope?.lookup(head.v)) return this.#binary(head.v, argC[0], argC[1], call, line);
      return call;
    } finally {
      this.#shrink(use);
    }
  }

  /**
   * (op a b) for a global op in BINARY (+ - * < > <= >= == !=), as CPython specialises BINARY_OP:
   * while op is bound to its original builtin and both operands are numbers, the result is
   * computed here, without the call (no callee or arguments on the stack, no dispatch, no
   * builtin's argument loop). Operands that are variables or constants are read borrowed: reading
   * them runs no code, so nothing can free them before the result is made. Anything else (op
   * rebound, a str or other operand) takes the builtin or the general call, with the same
   * results, errors and evaluation order (the callee is looked up before the operands).
   */
  #binary(name: string, aC: Code, bC: Code, call: Code, line: number): Code {
    const m = this.m, x = m.x, op = BINARY[name];
    const id = this.builtins.findIndex((b) => b.name === name); // the original (a later defineBuiltin of the name gets a new id)
    const fn = this.builtins[id].fn;
    const g = this.globalSlot(name);
    const intId = m.T.int.id, builtinId = m.T.builtin.id, intOff = m.intOff, idOff = m.builtinIdOff;
    /** The original builtin is bound to the name. */
    const bound = (): boolean => {
      const f = m.item(this.module, g);
      return f !== 0 && m.typeId(f) === builtinId && m.views.i32[(f + idOff) >>> 2] === id;
    };
    /** The result for operands a, b (borrowed): computed, or by the builtin with them on the stack. */
    const apply = (a: number, b: number): number => {
      if (m.typeId(a) === intId && m.typeId(b) === intId) {
        const f64 = m.views.f64, u = f64[(a + intOff) >>> 3], v = f64[(b + intOff) >>> 3];
        switch (op) {
          case 0: return m.int(u + v);
          case 1: return m.int(u - v);
          case 2: return m.int(u * v);
          case 3: return m.bool(u < v);
          case 4: return m.bool(u > v);
          case 5: return m.bool(u <= v);
          case 6: return m.bool(u >= v);
          case 7: return m.bool(u === v);
          default: return m.bool(u !== v);
        }
      }
      const base = this.stack.length;
      this.stack.push(m.incref(a), m.incref(b));
      let r: number;
      try {
        r = fn(base, 2);
      } catch (e) {
        if (e instanceof VMError && !e.line) e.line = line;
        throw e;
      }
      this.#drop(base);
      return r;
    };
    const aP = this.#peek.get(aC), bP = this.#peek.get(bC);
    if (aP && bP) return (env) => (bound() ? apply(aP(env), bP(env)) : call(env));
    return (env) => {
      if (!bound()) return call(env);
      const base = this.stack.length;
      this.stack.push(aC(env));
      this.stack.push(bC(env));
      const r = apply(this.stack[base], this.stack[base + 1]);
      this.#drop(base);
      return r;
    };
  }

  /**
   * The borrowed reading of an expression that is a variable or a constant (a compiled Code ->
   * the same read without the incref): such a read runs no code, so its value stays alive until
   * the next thing that can (an allocation, a call, a release).
   */
  readonly #peek = new WeakMap<Code, Code>();

  /** Pops and releases the stack down to base. */
  #drop(base: number): void {
    const s = this.stack, x = this.m.x;
    while (s.length > base) x.decref(s.pop()!);
  }

  /** A constant held for the VM's life (a literal, a singleton): a new reference per evaluation, peekable. */
  #constant(c: number): Code {
    const x = this.m.x;
    const code: Code = () => { x.incref(c); return c; };
    this.#peek.set(code, () => c);
    return code;
  }

  #compileRef(name: string, scope: Scope | null, line: number): Code {
    const m = this.m, x = m.x;
    if (name === "None") return this.#constant(m.NONE);
    if (name === "True") return this.#constant(m.TRUE);
    if (name === "False") return this.#constant(m.FALSE);
    const loc = scope?.lookup(name);
    let peek: Code, code: Code;
    if (loc) {
      const { depth, index } = loc;
      const off = CONTAINER_HEADER_SIZE + 4 * index;
      peek = (env) => {
        const u32 = m.views.u32;
        let e = env;
        for (let d = 0; d < depth; d++) e = u32[(e + CONTAINER_HEADER_SIZE) >>> 2];
        const v = u32[(e + off) >>> 2];
        if (!v) throw new VMError("NameError", `local variable '${name}' referenced before assignment (line ${line})`);
        return v;
      };
      // peek spelled out again, not called: a read is the interpreter's hottest path, and the call
      // cost the closures program (npx tsx bench/vm.ts) about 4 %
      code = (env) => {
        const u32 = m.views.u32;
        let e = env;
        for (let d = 0; d < depth; d++) e = u32[(e + CONTAINER_HEADER_SIZE) >>> 2];
        const v = u32[(e + off) >>> 2];
        if (!v) throw new VMError("NameError", `local variable '${name}' referenced before assignment (line ${line})`);
        x.incref(v);
        return v;
      };
    } else {
      const g = this.globalSlot(name);
      peek = () => {
        const v = m.item(this.module, g);
        if (!v) throw new VMError("NameError", `name '${name}' is not defined (line ${line})`);
        return v;
      };
      code = () => {
        const v = m.item(this.module, g);
        if (!v) throw new VMError("NameError", `name '${name}' is not defined (line ${line})`);
        x.incref(v);
        return v;
      };
    }
    this.#peek.set(code, peek);
    return code;
  }

  /** Assignment to a name: takes over v. */
  #compileStore(name: string, scope: Scope | null, valC: Code, mustExist: boolean, line: number): Code {
    const m = this.m, x = m.x;
    const loc = scope?.lookup(name);
    if (loc) {
      const { depth, index } = loc;
      return (env) => {
        const v = valC(env);
        let e = env;
        for (let d = 0; d < depth; d++) e = m.views.u32[(e + CONTAINER_HEADER_SIZE) >>> 2];
        m.setFieldMove(e, index, v);
        return m.none();
      };
    }
    const g = this.globalSlot(name);
    return (env) => {
      const v = valC(env);
      if (mustExist && !m.item(this.module, g)) {
        x.decref(v);
        throw new VMError("NameError", `name '${name}' is not defined (set! at line ${line})`);
      }
      m.setItemMove(this.module, g, v);
      return m.none();
    };
  }

  #body(forms: Node[], scope: Scope | null): Code {
    const m = this.m, x = m.x;
    if (!forms.length) return () => m.none();
    const cs = forms.map((f) => this.compile(f, scope));
    if (cs.length === 1) return cs[0];
    return (env) => {
      const n = cs.length - 1;
      for (let i = 0; i < n; i++) x.decref(cs[i](env));
      return cs[n](env);
    };
  }

  #lambda(name: string, params: Node[], body: Node[], scope: Scope | null, line: number): Code {
    const m = this.m, x = m.x;
    const s = new Scope(scope);
    for (const p of params) {
      if (p.t !== "sym") throw new VMError("SyntaxError", `parameter names must be symbols (line ${line})`);
      if (s.names.includes(p.v)) throw new VMError("SyntaxError", `duplicate parameter '${p.v}' (line ${line})`);
      s.add(p.v);
    }
    scanDefines(body, s);
    const code: FnCode = { name, params: params.length, slots: 0, body: () => 0, frameId: 0, stack: STACK.call + STACK.node * nesting(body) };
    const id = this.codes.length;
    this.codes.push(code);
    code.body = this.#body(body, s);
    code.slots = s.names.length;
    code.frameId = m.frameType(code.slots).id; // defined now: a compile-time error, not a run-time one
    const nameC = m.str(name); this.consts.push(nameC);
    const codeOff = m.T.fn.scalarFields.get("code")!.offset;
    return (env) => {
      const f = m.alloc(m.T.fn.id);
      if (env) x.setRef(f, 0, env);
      x.setRef(f, 1, nameC);
      m.views.i32[(f + codeOff) >>> 2] = id;
      return f;
    };
  }

  #special(form: string, items: Node[], scope: Scope | null, line: number): Code {
    const m = this.m, x = m.x;
    const need = (n: number, what: string) => {
      if (items.length < n) throw new VMError("SyntaxError", `${what} (line ${line})`);
    };
    switch (form) {
      case "None": case "True": case "False":
        throw new VMError("SyntaxError", `'${form}' is not callable (line ${line})`);
      case "define": {
        need(3, "define needs a name and a value: (define x 1) or (define (f a) body)");
        const target = items[1];
        if (target.t === "sym") {
          if (items.length !== 3) throw new VMError("SyntaxError", `(define ${target.v} value) takes one value (line ${line})`);
          const valC = items[2].t === "list" && items[2].items[0]?.t === "sym" && (items[2].items[0].v === "lambda" || items[2].items[0].v === "fn")
            ? this.#lambda(target.v, (items[2].items[1] as { items?: Node[] }).items ?? [], items[2].items.slice(2), scope, line)
            : this.compile(items[2], scope);
          return this.#compileStore(target.v, scope, valC, false, line);
        }
        if (target.t === "list" && target.items[0]?.t === "sym") {
          const name = target.items[0].v;
          return this.#compileStore(name, scope, this.#lambda(name, target.items.slice(1), items.slice(2), scope, line), false, line);
        }
        throw new VMError("SyntaxError", `bad define (line ${line})`);
      }
      case "set!": {
        if (items.length !== 3) throw new VMError("SyntaxError", `set! takes a target and a value (line ${line})`);
        const t = items[1];
        if (t.t === "sym") return this.#compileStore(t.v, scope, this.compile(items[2], scope), true, line);
        if (t.t === "list" && t.items.length === 3 && t.items[0].t === "sym" && t.items[0].v === "." && t.items[2].t === "sym") {
          const objC = this.compile(t.items[1], scope), name = t.items[2].v, valC = this.compile(items[2], scope);
          const store = this.#attrStore(name);
          return (env) => {
            const base = this.stack.length;
            this.stack.push(objC(env));
            this.stack.push(valC(env));
            store(this.stack[base], this.stack[base + 1]);
            this.#drop(base);
            return m.none();
          };
        }
        throw new VMError("SyntaxError", `set! needs a name or obj.field (line ${line})`);
      }
      case "lambda": case "fn": {
        need(3, "lambda needs parameters and a body");
        const ps = items[1];
        if (ps.t !== "list") throw new VMError("SyntaxError", `lambda parameters must be a list (line ${line})`);
        return this.#lambda("<lambda>", ps.items, items.slice(2), scope, line);
      }
      case "let": {
        need(3, "let needs bindings and a body");
        const bs = items[1];
        if (bs.t !== "list") throw new VMError("SyntaxError", `let bindings must be a list (line ${line})`);
        const s = new Scope(scope);
        const valCs: Code[] = [];
        for (const b of bs.items) {
          if (b.t !== "list" || b.items.length !== 2 || b.items[0].t !== "sym") throw new VMError("SyntaxError", `a let binding is (name value) (line ${line})`);
          valCs.push(this.compile(b.items[1], scope));
          s.add(b.items[0].v);
        }
        scanDefines(items.slice(2), s);
        const body = this.#body(items.slice(2), s);
        const ft = m.frameType(s.names.length);
        return (env) => {
          const f = m.alloc(ft.id);
          this.stack.push(f); // the frame is a root while its bindings and body run
          if (env) x.setRef(f, 0, env);
          for (let i = 0; i < valCs.length; i++) x.setRefMove(f, i + 1, valCs[i](env));
          const r = body(f);
          this.stack.pop();
          x.decref(f);
          return r;
        };
      }
      case "if": {
        if (items.length < 3 || items.length > 4) throw new VMError("SyntaxError", `(if test then [else]) (line ${line})`);
        const c = this.compile(items[1], scope), a = this.compile(items[2], scope);
        const b = items[3] ? this.compile(items[3], scope) : () => m.none();
        return (env) => {
          const t = c(env);
          const yes = m.truthy(t);
          x.decref(t);
          return yes ? a(env) : b(env);
        };
      }
      case "cond": {
        const clauses = items.slice(1).map((cl) => {
          if (cl.t !== "list" || cl.items.length < 2) throw new VMError("SyntaxError", `a cond clause is (test body...) (line ${line})`);
          const isElse = cl.items[0].t === "sym" && cl.items[0].v === "else";
          return { test: isElse ? null : this.compile(cl.items[0], scope), body: this.#body(cl.items.slice(1), scope) };
        });
        return (env) => {
          for (const cl of clauses) {
            if (!cl.test) return cl.body(env);
            const t = cl.test(env);
            const yes = m.truthy(t);
            x.decref(t);
            if (yes) return cl.body(env);
          }
          return m.none();
        };
      }
      case "when": {
        need(3, "when needs a test and a body");
        const c = this.compile(items[1], scope), body = this.#body(items.slice(2), scope);
        return (env) => {
          const t = c(env);
          const yes = m.truthy(t);
          x.decref(t);
          return yes ? body(env) : m.none();
        };
      }
      case "and": case "or": {
        const cs = items.slice(1).map((a) => this.compile(a, scope));
        const isAnd = form === "and";
        return (env) => {
          let v = m.bool(isAnd);
          for (const c of cs) {
            x.decref(v);
            v = c(env);
            if (m.truthy(v) !== isAnd) return v;
          }
          return v;
        };
      }
      case "begin": return this.#body(items.slice(1), scope);
      case "while": {
        need(2, "while needs a test");
        const c = this.compile(items[1], scope), body = this.#body(items.slice(2), scope);
        return (env) => {
          for (;;) {
            const t = c(env);
            const yes = m.truthy(t);
            x.decref(t);
            if (!yes) return m.none();
            x.decref(body(env));
          }
        };
      }
      case "for": {
        // (for (i start end [step]) body...): i = start, start+step, ... while < end (> end for a negative step)
        const spec = items[1];
        if (spec?.t !== "list" || spec.items.length < 3 || spec.items.length > 4 || spec.items[0].t !== "sym") throw new VMError("SyntaxError", `(for (i start end [step]) body...) (line ${line})`);
        const name = spec.items[0].v;
        const startC = this.compile(spec.items[1], scope), endC = this.compile(spec.items[2], scope);
        const stepC = spec.items[3] ? this.compile(spec.items[3], scope) : null;
        let cur = 0;
        const store = this.#compileStore(name, scope, () => m.int(cur), false, line);
        const body = this.#body(items.slice(2), scope);
        return (env) => {
          // on the stack while the next is evaluated: an error there releases them
          const base = this.stack.length;
          this.stack.push(startC(env));
          this.stack.push(endC(env));
          if (stepC) this.stack.push(stepC(env));
          const S = this.stack;
          const start = m.num(S[base], "for start"), end = m.num(S[base + 1], "for end"), step = stepC ? m.num(S[base + 2], "for step") : 1;
          this.#drop(base);
          if (step === 0) throw new VMError("ValueError", `for step must not be zero (line ${line})`);
          for (let i = start; step > 0 ? i < end : i > end; i += step) {
            cur = i;
            x.decref(store(env));
            x.decref(body(env));
          }
          return m.none();
        };
      }
      case "for-each": {
        const spec = items[1];
        if (spec?.t !== "list" || spec.items.length !== 2 || spec.items[0].t !== "sym") throw new VMError("SyntaxError", `(for-each (x list) body...) (line ${line})`);
        const name = spec.items[0].v, listC = this.compile(spec.items[1], scope);
        let cur = 0;
        const store = this.#compileStore(name, scope, () => { x.incref(cur); return cur; }, false, line);
        const body = this.#body(items.slice(2), scope);
        return (env) => {
          const base = this.stack.length;
          const l = listC(env);
          this.stack.push(l);
          const seq = this.iterable(l);
          this.stack.push(seq);
          for (let i = 0; i < x.listLength(seq); i++) {
            cur = x.listGet(seq, i) || m.NONE;
            x.decref(store(env));
            x.decref(body(env));
          }
          this.#drop(base);
          return m.none();
        };
      }
      case "del": {
        // (del name) unbinds a variable; (del obj.field) sets the field to None
        if (items.length !== 2) throw new VMError("SyntaxError", `(del name) (line ${line})`);
        const t = items[1];
        if (t.t === "sym") {
          const name = t.v;
          const loc = scope?.lookup(name);
          if (loc) {
            const { depth, index } = loc;
            return (env) => {
              let e = env;
              for (let d = 0; d < depth; d++) e = m.views.u32[(e + CONTAINER_HEADER_SIZE) >>> 2];
              if (!m.views.u32[(e + CONTAINER_HEADER_SIZE + 4 * index) >>> 2]) throw new VMError("NameError", `local variable '${name}' referenced before assignment (line ${line})`);
              x.setRef(e, index, 0);
              return m.none();
            };
          }
          const g = this.globalSlot(name);
          return () => {
            if (!x.listGet(this.module, g)) throw new VMError("NameError", `name '${name}' is not defined (line ${line})`);
            x.listSet(this.module, g, 0);
            return m.none();
          };
        }
        if (t.t === "list" && t.items.length === 3 && t.items[0].t === "sym" && t.items[0].v === ".") {
          return this.#special("set!", [items[0], t, { t: "sym", v: "None", line }], scope, line);
        }
        throw new VMError("SyntaxError", `(del name) (line ${line})`);
      }
      case ".": {
        if (items.length !== 3 || items[2].t !== "sym") throw new VMError("SyntaxError", `(. obj name) (line ${line})`);
        const objC = this.compile(items[1], scope), name = items[2].v;
        const load = this.#attrLoad(name);
        return (env) => {
          const base = this.stack.length;
          this.stack.push(objC(env));
          const r = load(this.stack[base]);
          this.#drop(base);
          return r;
        };
      }
      case "try": {
        // (try body... (catch e handler...)): e is bound to the error's text, "Kind: detail"
        const last = items[items.length - 1];
        if (items.length < 3 || last.t !== "list" || last.items[0]?.t !== "sym" || last.items[0].v !== "catch" || last.items[1]?.t !== "sym") {
          throw new VMError("SyntaxError", `(try body... (catch e handler...)) (line ${line})`);
        }
        const body = this.#body(items.slice(1, -1), scope);
        const errName = last.items[1].v;
        let msg = "";
        const store = this.#compileStore(errName, scope, () => m.str(msg), false, line);
        const handler = this.#body(last.items.slice(2), scope);
        return (env) => {
          const base = this.stack.length, depth = this.depth, use = this.stackUse;
          try {
            return body(env);
          } catch (e) {
            const ve = toVMError(e, line); // rethrows what is not the program's error (a VM bug)
            this.depth = depth;
            this.#shrink(use);
            this.unwind(base);
            msg = ve.message;
            x.decref(store(env));
            return handler(env);
          }
        };
      }
      case "class": return this.#class(items, scope, line);
    }
    throw new VMError("SyntaxError", `unknown form ${form} (line ${line})`);
  }

  // (class Name (field...) (define (method self ...) ...) (define attr value) ...)
  #class(items: Node[], scope: Scope | null, line: number): Code {
    const m = this.m, x = m.x;
    const nameN = items[1], fieldsN = items[2];
    if (nameN?.t !== "sym" || fieldsN?.t !== "list") throw new VMError("SyntaxError", `(class Name (field...) definitions...) (line ${line})`);
    const fields = fieldsN.items.map((f) => {
      if (f.t !== "sym") throw new VMError("SyntaxError", `class fields are names (line ${line})`);
      return f.v;
    });
    const attrs: { name: string; code: Code }[] = [];
    for (const d of items.slice(3)) {
      if (d.t !== "list" || d.items[0]?.t !== "sym" || d.items[0].v !== "define") throw new VMError("SyntaxError", `a class body holds (define ...) forms (line ${d.line})`);
      const t = d.items[1];
      if (t?.t === "list" && t.items[0]?.t === "sym") attrs.push({ name: t.items[0].v, code: this.#lambda(`${nameN.v}.${t.items[0].v}`, t.items.slice(1), d.items.slice(2), scope, d.line) });
      else if (t?.t === "sym" && d.items.length === 3) attrs.push({ name: t.v, code: this.compile(d.items[2], scope) });
      else throw new VMError("SyntaxError", `bad class definition (line ${d.line})`);
    }
    const hasDel = attrs.some((a) => a.name === "__del__");
    const className = nameN.v;
    const itypeOff = m.T.cls.scalarFields.get("itype")!.offset;
    const store = this.#compileStore(className, scope, () => this.stack.pop()!, false, line);
    return (env) => {
      let meta: ClassMeta;
      try {
        meta = m.defineClass(className, fields, hasDel);
      } catch (e) {
        if (e instanceof HeapConfigError || e instanceof HeapTypeError) throw new VMError("TypeError", `class ${className}: ${e.message}`);
        throw e;
      }
      const cls = m.alloc(m.T.cls.id);
      this.stack.push(cls);
      x.setRefMove(cls, 0, m.str(className));
      x.setRefMove(cls, 1, m.allocList(m.T.dict.id, 0));
      m.views.i32[(cls + itypeOff) >>> 2] = meta.type.id;
      const dict = m.ref(cls, 1);
      meta.attrs = new Map();
      for (const a of attrs) {
        this.stack.push(m.str(a.name));
        this.stack.push(a.code(env));
        if (!meta.attrs.has(a.name)) meta.attrs.set(a.name, x.listLength(dict)); // a repeated name replaces the value in place
        m.dictSet(dict, this.stack[this.stack.length - 2], this.stack[this.stack.length - 1]);
        this.#drop(this.stack.length - 2);
      }
      meta.cls = cls; // borrowed: instances and the class's binding hold it
      return store(env); // pops cls into the variable
    };
  }

  // ── calls ──

  /** Calls f (borrowed) with the argc arguments at stack[base..]: returns a new reference. The arguments stay on the stack (the caller drops them). */
  invoke(f: number, base: number, argc: number): number {
    const m = this.m, x = m.x, T = m.T;
    const id = m.typeId(f);
    if (id === T.fn.id) {
      const code = this.codes[m.views.i32[(f + m.fnCodeOff) >>> 2]];
      if (argc !== code.params) throw new VMError("TypeError", `${code.name}() takes ${code.params} argument${code.params === 1 ? "" : "s"} but ${argc} ${argc === 1 ? "was" : "were"} given`);
      if (this.depth >= this.recursionLimit) throw new VMError("RecursionError", "maximum recursion depth exceeded");
      // #grow split in two: the stack checked before the frame is made, stackUse raised once it is
      // (an allocation that throws leaves the estimate as it was)
      const use = this.stackUse + code.stack;
      if (use > this.#stackChecked) this.#checkStack(code.stack);
      const frame = m.alloc(code.frameId);
      this.stack.push(frame);
      // a new frame's fields are null: each store is an incref and a write (no old value to release)
      const env = m.ref(f, 0), u32 = m.views.u32, fields = (frame + CONTAINER_HEADER_SIZE) >>> 2;
      if (env) { x.incref(env); u32[fields] = env; }
      for (let i = 0; i < argc; i++) { const a = this.stack[base + i]; x.incref(a); u32[fields + 1 + i] = a; }
      this.depth++;
      this.stackUse = use;
      const r = code.body(frame);
      this.#shrink(use - code.stack);
      this.depth--;
      this.stack.pop();
      x.decref(frame);
      return r;
    }
    if (id === T.builtin.id) {
      const b = this.builtins[m.views.i32[(f + m.builtinIdOff) >>> 2]];
      if (argc < b.min || (b.max >= 0 && argc > b.max)) {
        throw new VMError("TypeError", `${b.name}() takes ${b.min === b.max ? b.min : b.max < 0 ? `at least ${b.min}` : `${b.min} to ${b.max}`} argument${b.max === 1 ? "" : "s"} (${argc} given)`);
      }
      const r = b.fn(base, argc);
      // a host builtin's result must be a new reference: undefined or 0 would be read as "unbound"
      // (a pointer above 2 GiB comes from the core as a negative i32)
      if (!r || ((r | 0) !== r && (r >>> 0) !== r)) throw new VMError("SystemError", `${b.name}() returned ${describeValue(r)}, not an object (a builtin returns a new reference, vm.m.none() for no value)`);
      return r;
    }
    if (id === T.method.id) {
      // self then the arguments, as new stack entries
      const nb = this.stack.length;
      this.stack.push(m.incref(m.ref(f, 0)));
      for (let i = 0; i < argc; i++) this.stack.push(m.incref(this.stack[base + i]));
      const r = this.invoke(m.ref(f, 1), nb, argc + 1);
      this.#drop(nb);
      return r;
    }
    if (id === T.cls.id) return this.instantiate(f, base, argc);
    if (id === T.wref.id) {
      if (argc) throw new VMError("TypeError", "a weakref is called without arguments");
      const t = x.weakrefGet(m.ref(f, 0));
      return t ? m.incref(t) : m.none();
    }
    if (id === T.wproxy.id) return this.invoke(this.proxyTarget(f), base, argc);
    throw new VMError("TypeError", `'${m.typeName(f)}' object is not callable`);
  }

  instantiate(cls: number, base: number, argc: number): number {
    const m = this.m, x = m.x;
    const meta = m.classes.get(m.views.i32[(cls + m.clsItypeOff) >>> 2])!;
    const nb = this.stack.length;
    const obj = m.alloc(meta.type.id);
    this.stack.push(obj);
    // a new object's fields are null: each store is an incref and a write
    const u32 = m.views.u32, fields = (obj + CONTAINER_HEADER_SIZE) >>> 2;
    x.incref(cls);
    u32[fields] = cls;
    const init = meta.attrs!.get("__init__");
    if (init !== undefined) {
      for (let i = 0; i < argc; i++) this.stack.push(m.incref(this.stack[base + i]));
      x.decref(this.invoke(m.item(m.ref(cls, 1), init + 1), nb, argc + 1));
    } else {
      if (argc > meta.fields.size) throw new VMError("TypeError", `${meta.name}() takes at most ${meta.fields.size} arguments (${argc} given)`);
      for (let i = 0; i < argc; i++) { const a = this.stack[base + i]; x.incref(a); u32[fields + 1 + i] = a; }
    }
    m.incref(obj);
    this.#drop(nb);
    return obj;
  }

  /** Calls f (borrowed) with borrowed arguments; a new reference. */
  call(f: number, ...args: number[]): number {
    if (this.#gone) throw new HandleDisposedError("call: this VM was disposed");
    const base = this.stack.length;
    this.#active++;
    try {
      this.stack.push(this.m.incref(f));
      for (const a of args) this.stack.push(this.m.incref(a));
      const r = this.invoke(f, base + 1, args.length);
      this.#drop(base);
      return r;
    } finally {
      this.#active--;
    }
  }

  // ── attributes ──

  proxyTarget(p: number): number {
    const t = this.m.x.weakrefGet(this.m.ref(p, 0));
    if (!t) throw new VMError("ReferenceError", "weakly-referenced object no longer exists");
    return t;
  }

  /** The class attribute `name` of an instance (borrowed), or 0. */
  #classAttr(obj: number, meta: ClassMeta, name: string): number {
    const i = meta.attrs!.get(name);
    return i === undefined ? 0 : this.m.item(this.m.ref(this.m.ref(obj, 0), 1), i + 1);
  }

  /** For (obj.name args): the method function to call with obj as self (borrowed), or 0. */
  methodFor(obj: number, name: string): number {
    const m = this.m;
    const meta = m.classes.get(m.typeId(obj));
    if (!meta || meta.fields.has(name)) return 0;
    const a = this.#classAttr(obj, meta, name);
    return a && m.typeId(a) === m.T.fn.id ? a : 0;
  }

  #descriptor(a: number, hook: string): number {
    const meta = this.m.classes.get(this.m.typeId(a));
    return meta ? this.#classAttr(a, meta, hook) : 0;
  }

  getattr(obj: number, name: string): number {
    const m = this.m, x = m.x;
    let id = m.typeId(obj);
    if (id === m.T.wproxy.id) { obj = this.proxyTarget(obj); id = m.typeId(obj); }
    const meta = m.classes.get(id);
    if (meta) {
      const a = this.#classAttr(obj, meta, name);
      const get = a ? this.#descriptor(a, "__get__") : 0;
      if (get) return this.call(get, a, obj);
      const fi = meta.fields.get(name);
      if (fi !== undefined) { const v = m.ref(obj, fi); return v ? m.incref(v) : m.none(); }
      if (name === "__class__") return m.incref(m.ref(obj, 0));
      if (a) {
        if (m.typeId(a) !== m.T.fn.id) return m.incref(a);
        const bm = m.alloc(m.T.method.id);
        x.setRef(bm, 0, obj);
        x.setRef(bm, 1, a);
        return bm;
      }
      throw new VMError("AttributeError", `'${meta.name}' object has no attribute '${name}'`);
    }
    if (id === m.T.cls.id) {
      const cmeta = m.classes.get(m.views.i32[(obj + m.clsItypeOff) >>> 2])!;
      if (name === "__name__") return m.str(cmeta.name);
      const i = cmeta.attrs!.get(name);
      if (i !== undefined) return m.incref(x.listGet(m.ref(obj, 1), i + 1));
      throw new VMError("AttributeError", `type object '${cmeta.name}' has no attribute '${name}'`);
    }
    throw new VMError("AttributeError", `'${m.typeName(obj)}' object has no attribute '${name}'`);
  }

  /**
   * The field index of `name` in instances of class type id `id`, or -1 when an access must take
   * the general path (not an instance, no such field, or a class attribute of that name, which may
   * be a descriptor). A class's fields and attribute names never change once it is made, and type
   * ids are never reused, so a site may remember the answer for the last type it saw.
   */
  #plainField(id: number, name: string): number {
    const meta = this.m.classes.get(id);
    if (!meta?.attrs || meta.attrs.has(name)) return -1;
    return meta.fields.get(name) ?? -1;
  }

  /** (. obj name) at one site: getattr, with the field of the last class seen remembered (an inline cache). */
  #attrLoad(name: string): (obj: number) => number {
    const m = this.m;
    let seen = -1, field = 0;
    return (obj) => {
      const id = m.typeId(obj);
      if (id !== seen) {
        const fi = this.#plainField(id, name);
        if (fi < 0) return this.getattr(obj, name);
        seen = id; field = fi;
      }
      const v = m.ref(obj, field);
      return v ? m.incref(v) : m.none();
    };
  }

  /** (set! obj.name v) at one site: setattr, with the field of the last class seen remembered. */
  #attrStore(name: string): (obj: number, v: number) => void {
    const m = this.m;
    let seen = -1, field = 0;
    return (obj, v) => {
      const id = m.typeId(obj);
      if (id !== seen) {
        const fi = this.#plainField(id, name);
        if (fi < 0) { this.setattr(obj, name, v); return; }
        seen = id; field = fi;
      }
      m.setField(obj, field, v === m.NONE ? 0 : v);
    };
  }

  setattr(obj: number, name: string, v: number): void {
    const m = this.m, x = m.x;
    let id = m.typeId(obj);
    if (id === m.T.wproxy.id) { obj = this.proxyTarget(obj); id = m.typeId(obj); }
    const meta = m.classes.get(id);
    if (meta) {
      const a = this.#classAttr(obj, meta, name);
      const set = a ? this.#descriptor(a, "__set__") : 0;
      if (set) { x.decref(this.call(set, a, obj, v)); return; }
      const fi = meta.fields.get(name);
      if (fi !== undefined) { x.setRef(obj, fi, v === m.NONE ? 0 : v); return; }
      throw new VMError("AttributeError", `'${meta.name}' object has no attribute '${name}' (its fields: ${[...meta.fields.keys()].join(", ") || "none"})`);
    }
    throw new VMError("AttributeError", `'${m.typeName(obj)}' object attribute '${name}' cannot be set`);
  }

  /** A list to iterate over for a list, dict (keys), or weak container (a snapshot): new reference. */
  iterable(p: number): number {
    const m = this.m;
    if (m.isList(p)) return m.incref(p);
    const b = this.builtins.find((b) => b.name === "keys")!;
    const base = this.stack.length;
    this.stack.push(m.incref(p));
    const r = b.fn(base, 1);
    this.#drop(base);
    return r;
  }

  // ── finalizers ──

  #runDel(cls: ClassMeta, h: Handle): void {
    const m = this.m, p = h.ptr;
    this.#hostCode(`<function ${cls.name}.__del__>`, (base) => {
      const fn = this.#classAttr(p, cls, "__del__");
      if (!fn) return;
      this.#grow(STACK.host);
      this.stack.push(m.incref(p));
      m.x.decref(this.invoke(fn, base, 1));
    });
  }

  /**
   * Runs a __del__ or weakref callback (`what` names it): its error is reported, not raised, and
   * the VM's stack, depth and stack estimate are as before; not run once the VM is disposed.
   */
  #hostCode(what: string, run: (base: number) => void): void {
    if (this.#gone) { this.err(`Exception ignored in: ${what}\nRuntimeError: not run: the VM was disposed\n`); return; }
    const base = this.stack.length, depth = this.depth, use = this.stackUse;
    this.#active++;
    try {
      run(base);
    } catch (e) {
      this.err(`Exception ignored in: ${what}\n${errText(e)}\n`);
    } finally {
      this.depth = depth;
      this.#shrink(use);
      this.unwind(base);
      this.#active--;
    }
  }

  /** A weakref callback: calls the VM callback stored in the weakref object w with w. */
  weakCallback(w: number): void {
    const m = this.m;
    // w may be dying itself: a container whose count reached zero waits on the core's worklist
    // until its references are released, and the core weakref it holds can be cleared meanwhile.
    // A dying weakref gets no callback (as in CPython); its memory is not reused before the core
    // weakref is released, so reading its count here is safe.
    if (m.views.u32[w >>> 2] === 0) return;
    this.#hostCode("weakref callback", () => {
      const cb = m.ref(w, 1);
      if (cb) { this.#grow(STACK.host); m.x.decref(this.call(cb, w)); }
    });
  }
}

declare module "./values.js" {
  interface ClassMeta {
    /** Class attribute name -> index of its key in the class's attrs dict. */
    attrs?: Map<string, number>;
    /** The class object (borrowed). */
    cls?: number;
  }
}

export function toVMError(e: unknown, line: number): VMError {
  if (e instanceof VMError) { if (!e.line) e.line = line; return e; }
  if (e instanceof RangeError && e.message.includes("call stack")) { const v = new VMError("RecursionError", "maximum recursion depth exceeded (the host stack ran out)"); v.line = line; return v; }
  if (e instanceof HeapTypeError) { const v = new VMError("TypeError", e.message); v.line = line; return v; }
  if (e instanceof HeapOutOfMemoryError) { const v = new VMError("MemoryError", e.message); v.line = line; return v; } // e.g. heap.weakref's
  // the heap refused an operation (e.g. a gc call under collector 'none'): the program's error
  // HeapCorruptedError is not the program's: the heap refuses everything from then on (assembly/entry.ts)
  if (e instanceof Error && e.name.startsWith("Heap") && e.name.endsWith("Error") && e.name !== "HeapAbortError" && e.name !== "HeapVerifyError" && e.name !== "HeapCorruptedError") {
    const v = new VMError("RuntimeError", e.message); v.line = line; return v;
  }
  throw e;
}

function errText(e: unknown): string {
  return e instanceof VMError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
