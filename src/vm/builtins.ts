// Builtin functions. Each receives its arguments on the VM stack (stack[base .. base+argc),
// borrowed) and returns a new reference.

import type { VM } from "./interp.js";
import { VMError } from "./errors.js";
import { fmtNum } from "./values.js";

export interface Builtin { name: string; min: number; max: number; fn: (base: number, argc: number) => number }

import { FLAG_TRACKED, INFO_OFFSET, WKM, WSET, WVM_BYTES, WVM_INT } from "../generated/boundary.js";

export function installBuiltins(vm: VM): void {
  const m = vm.m, x = m.x, T = m.T, heap = vm.heap;
  const S = vm.stack;
  const def = (name: string, min: number, max: number, fn: Builtin["fn"]) => vm.defineBuiltin(name, min, max, fn);
  const arg = (base: number, i: number) => S[base + i];
  const num = (base: number, i: number, what: string) => m.num(S[base + i], what);
  /** A number that is an integer, as Python's range, hex and round's ndigits take (1.5, nan: TypeError). */
  const integer = (base: number, i: number, what: string) => {
    const v = m.num(S[base + i], what);
    if (!Number.isInteger(v)) throw new VMError("TypeError", `'float' object cannot be interpreted as an integer (${what} ${fmtNum(v)})`);
    return v;
  };
  const weakrefable = (p: number, what: string) => {
    if (!heap.types[m.typeId(p)]?.weakrefable) throw new VMError("TypeError", `cannot create weak reference to '${m.typeName(p)}' object${what ? ` (${what})` : ""}`);
  };
  // the core already collected everything and tried once more (assembly/oom.ts)
  const room = (ok: number | boolean, what: string) => {
    if (!ok) throw new VMError("MemoryError", `out of memory in ${what}`);
  };

  // ── arithmetic and comparison ──
  // Error texts are made once per builtin, not per call (a template per operand was a string
  // concatenation on every (+ a b)); two operands, the common case, skip the loop.
  const arith = (name: string, init: number | null, op: (a: number, b: number) => number) => {
    const what = `${name} operand`;
    def(name, init === null ? 1 : 0, -1, (base, argc) => {
      if (argc === 2) return m.int(op(m.num(S[base], what), m.num(S[base + 1], what)));
      if (argc === 1 && name === "-") return m.int(-num(base, 0, "operand"));
      if (argc === 0) return m.int(init!);
      let acc = num(base, 0, what);
      for (let i = 1; i < argc; i++) acc = op(acc, num(base, i, what));
      return m.int(acc);
    });
  };
  arith("+", 0, (a, b) => a + b);
  arith("-", null, (a, b) => a - b);
  arith("*", 1, (a, b) => a * b);
  const div = (name: string, op: (a: number, b: number) => number) => def(name, 2, 2, (base) => {
    const a = num(base, 0, name), b = num(base, 1, name);
    if (b === 0) throw new VMError("ZeroDivisionError", "division by zero");
    return m.int(op(a, b));
  });
  div("/", (a, b) => a / b);
  div("//", (a, b) => Math.floor(a / b));
  div("%", (a, b) => a - b * Math.floor(a / b));
  const cmp = (name: string, op: (a: number, b: number) => boolean) => {
    const what = `${name} operand`;
    def(name, 2, -1, (base, argc) => {
      for (let i = 0; i + 1 < argc; i++) {
        const a = S[base + i], b = S[base + i + 1];
        let r: boolean;
        if (m.isStr(a) && m.isStr(b)) { const sa = m.strValue(a), sb = m.strValue(b); r = op(sa < sb ? -1 : sa > sb ? 1 : 0, 0); }
        else r = op(m.num(a, what), m.num(b, what));
        if (!r) return m.bool(false);
      }
      return m.bool(true);
    });
  };
  cmp("<", (a, b) => a < b); cmp(">", (a, b) => a > b); cmp("<=", (a, b) => a <= b); cmp(">=", (a, b) => a >= b);
  def("==", 2, 2, (base) => m.bool(m.eq(arg(base, 0), arg(base, 1))));
  def("!=", 2, 2, (base) => m.bool(!m.eq(arg(base, 0), arg(base, 1))));
  def("is", 2, 2, (base) => m.bool(arg(base, 0) === arg(base, 1)));
  def("not", 1, 1, (base) => m.bool(!m.truthy(arg(base, 0))));

  // ── printing and strings ──
  const show = (p: number) => m.typeId(p) === T.wproxy.id ? m.display(vm.proxyTarget(p)) : m.display(p);
  def("print", 0, -1, (base, argc) => {
    const parts: string[] = [];
    for (let i = 0; i < argc; i++) parts.push(show(arg(base, i)));
    vm.out(parts.join(" ") + "\n");
    return m.none();
  });
  def("str", 0, -1, (base, argc) => {
    let s = "";
    for (let i = 0; i < argc; i++) s += show(arg(base, i));
    return m.str(s);
  });
  def("repr", 1, 1, (base) => m.str(m.repr(arg(base, 0))));
  def("type", 1, 1, (base) => m.str(m.typeName(arg(base, 0))));
  def("id", 1, 1, (base) => m.int(arg(base, 0)));
  def("pow", 2, 2, (base) => m.int(num(base, 0, "pow base") ** num(base, 1, "pow exponent")));
  def("round", 1, 2, (base, argc) => m.int(pyRound(num(base, 0, "round argument"), argc === 2 ? integer(base, 1, "ndigits") : 0)));
  def("hex", 1, 1, (base) => { const v = integer(base, 0, "hex argument"); return m.str((v < 0 ? "-0x" : "0x") + Math.abs(v).toString(16)); });
  def("error", 1, 2, (base, argc) => {
    throw new VMError(argc === 2 ? m.strValue(arg(base, 0), "error kind") : "Error", m.display(arg(base, argc - 1)));
  });
  def("assert", 1, 2, (base, argc) => {
    if (!m.truthy(arg(base, 0))) throw new VMError("AssertionError", argc === 2 ? m.display(arg(base, 1)) : "assertion failed");
    return m.none();
  });

  // ── lists and dicts ──
  def("list", 0, -1, (base, argc) => m.list(S.slice(base, base + argc)));
  def("dict", 0, -1, (base, argc) => {
    if (argc % 2) throw new VMError("TypeError", "dict takes key, value pairs");
    const d = m.allocList(T.dict.id, 0);
    S.push(d);
    for (let i = 0; i < argc; i += 2) m.dictSet(d, arg(base, i), arg(base, i + 1));
    return S.pop()!;
  });
  const listArg = (base: number, i: number, what: string) => {
    const p = arg(base, i);
    if (!m.isList(p)) throw new VMError("TypeError", `${what} expects a list, not '${m.typeName(p)}'`);
    return p;
  };
  const index = (l: number, i: number) => {
    const n = x.listLength(l);
    if (!Number.isInteger(i)) throw new VMError("TypeError", "list indices must be integers");
    const j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) throw new VMError("IndexError", `list index ${i} out of range (length ${n})`);
    return j;
  };
  def("append!", 2, 2, (base) => { m.append(listArg(base, 0, "append!"), arg(base, 1)); return m.none(); });
  def("pop!", 1, 1, (base) => {
    const l = listArg(base, 0, "pop!");
    if (!x.listLength(l)) throw new VMError("IndexError", "pop from empty list");
    const v = x.listPop(l);
    return v || m.none();
  });
  def("nth", 2, 2, (base) => { const l = listArg(base, 0, "nth"); const v = x.listGet(l, index(l, num(base, 1, "index"))); return v ? m.incref(v) : m.none(); });
  def("set-nth!", 3, 3, (base) => { const l = listArg(base, 0, "set-nth!"); x.listSet(l, index(l, num(base, 1, "index")), arg(base, 2)); return m.none(); });
  def("len", 1, 1, (base) => {
    const p = arg(base, 0), id = m.typeId(p);
    if (id === T.list.id) return m.int(x.listLength(p));
    if (id === T.dict.id) return m.int(x.listLength(p) / 2);
    if (id === T.str.id) return m.int([...m.strValue(p)].length);
    if (id === T.wkd.id || id === T.wset.id) return m.int(x.weakMapCount(m.ref(p, 0)));
    if (id === T.wvd.id) return m.int(x.weakMapCount(m.ref(p, 0)) + x.weakMapCount(m.ref(p, 1)));
    throw new VMError("TypeError", `object of type '${m.typeName(p)}' has no len()`);
  });
  def("range", 1, 2, (base, argc) => {
    const a = argc === 2 ? integer(base, 0, "range start") : 0, b = integer(base, argc - 1, "range end");
    const l = m.allocList(T.list.id, 0);
    S.push(l);
    for (let i = a; i < b; i++) { S.push(m.int(i)); m.append(l, S[S.length - 1]); x.decref(S.pop()!); } // v on the stack: append may fail
    return S.pop()!;
  });

  // Weak-value dictionary keys are ints (i32) or strs.
  const wvdKey = (d: number, k: number): { ints: boolean; map: number } => {
    if (m.isStr(k)) return { ints: false, map: m.ref(d, 1) };
    const v = m.num(k, "WeakValueDictionary key");
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new VMError("TypeError", "WeakValueDictionary keys are 32-bit ints or strs");
    return { ints: true, map: m.ref(d, 0) };
  };
  /** The value for key k (borrowed), or 0. */
  const lookup = (d: number, k: number): number => {
    const id = m.typeId(d);
    if (id === T.dict.id) { const i = m.dictFind(d, k); return i < 0 ? 0 : x.listGet(d, i + 1) || m.NONE; }
    if (id === T.list.id) return x.listGet(d, index(d, m.num(k, "index"))) || m.NONE;
    if (id === T.wkd.id) {
      if (!heap.types[m.typeId(k)]?.weakrefable) return 0;
      const i = x.wkmFind(m.ref(d, 0), k);
      return i < 0 ? 0 : x.weakMapValueAt(m.ref(d, 0), i) || m.NONE;
    }
    if (id === T.wvd.id) {
      const { ints, map } = wvdKey(d, k);
      return ints ? x.wvmGetInt(map, m.num(k)) : x.wvmGetBytes(map, x.bytesData(k), x.bytesLength(k));
    }
    throw new VMError("TypeError", `'${m.typeName(d)}' object is not subscriptable`);
  };
  def("get", 2, 3, (base, argc) => {
    const v = lookup(arg(base, 0), arg(base, 1));
    if (v) return m.incref(v);
    if (argc === 3) return m.incref(arg(base, 2));
    throw new VMError("KeyError", m.repr(arg(base, 1)));
  });
  def("has?", 2, 2, (base) => {
    const d = arg(base, 0), k = arg(base, 1);
    if (m.typeId(d) === T.wset.id) return m.bool(heap.types[m.typeId(k)]?.weakrefable === true && x.wkmFind(m.ref(d, 0), k) >= 0);
    if (m.isList(d)) return m.bool(m.listItems(d).some((p) => m.eq(p || m.NONE, k))); // Python's in: ==
    return m.bool(lookup(d, k) !== 0);
  });
  def("put!", 3, 3, (base) => {
    const d = arg(base, 0), k = arg(base, 1), v = arg(base, 2), id = m.typeId(d);
    if (id === T.dict.id) m.dictSet(d, k, v);
    else if (id === T.list.id) x.listSet(d, index(d, m.num(k, "index")), v);
    else if (id === T.wkd.id) { weakrefable(k, "WeakKeyDictionary key"); room(x.wkmSet(m.ref(d, 0), k, v), "put!"); }
    else if (id === T.wvd.id) {
      weakrefable(v, "WeakValueDictionary value");
      const { ints, map } = wvdKey(d, k);
      room(ints ? x.wvmSetInt(map, m.num(k), v) : x.wvmSetBytes(map, k, v), "put!");
    } else throw new VMError("TypeError", `'${m.typeName(d)}' object does not support item assignment`);
    return m.none();
  });
  def("add!", 2, 2, (base) => {
    const s = arg(base, 0), v = arg(base, 1);
    if (m.typeId(s) !== T.wset.id) throw new VMError("TypeError", `add! expects a WeakSet, not '${m.typeName(s)}'`);
    weakrefable(v, "WeakSet item");
    room(x.wkmSet(m.ref(s, 0), v, 0), "add!");
    return m.none();
  });
  def("del!", 2, 2, (base) => {
    const d = arg(base, 0), k = arg(base, 1), id = m.typeId(d);
    let done = false;
    if (id === T.dict.id) done = m.dictDelete(d, k);
    else if (id === T.wkd.id || id === T.wset.id) done = heap.types[m.typeId(k)]?.weakrefable === true && x.wkmDelete(m.ref(d, 0), k) !== 0;
    else if (id === T.wvd.id) { const { ints, map } = wvdKey(d, k); done = (ints ? x.wvmDeleteInt(map, m.num(k)) : x.wvmDeleteBytes(map, x.bytesData(k), x.bytesLength(k))) !== 0; }
    else throw new VMError("TypeError", `'${m.typeName(d)}' object does not support item deletion`);
    if (!done) throw new VMError("KeyError", m.repr(k));
    return m.none();
  });
  // keys / values / items: a new list (a snapshot for weak containers)
  const entries = (d: number, what: "keys" | "values" | "items"): number => {
    const id = m.typeId(d);
    const out = m.allocList(T.list.id, 0);
    S.push(out);
    const push = (k: number, v: number) => {
      if (what === "items") { S.push(m.list([k, v])); m.append(out, S[S.length - 1]); x.decref(S.pop()!); }
      else m.append(out, what === "keys" ? k : v);
    };
    if (id === T.dict.id) {
      const n = x.listLength(d);
      for (let i = 0; i < n; i += 2) push(x.listGet(d, i), x.listGet(d, i + 1));
    } else if (id === T.wkd.id || id === T.wset.id || id === T.wvd.id) {
      const maps = id === T.wvd.id ? [m.ref(d, 0), m.ref(d, 1)] : [m.ref(d, 0)];
      maps.forEach((map, mi) => {
        for (let i = x.weakMapNext(map, 0); i >= 0; i = x.weakMapNext(map, i + 1)) {
          let k = x.weakMapKeyAt(map, i);
          const v = x.weakMapValueAt(map, i) || m.NONE;
          if (id === T.wvd.id && mi === 0) { k = m.int(k | 0); S.push(k); }
          push(k, id === T.wset.id ? k : v);
          if (id === T.wvd.id && mi === 0) x.decref(S.pop()!);
        }
      });
    } else if (id === T.list.id) {
      for (const p of m.listItems(d)) push(p || m.NONE, p || m.NONE);
    } else throw new VMError("TypeError", `${what}() expects a dict or weak container, not '${m.typeName(d)}'`);
    return S.pop()!;
  };
  def("keys", 1, 1, (base) => entries(arg(base, 0), "keys"));
  def("values", 1, 1, (base) => entries(arg(base, 0), "values"));
  def("items", 1, 1, (base) => entries(arg(base, 0), "items"));

  // ── weak references ──
  const mkWeak = (proxy: boolean) => (base: number, argc: number) => {
    const obj = arg(base, 0), cb = argc === 2 && arg(base, 1) !== m.NONE ? arg(base, 1) : 0;
    weakrefable(obj, "");
    const w = m.alloc(proxy ? T.wproxy.id : T.wref.id);
    S.push(w);
    const h = heap.wrapBorrowed(obj)!;
    try {
      const callback = cb ? () => vm.weakCallback(w) : undefined;
      const wr = proxy ? heap.proxy(h, callback) : heap.weakref(h, callback);
      const wrPtr = proxy ? (wr as { weakref: { ptr: number } }).weakref.ptr : (wr as { ptr: number }).ptr;
      x.setRef(w, 0, wrPtr);
      wr.dispose();
    } finally {
      h.dispose();
    }
    if (cb) x.setRef(w, 1, cb);
    return S.pop()!;
  };
  def("weakref", 1, 2, mkWeak(false));
  def("proxy", 1, 2, mkWeak(true));
  def("deref", 1, 1, (base) => {
    const w = arg(base, 0);
    if (m.typeId(w) !== T.wref.id) throw new VMError("TypeError", `deref expects a weakref, not '${m.typeName(w)}'`);
    const t = x.weakrefGet(m.ref(w, 0));
    return t ? m.incref(t) : m.none();
  });
  def("getweakrefcount", 1, 1, (base) => {
    const p = arg(base, 0);
    return m.int(heap.types[m.typeId(p)]?.weakrefable ? x.weakrefCount(p) : 0);
  });
  const weakMap = (type: number, flavours: number[]) => () => {
    const w = m.alloc(type);
    S.push(w);
    flavours.forEach((f, i) => {
      const map = x.weakMapNew(f);
      if (!map) throw new VMError("MemoryError", "out of memory creating a weak container");
      x.setRefMove(w, i, map);
    });
    return S.pop()!;
  };
  def("WeakKeyDictionary", 0, 0, weakMap(T.wkd.id, [WKM]));
  def("WeakValueDictionary", 0, 0, weakMap(T.wvd.id, [WVM_INT, WVM_BYTES]));
  def("WeakSet", 0, 0, weakMap(T.wset.id, [WSET]));

  /** A new list of what row() makes of each of rows, each held on the stack until the list holds it (any allocation may fail). */
  const listOf = <T,>(rows: readonly T[], row: (r: T) => number): number => {
    const base = S.length;
    try {
      for (const r of rows) S.push(row(r));
      return m.list(S.slice(base));
    } finally {
      while (S.length > base) x.decref(S.pop()!);
    }
  };
  /** A new list of new ints. */
  const intList = (vs: readonly number[]): number => listOf(vs, (v) => m.int(v));

  // ── refcounts, the collector, the heap ──
  // getrefcount(x): the references to x, counting the one its argument slot on the stack holds
  // (so, as in CPython, one more than the references you can see)
  def("getrefcount", 1, 1, (base) => m.int(x.refcount(arg(base, 0))));
  // under collector 'none' (refcounting only) there is nothing to collect: 0, as with gc disabled
  def("gc-collect", 0, 1, (base, argc) => {
    if (!heap.capabilities.collector.collectsCycles) return m.int(0);
    const n = heap.gc.collect(argc ? num(base, 0, "generation") : 2);
    return m.int(n);
  });
  def("gc-enable", 0, 0, () => { heap.gc.enable(); return m.none(); });
  def("gc-disable", 0, 0, () => { heap.gc.disable(); return m.none(); });
  def("gc-isenabled", 0, 0, () => m.bool(heap.gc.isEnabled()));
  def("gc-get-count", 0, 0, () => intList(heap.gc.getCount()));
  def("gc-set-threshold", 1, 3, (base, argc) => {
    const t = [0, 1, 2].slice(0, argc).map((i) => num(base, i, "threshold"));
    heap.gc.setThreshold(t[0], t[1], t[2]);
    return m.none();
  });
  // [collections, collected, uncollectable] per generation
  def("gc-get-stats", 0, 0, () => listOf(heap.gc.getStats(), (s) => intList([s.collections, s.collected, s.uncollectable])));
  // the longest collection pause so far, in ms (timing: varies run to run)
  def("gc-max-pause", 0, 0, () => m.int(Math.max(0, ...heap.gc.getStats().map((s) => s.maxPause))));
  // gc.garbage: uncollectable cycles (finalizerMode 'legacy': a cycle holding __del__, as in Python 2)
  def("gc-garbage", 0, 0, () => m.list(heap.gc.garbage.filter((h) => h.alive).map((h) => h.ptr)));
  def("gc-is-tracked", 1, 1, (base) => m.bool((m.views.u32[(arg(base, 0) + INFO_OFFSET) >>> 2] & FLAG_TRACKED) !== 0));
  def("gc-get-referrers", 1, 1, (base) => {
    const h = heap.wrapBorrowed(arg(base, 0))!;
    const refs = heap.gc.getReferrers(h);
    h.dispose();
    try {
      return m.list(refs.map((r) => r.ptr));
    } finally {
      refs.forEach((r) => r.dispose());
    }
  });
  // [[generation, ms], ...]: every collection pause since the last call (timing: varies run to run)
  def("gc-take-pauses", 0, 0, () => listOf(heap.gc.takePauses(), (p) => intList([p.generation, p.ms])));
  // live objects of a type (by name) that the collector tracks, like len([o for o in gc.get_objects() if type(o) is T])
  def("count-objects", 1, 1, (base) => {
    const name = m.strValue(arg(base, 0), "type name");
    const objs = heap.gc.getObjects();
    let n = 0;
    for (const h of objs) { if (m.typeName(h.ptr) === name) n++; h.dispose(); }
    return m.int(n);
  });
  def("heap-live-objects", 0, 0, () => m.int(heap.stats().liveObjects));
  def("heap-live-bytes", 0, 0, () => { const s = heap.stats(); return m.int(s.objectHeaderBytes + s.objectPayloadBytes); });
  def("heap-peak-bytes", 0, 0, () => m.int(heap.stats().peakCommittedBytes));
  def("time-ms", 0, 0, () => m.int(performance.now()));
  void fmtNum;
}

/**
 * Python's round(v, k): to the nearest multiple of 10**-k of v's exact binary value, a tie to the
 * even one (round(2.5) is 2, round(0.125, 2) 0.12, round(2.675, 2) 2.67: 2.675 is below the tie).
 */
function pyRound(v: number, k: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  if (k < 0) {
    const f = 10 ** -k;
    return Number.isFinite(f) ? pyRound(v / f, 0) * f : 0;
  }
  if (k > 100) return v; // past an f64's digits
  const a = Math.abs(v);
  const exact = a.toFixed(100); // exact for a >= 2**-48; a >= 1e21 has no fraction
  const dot = exact.indexOf(".");
  if (dot < 0) return v;
  // toFixed rounds a tie away from zero; a tie is a 5 then only zeros past digit k
  let tie = exact[dot + 1 + k] === "5";
  for (let i = dot + 2 + k; tie && i < exact.length; i++) tie = exact[i] === "0";
  let r = Number(a.toFixed(k));
  if (tie) {
    const down = exact.slice(0, k ? dot + 1 + k : dot);
    if (Number(down[down.length - 1]) % 2 === 0) r = Number(down);
  }
  return v < 0 ? -r : r;
}
