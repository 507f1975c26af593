// refheap-vm: runs a program file, or a REPL when no file is given.
//   refheap-vm [file] [--allocator NAME] [--collector NAME] [--finalizer-mode pep442|legacy] [--debug] [-e source]
//   (the names: ALLOCATORS and COLLECTORS, from the registry)

import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { ALLOCATORS, COLLECTORS, type AllocatorName, type CollectorName } from "../heap.js";
import { DEFAULT_ALLOCATOR, DEFAULT_COLLECTOR } from "../strategies.js";
import { VM } from "./interp.js";
import { VMError } from "./errors.js";
import { optionGivenTwice } from "../args.js";
import { HeapFileError } from "../errors.js";
import { readBounded } from "../files.js";

/** Largest program file read: programs are text (the seeds are a few KiB); 16 MiB leaves room for generated ones. */
const MAX_PROGRAM_BYTES = 16 << 20;

const USAGE = `usage: refheap-vm [file] [--allocator ${ALLOCATORS.join("|")}] [--collector ${COLLECTORS.join("|")}] [--finalizer-mode pep442|legacy] [--debug] [-e source]\n`;

export async function main(argv: string[]): Promise<number> {
  // Arguments are input from strangers: an unknown option, a missing value, an option given twice,
  // a file and -e, or two files are refused in one line with exit code 2 (before, the first two were
  // a stack trace, and the rest ran one program and silently dropped the other)
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, tokens: true,
      options: {
        allocator: { type: "string", default: DEFAULT_ALLOCATOR },
        collector: { type: "string", default: DEFAULT_COLLECTOR },
        debug: { type: "boolean", default: false },
        "finalizer-mode": { type: "string", default: "pep442" },
        eval: { type: "string", short: "e" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values, positionals, tokens } = parsed;
  const twice = optionGivenTwice(tokens);
  if (twice !== undefined) return usageError(`--${twice} given twice`);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 1) return usageError(`one program file, got ${positionals.length}`);
  if (positionals.length && values.eval !== undefined) return usageError("a program file or -e, not both");
  if (!ALLOCATORS.includes(values.allocator as AllocatorName)) { process.stderr.write(`unknown allocator '${values.allocator}' (${ALLOCATORS.join(", ")})\n`); return 2; }
  if (!COLLECTORS.includes(values.collector as CollectorName)) { process.stderr.write(`unknown collector '${values.collector}' (${COLLECTORS.join(", ")})\n`); return 2; }
  const finalizerMode = values["finalizer-mode"];
  if (finalizerMode !== "pep442" && finalizerMode !== "legacy") { process.stderr.write(`unknown finalizer mode '${finalizerMode}' (pep442, legacy)\n`); return 2; }
  let source: string | null = values.eval ?? null;
  if (positionals[0] !== undefined) {
    const file = positionals[0];
    try {
      // sized before it is read: a program file was read whole, however large (or endless: /dev/zero)
      const bytes = await readBounded("refheap-vm", file, MAX_PROGRAM_BYTES, (size) =>
        new HeapFileError(`refheap-vm: ${file} has ${size ?? `more than ${MAX_PROGRAM_BYTES}`} bytes, more than a program may have (${MAX_PROGRAM_BYTES})`, file));
      source = new TextDecoder().decode(bytes);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`); // "refheap-vm: cannot read FILE: <the OS's message>"
      return 2;
    }
  }
  const vm = await VM.create({ allocator: values.allocator as AllocatorName, collector: values.collector as CollectorName, debug: values.debug, finalizerMode });
  if (source !== null) {
    try {
      vm.run(source);
      return 0;
    } catch (e) {
      if (!(e instanceof VMError)) throw e;
      process.stderr.write(`${positionals[0] ?? "<-e>"}:${e.line || "?"}: ${e.message}\n`);
      return 1;
    } finally {
      vm.dispose(); // the program's objects die now: finalizers run, as at interpreter exit
    }
  }
  return repl(vm);
}

function usageError(message: string): number {
  process.stderr.write(`refheap-vm: ${message}\n${USAGE}`);
  return 2;
}

/** Read-eval-print: a form may span lines (the prompt waits until brackets balance). */
async function repl(vm: VM): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const prompt = (more: boolean) => { rl.setPrompt(more ? "... " : ">>> "); rl.prompt(); };
  process.stdout.write(`refheap-vm (${vm.heap.allocator}/${vm.heap.collector}): (print "hi"), (gc-collect), (heap-live-objects); Ctrl-D exits\n`);
  let buf = "";
  prompt(false);
  for await (const line of rl) {
    buf += line + "\n";
    if (!balanced(buf)) { prompt(true); continue; }
    const src = buf;
    buf = "";
    if (src.trim()) {
      try {
        const r = vm.evalToString(src);
        if (r !== "None") process.stdout.write(r + "\n");
      } catch (e) {
        if (!(e instanceof VMError)) throw e;
        process.stdout.write(`${e.message}\n`);
      }
    }
    prompt(false);
  }
  vm.dispose();
  return 0;
}

function balanced(src: string): boolean {
  let depth = 0, inStr = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inStr) { if (c === "\\") i++; else if (c === '"') inStr = false; continue; }
    if (c === '"') inStr = true;
    else if (c === ";") { while (i < src.length && src[i] !== "\n") i++; }
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
  }
  return depth <= 0 && !inStr;
}
