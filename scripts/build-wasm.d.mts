export function generateStatsIds(): Promise<void>;
export function generateRegistry(extraAllocators?: string[]): Promise<void>;
export function rememberedAllocators(): Promise<string[]>;
export function buildWasm(names?: ("debug" | "release" | "bench")[], options?: { allocators?: string[]; builtinOnly?: boolean }): Promise<void>;
