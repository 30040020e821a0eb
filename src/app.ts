import type { Config } from "./config/config";
import { CircuitBreaker } from "./domain/agents/circuit-breaker";
import { IdpApproverAuthenticator } from "./domain/approvals/idp-approver-authenticator";
import type { AuditLog } from "./domain/audit/audit-log";
import type { LedgerReader, StoredCheckpoint } from "./domain/audit/ledger-reader";
import type { CallContext } from "./domain/call-context";
import { systemClock, type Clock } from "./domain/clock";
import type { CredentialServices } from "./domain/credentials/credential-services";
import type { KeyRing } from "./domain/keys/key-ring";
import { loadPolicyFile, PolicyLoadError } from "./domain/policy/load-policy";
import { namedScopes } from "./domain/policy/named-scopes";
import { naming } from "./config/startup-problem";
import type { Policy } from "./domain/policy/policy";
import { ReloadablePolicy, type ReloadResult, type ReloadTrigger } from "./domain/policy/reloadable-policy";
import { createHttpApp } from "./http/create-http-app";
import type { HttpApp } from "./http/hot-routes";
import { environmentKekProtector, plainProtector, type KeyProtector } from "./stores/keys/key-protector";
import { ensureKeys } from "./stores/keys/keys-file";
import { keysNeeded } from "./domain/keys/signing-alg";
import { KeysFileStore } from "./stores/keys/keys-file-store";
import { ensureLedgerKey, ledgerOrigin, loadLedgerKey } from "./stores/keys/ledger-key-file";
import { openStores } from "./stores/open-stores";
import { watchPolicyFile } from "./stores/policy-file-watch";
import { StartupError } from "./stores/startup-error";
import type { Logger } from "./telemetry/logger";
import { MeteredAuditLog, MeteredReplayGuard, MeteredRequestGate, MeteredTokenStore } from "./telemetry/metered-stores";
import { LocksmithMetrics } from "./telemetry/metrics";
import { spanSteps } from "./telemetry/span";
import type { AuthorizationServices } from "./domain/oauth/authorization-services";
import { LOGIN_CALLBACK_PATH } from "./http/login/people-sign-in";
import { HttpsClientDocumentFetcher } from "./stores/http/client-document-fetcher";
import { OpenIdRelyingParty } from "./stores/oidc/openid-relying-party";
import { SecretVault } from "./domain/secrets/secret-vault";
import { DatabaseCredentials } from "./domain/upstreams/database-credentials";
import { ConnectedAccounts } from "./domain/connections/connected-accounts";
import { EveryUpstream } from "./domain/upstreams/every-upstream";
import { OpenIdUpstreamClient } from "./stores/oidc/openid-upstream-client";
import { PgRoleAdmin } from "./stores/upstreams/pg-role-admin";

export { StartupError };

/** A built Locksmith: its HTTP app and what must be closed on shutdown. */
export interface Locksmith {
  readonly http: HttpApp;
  /** The policy loaded at start; `policySource.current()` is the one in force. */
  readonly policy: Policy;
  readonly policySource: ReloadablePolicy;
  /** Loads the bundle file again: validated, swapped atomically, or refused with the old one kept. */
  reloadPolicy(trigger: ReloadTrigger, call?: CallContext): Promise<ReloadResult>;
  /** Told of every reload that took (main.ts relays an admin reload to the other workers of a cluster). */
  onPolicyReloaded(listener: (trigger: ReloadTrigger) => void): void;
  readonly keys: KeyRing;
  readonly audit: AuditLog;
  /** The ledger's read side: queries, proofs, verification. */
  readonly ledger: LedgerReader;
  /** Signs a checkpoint of everything committed now (it also happens every N events or T seconds). */
  checkpoint(): Promise<StoredCheckpoint | undefined>;
  readonly stores: string;
  /** Begins shutdown: ends long-lived streams so in-flight requests can drain. */
  drain(): void;
  /** The shared key source this replica polls (rotation: `keyStore.rotate`, then `refresh`). */
  readonly keyStore: KeysFileStore;
  readonly metrics: LocksmithMetrics;
  /** Upstream secrets (sealed in PostgreSQL) and the dynamic database roles made with them. */
  readonly secrets: SecretVault;
  readonly databaseCredentials: DatabaseCredentials;
  /** People's connected accounts (upstreams of kind oauth2): refresh tokens sealed under the person. */
  readonly connections: ConnectedAccounts;
  close(): Promise<void>;
}

