// === A runtime that refuses to run ===
// refheap owns all of linear memory above __heap_base. AssemblyScript's own runtimes (stub, TLSF)
// would start allocating at the same address and silently overwrite our heap (measured: one
// `new Array<i32>(3)` under stub overwrote 22 words). Every entry point here traps instead, so a
// stray managed allocation (`new`, string concatenation, Array) fails loudly on first use.
// Selected with `--runtime ./assembly/rt/trap` (no `.ts`: asc appends it).

// @ts-ignore: decorator
@global @unsafe
function __alloc(size: usize): usize { unreachable(); return 0; }
// @ts-ignore: decorator
@global @unsafe
function __realloc(ptr: usize, size: usize): usize { unreachable(); return 0; }
// @ts-ignore: decorator
@global @unsafe
function __free(ptr: usize): void { unreachable(); }
// @ts-ignore: decorator
@global @unsafe
function __reset(): void { unreachable(); }
// @ts-ignore: decorator
@global @unsafe
function __new(size: usize, id: u32): usize { unreachable(); return 0; }
// @ts-ignore: decorator
@global @unsafe
function __renew(oldPtr: usize, size: usize): usize { unreachable(); return 0; }
// @ts-ignore: decorator
@global @unsafe
function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void { }
// @ts-ignore: decorator
@global @unsafe
function __pin(ptr: usize): usize { return ptr; }
// @ts-ignore: decorator
@global @unsafe
function __unpin(ptr: usize): void { }
// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void { }
// @ts-ignore: decorator
@global @unsafe
function __collect(): void { }
