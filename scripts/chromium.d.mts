export function systemChromium(env?: Record<string, string | undefined>): string | null;
export function bundledChromium(cacheDir?: string): Promise<string>;
export function findChromium(env?: Record<string, string | undefined>): Promise<string>;
export const CHROMIUM_ARGS: string[];
