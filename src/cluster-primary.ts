import cluster, { type Worker } from "node:cluster";
import type { Logger } from "./telemetry/logger";

/** What a worker tells the primary, and the primary tells the workers (process.send). */
export type ClusterMessage = { readonly locksmith: "listening" } | { readonly locksmith: "policy_reloaded" } | { readonly locksmith: "reload_policy" };

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** How long a draining worker may take before it is killed (its own drain is bounded by less). */
  readonly drainMs: number;
  /** Writes the buffered log lines out before the primary exits. */
  readonly flush: () => Promise<void>;
}

/** A worker that dies sooner than this after its start is restarted only after this long (a crash loop does not spin). */
const RESTART_BACKOFF_MS = 1_000;

/**
 * The primary of a cluster (LOCKSMITH_WORKERS > 1): it serves nothing and
 * holds no state. It forks the workers (each a whole Locksmith on the shared
 * Redis and PostgreSQL, node:cluster sharing the listening socket: the first
 * alone, the others once it listens), says
 * "locksmith listening" once all of them listen, restarts a worker that dies,
 * relays SIGHUP and admin policy reloads to every worker, and on SIGTERM or
 * SIGINT has each worker drain (stop accepting, finish in-flight requests,
 * flush its logs, exit) before it exits itself: 0 when every worker exited 0.
 * A worker that dies before it ever listened is a startup error (its message
 * is on stderr): the primary stops them all and exits 1 rather than loop.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { logger } = options;
  const listening = new Set<number>();
  let everyoneListened = false;
  let stopping = false;
  const failures: number[] = [];

  const fork = () => {
    const worker = cluster.fork();
    const startedAt = Date.now();
    worker.on("message", (message: ClusterMessage) => {
      if (message?.locksmith === "listening") {
        listening.add(worker.id);
        // The first worker proves the settings and stores; only then do the others start (one error line, not N, when they are wrong).
        if (!everyoneListened && cluster.workers && Object.keys(cluster.workers).length === 1) for (let i = 1; i < options.workers; i++) fork();
        logger.info({ worker: worker.id, pid: worker.process.pid }, "worker listening");
        if (!everyoneListened && listening.size === options.workers) {
          everyoneListened = true;
          logger.info({ workers: options.workers, pid: process.pid }, "locksmith listening");
        }
      }
      if (message?.locksmith === "policy_reloaded") broadcast({ locksmith: "reload_policy" }, worker);
    });
    worker.on("exit", (code, signal) => {
      const wasListening = listening.delete(worker.id);
      if (stopping) {
        if (code !== 0) failures.push(code ?? 1);
        return;
      }
      if (!wasListening && !everyoneListened) {
        logger.error({ worker: worker.id, code, signal }, "a worker failed to start: stopping");
        failures.push(code ?? 1);
        void stop("startup_failure");
        return;
      }
      logger.warn({ worker: worker.id, pid: worker.process.pid, code, signal }, "worker died: starting another");
      setTimeout(fork, Date.now() - startedAt < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0);
    });
  };

  const broadcast = (message: ClusterMessage, except?: Worker) => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker !== except && worker.isConnected()) worker.send(message);
  };

  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, "shutting down: every worker drains");
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    const exited = workers.map((worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once("exit", () => resolve()))));
    for (const worker of workers) if (!worker.isDead()) worker.process.kill("SIGTERM");
    const killer = setTimeout(() => {
      for (const worker of workers) if (!worker.isDead()) worker.process.kill("SIGKILL");
    }, options.drainMs).unref();
    await Promise.all(exited);
    clearTimeout(killer);
    logger.info({ failures: failures.length }, "stopped");
    await options.flush();
    process.exit(failures.length === 0 && reason !== "startup_failure" ? 0 : 1);
  };

  fork();
  // `on`, not `once`: stop() runs once, and a second signal must not kill the primary mid-drain.
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGHUP", () => broadcast({ locksmith: "reload_policy" }));
}
