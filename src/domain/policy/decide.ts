import type { CredentialRequest, Decision, Deny, DenyReason } from "./decision";
import { matchesAny } from "./glob";
import type { AgentPolicy, CompiledGrant, Policy } from "./policy";

/**
 * Decides a credential request for an agent, deny by default:
 * find the resource server behind the wall → explicit denies win → every scope
 * needs a grant → acting for a user, every scope must be the user's too
 * (delegation narrows, never widens) → an upstream allows only its own scopes → a `requires_user` grant needs a user → the TTL must fit the tightest grant → approval if any grant asks.
 * Pure and synchronous: everything it reads was compiled when the policy loaded.
 */
export function decide(policy: Policy, agent: AgentPolicy, request: CredentialRequest): Decision {
  const servers = policy.resourceServers.filter((rs) => matchesAny(rs.resources, request.resource));
  const inEnvironment = servers.filter((rs) => rs.environment === agent.environment);
  if (inEnvironment.length === 0) {
    return servers.length > 0
      ? deny(
          "environment_wall",
          `${request.resource} is served only in ${unique(servers.map((rs) => rs.environment))}; agent ${agent.id} belongs to ${agent.environment}`,
        )
      : deny("no_resource_server", `no resource server in ${agent.environment} serves ${request.resource}`);
  }
  if (inEnvironment.length > 1) {
    return deny("ambiguous_resource_server", `${request.resource} is served by ${inEnvironment.map((rs) => rs.id).join(" and ")}; the policy must name one`);
  }

  if (request.audience !== undefined && request.audience !== inEnvironment[0].audience) {
    return deny("audience_mismatch", `${request.resource} is served for audience ${inEnvironment[0].audience}, not ${request.audience}`);
  }

  for (const scope of request.scopes) {
    const denial = agent.denies.find((rule) => matchesAny(rule.scopes, scope) && matchesAny(rule.resources, request.resource));
    if (denial) return deny("explicit_deny", `${denial.rule} denies ${scope} on ${request.resource}`, denial.rule);
  }

  // Without this, no scope means no grant to check and an empty "allow" with an unbounded ttl.
  if (request.scopes.length === 0) return deny("no_grant", `the request names no scope on ${request.resource}`);
  const grants: CompiledGrant[] = [];
  for (const scope of request.scopes) {
    const grant = agent.grants.find((g) => matchesAny(g.scopes, scope) && matchesAny(g.resources, request.resource));
    if (!grant) return deny("no_grant", `no grant of agent ${agent.id} covers ${scope} on ${request.resource}`);
    grants.push(grant);
  }

  const user = request.user;
  if (user) {
    const lacking = request.scopes.find((scope) => !user.entitlements.covers(scope));
    if (lacking) return deny("user_lacks_scope", `user ${user.id} is not entitled to ${lacking}, so agent ${agent.id} may not use it for them`);
  }
  const upstream = inEnvironment[0].upstream;
  if (upstream) {
    const foreign = request.scopes.find((scope) => !upstream.scopes.has(scope));
    if (foreign) return deny("upstream_lacks_scope", `upstream ${upstream.id} allows no scope ${foreign} (it allows ${[...upstream.scopes].join(", ")})`);
    // A connected account is a person's: its token is only ever handed out to an agent acting for that person.
    if (upstream.kind === "oauth2" && !user)
      return deny("requires_user", `upstream ${upstream.id} holds people's connected accounts: send on_behalf_of for the person`);
  }
  const rule = unique(grants.map((g) => g.rule));
  const needsUser = grants.find((g) => g.requiresUser);
  if (needsUser && !user) return deny("requires_user", `${needsUser.rule} may only be used on behalf of a user: send on_behalf_of`, needsUser.rule);
  const maxTtl = Math.min(...grants.map((g) => g.maxTtl));
  const ttl = request.ttl ?? Math.min(...grants.map((g) => g.defaultTtl));
  if (ttl > maxTtl) return deny("ttl_exceeds_policy", `ttl ${ttl}s is above the ${maxTtl}s max_ttl of ${rule}`, rule);

  const uses = grants.flatMap((g) => (g.maxUses === undefined ? [] : [g.maxUses]));
  const approval = grants.find((g) => g.approval)?.approval;
  return {
    outcome: approval ? "pending_approval" : "allow",
    resourceServer: inEnvironment[0],
    ttl,
    maxUses: uses.length > 0 ? Math.min(...uses) : undefined,
    approval,
    rule,
  };
}

const deny = (reason: DenyReason, description: string, rule?: string): Deny => ({ outcome: "deny", reason, rule, description });

const unique = (values: string[]) => [...new Set(values)].join(", ");
