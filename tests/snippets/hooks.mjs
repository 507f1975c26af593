// Resolves `refheap` and `refheap/<subpath>` to this checkout's TypeScript sources, following the
// package's own exports map (package-map.mjs), so a documentation block is exactly what a user
// would paste. Anything else resolves as usual.
import { pkg, sourceMap } from "./package-map.mjs";

const sources = sourceMap();

export async function resolve(specifier, context, next) {
  if (specifier === pkg.name || specifier.startsWith(`${pkg.name}/`)) {
    const src = sources.get(specifier);
    if (!src) throw new Error(`${specifier}: the package exports no such subpath`);
    return next(src.href, context);
  }
  return next(specifier, context);
}
