// In-wasm benchmark mutators, linked with the core (the apples-to-apples comparison with
// AssemblyScript's own runtime). Built into build/bench.release.wasm with every core export.
export * from "../../assembly/index";
export { w1Setup, w1Run, w1Teardown } from "./w1";
export { w1Floor } from "./w1floor";
export { w2Floor } from "./w2floor";
export { w7Walk, w7Mark } from "./w7floor";
export { w4Run } from "./w4";
export { w2Run, w3Setup, w3Churn, w3Teardown, w5Run, w6Setup, w6Run, w6Peak, w6Teardown } from "./gc";
