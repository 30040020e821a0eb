import express, { type Express } from "express";
import type { CredentialServices } from "../domain/credentials/credential-services";
import { LocksmithError } from "../domain/errors";
import type { ReplayGuard } from "../domain/identity/replay-guard";
import type { Logger } from "../telemetry/logger";
import type { LocksmithMetrics } from "../telemetry/metrics";
import { errorHandler } from "./error-handler";
import { requestContext } from "./middleware/request-context";
import { resumeTraceContext, traceRequests } from "./middleware/trace-request";
import { adminKeysRoutes, type AdminKeysDeps } from "./routes/admin-keys.routes";
import { credentialsRoutes } from "./routes/credentials.routes";
import { discoveryRoutes } from "./routes/discovery.routes";
import { healthRoutes, type ReadinessCheck } from "./routes/health.routes";
import { metricsRoutes } from "./routes/metrics.routes";

export interface HttpDeps {
  readonly services: CredentialServices;
  readonly replay: ReplayGuard;
  readonly logger: Logger;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Counted and served at /metrics when given. */
  readonly metrics?: LocksmithMetrics;
  /** Serves POST /v1/admin/keys/rotate when given. */
  readonly keyRotation?: AdminKeysDeps;
}

/** The HTTP surface: middleware, routes, and the one error handler. */
export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(traceRequests(deps.metrics));
  app.use(requestContext(deps.logger));
  app.use(express.json({ limit: "32kb", strict: true, type: "application/json" }));
  app.use(resumeTraceContext);

  const auth = { issuer: deps.services.issuer, policy: deps.services.policy, replay: deps.replay, clock: deps.services.clock };
  app.use(credentialsRoutes(deps.services, auth));
  app.use(discoveryRoutes(deps.services.keys));
  app.use(healthRoutes(deps.readiness));
  if (deps.metrics) app.use(metricsRoutes(deps.metrics));
  if (deps.keyRotation) app.use(adminKeysRoutes(deps.keyRotation, auth));

  app.use((_req, _res, next) => next(new LocksmithError("not_found", "no such endpoint")));
  app.use(errorHandler(deps.logger));
  return app;
}
