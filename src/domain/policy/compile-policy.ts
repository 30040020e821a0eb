import { createHash } from "node:crypto";
import type { Bundle, GrantSpec } from "./bundle-schema";
import { compileIdentityProviders, compileWorkloadIssuers, trustedIssuerProblems } from "./compile-trusted-issuers";
import { importVerificationKeys, type VerificationKeys } from "../identity/verification-keys";
import { compileRateLimits } from "../limits/rate-limits";
import { compileCircuitBreaker } from "../agents/circuit-breaker-policy";
import { compileResourcePattern, compileScopePattern } from "./glob";
import { compileUpstreams } from "../upstreams/upstream-policy";
import {
  DEFAULT_MAX_TTL_SECONDS,
  DEFAULT_TTL_CAP_SECONDS,
  type AgentPolicy,
  type CompiledDeny,
  type CompiledGrant,
  type OAuthClientPolicy,
  type Policy,
  type Principal,
  type ResourceServerPolicy,
} from "./policy";

/** A reference or consistency problem that the schema alone cannot see. */
export interface BundleProblem {
  path: (string | number)[];
  message: string;
}

export type CompileResult = { ok: true; policy: Policy } | { ok: false; problems: BundleProblem[] };

/**
 * Checks references across the bundle and compiles every pattern and key set,
 * so that no request ever compiles a glob or imports a key. Names are looked up
 * in Maps, never as plain-object keys, so a role or principal named
 * `constructor` or `toString` is an ordinary name.
 */
export function compilePolicy(bundle: Bundle, sourceBytes: string | Buffer, source: string): CompileResult {
  const problems = [...findProblems(bundle), ...trustedIssuerProblems(bundle), ...keyProblems(bundle)];
  if (problems.length > 0) return { ok: false, problems };

  const principals = new Map<string, Principal>();
  const agents = new Map<string, AgentPolicy>();
  const roleSpecs = new Map(Object.entries(bundle.roles));
  for (const [id, agent] of Object.entries(bundle.agents)) {
    const client = agent.auth.method === "none" ? { kind: "public" as const, redirectUris: agent.auth.redirect_uris } : undefined;
    agents.set(id, compileAgent(roleSpecs, id, agent.environment, agent.roles, client));
    const keys = agent.auth.method === "private_key_jwt" ? keySet(agent.auth.jwks) : noKeys;
    principals.set(id, { kind: "agent", id, environment: agent.environment, keys });
  }
  // A metadata-document client is an agent named by its URL; it has no key, so it can never sign an assertion.
  for (const spec of bundle.client_metadata_documents?.clients ?? []) {
    agents.set(spec.url, compileAgent(roleSpecs, spec.url, spec.environment, spec.roles, { kind: "metadata_document", url: spec.url }));
    principals.set(spec.url, { kind: "agent", id: spec.url, environment: spec.environment, keys: noKeys });
  }
  const resourceServers: ResourceServerPolicy[] = Object.entries(bundle.resource_servers).map(([id, rs]) => {
    principals.set(id, { kind: "resource_server", id, environment: rs.environment, keys: keySet(rs.auth.jwks) });
    return { id, environment: rs.environment, audience: rs.audience, resources: rs.resources.map(compileResourcePattern), signingAlg: rs.token_signing_alg };
  });
  const upstreams = compileUpstreams(bundle.upstreams);
  for (const upstream of upstreams.values()) {
    resourceServers.push({
      id: upstream.id,
      environment: upstream.environment,
      audience: upstream.audience,
      resources: [compileResourcePattern(upstream.id), compileResourcePattern(`${upstream.id}:**`)],
      upstream,
    });
  }
  for (const [id, admin] of Object.entries(bundle.admins)) {
    principals.set(id, { kind: "admin", id, keys: keySet(admin.auth.jwks) });
  }
  for (const [id, auditor] of Object.entries(bundle.auditors)) {
    principals.set(id, { kind: "auditor", id, keys: keySet(auditor.auth.jwks) });
  }

  const version = `sha256:${createHash("sha256").update(sourceBytes).digest("hex")}`;
  const identityProviders = compileIdentityProviders(bundle);
  const workloadIssuers = compileWorkloadIssuers(bundle);
  return {
    ok: true,
    policy: {
      version,
      source,
      environments: bundle.environments,
      agents,
      resourceServers,
      principals,
      identityProviders,
      workloadIssuers,
      rateLimits: compileRateLimits(bundle.rate_limits),
      circuitBreaker: compileCircuitBreaker(bundle.circuit_breaker),
      clientMetadataDocuments: { allowPrivateAddresses: bundle.client_metadata_documents?.allow_private_addresses ?? false },
      upstreams,
      ...(bundle.console ? { console: { auditors: bundle.console.auditors, admins: bundle.console.admins } } : {}),
    },
  };
}

function compileAgent(
  roleSpecs: ReadonlyMap<string, Bundle["roles"][string]>,
  id: string,
  environment: string,
  roleIds: readonly string[],
  client?: OAuthClientPolicy,
): AgentPolicy {
  const roles = roleIds.map((role) => [role, roleSpecs.get(role)!] as const);
  return {
    id,
    environment,
    roles: roleIds,
    grants: roles.flatMap(([role, spec]) => spec.grants.map((grant, i) => compileGrant(`roles.${role}.grants[${i}]`, grant))),
    denies: roles.flatMap(([role, spec]) =>
      spec.deny.map(
        (deny, i): CompiledDeny => ({
          rule: `roles.${role}.deny[${i}]`,
          scopes: deny.scopes.map(compileScopePattern),
          resources: deny.resources.map(compileResourcePattern),
        }),
      ),
    ),
    ...(client ? { client } : {}),
  };
}

