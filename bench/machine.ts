// What a run's figures depend on beyond node and the CPU's name: which CPU exactly, whether it is
// a virtual machine's, and how much of the machine the run did not have. Two runs of the same code
// on "AMD EPYC ×2" (2026-12-02, two machines) differed by up to 2.3× in W2's ratio to V8, and V8's
// own rows moved as much as refheap's: the machines differed in a way os.cpus() does not show (the
// second was family 25, model 17; the first's was not recorded).
// Linux only (/proc, /sys); elsewhere every field is null and the run says so.

import { readFileSync } from "node:fs";

export interface MachineIdentity {
  /** "family 25, model 17, stepping 1" (x86: the generation; the brand string is often the same across several). */
  cpuId: string | null;
  /** The CPU reports a hypervisor: a virtual machine, whose host may run other guests' work. */
  virtual: boolean | null;
  /** Transparent huge pages (/sys/kernel/mm/transparent_hugepage/enabled): the mode in brackets. */
  transparentHugePages: string | null;
}

/** Parses /proc/cpuinfo's first processor: its family, model and stepping, and the hypervisor flag. */
export function parseCpuinfo(text: string): Pick<MachineIdentity, "cpuId" | "virtual"> {
  const first = text.split(/\n\s*\n/)[0] ?? "";
  const field = (name: string) => first.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
  const family = field("cpu family"), model = field("model"), stepping = field("stepping");
  const flags = field("flags");
  // other architectures name their CPU differently (aarch64: "CPU implementer", "CPU part")
  const arm = field("CPU implementer") !== undefined ? `implementer ${field("CPU implementer")}, part ${field("CPU part")}, revision ${field("CPU revision")}` : null;
  return {
    cpuId: family !== undefined && model !== undefined ? `family ${family}, model ${model}${stepping !== undefined ? `, stepping ${stepping}` : ""}` : arm,
    virtual: flags === undefined ? null : flags.split(/\s+/).includes("hypervisor"),
  };
}

/** The selected mode of a /sys "a [b] c" setting. */
export function parseSelected(text: string): string | null {
  return text.match(/\[([^\]]+)\]/)?.[1] ?? null;
}

function read(file: string): string | null {
  try { return readFileSync(file, "utf8"); } catch { return null; }
}

export function machineIdentity(): MachineIdentity {
  const cpuinfo = read("/proc/cpuinfo");
  const thp = read("/sys/kernel/mm/transparent_hugepage/enabled");
  return {
    ...(cpuinfo ? parseCpuinfo(cpuinfo) : { cpuId: null, virtual: null }),
    transparentHugePages: thp ? parseSelected(thp) : null,
  };
}

/** /proc/stat's aggregate "cpu" line: clock ticks busy (not idle or waiting), stolen, and in all. */
export interface CpuTicks { busy: number; steal: number; total: number }

export function parseProcStat(text: string): CpuTicks | null {
  const line = text.split("\n").find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice)
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) return null;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = v as number[];
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** The share of the machine the run did not have, over its length. */
export interface Contention {
  /** Percent of all CPUs' time that other processes used (busy time less this process's own CPU time). */
  otherProcessesPercent: number;
  /** Percent of all CPUs' time the hypervisor gave to other guests (steal). */
  stealPercent: number;
}

/** Linux counts /proc/stat in USER_HZ, 100 per second on every architecture Node runs on. */
const USER_HZ = 100;

/**
 * Starts watching the machine; the function it returns gives the contention since then (null
 * where /proc/stat cannot be read, or when too little time passed to tell).
 */
export function watchContention(): () => Contention | null {
  const start = read("/proc/stat");
  const t0 = parseProcStat(start ?? "");
  const own0 = process.cpuUsage();
  return () => {
    const t1 = parseProcStat(read("/proc/stat") ?? "");
    if (!t0 || !t1) return null;
    const total = t1.total - t0.total;
    if (total < USER_HZ) return null; // under a CPU-second in all: the ticks are too coarse to say
    const own = process.cpuUsage(own0);
    const ownTicks = ((own.user + own.system) / 1e6) * USER_HZ;
    const pct = (x: number) => Number(((100 * Math.max(0, x)) / total).toFixed(1));
    return { otherProcessesPercent: pct(t1.busy - t0.busy - ownTicks), stealPercent: pct(t1.steal - t0.steal) };
  };
}
