import type { Server } from "node:http";
import { relative } from "node:path";
import { buildLocksmith, type Locksmith } from "./app";
import { answerClientErrors } from "./http/client-errors";
import { loadConfig, type Config } from "./config/config";
import { oneLine } from "./config/startup-problem";
import { createLogger, type Logger } from "./telemetry/logger";
import { otelSettings, startTracing } from "./telemetry/tracing";

const SHUTDOWN_GRACE_MS = 10_000;

/** Starts Locksmith: settings → logger → stores and app → listen → drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    return fail((error as Error).message);
  }
  const logger = createLogger(config.logLevel);
  const otel = otelSettings(process.env);
  const tracing = startTracing(otel);
  const locksmith = await buildLocksmith(config, logger, undefined, { otlpMetrics: otel.otlpMetrics }).catch((error: Error) => fail(error.message));
  const server = locksmith.http.listen(config.port, config.host);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject)).catch((error: NodeJS.ErrnoException) =>
    fail(`${listenSetting(error)}: cannot listen on ${config.host}:${config.port} (${error.message})`),
  );
  server.keepAliveTimeout = 65_000;
  logger.info(
    {
      mode: config.mode,
      port: config.port,
      issuer: config.issuer,
      policy_version: locksmith.policy.version,
      stores: locksmith.stores,
      otlp_traces: otel.otlpTraces,
      otlp_metrics: otel.otlpMetrics,
    },
    "locksmith listening",
  );
  if (config.mode === "dev") process.stdout.write(devBanner(config, locksmith.policy.version));

  const closeAll = async () => {
    await locksmith.close();
    await tracing.shutdown().catch(() => undefined);
  };
  const shutdown = (signal: string) => void stop(server, logger, signal, { drain: () => locksmith.drain(), close: closeAll });
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  // SIGHUP reloads the policy bundle (validated; a bad one is refused and the old one keeps serving).
  process.on("SIGHUP", () => void locksmith.reloadPolicy("sighup").catch((error: Error) => logger.error({ err: error.message }, "policy reload failed")));
}

/** Stops taking connections, lets in-flight requests finish (bounded), then closes the stores. */
async function stop(server: Server, logger: Logger, signal: string, locksmith: Pick<Locksmith, "drain" | "close">): Promise<void> {
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
