// Command-line arguments are input from strangers: what node:util's parseArgs lets through silently.
// Used by every CLI (refheap-vm, refheap-inspect, npm run bench, npm run replay).

/** The first option given twice (parseArgs keeps only its last value), from parseArgs's `tokens`. */
export function optionGivenTwice(tokens: readonly { kind: string; name?: string }[]): string | undefined {
  const given = tokens.filter((t) => t.kind === "option").map((t) => t.name!);
  return given.find((name, i) => given.indexOf(name) !== i);
}
