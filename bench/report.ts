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
  readonly targets: { target: string; value: string; met: boolean | "n/a" }[];
}

const n = (value: number) => Math.round(value).toLocaleString("en-US");

/** The markdown table docs/performance.md holds. */
export function markdown(result: BenchResult): string {
  const lines = [
    `Locksmith ${String(result.options.mode)} run, ${result.when}; ${String(result.machine.cpu)} × ${String(result.machine.cores)}, Node ${String(result.machine.node)}, load average before/after: ${String(result.machine.loadBefore)} / ${String(result.machine.loadAfter)}`,
    `autocannon, ${String(result.options.connections)} connections, median of ${String(result.options.rounds)} × ${String(result.options.seconds)} s rounds`,
    "",
    "| workload | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU ms/req | rounds (req/s) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const [name, w] of Object.entries(result.workloads)) {
    if ("notMeasured" in w) lines.push(`| ${name} | — | — | — | — | — | — | — | not measured: ${w.notMeasured} |`);
    else
      lines.push(`| ${name} | ${n(w.rps)} | ${w.p50} | ${w.p90} | ${w.p99} | ${w.max} | ${w.errors} | ${w.cpuMsPerRequest ?? "—"} | ${w.rounds.join(", ")} |`);
  }
  lines.push("", "| limit / figure | value |", "| --- | ---: |");
  for (const [name, value] of [...Object.entries(result.limits), ...Object.entries(result.figures)]) {
    lines.push(`| ${name} | ${typeof value === "number" ? (Math.abs(value) < 10 ? value.toFixed(2) : n(value)) : value} |`);
  }
  lines.push("", "| scaling curve | value |", "| --- | ---: |");
  for (const [name, value] of Object.entries(result.curves ?? {})) {
    lines.push(`| ${name} | ${typeof value === "number" ? (Math.abs(value) < 10 ? value.toFixed(2) : n(value)) : value} |`);
  }
  lines.push("", "| target | this run | met |", "| --- | --- | --- |");
  for (const t of result.targets) lines.push(`| ${t.target} | ${t.value} | ${t.met === "n/a" ? "n/a" : t.met ? "met" : "**not met**"} |`);
  return lines.join("\n");
}
