// Builds every wasm target before the suites run (the tests never trust a committed binary).
import { buildWasm } from "../scripts/build-wasm.mjs";

export default async function setup(): Promise<void> {
  await buildWasm(["debug", "release"]);
}