function compileGrant(rule: string, grant: GrantSpec): CompiledGrant {
  const maxTtl = grant.max_ttl ?? DEFAULT_MAX_TTL_SECONDS;
  return {
    rule,
    scopes: grant.scopes.map(compileScopePattern),
    resources: grant.resources.map(compileResourcePattern),
    maxTtl,
    defaultTtl: grant.ttl ?? Math.min(maxTtl, DEFAULT_TTL_CAP_SECONDS),
    maxUses: grant.max_uses,
    approval: grant.approval,
    requiresUser: grant.requires_user === true,
  };
}

/** A principal with no key of its own (a federated agent): every assertion signed "as" it fails to verify. */
const noKeys: VerificationKeys = [];

/** Imported here, once per policy load, so no request imports a key (findProblems has proven each imports). */
function keySet(jwks: { keys: unknown[] }): VerificationKeys {
  return importVerificationKeys(jwks);
}

function keyProblems(bundle: Bundle): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const check = (path: string[], auth: { method: string; jwks?: { keys: unknown[] } }) => {
    if (auth.method !== "private_key_jwt" || !auth.jwks) return;
    try {
      importVerificationKeys(auth.jwks);
    } catch (error) {
      problems.push({ path: [...path, "auth", "jwks"], message: (error as Error).message });
    }
  };
  for (const [id, agent] of Object.entries(bundle.agents)) check(["agents", id], agent.auth as never);
  for (const [id, rs] of Object.entries(bundle.resource_servers)) check(["resource_servers", id], rs.auth);
  for (const [id, admin] of Object.entries(bundle.admins)) check(["admins", id], admin.auth);
  for (const [id, auditor] of Object.entries(bundle.auditors)) check(["auditors", id], auditor.auth);
  return problems;
}

function findProblems(bundle: Bundle): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const environments = new Set(bundle.environments);
  const seen = new Map<string, string>();
  const claimId = (id: string, where: string[]) => {
    const first = seen.get(id);
    if (first) problems.push({ path: where, message: `id "${id}" is already used by ${first}: principal ids must be unique` });
    else seen.set(id, where.join("."));
  };

  for (const [id, agent] of Object.entries(bundle.agents)) {
    claimId(id, ["agents", id]);
    if (!environments.has(agent.environment)) {
      problems.push({ path: ["agents", id, "environment"], message: `unknown environment "${agent.environment}"` });
    }
    agent.roles.forEach((role, i) => {
      if (!Object.hasOwn(bundle.roles, role)) problems.push({ path: ["agents", id, "roles", i], message: `unknown role "${role}"` });
    });
  }
  const audiences = new Map<string, { id: string; environment: string }>();
  for (const [id, rs] of Object.entries(bundle.resource_servers)) {
    claimId(id, ["resource_servers", id]);
    if (!environments.has(rs.environment)) {
      problems.push({ path: ["resource_servers", id, "environment"], message: `unknown environment "${rs.environment}"` });
    }
    // A resource server verifying offline trusts a credential by its `aud`: one audience in two environments would carry a credential over the wall.
    const other = audiences.get(rs.audience);
    if (other && other.environment !== rs.environment) {
      problems.push({
        path: ["resource_servers", id, "audience"],
        message: `is the audience of resource_servers.${other.id} in ${other.environment}: resource servers of different environments need different audiences`,
      });
    } else if (!other) audiences.set(rs.audience, { id, environment: rs.environment });
  }
  (bundle.client_metadata_documents?.clients ?? []).forEach((client, i) => {
    claimId(client.url, ["client_metadata_documents", "clients", String(i), "url"]);
    if (!environments.has(client.environment))
      problems.push({ path: ["client_metadata_documents", "clients", i, "environment"], message: `unknown environment "${client.environment}"` });
    client.roles.forEach((role, j) => {
      if (!bundle.roles[role]) problems.push({ path: ["client_metadata_documents", "clients", i, "roles", j], message: `unknown role "${role}"` });
    });
  });
  for (const [id, upstream] of Object.entries(bundle.upstreams)) {
    claimId(id, ["upstreams", id]);
    if (!environments.has(upstream.environment)) {
      problems.push({ path: ["upstreams", id, "environment"], message: `unknown environment "${upstream.environment}"` });
    }
  }
  for (const id of Object.keys(bundle.admins)) claimId(id, ["admins", id]);
  for (const id of Object.keys(bundle.auditors)) claimId(id, ["auditors", id]);
  for (const [role, spec] of Object.entries(bundle.roles)) {
    spec.grants.forEach((grant, i) => {
      const maxTtl = grant.max_ttl ?? DEFAULT_MAX_TTL_SECONDS;
      if (grant.ttl !== undefined && grant.ttl > maxTtl) {
        const which = grant.max_ttl === undefined ? `the default max_ttl (${maxTtl}s)` : `max_ttl (${maxTtl}s)`;
        problems.push({ path: ["roles", role, "grants", i, "ttl"], message: `is longer than ${which}` });
      }
    });
  }
  return problems;
}
