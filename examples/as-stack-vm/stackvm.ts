// A tiny stack machine written in AssemblyScript and linked with the refheap core as a library
// (compiled together into one wasm module; no host calls on the hot path). Its values are heap
// objects: Int (an i32 box) and Pair (car, cdr). Its operand stack and its globals are two heap
// lists that the machine owns: they are its roots, external references the collector respects.
//
// Bytecode (one opcode byte, then a little-endian i32 operand where noted):
//   0 HALT            stop; the result is the top of the stack (an Int's value, or -1)
//   1 PUSH n          push Int(n)
//   2 NIL             push nil (0)
//   3 ADD             pop b, a; push Int(a + b)
//   4 CONS            pop cdr, car; push Pair(car, cdr)
//   5 CAR / 6 CDR     pop a pair; push its field
//   7 SETCDR          pop value, pair; pair.cdr = value (this is how cycles are made)
//   8 DUP / 9 DROP
//  10 STORE g         pop into globals[g]
//  11 LOAD g          push globals[g]
//  12 LOOP g addr     globals[g] -= 1 (an Int); jump to addr while it stays > 0 (addr: a second i32)
//  13 SUM             pop a list of pairs; push Int(sum of the cars), stopping at nil or a cycle
//  14 GC              push Int(objects the cycle collector found unreachable)
//
// Bytecode is checked as it runs: an instruction whose operands are missing or of the wrong type
// (an empty stack, CAR of an Int, ADD of a Pair, a global out of range, an operand past the end)
// stops the run with -4 before it changes anything.

export * from "../../assembly/index"; // the core's exports: init, stats, verify, ... for the host
// allocations go through the core's out-of-memory policy: a full collection, then one more try
import * as oom from "../../assembly/oom";
import { listPop, listSet, SLOT } from "../../assembly/list";
import { decref, incref } from "../../assembly/rc";
import { defineType, KIND_BYTES, KIND_FIXED, KIND_REFARRAY, LIST_LENGTH, BYTES_DATA, BYTES_LENGTH } from "../../assembly/types";
import { TYPE_ID } from "../../assembly/layout";
import { collectorCollect as collect } from "../../assembly/generated/collectors"; // the collector init() chose

let intType: u32 = 0, pairType: u32 = 0, listType: u32 = 0, codeType: u32 = 0;
let stack: usize = 0, globals: usize = 0, code: usize = 0;
// Int: header(8) v(+8). Pair: container header(16) car(+16) cdr(+20).
// @ts-ignore: decorator
@inline const INT_V: usize = 8;
// @ts-ignore: decorator
@inline const CAR: usize = 16;
// @ts-ignore: decorator
@inline const CDR: usize = 20;

/** Defines the types and makes the machine's roots. 0 = ok. */
export function vmSetup(globalCount: i32): i32 {
  intType = <u32>defineType(KIND_FIXED, 0, 1, 0, 0);
  pairType = <u32>defineType(KIND_FIXED, 2, 0, 0, 0);
  listType = <u32>defineType(KIND_REFARRAY, 0, 0, 0, 0);
  codeType = <u32>defineType(KIND_BYTES, 0, 0, 0, 0);
  stack = oom.allocList(listType, 0);
  globals = oom.allocList(listType, <usize>globalCount);
  return stack && globals ? 0 : -1;
}

/** A code buffer of n bytes for the host to fill: returns the address to write to (0: no memory). */
export function vmCode(n: i32): usize {
  if (code) decref(code);
  code = oom.allocBytes(codeType, <usize>n);
  return code ? code + BYTES_DATA : 0;
}

function newInt(v: i32): usize {
  let p = oom.allocFixed(intType);
  if (p) store<i32>(p, v, INT_V);
  return p;
}
/** Pushes an owned reference (the stack takes its own, then ours is released). */
function push(p: usize): bool {
  let ok = oom.appendItem(stack, p);
  if (p) decref(p);
  return ok;
}
/** Pops: the caller owns the result. */
function pop(): usize { return listPop(stack); }
function top(): usize { return load<usize>(SLOT(stack, load<usize>(stack, LIST_LENGTH) - 1)); }
/** Operands on the stack. */
function depth(): usize { return load<usize>(stack, LIST_LENGTH); }
/** The k-th operand from the top (0: the top), borrowed; the caller checked depth() > k. */
function peek(k: usize): usize { return load<usize>(SLOT(stack, depth() - 1 - k)); }
function isInt(p: usize): bool { return p != 0 && TYPE_ID(p) == intType; }
function isPair(p: usize): bool { return p != 0 && TYPE_ID(p) == pairType; }
/** A list for SUM: nil, or pairs of Ints whose cdrs are pairs or nil, up to nil or back to l. */
function isIntList(l: usize): bool {
  let p = l;
  while (p) {
    if (!isPair(p) || !isInt(load<usize>(p, CAR))) return false;
    p = load<usize>(p, CDR);
    if (p == l) break;
  }
  return true;
}
/** -4: a bad program (see the header); nothing the instruction would change was changed. */
// @ts-ignore: decorator
@inline const BAD: i32 = -4;

