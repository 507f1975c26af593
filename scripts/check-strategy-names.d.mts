export interface NameComparison { line: number; text: string; why: string }
/** The registry's strategy names (strategies.json and the remembered --allocator and --collector files). */
export function strategyNames(): Promise<string[]>;
/** The comparisons of a strategy name in one file's text. */
export function findComparisons(text: string, names: string[]): NameComparison[];
/** Every comparison outside the registry, in src, bench, tests, web, scripts, soak, examples and bin. */
export function checkStrategyNames(): Promise<(NameComparison & { file: string })[]>;
