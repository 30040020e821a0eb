import { decodeJwt, errors, jwtVerify } from "jose";
import { invalidClient, LocksmithError } from "../errors";
import type { Policy, Principal, WorkloadIssuerPolicy } from "../policy/policy";
import type { AuthenticationContext } from "./authenticate";
import { keysUnreachable } from "./verify-user-token";

const CLOCK_TOLERANCE_SECONDS = 30;

/** The trusted workload issuer that issued `token`, if its `iss` names one. */
export function workloadIssuerOf(token: string, policy: Policy): WorkloadIssuerPolicy | undefined {
  if (!policy.workloadIssuers || policy.workloadIssuers.size === 0) return undefined;
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === "string" ? policy.workloadIssuers.get(iss) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Workload identity federation: an agent with no key of its own presents a
 * JWT of a trusted workload issuer (a Kubernetes service-account token, a CI
 * OIDC token, a SPIFFE JWT-SVID). It must verify against that issuer's keys,
 * name Locksmith (or the issuer's configured audience) in `aud`, be unexpired,
 * and carry the exact `sub` and required claims the bundle binds to the agent.
 * Such tokens are meant to be presented many times within their short life,
 * so no replay memory applies (unlike private_key_jwt assertions).
 */
export async function authenticateWorkload(token: string, workload: WorkloadIssuerPolicy, policy: Policy, context: AuthenticationContext): Promise<Principal> {
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, workload.keys, {
      issuer: workload.issuer,
      audience: workload.audience ?? context.issuer,
      algorithms: [...workload.algorithms],
      requiredClaims: ["sub", "exp", "aud"],
      currentDate: new Date(context.clock.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    if (keysUnreachable(error)) {
      throw new LocksmithError("temporarily_unavailable", `the keys of workload issuer ${workload.id} cannot be fetched; retry shortly`);
    }
    if (error instanceof errors.JWTExpired) throw invalidClient("workload token expired");
    if (error instanceof errors.JWTClaimValidationFailed) throw invalidClient(`workload token claim "${error.claim}" is invalid (${error.reason})`);
    throw invalidClient("workload token signature or format is invalid");
  }
  const binding = typeof claims.sub === "string" ? workload.subjects.get(claims.sub) : undefined;
  if (!binding) throw invalidClient(`no agent is bound to this subject of workload issuer ${workload.id}`);
  const mismatch = Object.entries(binding.claims).find(([name, value]) => claims[name] !== value);
  if (mismatch) throw invalidClient(`workload token claim "${mismatch[0]}" does not have the value the policy requires`);
  const principal = policy.principals.get(binding.agent);
  if (!principal) throw new Error(`workload agent ${binding.agent} is missing from policy ${policy.version}`);
  return principal;
}
