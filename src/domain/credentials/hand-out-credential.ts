import type { AuditEvent } from "../audit/audit-event";
import { ledgerEnvelope, type CallContext } from "../call-context";
import { epochSeconds } from "../clock";
import type { ActClaim } from "../identity/verify-user-token";
import type { SigningAlg } from "../keys/signing-alg";
import type { CredentialServices } from "./credential-services";
import type { IssuedCredential } from "./issued-credential";
import { draftCredential, type MintedCredential } from "./mint-credential";
import type { Admission, AdmissionResult } from "./request-gate";
import type { Provisioned } from "../upstreams/upstream-hooks";
import type { UpstreamPolicy } from "../upstreams/upstream-policy";

/**
 * A credential that has been decided and may now leave: everything the token,
 * its live state, its subject indexes and its `issued` ledger row are made of.
 * Every path that hands a credential out (direct issuance, approval collection,
 * the OAuth grants, and future ones) fills this in and calls `handOutCredential`.
 *
 * @example
 * await handOutCredential(services, {
 *   agent: "support-agent", environment: "production", user: "mary", act: { sub: "orchestrator" },
 *   audience: "https://crm.example.com", signingAlg: "RS256", scope: "crm:read", resource: "crm:customers/42",
 *   ttl: 300, maxUses: 3, rule: "roles.customer-service-tier-1.grants[0]", policyVersion: policy.version,
 *   detail: { approval_request: "…", approvals: "alice bob" },
 * }, call);
 */
export interface HandOut {
  /** The agent the credential is issued to: `client_id`, and `sub` unless it acts for a person. */
  readonly agent: string;
  /** The agent's environment: the signing key, the `env` claim, and a kill-switch index. */
  readonly environment: string;
  /** The person the agent acts for (delegation): then `sub` = this person and `act.sub` = the agent. Indexed for revocation by user. */
  readonly user?: string;
  /** Earlier actors of the user token (RFC 8693 §4.1), nested under the agent in `act`; only with `user`. */
  readonly act?: ActClaim;
  /** The resource server's audience (`aud`). */
  readonly audience: string;
  /** The resource server's `token_signing_alg`: the credential is signed with the environment's key of it. Absent: EdDSA. */
  readonly signingAlg?: SigningAlg;
  /** Space-separated scopes. */
  readonly scope: string;
  readonly resource: string;
  /** Seconds the credential lives, from now. */
  readonly ttl: number;
  /** Redemptions allowed; absent means unlimited. */
  readonly maxUses?: number;
  /** The grant rule(s) that allowed it, for the ledger. */
  readonly rule: string;
  /** The policy version that decided it, for the ledger. */
  readonly policyVersion: string;
  /** Path-specific facts for the `issued` row's detail (purpose, identity_provider, approval_request, approvals…); never a secret. */
  readonly detail?: AuditEvent["detail"];
  /** The upstream the credential is for (the decision's resource server is one), whose side of it is made before it leaves. */
  readonly upstream?: UpstreamPolicy;
}

/** What handing out needs: signing keys, the live-state store, the ledger, a clock. */
export type HandOutServices = Pick<CredentialServices, "issuer" | "keys" | "tokens" | "gate" | "audit" | "clock" | "steps" | "upstreams">;

/** A hand-out the request's checks refused (issuance only): nothing was stored, the token never leaves. */
export interface RefusedHandOut {
  readonly kind: "refused";
  readonly refusal: Extract<AdmissionResult, { ok: false }>;
}

/**
 * The one way a credential leaves: draft (jti, key) → store its live state (with the request's checks, one store call) under its
 * subject indexes (agent, user, environment: every kill switch reaches it) →
 * sign → record `issued` → hand it out. Fail closed: if the ledger row cannot be
 * written, the state is removed and the error propagates (503), so no
 * credential exists that the ledger does not know.
 */
export async function handOutCredential(services: HandOutServices, handOut: HandOut, call: CallContext): Promise<IssuedCredential> {
  const out = await handOutChecked(services, handOut, call, {});
  if (out.kind === "refused") throw new Error(`a hand-out without checks was refused (${out.refusal.failed})`);
  return out;
}

/**
 * `handOutCredential` for direct issuance: the live state is stored by the
 * request's one store call (`RequestGate.admit`), which makes the request's
 * checks (replay marker, rate limits, suspension, breaker) first and stores
 * nothing when one refuses.
 */
export async function handOutChecked(
  services: HandOutServices,
  handOut: HandOut,
  call: CallContext,
  checks: Omit<Admission, "credential">,
): Promise<IssuedCredential | RefusedHandOut> {
  const draft = draftCredential(services.keys, {
    issuer: services.issuer,
    agent: handOut.agent,
    environment: handOut.environment,
    audience: handOut.audience,
    scope: handOut.scope,
    resource: handOut.resource,
    ttl: handOut.ttl,
    nowSeconds: epochSeconds(services.clock),
    user: handOut.user,
    act: handOut.act,
    alg: handOut.signingAlg,
  });
  const admitted = await services.gate.admit({ ...checks, credential: { jti: draft.jti, state: liveState(handOut), ttlMs: handOut.ttl * 1000 } });
  if (!admitted.ok) return { kind: "refused", refusal: admitted };
  let minted: MintedCredential;
  let provisioned: Provisioned | undefined;
  try {
    minted = await services.steps.run("sign", () => draft.sign());
    // The upstream's side of the credential (a database role) exists before the credential is recorded and leaves.
    provisioned = handOut.upstream ? await provision(services, handOut, handOut.upstream, minted, call) : undefined;
    await services.audit.append(issuedEvent(services, { ...handOut, detail: { ...handOut.detail, ...provisioned?.detail } }, minted.jti, call));
  } catch (error) {
    await provisioned?.undo().catch(() => undefined);
    await services.tokens.remove(draft.jti).catch(() => undefined);
    throw error;
  }
  return {
    kind: "issued",
    ...(handOut.user === undefined ? {} : { user: handOut.user }),
    credential: minted.token,
    jti: minted.jti,
    scope: handOut.scope,
    resource: handOut.resource,
    audience: handOut.audience,
    expiresAt: minted.expiresAt,
    expiresIn: handOut.ttl,
    maxUses: handOut.maxUses,
    ...(provisioned ? { upstream: provisioned.handOut } : {}),
  };
}

const provision = (services: HandOutServices, h: HandOut, upstream: UpstreamPolicy, minted: { jti: string; expiresAt: number }, call: CallContext) =>
  services.upstreams.provision({
    upstream,
    jti: minted.jti,
    agent: h.agent,
    user: h.user,
    environment: h.environment,
    scopes: h.scope.split(" "),
    resource: h.resource,
    expiresAt: minted.expiresAt,
    call,
  });

const liveState = (h: HandOut) => ({
  agent: h.agent,
  ...(h.user === undefined ? {} : { user: h.user }),
  environment: h.environment,
  scope: h.scope,
  resource: h.resource,
  usesLeft: h.maxUses ?? null,
});

function issuedEvent(services: HandOutServices, h: HandOut, jti: string, call: CallContext): AuditEvent {
  return {
    type: "issued",
    occurredAt: new Date(services.clock.now()),
    decision: "allow",
    environment: h.environment,
    agent: h.agent,
    ...(h.user === undefined ? {} : { user: h.user }),
    scope: h.scope,
    resource: h.resource,
    audience: h.audience,
    jti,
    rule: h.rule,
    ...ledgerEnvelope(call, h.policyVersion),
    detail: { ttl: h.ttl, max_uses: h.maxUses ?? null, ...h.detail },
  };
}
