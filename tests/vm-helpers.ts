// Runs VM programs with their output captured.
import { readFileSync } from "node:fs";
import { Heap } from "../src/index.js";
import { VM } from "../src/vm/interp.js";

export interface Run { vm: VM; out: string[]; err: string[]; text(): string }

export function makeVM(heap: Heap): Run {
  const out: string[] = [], err: string[] = [];
  const vm = new VM(heap, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { vm, out, err, text: () => out.join("") };
}

/** Runs a program to its end and disposes the VM (finalizers of what it kept run then): stdout and stderr. */
export function runProgram(heap: Heap, src: string): { out: string; err: string } {
  const r = makeVM(heap);
  try {
    r.vm.run(src);
  } finally {
    r.vm.dispose();
  }
  return { out: r.out.join(""), err: r.err.join("") };
}

export function seed(name: string): string {
  return readFileSync(new URL(`../examples/seeds/${name}.lisp`, import.meta.url), "utf8");
}
