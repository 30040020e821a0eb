import { decodeJwt, jwtVerify } from "jose";
import type { Clock } from "../clock";
import { invalidClient, LocksmithError } from "../errors";
import type { PolicySource } from "../policy/policy-source";
import type { Approver, ApproverAuthenticator } from "./approver-authenticator";

const MAX_TOKEN_LENGTH = 16_384;

/**
 * Approvers are people signed in at one of the bundle's `identity_providers`:
 * a JWT whose `iss` is a trusted provider's issuer, verified with the key set
 * compiled when the policy loaded (the same one delegation uses), for its
 * `audience` and algorithms, unexpired. Their groups come from `groups_claim`.
 */
export class IdpApproverAuthenticator implements ApproverAuthenticator {
  constructor(private readonly policy: PolicySource, private readonly clock: Clock) {}

  async verify(token: string): Promise<Approver> {
    if (token.length > MAX_TOKEN_LENGTH) throw invalidClient("token too large");
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw invalidClient("send Authorization: Bearer <a token from a trusted identity provider>");
    }
    const idp = typeof iss === "string" ? this.policy.current().identityProviders?.get(iss) : undefined;
    if (!idp) throw invalidClient("the token's issuer is not a trusted identity provider");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, idp.keys, {
        issuer: idp.issuer,
        audience: idp.audience,
        algorithms: [...idp.algorithms],
        requiredClaims: ["sub", "exp"],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 30,
      }));
    } catch (error) {
      if (error instanceof LocksmithError) throw error;
      throw invalidClient("the identity provider token is invalid or expired");
    }
    return { subject: String(payload.sub), groups: idp.groups(payload) };
  }
}
