import express from "express";
import type { LedgerReader } from "../domain/audit/ledger-reader";
import type { ApprovalServices } from "../domain/approvals/approval-services";
import type { CredentialServices } from "../domain/credentials/credential-services";
import { LocksmithError } from "../domain/errors";
import type { ReplayGuard } from "../domain/identity/replay-guard";
import type { WindowCounter } from "../domain/limits/window-counter";
import type { Logger } from "../telemetry/logger";
import type { LocksmithMetrics } from "../telemetry/metrics";
import { errorHandler } from "./error-handler";
import { rateLimit } from "./middleware/rate-limit";
import { requestContext } from "./middleware/request-context";
import { auditRoutes } from "./routes/audit.routes";
import { adminRoutes, type AdminDeps } from "./routes/admin.routes";
import { approvalsRoutes } from "./routes/approvals.routes";
import { requireUtf8, utf8BodyOnly } from "./middleware/require-utf8";
import { credentialsHotRoutes, credentialsRoutes } from "./routes/credentials.routes";
import { type HttpApp, withHotRoutes } from "./hot-routes";
import { discoveryRoutes } from "./routes/discovery.routes";
import { healthRoutes, type ReadinessCheck } from "./routes/health.routes";
import { revocationsRoutes } from "./routes/revocations.routes";
import { subjectRevocationsRoutes } from "./routes/subject-revocations.routes";
import { introspectRevokeRoutes } from "./oauth/introspect-revoke.routes";
import { metadataRoutes } from "./oauth/metadata.routes";
import { tokenRoutes } from "./oauth/token.routes";
import { resumeTraceContext, traceRequests } from "./middleware/trace-request";
import { adminKeysRoutes, type AdminKeysDeps } from "./routes/admin-keys.routes";
import { metricsRoutes } from "./routes/metrics.routes";
import type { AuthorizationServices } from "../domain/oauth/authorization-services";
import { PeopleSignIn } from "./login/people-sign-in";
import { consoleRoutes } from "./console/console.routes";
import { connectionsRoutes } from "./routes/connections.routes";
import type { ConnectedAccounts } from "../domain/connections/connected-accounts";
import { browserRateLimit } from "./middleware/browser-rate-limit";
import { authorizeRoutes } from "./oauth/authorize.routes";
import { consentsRoutes } from "./oauth/consents.routes";
import { personTokenRoutes } from "./oauth/person-token.routes";
import { openApiRoutes } from "./routes/openapi.routes";
import { adminSecretsRoutes } from "./routes/admin-secrets.routes";
import { proxyRoutes } from "./routes/proxy.routes";
import type { SecretVault } from "../domain/secrets/secret-vault";

export interface HttpDeps {
  readonly services: CredentialServices;
  readonly replay: ReplayGuard;
  readonly logger: Logger;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Aborted when the process begins to shut down: long-lived streams end so the drain can finish. */
  readonly shutdown?: AbortSignal;
  /** The audit ledger's read side, for the auditors' API. */
  readonly ledger?: LedgerReader;
  /** The approval gate: people vote, agents collect. */
  readonly approvals: ApprovalServices;
  /** Suspension and policy reload endpoints. */
  readonly admin?: AdminDeps;
  /** Counts for the bundle's `rate_limits` (Redis in production); without it, no rate limits apply. */
  readonly counter?: WindowCounter;
  /** Counted and served at /metrics when given. */
  readonly metrics?: LocksmithMetrics;
  /** express's `trust proxy` (LOCKSMITH_TRUST_PROXY): whose X-Forwarded-For makes `req.ip`, the ledger's client_ip. Default: nobody's. */
  readonly trustProxy?: boolean | number | readonly string[];
  /** Serves POST /v1/admin/keys/rotate when given. */
  readonly keyRotation?: AdminKeysDeps;
  /** People's sign-in, consent and the person grants of the token endpoint (MCP clients). */
  readonly authorization?: AuthorizationServices;
  /** Upstream secrets: the admin API and the egress proxy that uses them. */
  readonly secrets?: SecretVault;
  /** People's connected accounts (upstreams of kind oauth2); served with people's sign-in. */
  readonly connections?: ConnectedAccounts;
  /** Serve the people's console at /console (and redirect GET / there) when people can sign in; default on (LOCKSMITH_CONSOLE). */
  readonly console?: boolean;
}

