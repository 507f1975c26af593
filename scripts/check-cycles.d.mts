/** A strongly connected component of the value-import graph: its files, and a path around it. */
export interface ImportCycle { files: string[]; path: string[] }
/** The relative module specifiers a file still imports once TypeScript has elided type-only ones. */
export function valueImports(file: string): string[];
/** Every import cycle among value imports of the .ts files under `dirs` (relative to `base`, default the repository). */
export function findCycles(dirs?: string[], base?: string): ImportCycle[];
