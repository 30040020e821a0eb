import cluster from "node:cluster";
import type { Server } from "node:http";
import { relative } from "node:path";
import type { Locksmith } from "./app";
import { loadConfig, type Config } from "./config/config";
import { oneLine } from "./config/startup-problem";
import { runPrimary, type ClusterMessage } from "./cluster-primary";
import { createProcessLogger, installLogFlush, type Logger, type ProcessLog } from "./telemetry/logger";

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts Locksmith: settings → logger → (the cluster's primary forks the
 * workers, see cluster-primary.ts) → stores and app → listen → drain on
 * SIGTERM/SIGINT. With LOCKSMITH_WORKERS=1 (and always in dev mode, whose
 * embedded database one process owns) the one process serves.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    return fail((error as Error).message);
  }
  const log = createProcessLogger(config.logLevel);
  installLogFlush(log);
  if (config.workers > 1 && cluster.isPrimary) {
    return runPrimary({ workers: config.workers, logger: log.logger, drainMs: SHUTDOWN_GRACE_MS + 2_000, flush: log.flush });
  }
  await serve(config, log);
}

async function serve(config: Config, log: ProcessLog): Promise<void> {
  // The service's code loads here, not at the top: a cluster's primary serves nothing (its workers
  // load it), and a bad setting is reported without it. It is about a second of CPU per process.
  const [{ buildLocksmith }, { answerClientErrors }, { otelSettings, startTracing }] = await Promise.all([
    import("./app.js"),
    import("./http/client-errors.js"),
    import("./telemetry/tracing.js"),
  ]);
  const logger = log.logger;
  const otel = otelSettings(process.env);
  const tracing = startTracing(otel);
  const locksmith = await buildLocksmith(config, logger, undefined, { otlpMetrics: otel.otlpMetrics }).catch((error: Error) => fail(error.message));
  const server = locksmith.http.listen(config.port, config.host);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject)).catch((error: NodeJS.ErrnoException) =>
    fail(`${listenSetting(error)}: cannot listen on ${config.host}:${config.port} (${error.message})`),
  );
  server.keepAliveTimeout = 65_000;
  const inCluster = cluster.isWorker;
  logger.info(
    {
      mode: config.mode,
      port: config.port,
      issuer: config.issuer,
      policy_version: locksmith.policy.version,
      stores: locksmith.stores,
      otlp_traces: otel.otlpTraces,
      otlp_metrics: otel.otlpMetrics,
      ...(inCluster ? { worker: cluster.worker?.id } : {}),
    },
    // A worker's own line is not the service's: the primary says "locksmith listening" once every worker does.
    inCluster ? "worker ready" : "locksmith listening",
  );
  if (config.mode === "dev") process.stdout.write(devBanner(config, locksmith.policy.version));

  const closeAll = async () => {
    await locksmith.close();
    await tracing.shutdown().catch(() => undefined);
  };
  let stopping = false;
  const shutdown = (signal: string) => {
    // A second signal (Ctrl-C reaches a cluster's workers and its primary, which then sends SIGTERM) must not cut the drain short.
    if (stopping) return;
    stopping = true;
    void stop(server, log, signal, { drain: () => locksmith.drain(), close: closeAll });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  const reload = (trigger: "sighup") =>
    void locksmith.reloadPolicy(trigger).catch((error: Error) => logger.error({ err: error.message }, "policy reload failed"));
  // SIGHUP reloads the policy bundle (validated; a bad one is refused and the old one keeps serving).
  process.on("SIGHUP", () => reload("sighup"));
  if (inCluster) {
    // An admin reload reaches one worker: the primary has the others reload too (as on SIGHUP, which it relays to all).
    locksmith.onPolicyReloaded((trigger) => {
      if (trigger === "admin") process.send?.({ locksmith: "policy_reloaded" } satisfies ClusterMessage);
    });
    process.on("message", (message: ClusterMessage) => {
      if (message?.locksmith === "reload_policy") reload("sighup");
    });
    process.send?.({ locksmith: "listening" } satisfies ClusterMessage);
  }
}

/** Stops taking connections, lets in-flight requests finish (bounded), then closes the stores. */
async function stop(server: Server, log: ProcessLog, signal: string, locksmith: Pick<Locksmith, "drain" | "close">): Promise<void> {
  const logger: Logger = log.logger;
  logger.info({ signal }, "shutting down: draining in-flight requests");
  const forced = setTimeout(() => {
    logger.error("drain took too long: exiting");
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
  locksmith.drain();
  // Keep-alive connections become idle as their last response goes out: close them as they do, so the drain ends with the last request.
  const closingIdle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  await new Promise((resolve) => server.close(resolve));
  clearInterval(closingIdle);
  await locksmith.close().catch((error: Error) => logger.error({ err: error.message }, "closing stores failed"));
  clearTimeout(forced);
  logger.info("stopped");
  await log.flush();
  process.exit(0);
}

function devBanner(config: Config, version: string): string {
  const url = `http://localhost:${config.port}`;
  const policy = relative(process.cwd(), config.policyFile) || config.policyFile;
  return `
  Locksmith is running in dev mode at ${url}
    policy   ${policy} (${version.slice(0, 19)}…)
    stores   in-memory tokens, embedded PostgreSQL in ${relative(process.cwd(), config.dataDir) || config.dataDir}/pgdata
    keys     ${relative(process.cwd(), config.keysFile)} (generated for dev mode)

  Get a credential as the demo support agent:
    npx locksmith credential --url ${url} --agent support-agent --key examples/keys/support-agent.jwk.json --scope crm:read --resource crm:customers/42

  Redeem it as the CRM resource server:
    npx locksmith redeem --url ${url} --as crm-prod --key examples/keys/crm-prod.jwk.json --credential <credential>

`;
}

/** A port taken or privileged is PORT's fault; a name that does not resolve or an address not on this machine is HOST's. */
function listenSetting(error: NodeJS.ErrnoException): "PORT" | "HOST" {
  return error.code === "EADDRINUSE" || error.code === "EACCES" ? "PORT" : "HOST";
}

function fail(message: string): never {
  process.stderr.write(`locksmith: ${oneLine(message)}\n`);
  process.exit(1);
}

void main();
