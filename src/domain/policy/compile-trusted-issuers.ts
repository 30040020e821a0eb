import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Bundle, IdentityProviderSpec } from "./bundle-schema";
import type { BundleProblem } from "./compile-policy";
import { compileScopePattern, matchesAny } from "./glob";
import type { Entitlements, IdentityProviderPolicy, WorkloadIssuerPolicy } from "./policy";

/** A remote key set answers within this, or the token is refused with 503 (never waited on forever). */
const JWKS_TIMEOUT_MS = 2_000;
/** Keys fetched from a jwks_uri are trusted this long before a refetch. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/**
 * The key set of a trusted issuer, built once at load. A remote set is
 * fetched on first use, cached, and refetched when a token names an unknown
 * `kid` (key rotation), at most once per cooldown.
 */
export function trustedKeySet(spec: { jwks_uri?: string; jwks?: { keys: unknown[] }; jwks_cooldown: number }): JWTVerifyGetKey {
  if (spec.jwks) return createLocalJWKSet(spec.jwks as JSONWebKeySet);
  return createRemoteJWKSet(new URL(spec.jwks_uri!), {
    timeoutDuration: JWKS_TIMEOUT_MS,
    cooldownDuration: spec.jwks_cooldown * 1000,
    cacheMaxAge: JWKS_MAX_AGE_MS,
  });
}

export function compileIdentityProviders(bundle: Bundle): Map<string, IdentityProviderPolicy> {
  const providers = new Map<string, IdentityProviderPolicy>();
  for (const [id, spec] of Object.entries(bundle.identity_providers)) {
    providers.set(spec.issuer, {
      id,
      issuer: spec.issuer,
      audience: spec.audience,
      approverAudience: spec.approver_audience,
      algorithms: spec.algorithms,
      keys: trustedKeySet(spec),
      entitlements: entitlementsReader(spec),
      groups: (claims) => stringList(claims[spec.groups_claim ?? "groups"]),
      personClaims: [...new Set([spec.entitlements_claim, spec.groups_claim ?? "groups"])],
      ...(spec.approver_sign_in ? { approverSignIn: { clientId: spec.approver_sign_in.client_id, scopes: spec.approver_sign_in.scopes } } : {}),
      ...(spec.login ? { login: { clientId: spec.login.client_id, clientSecretEnv: spec.login.client_secret_env, scopes: spec.login.scopes } } : {}),
    });
  }
  return providers;
}

/**
 * Reads the entitlements claim (a space-separated string or an array of
 * strings). Without a mapping each value is a concrete scope; with one, only
 * mapped values count and they grant the mapped scope patterns (compiled here,
 * once, so no request compiles a pattern).
 */
function entitlementsReader(spec: IdentityProviderSpec): (claims: Record<string, unknown>) => Entitlements {
  const mapping = spec.scope_mapping
    ? new Map(Object.entries(spec.scope_mapping).map(([value, scopes]) => [value, scopes.map(compileScopePattern)]))
    : undefined;
  return (claims) => {
    const values = stringList(claims[spec.entitlements_claim]);
    if (!mapping) {
      const scopes = new Set(values);
      return { covers: (scope) => scopes.has(scope) };
    }
    const globs = values.flatMap((value) => mapping.get(value) ?? []);
    return { covers: (scope) => matchesAny(globs, scope) };
  };
}

/** A claim that lists values: a space-separated string or an array of strings. */
function stringList(raw: unknown): string[] {
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  return Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string") : [];
}

export function compileWorkloadIssuers(bundle: Bundle): Map<string, WorkloadIssuerPolicy> {
  const issuers = new Map<string, WorkloadIssuerPolicy & { subjects: Map<string, { agent: string; claims: Record<string, string | number | boolean> }> }>();
  const byId = new Map<string, WorkloadIssuerPolicy & { subjects: Map<string, { agent: string; claims: Record<string, string | number | boolean> }> }>();
  for (const [id, spec] of Object.entries(bundle.workload_issuers)) {
    const compiled = { id, issuer: spec.issuer, audience: spec.audience, algorithms: spec.algorithms, keys: trustedKeySet(spec), subjects: new Map() };
    issuers.set(spec.issuer, compiled);
    byId.set(id, compiled);
  }
  for (const [agent, spec] of Object.entries(bundle.agents)) {
    if (spec.auth.method !== "workload_identity") continue;
    byId.get(spec.auth.issuer)?.subjects.set(spec.auth.subject, { agent, claims: spec.auth.claims ?? {} });
  }
  return issuers;
}

/** Reference problems of the trusted issuers: unknown issuer ids, two agents on one subject, one `iss` twice, one audience for two trusts. */
export function trustedIssuerProblems(bundle: Bundle): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const [id, spec] of Object.entries(bundle.identity_providers)) {
    if (spec.approver_audience === spec.audience) {
      problems.push({
        path: ["identity_providers", id, "approver_audience"],
        message: "must differ from audience: the user tokens agents hold for delegation would be approvers' sign-ins",
      });
    }
  }
  const issuerUrls = new Map<string, string>();
  for (const [section, entries] of [
    ["identity_providers", bundle.identity_providers],
    ["workload_issuers", bundle.workload_issuers],
  ] as const) {
    for (const [id, spec] of Object.entries(entries)) {
      const first = issuerUrls.get(spec.issuer);
      if (first) problems.push({ path: [section, id, "issuer"], message: `issuer "${spec.issuer}" is already trusted as ${first}` });
      else issuerUrls.set(spec.issuer, `${section}.${id}`);
    }
  }
  const logins = Object.entries(bundle.identity_providers).filter(([, spec]) => spec.login);
  for (const [id] of logins.slice(1)) {
    problems.push({
      path: ["identity_providers", id, "login"],
      message: `people already sign in at ${logins[0][0]}: only one identity provider may have login`,
    });
  }
  const subjects = new Map<string, string>();
  for (const [agent, spec] of Object.entries(bundle.agents)) {
    if (spec.auth.method !== "workload_identity") continue;
    if (!Object.hasOwn(bundle.workload_issuers, spec.auth.issuer)) {
      problems.push({ path: ["agents", agent, "auth", "issuer"], message: `unknown workload issuer "${spec.auth.issuer}"` });
    }
    const key = `${spec.auth.issuer} ${spec.auth.subject}`;
    const first = subjects.get(key);
    if (first) problems.push({ path: ["agents", agent, "auth", "subject"], message: `subject is already bound to agent ${first}` });
    else subjects.set(key, agent);
  }
  return problems;
}
