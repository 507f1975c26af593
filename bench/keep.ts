// Keeping results per run: <out>/runs/<time>[-suffix]/ with the run's files, and <out>/latest
// pointing at the newest (a relative symlink, or a copy where links are refused).
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

/** A run's directory name: its start time, to the second, safe in file names. */
export const runStamp = (d: Date): string => d.toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z");

export function keepRun(out: string, name: string, files: Record<string, string>): { dir: string; latest: string } {
  const dir = path.join(out, "runs", name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  const latest = path.join(out, "latest");
  rmSync(latest, { recursive: true, force: true });
  try {
    symlinkSync(path.relative(out, dir), latest, "dir");
  } catch {
    mkdirSync(latest, { recursive: true });
    for (const f of Object.keys(files)) copyFileSync(path.join(dir, f), path.join(latest, f));
  }
  return { dir, latest };
}

/** A path as a person would type it from here. */
export function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}
