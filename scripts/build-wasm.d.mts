export function generateStatsIds(): Promise<void>;
export function generateRegistry(extraAllocators?: string[], extraCollectors?: string[]): Promise<void>;
export function rememberedAllocators(): Promise<string[]>;
export function rememberedCollectors(): Promise<string[]>;
export function buildWasm(names?: ("debug" | "release" | "bench")[], options?: { allocators?: string[]; collectors?: string[]; builtinOnly?: boolean }): Promise<void>;
