import express, { type Express } from "express";
import type { CredentialServices } from "../domain/credentials/credential-services";
import { LocksmithError } from "../domain/errors";
import type { ReplayGuard } from "../domain/identity/replay-guard";
import type { WindowCounter } from "../domain/limits/window-counter";
import type { Logger } from "../telemetry/logger";
import { errorHandler } from "./error-handler";
import { rateLimit } from "./middleware/rate-limit";
import { requestContext } from "./middleware/request-context";
import { requireUtf8 } from "./middleware/require-utf8";
import { credentialsRoutes } from "./routes/credentials.routes";
import { discoveryRoutes } from "./routes/discovery.routes";
import { healthRoutes, type ReadinessCheck } from "./routes/health.routes";

export interface HttpDeps {
  readonly services: CredentialServices;
  readonly replay: ReplayGuard;
  readonly logger: Logger;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Counts for the bundle's `rate_limits` (Redis in production); without it, no rate limits apply. */
  readonly counter?: WindowCounter;
}

/** The HTTP surface: middleware, routes, and the one error handler. */
export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestContext(deps.logger));
  app.use(requireUtf8);
  app.use(express.json({ limit: "32kb", strict: true, type: "application/json" }));

  const auth = { issuer: deps.services.issuer, policy: deps.services.policy, replay: deps.replay, clock: deps.services.clock };
  app.use(credentialsRoutes(deps.services, auth, deps.counter ? [rateLimit(deps.services.policy, deps.counter)] : []));
  app.use(discoveryRoutes(deps.services.keys));
  app.use(healthRoutes(deps.readiness));

  app.use((_req, _res, next) => next(new LocksmithError("not_found", "no such endpoint")));
  app.use(errorHandler(deps.logger));
  return app;
}
