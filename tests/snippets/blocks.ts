// The fenced code blocks of a markdown page, classified for tests/docs.test.ts: ts and js blocks
// run; sh / shell / bash / console / text / output blocks are not code; a ts or js block
// preceded by a visible "_Not run: <reason>._" line is shown but not run, and an `output` block
// right after a run block is what it must print. A block without a label,
// with an unknown label, or marked without a reason is an error: every block says what it is.

export type BlockKind = "ts" | "js" | "not-code" | "skipped";

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  kind: BlockKind;
  code: string;
  /** Why a skipped block is not run (the visible text in the page). */
  reason?: string;
  /** What a run block prints: the `output` block right after it (only blank lines between), if any. */
  expected?: string;
  /** 1-based line of the closing fence. */
  end: number;
}

const RUN: Record<string, "ts" | "js"> = { ts: "ts", typescript: "ts", js: "js", javascript: "js", mjs: "js" };
/** Labels that say "this is not a program in the test's languages". */
const NOT_CODE = new Set(["sh", "shell", "bash", "console", "text", "output"]);
/** The visible marker on the line before a block (blank lines between allowed). */
const SKIP = /^_?not run(?: by the tests)?:\s*(.*?)\s*_?$/i;

export class DocBlockError extends Error {
  override name = "DocBlockError";
}

export function extractBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, label] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trimStart().startsWith(fence) && l.trim().replace(/[`~]/g, "") === "") break;
      body.push(indent && l.startsWith(indent) ? l.slice(indent.length) : l);
    }
    if (j === lines.length) throw new DocBlockError(`${file}:${i + 1}: a code fence that is never closed`);
    const where = `${file}:${i + 1}`;
    const lang = label.toLowerCase();
    if (!lang) throw new DocBlockError(`${where}: a code block without a label: say what it is (ts, js, sh, text, output, ...)`);
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const marker = prev >= 0 ? SKIP.exec(lines[prev]!.trim()) : null;
    const code = body.join("\n");
    if (RUN[lang]) {
      if (marker) {
        const reason = marker[1]!.replace(/[._]+$/, "").trim();
        if (!reason) throw new DocBlockError(`${where}: "Not run" needs a reason`);
        out.push({ file, line: i + 1, end: j + 1, lang, kind: "skipped", code, reason });
      } else out.push({ file, line: i + 1, end: j + 1, lang, kind: RUN[lang]!, code });
    } else if (NOT_CODE.has(lang)) {
      const before = out.at(-1);
      if (lang === "output" && before && (before.kind === "ts" || before.kind === "js") && lines.slice(before.end, i).every((l) => l.trim() === "")) before.expected = code;
      out.push({ file, line: i + 1, end: j + 1, lang, kind: "not-code", code });
    } else throw new DocBlockError(`${where}: unknown block label "${lang}" (runnable: ${Object.keys(RUN).join(", ")}; not code: ${[...NOT_CODE].join(", ")})`);
    i = j;
  }
  return out;
}
