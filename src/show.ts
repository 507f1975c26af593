// One-line descriptions for console.log / util.inspect (Node's inspect hook, looked up by its
// registered symbol: no node: import, so the browser bundle can load this).

/** Node's util.inspect.custom. */
export const inspectSymbol: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** `0x5c020` */
export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** Runs describe(); a broken or busy heap must not make console.log throw. */
export function safely(describe: () => string, fallback: string): string {
  try { return describe(); } catch { return fallback; }
}
