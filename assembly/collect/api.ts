// === What a collector may use: one import for collector files from outside the repository ===
// An external collector (docs/collectors.md) imports from "refheap/collect/api"; the build copies
// it next to the registry and rewrites "refheap/<path>" to assembly/<path>, so any core module can
// be named that way too. The contract it implements: contract.ts.

export { FLAG_CANDIDATE, FLAG_COLLECTING, FLAG_FROZEN, FLAG_TRACKED, GC_NEXT, GC_PREV, INFO, RC, SET_INFO } from "../layout";
export {
  COUNT, COUNTS, GEN_HEAD, NUM_GENERATIONS, PERMANENT, SET_COUNT, THRESHOLD, listIsEmpty, listLength, listMerge, listMove,
} from "./generations";
export { GEN_STATS, collecting, gcEnabled, setCollecting, setTrigger, stepWorkLimit } from "./gcstate";
export { setTrackGeneration } from "./track";
export { CANDIDATE_COUNT, candidateCount, candidateTaken, setCandidateCount, setCandidatesOn } from "./candidates";
export { UNREACHABLE, deduceUnreachable, finishCollection, listInit } from "./trial";
export { runEnd, runStart, visitRun, visitStart } from "./visit";
export { PHASE_GATHERED, PHASE_MERGED, PHASE_START, hostGcPhase, phase, setPhaseGeneration } from "./phases";
export { fail } from "../failure";
export * from "../generated/capabilities";
