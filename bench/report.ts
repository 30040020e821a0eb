import type { RoundResult } from "./load";

export type Measured = RoundResult & { rounds: number[]; poolExhausted: number; unitsPerSecond: number };

export interface BenchResult {
  readonly when: string;
  readonly machine: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly workloads: Record<string, Measured | { notMeasured: string }>;
  readonly limits: Record<string, number | string>;
  readonly figures: Record<string, number | string>;
  /** The scaling curves: issuance by live credentials, bundle size, revocation size, proofs by ledger size. */
  readonly curves: Record<string, number | string>;
  /** `bound`: for a target not met, what this run shows bounds it (event loop, the machine's cores, or waiting on the stores). */
  readonly targets: { target: string; value: string; met: boolean | "n/a"; bound?: string }[];
}

export const n = (value: number) => Math.round(value).toLocaleString("en-US");
const pct = (share: number | undefined) => (share === undefined ? "—" : `${Math.round(share * 100)}%`);

/**
 * What bounded a workload's throughput in this run, from the shares `drive` read in /proc: the
 * server's event loop (one thread per process: saturated, that process can go no faster), else the
 * machine's cores (every process of the run shares them), else neither (requests wait on the stores).
 */
export function boundOf(w: Measured, cores: number): string {
  const loop = w.eventLoopBusy;
  if (loop !== undefined && loop >= 0.85 && w.eventLoopMsPerRequest) {
    return `the event loop: ${pct(loop)} busy at ${w.eventLoopMsPerRequest} ms per request, so at most ≈ ${n(1000 / w.eventLoopMsPerRequest)}/s per worker`;
  }
  if (w.machineBusy !== undefined && w.machineBusy >= 0.85) {
    return `the machine's ${cores} cores: ${pct(w.machineBusy)} busy (load generator, Locksmith, Redis and PostgreSQL together)`;
  }
  return `neither the event loop (${pct(loop)} busy) nor the cores (${pct(w.machineBusy)}): requests wait on the stores`;
}

/** The markdown table docs/performance.md holds. */
export function markdown(result: BenchResult): string {
  const lines = [
    `Locksmith ${String(result.options.mode)} run, ${result.when}; ${String(result.machine.cpu)} × ${String(result.machine.cores)}, Node ${String(result.machine.node)}, load average before/after: ${String(result.machine.loadBefore)} / ${String(result.machine.loadAfter)}`,
    `autocannon, ${String(result.options.connections)} connections, median of ${String(result.options.rounds)} × ${String(result.options.seconds)} s rounds`,
    "",
    "| workload | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU ms/req | event loop ms/req | event loop busy | machine busy | rounds (req/s) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const [name, w] of Object.entries(result.workloads)) {
    if ("notMeasured" in w) lines.push(`| ${name} | — | — | — | — | — | — | — | — | — | — | not measured: ${w.notMeasured} |`);
    else
      lines.push(
        `| ${name} | ${n(w.rps)} | ${w.p50} | ${w.p90} | ${w.p99} | ${w.max} | ${w.errors} | ${w.cpuMsPerRequest ?? "—"} | ${w.eventLoopMsPerRequest ?? "—"} | ${pct(w.eventLoopBusy)} | ${pct(w.machineBusy)} | ${w.rounds.join(", ")} |`,
      );
  }
  lines.push("", "| limit / figure | value |", "| --- | ---: |");
  for (const [name, value] of [...Object.entries(result.limits), ...Object.entries(result.figures)]) {
    lines.push(`| ${name} | ${typeof value === "number" ? (Math.abs(value) < 10 ? value.toFixed(2) : n(value)) : value} |`);
  }
  lines.push("", "| scaling curve | value |", "| --- | ---: |");
  for (const [name, value] of Object.entries(result.curves ?? {})) {
    lines.push(`| ${name} | ${typeof value === "number" ? (Math.abs(value) < 10 ? value.toFixed(2) : n(value)) : value} |`);
  }
  lines.push("", "| target | this run | met | what bounds it in this run |", "| --- | --- | --- | --- |");
  for (const t of result.targets) {
    lines.push(`| ${t.target} | ${t.value} | ${t.met === "n/a" ? "n/a" : t.met ? "met" : "**not met**"} | ${t.met === false ? (t.bound ?? "") : ""} |`);
  }
  return lines.join("\n");
}