/**
 * The HTTP surface: middleware, routes, and the one error handler. Issuance
 * and redemption are also served by the same handlers in front of express's
 * dispatch (hot-routes.ts), which costs them a quarter of their time.
 */
export function createHttpApp(deps: HttpDeps): HttpApp {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("trust proxy", Array.isArray(deps.trustProxy) ? [...deps.trustProxy] : (deps.trustProxy ?? false));
  const tracing = [traceRequests(deps.metrics), requestContext(deps.logger)];
  const bodies = [requireUtf8, express.json({ limit: "32kb", strict: true, type: "application/json", verify: utf8BodyOnly }), resumeTraceContext];
  app.use(...tracing);
  // Before the body parser: a proxied body streams to the upstream as it came.
  if (deps.secrets) app.use(proxyRoutes({ credentials: deps.services, secrets: deps.secrets }));
  app.use(...bodies);

  const auth = { issuer: deps.services.issuer, policy: deps.services.policy, replay: deps.replay, clock: deps.services.clock };
  // One budget for every way an agent can mint, open an approval or revoke (issue 18): the same limits everywhere.
  const limits = deps.counter ? [rateLimit(deps.services.policy, deps.counter)] : [];
  const hotRoutes = credentialsHotRoutes(deps.services, auth, limits);
  app.use(credentialsRoutes(deps.services, auth, limits, hotRoutes));
  app.use(revocationsRoutes(deps.services.revocations, auth, deps.shutdown));
  app.use(subjectRevocationsRoutes(deps.services, auth));
  if (deps.authorization) {
    const signIn = new PeopleSignIn(deps.authorization, deps.services.issuer);
    if (deps.counter) app.use(["/oauth/authorize", "/oauth/login", "/oauth/consents", "/v1/connections"], browserRateLimit(deps.counter));
    app.use(signIn.routes());
    app.use(authorizeRoutes(deps.authorization, signIn));
    app.use(consentsRoutes(deps.authorization, signIn));
    app.use(personTokenRoutes(deps.authorization));
    if (deps.connections) app.use(connectionsRoutes(deps.connections, signIn));
    if (deps.console ?? true) {
      app.use(consoleRoutes({ signIn, services: deps.services, ledger: deps.ledger, approvals: deps.approvals, admin: deps.admin, counter: deps.counter }));
    }
  }
  app.use(tokenRoutes(deps.services, auth, limits));
  app.use(introspectRevokeRoutes(deps.services, auth, limits));
  app.use(metadataRoutes(deps.services.issuer, () => deps.services.policy.current()));
  app.use(approvalsRoutes(deps.approvals, auth, limits));
  if (deps.admin) app.use(adminRoutes(deps.admin, auth));
  app.use(discoveryRoutes(deps.services.keys));
  app.use(healthRoutes(deps.readiness, () => deps.services.policy.current().version));
  app.use(openApiRoutes(deps.services.issuer));
  if (deps.ledger) app.use(auditRoutes(deps.ledger, auth));
  if (deps.metrics) app.use(metricsRoutes(deps.metrics));
  if (deps.keyRotation) app.use(adminKeysRoutes(deps.keyRotation, auth));
  if (deps.secrets) app.use(adminSecretsRoutes(deps.secrets, auth));

  app.use((_req, _res, next) => next(new LocksmithError("not_found", "no such endpoint")));
  const onError = errorHandler(deps.logger);
  app.use(onError);
  // The proxy routes sit between the two groups in express; they serve /v1/proxy/… only, never a hot route.
  return withHotRoutes(app, [...tracing, ...bodies], hotRoutes, onError);
}
