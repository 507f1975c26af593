// The optional peers' rows (`--peers all`): CPython-in-wasm (pyodide) and QuickJS-in-wasm, the same
// workload shapes and checksums as the other rows. Slow peers run fewer iterations
// (peerIterations); per-unit figures stay comparable.
import type { BenchOptions, Row } from "../common.js";
import { pyodidePeer } from "./pyodide/run.js";
import { QUICKJS_WORKLOADS, quickjsPeer } from "./quickjs/run.js";
import { peerIterations, type PeerWorkload } from "../shapes.js";

export function peerRows(workload: PeerWorkload, o: BenchOptions, what = ""): Row[] {
  const w = what ? ` ${what}` : "";
  const variant = /^W5-(.+)$/.exec(workload)?.[1];
  const rows: Row[] = [];
  const py = peerIterations("pyodide", workload, o);
  rows.push({
    name: `pyodide${w} (CPython 3.14 in wasm)`, peer: "pyodide", variant, iterations: py,
    bytesKind: workload === "W1" ? "heap stats" : undefined,
    run: () => pyodidePeer(workload, { ...o, iterations: py }),
  });
  if (QUICKJS_WORKLOADS.includes(workload)) {
    const qj = peerIterations("quickjs", workload, o);
    rows.push({
      name: `QuickJS${w} (quickjs-emscripten)`, peer: "quickjs", variant, iterations: qj,
      bytesKind: workload === "W1" ? "heapUsed delta" : undefined,
      run: () => quickjsPeer(workload, { ...o, iterations: qj }),
    });
  }
  return rows;
}
