// A static server for the explorer: web/ at /, the wasm builds (build/) at /build/. Used by
// `npm run explore` and the end-to-end tests. It serves files under those two folders and nothing
// else: it once joined `/build/<path>` onto the project root and checked the result with a prefix
// test without a separator, so `/build/..%2f..%2f<sibling>/file` read a sibling folder's files.
import { createServer } from "node:http";
import { readFile, realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".map": "application/json" };
/** URL prefix → folder served under it (the longest prefix first). */
const mounts = (root) => [["/build/", path.join(root, "build")], ["/", path.join(root, "web")]];

/** Whether `file` is `dir` or inside it (a separator after the prefix: /a/web is not inside /a/we). */
const inside = (dir, file) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * The file a request path names, or a status: 400 for a path that cannot be a file name here
 * (malformed escapes, NUL, backslashes, `.`/`..` segments, decoded or not), 404 for one that does
 * not resolve (through symlinks) to a file inside its folder.
 */
export async function resolveRequest(pathname, root = projectRoot) {
  let rel;
  try { rel = decodeURIComponent(pathname); } catch { return { status: 400 }; }
  if (rel === "/") rel = "/index.html";
  // refused rather than normalised: no real page links to such a path
  if (!rel.startsWith("/") || /[\0\\]/.test(rel) || rel.split("/").some((s) => s === "." || s === "..")) return { status: 400 };
  const [prefix, dir] = mounts(path.resolve(root)).find(([p]) => rel.startsWith(p));
  const file = path.resolve(dir, rel.slice(prefix.length));
  if (!inside(dir, file)) return { status: 400 };
  // a symlink inside the folder may point anywhere: compare where it really is
  let real, realDir;
  try { [real, realDir] = await Promise.all([realpath(file), realpath(dir)]); } catch { return { status: 404 }; }
  if (!inside(realDir, real)) return { status: 404 };
  return { status: 200, file: real };
}

/** Serves `root`'s web/ and build/ (the project's by default) on 127.0.0.1. */
export function serveWeb(port = 0, { root = projectRoot } = {}) {
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, { allow: "GET, HEAD" }).end(); return; }
      const { status, file } = await resolveRequest(new URL(req.url ?? "/", "http://localhost").pathname, root);
      if (!file) { res.writeHead(status).end(status === 404 ? "not found" : "bad request"); return; }
      const body = await readFile(file); // a directory fails here: 404
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(req.method === "HEAD" ? undefined : body);
    } catch {
      if (!res.headersSent) res.writeHead(404).end("not found");
      else res.destroy();
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, port: server.address().port })));
}
