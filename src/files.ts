// Files read whole (a .rhtrace, a VM program) are input from strangers: sized before they are read
// and bounded while they are (a pipe or a device such as /dev/zero has no size), and whatever the
// file system says of the path is a HeapFileError naming it (src/errors.ts fileError). Node only.

import { open, type FileHandle } from "node:fs/promises";
import { fileError } from "./errors.js";

/**
 * The bytes of `path`, at most `maxBytes`. A longer file is `tooLarge(its size)`, thrown before
 * its bytes are held: a regular file's size is checked before any read; anything else (size null)
 * once maxBytes + 1 bytes have come.
 */
export async function readBounded(api: string, path: string, maxBytes: number, tooLarge: (size: number | null) => Error): Promise<Uint8Array> {
  let fh: FileHandle;
  try { fh = await open(path, "r"); } catch (err) { throw fileError(api, path, err); }
  try {
    let size: number | null;
    try { const st = await fh.stat(); size = st.isFile() ? st.size : null; } catch (err) { throw fileError(api, path, err); }
    if (size !== null && size > maxBytes) throw tooLarge(size);
    // one more byte than the size: the read that finds the end (a file that grew meanwhile grows the buffer)
    let buf = new Uint8Array(size !== null ? size + 1 : Math.min(maxBytes + 1, 1 << 16));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw tooLarge(size);
        const b = new Uint8Array(Math.min(2 * buf.length, maxBytes + 1));
        b.set(buf);
        buf = b;
      }
      let read: number;
      try { ({ bytesRead: read } = await fh.read(buf, n, buf.length - n, null)); } catch (err) { throw fileError(api, path, err); }
      if (!read) return buf.subarray(0, n);
      n += read;
    }
  } finally {
    await fh.close().catch(() => undefined); // what was read is whole; a failed close changes none of it
  }
}