/** Process-wide telemetry choices made by main (from OTEL_* variables). */
export interface TelemetryOptions {
  /** Push metrics through OTLP as well as serving /metrics. */
  readonly otlpMetrics?: boolean;
}

/**
 * The composition root, the one place that knows every layer: loads policy and
 * keys, opens the stores for the mode (`stores/open-stores.ts`), wraps them for
 * metrics and traces, and wires the domain services into the HTTP app.
 */
export async function buildLocksmith(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
  telemetry: TelemetryOptions = {},
  /** Where `client_secret_env` names are looked up (the login IdP's client secret). */
  secretEnvironment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Locksmith> {
  // Outside dev mode the public demo keys of examples/keys/ are refused, at start and on every reload.
  const loadBundle = () => loadPolicyFile(config.policyFile, { refuseDemoKeys: config.mode !== "dev" && !config.allowDemoKeys });
  const policy = await loadBundle().catch((error: Error) => {
    throw new StartupError(
      naming(
        "LOCKSMITH_POLICY",
        error instanceof PolicyLoadError
          ? `invalid policy bundle ${error.file}: ${error.problems.join("; ")}`
          : `cannot read ${config.policyFile} (${error.message})`,
      ),
    );
  });
  const protector = config.keysKek ? environmentKekProtector(config.keysKek.key, config.keysKek.id) : plainProtector;
  const keyStore = await openKeys(config, policy, protector, clock, logger).catch((error: Error) => {
    throw new StartupError(naming("LOCKSMITH_KEYS_FILE", error.message));
  });
  const keys = keyStore.ring;

  if (config.mode === "dev" && (await ensureLedgerKey(config.ledger.keyFile, ledgerOrigin(config.issuer)))) {
    logger.info({ ledger_key_file: config.ledger.keyFile }, "generated dev ledger checkpoint key");
  }
  const signer = await loadLedgerKey(config.ledger.keyFile).catch((error: Error) => {
    keyStore.close();
    throw new StartupError(naming("LOCKSMITH_LEDGER_KEY_FILE", error.message));
  });

  const stores = await openStores(config, clock, signer, logger).catch((error: Error) => {
    keyStore.close();
    throw error;
  });
  // The metrics exist before the reloadable policy does; their scope labels follow whichever bundle is in force.
  let policyInForce = () => policy;
  const isNamedScope = (scope: string) => namedScopes(policyInForce()).has(scope);
  const metrics = LocksmithMetrics.create({ prometheus: config.metrics, otlp: telemetry.otlpMetrics ?? false, clock, isNamedScope });
  const audit = new MeteredAuditLog(stores.audit, metrics);
  const policySource = new ReloadablePolicy(policy, {
    load: loadBundle,
    refuse: (next) => {
      const missing = keys.missing(keysNeeded(next));
      return missing.length > 0
        ? `no signing key for environment(s) ${missing.join(", ")}: run \`npx locksmith keys rotate --env <environment>\` with this bundle (it adds the keys of a new algorithm), or \`keys generate\``
        : undefined;
    },
    audit,
    clock,
  });
  policyInForce = () => policySource.current();
  // Every start names the policy version it decides with, so each later decision can be traced to a loaded bundle.
  await policySource.recordStart().catch(async (error: Error) => {
    keyStore.close();
    await stores.close();
    throw new StartupError(`DATABASE_URL: cannot write to the audit ledger (${error.message})`);
  });
  const reloadListeners: ((trigger: ReloadTrigger) => void)[] = [];
  const reloadPolicy = async (trigger: ReloadTrigger, call?: CallContext) => {
    const result = await policySource.reload(trigger, call);
    if (result.ok) for (const listener of reloadListeners) listener(trigger);
    if (result.ok) logger.info({ trigger, policy_version: result.version, changed: result.changed }, "policy reloaded");
    else logger.warn({ trigger, policy_version: result.version, problems: result.problems }, "policy bundle refused: the old one keeps serving");
    return result;
  };
  const watcher = config.policyWatch ? watchPolicyFile(config.policyFile, () => void reloadPolicy("file_watch").catch(() => undefined)) : undefined;

  if (policy.upstreams && policy.upstreams.size > 0 && !protector.encrypts) {
    keyStore.close();
    await stores.close();
    throw new StartupError("LOCKSMITH_KEYS_KEK: the policy declares upstreams, whose secrets rest sealed under the key encryption key: set it");
  }
  const secrets = new SecretVault({ store: stores.secrets, wrapper: protector, policy: policySource, audit, clock });
  const databaseCredentials = new DatabaseCredentials({ policy: policySource, secrets, registry: stores.roles, admin: new PgRoleAdmin(), audit, clock });
  const connections = new ConnectedAccounts({
    issuer: config.issuer,
    policy: policySource,
    tickets: stores.tickets,
    secrets,
    audit,
    clock,
    // Locksmith's client secret at each upstream is read from the variable the bundle names, never from the bundle.
    authorization: new OpenIdUpstreamClient((name) => secretEnvironment[name]),
  });
  const upstreams = new EveryUpstream(databaseCredentials, connections);
  const reap = () =>
    databaseCredentials.reap().then(
      (summary) => {
        if (summary.dropped > 0 || summary.failed.length > 0)
          logger.info({ dropped: summary.dropped, failed: summary.failed }, "reaped expired database roles");
      },
      (error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, "database role reaper failed; retrying later"),
    );
  // At start (roles left by a crashed process), then periodically (roles whose credential expired).
  let reaping = reap();
  const reaper = setInterval(() => {
    reaping = reaping.then(reap);
  }, config.reaperSeconds * 1000);
  reaper.unref();

  const suspension = { policy: policySource, suspensions: stores.suspensions, audit, clock, revocations: stores.revocations, upstreams };
  const services: CredentialServices = {
    issuer: config.issuer,
    policy: policySource,
    keys,
    tokens: new MeteredTokenStore(stores.tokens, metrics),
    gate: new MeteredRequestGate(stores.gate, metrics),
    audit,
    clock,
    revocations: stores.revocations,
    suspensions: stores.suspensions,
    approvals: stores.approvals,
    approvalTimeoutMs: config.approvalTimeoutSeconds * 1000,
    breaker: new CircuitBreaker(suspension),
    steps: spanSteps,
    upstreams,
    grants: stores.grants,
  };
  const callbackUrl = `${config.issuer}${LOGIN_CALLBACK_PATH}`;
  const authorization: AuthorizationServices = {
    ...services,
    tickets: stores.tickets,
    grants: stores.grants,
    documents: new HttpsClientDocumentFetcher(),
    callbackUrl,
    // The client secret of the login IdP is read from the variable the bundle names, never from the bundle.
    relyingParty: new OpenIdRelyingParty(callbackUrl, (name) => secretEnvironment[name]),
  };
  const readiness = {
    ...stores.readiness,
    keys: async () => {
      if (keys.missing(keysNeeded(policySource.current())).length > 0) throw new Error("an environment has no active signing key");
    },
    policy: async () => {
      if (!policySource.current().version) throw new Error("no policy loaded");
    },
  };
  const shutdown = new AbortController();
  const http = createHttpApp({
    services,
    replay: new MeteredReplayGuard(stores.replay, metrics),
    logger,
    readiness,
    ledger: stores.ledger,
    shutdown: shutdown.signal,
    approvals: { ...services, approvers: new IdpApproverAuthenticator(policySource, clock, config.issuer) },
    admin: { suspension, reloadPolicy },
    counter: stores.counter,
    metrics: config.metrics ? metrics : undefined,
    console: config.console,
    keyRotation: { store: keyStore, audit, clock, policy: policySource },
    trustProxy: config.trustProxy,
    authorization,
    secrets,
    connections,
  });
  async function close(): Promise<void> {
    watcher?.close();
    clearInterval(reaper);
    await reaping;
    keyStore.close();
    await stores.close();
    await metrics.shutdown().catch(() => undefined);
  }
  return {
    http,
    policy,
    policySource,
    reloadPolicy,
    onPolicyReloaded: (listener) => void reloadListeners.push(listener),
    keys,
    audit,
    ledger: stores.ledger,
    checkpoint: stores.checkpoint,
    stores: stores.description,
    keyStore,
    metrics,
    secrets,
    databaseCredentials,
    connections,
    drain: () => shutdown.abort(),
    close,
  };
}

/** Dev mode generates missing signing keys; then the keys file is opened and polled (a file without a key for an environment is refused). */
async function openKeys(config: Config, policy: Policy, protector: KeyProtector, clock: Clock, logger: Logger): Promise<KeysFileStore> {
  if (config.mode === "dev" && !config.keysKek && (await ensureKeys(config.keysFile, keysNeeded(policy)))) {
    logger.info({ keys_file: config.keysFile }, "generated dev signing keys");
  }
  return KeysFileStore.open({ file: config.keysFile, protector, environments: keysNeeded(policy), clock, logger, pollMs: config.keysPollMs });
}