/**
 * Runs the code; returns the Int on top of the stack, -1 if there is none, -2 when out of memory,
 * -3 for an unknown opcode, -4 for an instruction with bad operands (see the header).
 */
export function vmRun(): i32 {
  if (!code || !stack) return -1; // no program, or torn down
  let pc: usize = 0, end = load<usize>(code, BYTES_LENGTH), base = code + BYTES_DATA;
  let nGlobals = load<usize>(globals, LIST_LENGTH);
  while (pc < end) {
    let op = load<u8>(base + pc++);
    let arg: i32 = 0;
    if (op == 1 || op == 10 || op == 11 || op == 12) {
      if (pc + (op == 12 ? 8 : 4) > end) return BAD;
      arg = load<i32>(base + pc); pc += 4;
      if (op >= 10 && <u32>arg >= <u32>nGlobals) return BAD;
    }
    // operands: how many, and their types, before anything is popped
    switch (op) {
      case 3: if (depth() < 2 || !isInt(peek(0)) || !isInt(peek(1))) return BAD; break;
      case 4: case 7: if (depth() < 2 || (op == 7 && !isPair(peek(1)))) return BAD; break;
      case 5: case 6: if (depth() < 1 || !isPair(peek(0))) return BAD; break;
      case 8: case 9: case 10: if (depth() < 1) return BAD; break;
      case 12: if (!isInt(load<usize>(SLOT(globals, <usize>arg))) || load<u32>(base + pc) > <u32>end) return BAD; break;
      case 13: if (depth() < 1 || !isIntList(peek(0))) return BAD; break;
    }
    switch (op) {
      case 0: { pc = end; break; }
      case 1: { let p = newInt(arg); if (!p || !push(p)) return -2; break; }
      case 2: { if (!push(0)) return -2; break; }
      case 3: {
        let b = pop(), a = pop();
        let r = newInt(load<i32>(a, INT_V) + load<i32>(b, INT_V));
        decref(a); decref(b);
        if (!r || !push(r)) return -2;
        break;
      }
      case 4: {
        let cdr = pop(), car = pop();
        let p = oom.allocFixed(pairType);
        if (!p) return -2;
        store<usize>(p, car, CAR); // the popped references move into the fields
        store<usize>(p, cdr, CDR);
        if (!push(p)) return -2;
        break;
      }
      case 5: case 6: {
        let p = pop();
        let v = load<usize>(p + (op == 5 ? CAR : CDR));
        if (v) incref(v);
        decref(p);
        if (!push(v)) return -2;
        break;
      }
      case 7: {
        let v = pop(), p = pop();
        let old = load<usize>(p, CDR);
        store<usize>(p, v, CDR); // v's reference moves in
        if (old) decref(old);
        decref(p);
        break;
      }
      case 8: { let p = top(); if (p) incref(p); if (!push(p)) return -2; break; }
      case 9: { let p = pop(); if (p) decref(p); break; }
      case 10: { let p = pop(); listSet(globals, <usize>arg, p); if (p) decref(p); break; }
      case 11: {
        let p = load<usize>(SLOT(globals, <usize>arg));
        if (p) incref(p);
        if (!push(p)) return -2;
        break;
      }
      case 12: {
        let target = load<i32>(base + pc); pc += 4;
        let v = load<i32>(load<usize>(SLOT(globals, <usize>arg)), INT_V) - 1;
        let p = newInt(v);
        if (!p) return -2;
        listSet(globals, <usize>arg, p);
        decref(p);
        if (v > 0) pc = <usize>target;
        break;
      }
      case 13: {
        let l = pop(), sum = 0, p = l;
        while (p) {
          sum += load<i32>(load<usize>(p, CAR), INT_V);
          p = load<usize>(p, CDR);
          if (p == l) break;
        }
        if (l) decref(l);
        let r = newInt(sum);
        if (!r || !push(r)) return -2;
        break;
      }
      case 14: { let r = newInt(collect(2)); if (!r || !push(r)) return -2; break; }
      default: return -3;
    }
  }
  let n = load<usize>(stack, LIST_LENGTH);
  if (!n) return -1;
  let t = top();
  return t ? load<i32>(t, INT_V) : -1;
}

/** Releases the roots: everything the machine made becomes garbage (cycles: for the collector). */
export function vmTeardown(): void {
  decref(stack); decref(globals);
  if (code) decref(code);
  stack = globals = code = 0;
}
