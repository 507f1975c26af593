// Finds a headless Chromium for the browser tests, so `npm ci && npm test` is enough on a machine
// with only Node. In order: $CHROMIUM (must exist), a system Chromium (/usr/bin/chromium or one on
// PATH), else the Chromium inside the @sparticuz/chromium devDependency, decompressed once into
// node_modules/.cache. The package decompresses into os.tmpdir() and trusts whatever
// `chromium` file it finds there (a half-written one from a parallel test file, or another
// version's), so it gets a private directory that is renamed into place when complete.
import { existsSync, mkdtempSync, renameSync, rmSync, mkdirSync, accessSync, constants, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

function executable(path) {
  try { accessSync(path, constants.X_OK); return true; } catch { return false; }
}

/** A system Chromium: /usr/bin/chromium, or one of NAMES on PATH; null if none. */
export function systemChromium(env = process.env) {
  const dirs = ["/usr/bin", ...(env.PATH ?? "").split(delimiter).filter(Boolean)];
  for (const d of dirs) for (const n of NAMES) if (executable(join(d, n))) return join(d, n);
  return null;
}

/** The Chromium shipped in @sparticuz/chromium, decompressed into `cacheDir` on first use. */
export async function bundledChromium(cacheDir = join(root, "node_modules/.cache/refheap-chromium")) {
  const require = createRequire(import.meta.url);
  let pkgJson;
  try {
    // its exports map hides package.json: walk up from the entry point
    for (let d = dirname(require.resolve("@sparticuz/chromium")); !pkgJson; d = dirname(d)) {
      if (existsSync(join(d, "bin/chromium.br"))) pkgJson = join(d, "package.json");
      else if (d === dirname(d)) throw new Error("bin/chromium.br not found");
    }
  } catch {
    throw new Error("no Chromium: set CHROMIUM, install a system chromium, or `npm install` (the devDependency @sparticuz/chromium ships one)");
  }
  const { version } = JSON.parse(readFileSync(pkgJson, "utf8"));
  const dir = join(cacheDir, version);
  const exe = join(dir, "chromium");
  if (existsSync(exe)) return exe;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, `${version}.partial-`));
  const { default: Chromium } = await import("@sparticuz/chromium");
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp; // os.tmpdir() is read when the package starts decompressing
  let pending;
  try {
    pending = Chromium.executablePath(join(dirname(pkgJson), "bin"));
  } finally {
    if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
  }
  try {
    const got = await pending;
    if (got !== join(tmp, "chromium")) throw new Error(`@sparticuz/chromium decompressed to ${got}, expected ${tmp}`);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!existsSync(exe)) throw err; // else a parallel run won the race: use its copy
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return exe;
}

/** The Chromium the browser tests drive (see the top of this file). */
export async function findChromium(env = process.env) {
  if (env.CHROMIUM) {
    if (!executable(env.CHROMIUM)) throw new Error(`CHROMIUM=${env.CHROMIUM} is not an executable file`);
    return env.CHROMIUM;
  }
  return systemChromium(env) ?? bundledChromium();
}

/** Flags for a headless Chromium on a machine with a closed network, as root (CI). */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await findChromium());
}
