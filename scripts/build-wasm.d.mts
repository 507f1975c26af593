export function generateStatsIds(): Promise<void>;
/** Writes the registry; returns the copies of the external files: { copy (from the root): the file }. */
export function generateRegistry(extraAllocators?: string[], extraCollectors?: string[]): Promise<Record<string, string>>;
export function rememberedAllocators(): Promise<string[]>;
export function rememberedCollectors(): Promise<string[]>;
export function buildWasm(names?: ("debug" | "release" | "bench")[], options?: { allocators?: string[]; collectors?: string[]; builtinOnly?: boolean }): Promise<void>;
export function generateBoundary(): Promise<void>;
/** Every generated source: statistics slots, boundary constants, the strategy registry; returns generateRegistry's copies. */
export function generateSources(extraAllocators?: string[], extraCollectors?: string[]): Promise<Record<string, string>>;
/** Does AssemblyScript source `src` export `name` (export function/const/let/var, or export { name } / { x as name })? */
export function exportsName(src: string, name: string): boolean;
/** strategies.json's allocators and collectors plus extra files (absolute paths), each with its code and the capabilities its file declares; throws on a file that breaks the contract. */
export function resolveStrategies(extraAllocators?: string[], extraCollectors?: string[]): Promise<{ manifest: unknown; allocators: { name: string; code: number; external: boolean; capabilities: Record<string, boolean> }[]; collectors: { name: string; code: number; external: boolean; capabilities: Record<string, boolean> }[] }>;
export interface BoundaryConstant { name: string; value?: number | string; bit?: number; doc: string; host?: string; parsed: { n: number; text: string } }
export interface BoundaryGroup { name: string; type: "u32" | "usize" | "i32"; doc: string; names?: string; codes?: string; constants: BoundaryConstant[] }
/** boundary.json, checked (throws on a duplicate name, a value that does not fit, overlapping flag bits). */
export function readBoundary(): Promise<{ version: number; note: string; groups: BoundaryGroup[] }>;
export interface CoreSignature { source: string; params: [string, string][]; result: string }
/** The compiler's declarations (asc --bindings raw) of a core build, each export's AssemblyScript signature. */
export function parseCoreDeclarations(dts: string, target?: string): Record<string, CoreSignature | { memory: true }>;
export function checkBoundary(manifest: unknown, where?: string): { version: number; note: string; groups: BoundaryGroup[] };
