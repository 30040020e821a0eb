import { drive, medianRound } from "./load";
import type { Measured } from "./report";
import type { Workload } from "./workloads";

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Measures one workload: `rounds` rounds, each with a freshly signed pool, the median round reported (npm run bench, bench:focus). */
export async function measure(
  url: string,
  options: { rounds: number; seconds: number; connections: number },
  make: () => Workload | Promise<Workload>,
  pid?: () => number | undefined,
): Promise<Measured> {
  const rounds = [];
  let exhausted = 0;
  let name = "";
  let steps = 1;
  for (let r = 0; r < options.rounds; r++) {
    const workload = await make();
    name = workload.name;
    steps = workload.steps.length;
    const round = await drive(url, workload.steps, { connections: options.connections, seconds: options.seconds, pid: pid?.() });
    exhausted += workload.pool.exhausted;
    log(
      `${name} round ${r + 1}: ${Math.round(round.rps)} req/s, p99 ${round.p99} ms, CPU ${round.cpuMsPerRequest ?? "?"} ms/req, errors ${round.errors} ${round.sampleErrors.join(" | ")}`,
    );
    rounds.push(round);
  }
  const m = medianRound(rounds);
  return { ...m, unitsPerSecond: m.rps / steps, poolExhausted: exhausted };
}
