// Typed errors with stable names. Every one is thrown before the heap is changed, so the heap
// stays consistent and usable after any of them.

export class HeapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** No block fits and memory cannot grow (maxBytes or the engine's limit). */
export class HeapOutOfMemoryError extends HeapError {}
/** A handle was used after dispose() (or after its heap was destroyed). */
export class HandleDisposedError extends HeapError {}
/** Wrong type, kind, field name, or value type; or a handle from another heap. */
export class HeapTypeError extends HeapError {}
/** An index or length out of range (lists, bytes, sizes). */
export class HeapIndexError extends HeapError {}
/** A dead referent reached through a proxy. */
export class HeapReferenceError extends HeapError {}
/** An option or feature that this heap was not created with or does not have. */
export class HeapConfigError extends HeapError {}
/**
 * A path given to the API or a CLI that cannot be read or written: missing, a directory, not
 * permitted, an I/O error. `path` as given; `cause` the OS's error (its message is in this one).
 */
export class HeapFileError extends HeapConfigError {
  constructor(message: string, readonly path: string, cause?: unknown) {
    super(message);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
/**
 * What `api` throws for an error of the file system on `path` (callers wrap fs calls only): a
 * HeapFileError naming both, never the raw ENOENT / EISDIR / EACCES; typed errors pass unchanged.
 */
export function fileError(api: string, path: string, err: unknown, verb: "read" | "write" = "read"): Error {
  if (err instanceof HeapError) return err;
  return new HeapFileError(`${api}: cannot ${verb} ${path}: ${err instanceof Error ? err.message : describeValue(err)}`, path, err);
}
/** heap.verify() found a broken invariant. `pointer` is the object or block concerned (0 if none). */
export class HeapVerifyError extends HeapError {
  constructor(message: string, readonly pointer: number) {
    super(pointer ? `${message} (at 0x${pointer.toString(16)})` : message);
  }
}
/**
 * The heap refuses every call: an exception unwound through the core mid-operation (a hook that
 * threw past the host's catch, the JS stack exhausted on entry to a finalizer...) and left a state
 * that cannot be restored. Thrown by every later call, naming the cause; the only exception to
 * "thrown before anything changes": the change was the unwind. `cause` is the exception that
 * unwound, when the host saw it.
 */
export class HeapCorruptedError extends HeapError {
  constructor(message: string, cause?: unknown) {
    super(message);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
/** A value named safely in a message (a template literal throws on a Symbol). */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number") return String(v);
  return `${typeof v} ${String(v)}`;
}

/**
 * A trace (.rhtrace file or AllocationTrace) that cannot be replayed as it is: bad gzip data, a bad
 * header, an event stream longer than its declared counts, or an event that is not valid at its
 * place (`event`: its index), such as a double free or a size no allocator serves.
 */
export class TraceFormatError extends HeapTypeError {
  constructor(message: string, readonly event?: number) {
    super(event === undefined ? message : `event ${event}: ${message}`);
  }
}

/**
 * A heaptrack recording (importHeaptrack) that cannot be read as one: bad compressed data, a line
 * of an unknown kind or with bad fields, a free or allocation naming what does not exist, a file
 * past its limits. `line` is the 1-based line of the decompressed text (0: the file as a whole).
 */
export class HeaptrackFormatError extends TraceFormatError {
  constructor(message: string, readonly line = 0) {
    super(line ? `heaptrack line ${line}: ${message}` : `heaptrack: ${message}`);
  }
}

/** The checked (debug) core refused a raw-API call, before changing anything; or hit an internal assertion. */
export class HeapAbortError extends HeapError {}
