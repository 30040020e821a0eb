import autocannon from "autocannon";
import { cpuMs, machineJiffies } from "./processes";

/** One step of a workload: builds each request and says which statuses are expected. */
export interface Step {
  readonly method: "GET" | "POST" | "DELETE";
  /** Fills in the request from the connection's context; returns the statuses this request may get. */
  build(context: Record<string, unknown>): { path: string; body?: string; headers?: Record<string, string>; expect: readonly number[] };
  /** Reads what the next step needs (e.g. the credential just issued) into the context. */
  after?(status: number, body: string, context: Record<string, unknown>): void;
}

export interface RoundResult {
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly requests: number;
  /** Connection errors, timeouts, 5xx and any status the workload did not expect. */
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly sampleErrors: string[];
  /** CPU time the server process spent per request (ms), when its pid is known. */
  readonly cpuMsPerRequest?: number;
  /** Of that, the main thread's (the event loop's): what bounds one process's throughput; the rest is thread-pool crypto, GC helpers, I/O. */
  readonly eventLoopMsPerRequest?: number;
  /** Share of the round's wall time the server's event loop was running (1 = saturated: one process can go no faster). */
  readonly eventLoopBusy?: number;
  /** Share of all the machine's cores that were busy during the round (load generator, server, Redis, PostgreSQL together). */
  readonly machineBusy?: number;
}

/**
 * Drives `url` with autocannon: `connections` keep-alive clients, each running
 * the steps in order, for `seconds`. Every response is checked against what its
 * request expected, so a fast run of 401s counts as errors, not throughput.
 */
export async function drive(url: string, steps: readonly Step[], options: { connections: number; seconds: number; pid?: number }): Promise<RoundResult> {
  let unexpected = 0;
  const sampleErrors: string[] = [];
  const requests = steps.map((step) => ({
    method: step.method,
    setupRequest: (request: autocannon.Request, context: object) => {
      const ctx = context as Record<string, unknown>;
      const built = step.build(ctx);
      ctx.expect = built.expect;
      return { ...request, method: step.method, path: built.path, body: built.body, headers: { ...built.headers } } as autocannon.Request;
    },
    onResponse: (status: number, body: string, context: object) => {
      const ctx = context as Record<string, unknown>;
      if (!(ctx.expect as readonly number[]).includes(status)) {
        unexpected++;
        // Only error answers are sampled: a 2xx body may hold a credential, which is never printed.
        if (sampleErrors.length < 3 && status >= 300) sampleErrors.push(`${status} ${body.slice(0, 200)}`);
      }
      step.after?.(status, body, ctx);
    },
  }));
  const cpuBefore = cpuMs(options.pid);
  const loopBefore = cpuMs(options.pid, "main thread");
  const machineBefore = machineJiffies();
  const result = await autocannon({ url, connections: options.connections, duration: options.seconds, requests, timeout: 10 });
  const cpuAfter = cpuMs(options.pid);
  const loopAfter = cpuMs(options.pid, "main thread");
  const machineAfter = machineJiffies();
  const wallMs = result.finish.getTime() - result.start.getTime();
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  return {
    rps: result.requests.total / (wallMs / 1000),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + unexpected,
    statuses,
    sampleErrors,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMsPerRequest: Number(((cpuAfter - cpuBefore) / result.requests.total).toFixed(3)) } : {}),
    ...(loopBefore !== undefined && loopAfter !== undefined
      ? {
          eventLoopMsPerRequest: Number(((loopAfter - loopBefore) / result.requests.total).toFixed(3)),
          eventLoopBusy: Number(((loopAfter - loopBefore) / wallMs).toFixed(2)),
        }
      : {}),
    ...(machineBefore && machineAfter
      ? { machineBusy: Number(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)).toFixed(2)) }
      : {}),
  };
}

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The round with the median throughput stands for the workload (latencies from the same round). */
export function medianRound(rounds: readonly RoundResult[]): RoundResult & { rounds: number[] } {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], rounds: rounds.map((r) => Math.round(r.rps)) };
}
