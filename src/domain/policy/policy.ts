import type { JWTVerifyGetKey } from "jose";
import type { VerificationKeys } from "../identity/verification-keys";
import type { RateLimits } from "../limits/rate-limits";
import type { CircuitBreakerPolicy } from "../agents/circuit-breaker-policy";
import type { Glob } from "./glob";
import type { UpstreamPolicy } from "../upstreams/upstream-policy";
import type { SigningAlg } from "../keys/signing-alg";

/** A grant with its patterns compiled; `rule` names it as `roles.<role>.grants[<i>]`. */
export interface CompiledGrant {
  readonly rule: string;
  readonly scopes: readonly Glob[];
  readonly resources: readonly Glob[];
  readonly maxTtl: number;
  readonly defaultTtl: number;
  readonly maxUses?: number;
  readonly approval?: { readonly approvers: readonly string[]; readonly count: number };
  /** Only for an agent acting for a user (`requires_user: true`). */
  readonly requiresUser?: boolean;
}

/** A deny rule; `rule` names it as `roles.<role>.deny[<i>]`. */
export interface CompiledDeny {
  readonly rule: string;
  readonly scopes: readonly Glob[];
  readonly resources: readonly Glob[];
}

export interface AgentPolicy {
  readonly id: string;
  readonly environment: string;
  /** The bundle's `roles` of the agent, in its order. */
  readonly roles: readonly string[];
  /** Every grant of every role of the agent, in role order then grant order. */
  readonly grants: readonly CompiledGrant[];
  readonly denies: readonly CompiledDeny[];
  /** How it signs people in when it is an OAuth client of the authorization endpoint (MCP clients); absent for machines. */
  readonly client?: OAuthClientPolicy;
}

/**
 * An agent that is a public OAuth client: registered in the bundle with its exact redirect URIs, or
 * named by the URL of its Client ID Metadata Document (redirect URIs read from the document).
 */
export type OAuthClientPolicy =
  | { readonly kind: "public"; readonly redirectUris: readonly string[] }
  | { readonly kind: "metadata_document"; readonly url: string };

export interface ResourceServerPolicy {
  readonly id: string;
  readonly environment: string;
  readonly audience: string;
  readonly resources: readonly Glob[];
  /** The algorithm its credentials are signed with (`token_signing_alg`); absent: EdDSA. */
  readonly signingAlg?: SigningAlg;
  /** Set when this is an upstream (bundle `upstreams`): it serves `<id>` and `<id>:**` and allows only its own scopes. */
  readonly upstream?: UpstreamPolicy;
}

/** `auditor`: reads and verifies the audit ledger; gets no credentials and revokes nothing. */
export type PrincipalKind = "agent" | "resource_server" | "admin" | "auditor";

/** Anyone who authenticates to Locksmith with a signed assertion. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
  /** Absent for admins and auditors, who act across environments. */
  readonly environment?: string;
  /** Imported once at policy load; empty for a principal with no key of its own (a federated or metadata-document agent). */
  readonly keys: VerificationKeys;
}

/** A loaded, validated and compiled policy bundle. Immutable once built. */
export interface Policy {
  /** `sha256:<hex>` of the bundle's bytes: every decision names it. */
  readonly version: string;
  readonly source: string;
  readonly environments: readonly string[];
  readonly agents: ReadonlyMap<string, AgentPolicy>;
  readonly resourceServers: readonly ResourceServerPolicy[];
  readonly principals: ReadonlyMap<string, Principal>;
  /** The bundle's `rate_limits`; none when it has no such section. */
  readonly rateLimits?: RateLimits;
  /** The bundle's `circuit_breaker`; none when it has no such section. */
  readonly circuitBreaker?: CircuitBreakerPolicy;
  /** Trusted identity providers by their `iss` URL (delegation). */
  readonly identityProviders?: ReadonlyMap<string, IdentityProviderPolicy>;
  /** Trusted workload issuers by their `iss` URL (federated agents). */
  readonly workloadIssuers?: ReadonlyMap<string, WorkloadIssuerPolicy>;
  /** Whether Client ID Metadata Documents may be fetched from private addresses (the admitted clients are in `agents`). */
  readonly clientMetadataDocuments?: { readonly allowPrivateAddresses: boolean };
  /** The bundle's `upstreams` by id; each is also in `resourceServers`, so `decide` walls and grants them like any other. */
  readonly upstreams?: ReadonlyMap<string, UpstreamPolicy>;
  /** The bundle's `console:` people (absent: no auditors and no admins on the console). */
  readonly console?: ConsolePeople;
}

/** `group:NAME` / `user:SUBJECT` entries, as in an approval's `approvers`. */
export interface ConsolePeople {
  readonly auditors: readonly string[];
  readonly admins: readonly string[];
}

/** A trusted OIDC issuer of user tokens, its key set built once at load. */
export interface IdentityProviderPolicy {
  readonly id: string;
  readonly issuer: string;
  /** The only `aud` of a user token presented for delegation. */
  readonly audience: string;
  /** The only `aud` of an approver's sign-in; undefined: Locksmith's approvals audience, `{issuer}/v1/approvals`. */
  readonly approverAudience?: string;
  readonly algorithms: readonly string[];
  readonly keys: JWTVerifyGetKey;
  /** The user's entitlements, read from the verified claims of a user token. */
  entitlements(claims: Record<string, unknown>): Entitlements;
  /** The user's groups (for approvers), read from `groups_claim`. */
  groups(claims: Record<string, unknown>): string[];
  /** The claims entitlements and groups are read from: what a sign-in keeps of the ID token. */
  readonly personClaims: readonly string[];
  /** Locksmith signs people in here (OIDC relying party); absent: this IdP only vouches for user tokens. */
  readonly login?: { readonly clientId: string; readonly clientSecretEnv: string; readonly scopes: readonly string[] };
  /** The public client `locksmith approvals` signs approvers in with (device flow, RFC 8628). */
  readonly approverSignIn?: { readonly clientId: string; readonly scopes: readonly string[] };
}

/** What a user may do: a scope is covered when one of the user's entitlements matches it. */
export interface Entitlements {
  covers(scope: string): boolean;
}

/** A trusted issuer of workload tokens (Kubernetes, CI OIDC, SPIFFE) and the agents it vouches for. */
export interface WorkloadIssuerPolicy {
  readonly id: string;
  readonly issuer: string;
  /** Absent: the token's `aud` must be Locksmith's issuer URL. */
  readonly audience?: string;
  readonly algorithms: readonly string[];
  readonly keys: JWTVerifyGetKey;
  /** Agents by the exact `sub` of their workload token. */
  readonly subjects: ReadonlyMap<string, { readonly agent: string; readonly claims: Readonly<Record<string, string | number | boolean>> }>;
}

/** A grant without `max_ttl` is capped here, so no credential is open-ended. */
export const DEFAULT_MAX_TTL_SECONDS = 900;
/** Without `ttl` in the request or the grant, a credential lives this long at most. */
export const DEFAULT_TTL_CAP_SECONDS = 300;
