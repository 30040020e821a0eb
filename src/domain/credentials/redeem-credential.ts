import { callerRefusal } from "../identity/deferred-checks";
import type { AuditEvent } from "../audit/audit-event";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { Policy, Principal, ResourceServerPolicy } from "../policy/policy";
import type { CredentialServices } from "./credential-services";
import { verifyCredential, type CredentialClaims } from "./verify-credential";

export interface RedeemRequest {
  readonly credential: string;
  /** Scopes the resource server is about to honour; each must be in the credential. */
  readonly scopes?: readonly string[];
  /** The resource about to be touched; must be the credential's resource. */
  readonly resource?: string;
  /**
   * What is about to be done with it, when the redeemer is Locksmith itself (the
   * egress proxy): allowed only if `allows` says the credential's scopes and
   * resource cover it, checked before the use is spent; `description` (e.g.
   * `GET /customers/42`) goes into the ledger row.
   */
  readonly operation?: { readonly description: string; allows(scopes: readonly string[], resource: string): boolean };
}

export type RedeemOutcome =
  | {
      readonly active: true;
      readonly jti: string;
      readonly sub: string;
      readonly agent: string;
      /** The person the agent acts for, when delegated. */
      readonly user?: string;
      readonly act?: Record<string, unknown>;
      readonly issuedAt: number;
      readonly audience: string;
      readonly scope: string;
      readonly resource: string;
      readonly env: string;
      readonly usesRemaining: number | null;
      readonly expiresAt: number;
    }
  /** `reason` is for Locksmith's own redeemers (the proxy); resource servers are told only `{active:false}`. */
  | { readonly active: false; readonly reason: string };

/**
 * The redemption story: verify the token for this caller → check it covers
 * what is about to be done → spend one use atomically → record → answer.
 * Every way a token can fail is the same `{active:false}` to the caller
 * (RFC 7662 style) and a `redeem_rejected` event with the reason in the ledger.
 */
export async function redeemCredential(services: CredentialServices, caller: Principal, request: RedeemRequest, call: CallContext): Promise<RedeemOutcome> {
  const policy = services.policy.current();
  const server = policy.resourceServers.find((rs) => rs.id === caller.id);
  if (!server) throw new Error(`authenticated resource server ${caller.id} is missing from policy ${policy.version}`);
  return redeemAt(services, policy, server, request, call);
}

/**
 * The same story for a redeemer named by policy rather than authenticated: an
 * upstream, redeemed by Locksmith's own egress proxy (`actor` is the upstream).
 */
export async function redeemAt(
  services: CredentialServices,
  policy: Policy,
  server: ResourceServerPolicy,
  request: RedeemRequest,
  call: CallContext,
): Promise<RedeemOutcome> {
  const operation = request.operation ? { operation: request.operation.description, ...(server.upstream ? { upstream: server.upstream.id } : {}) } : {};
  const record = (event: Partial<AuditEvent> & Pick<AuditEvent, "type" | "decision">) =>
    services.audit.append({
      occurredAt: new Date(services.clock.now()),
      environment: server.environment,
      actor: server.id,
      audience: server.audience,
      ...ledgerEnvelope(call, policy.version),
      ...event,
      ...(request.operation ? { detail: { ...event.detail, ...operation } } : {}),
    });
  const reject = async (reason: string, claims?: CredentialClaims): Promise<RedeemOutcome> => {
    await call.checks?.settle(); // the caller's replay marker comes before any ledger row, as it did up front
    await record({ type: "redeem_rejected", decision: "deny", reason, ...describe(claims) });
    return { active: false, reason };
  };

  const verified = await services.steps.run("verify", () =>
    verifyCredential(
      request.credential,
      { issuer: services.issuer, audience: server.audience, environment: server.environment },
      services.keys,
      services.clock,
    ),
  );
  if (!verified.ok) return reject(verified.reason);
  const { claims } = verified;
  const missing = request.scopes?.find((scope) => !claims.scopes.includes(scope));
  if (missing) return reject("scope_not_covered", claims);
  if (request.resource !== undefined && request.resource !== claims.resource) return reject("resource_not_covered", claims);
  if (request.operation && !request.operation.allows(claims.scopes, claims.resource)) return reject("operation_not_covered", claims);

  // One store call: the caller's replay marker → the agent's suspension (by issue time) → spend one use.
  const spent = await services.gate.redeem({ ...call.checks?.take(), agent: claims.clientId, issuedAtMs: claims.issuedAt * 1000, jti: claims.jti });
  if (!spent.ok && (spent.reason === "replay" || spent.reason === "rate_limited")) throw callerRefusal(spent);
  if (!spent.ok) return reject(spent.reason, claims);
  await record({ type: "redeemed", decision: "allow", ...describe(claims), detail: { uses_remaining: spent.usesLeft } });
  return {
    active: true,
    jti: claims.jti,
    sub: claims.sub,
    agent: claims.clientId,
    ...(claims.user === undefined ? {} : { user: claims.user, act: claims.act }),
    issuedAt: claims.issuedAt,
    audience: claims.audience,
    scope: claims.scopes.join(" "),
    resource: claims.resource,
    env: claims.environment,
    usesRemaining: spent.usesLeft,
    expiresAt: claims.expiresAt,
  };
}

const describe = (claims?: CredentialClaims): Partial<AuditEvent> =>
  claims ? { jti: claims.jti, agent: claims.clientId, user: claims.user, scope: claims.scopes.join(" "), resource: claims.resource } : {};
