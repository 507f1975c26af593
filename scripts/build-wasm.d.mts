export function generateStatsIds(): Promise<void>;
export function buildWasm(names?: ("debug" | "release" | "bench")[]): Promise<void>;
