import { decodeJwt, jwtVerify } from "jose";
import type { Clock } from "../clock";
import { invalidClient, LocksmithError } from "../errors";
import { approvalsAudience, hasOnlyAudience } from "../identity/token-audience";
import type { PolicySource } from "../policy/policy-source";
import type { Approver, ApproverAuthenticator } from "./approver-authenticator";

const MAX_TOKEN_LENGTH = 16_384;

/**
 * Approvers are people signed in at one of the bundle's `identity_providers`
 * for approving: a JWT whose `iss` is a trusted provider's issuer, verified with
 * the key set compiled when the policy loaded, for its algorithms, unexpired.
 * Their groups come from `groups_claim`.
 *
 * Approver identity is its own trust, apart from delegation: the sign-in's only
 * audience is the provider's `approver_audience` (default `{issuer}/v1/approvals`),
 * never the `audience` of the user tokens agents hold for delegation, and a
 * token carrying `act` (someone acting for the person) is not the person.
 */
export class IdpApproverAuthenticator implements ApproverAuthenticator {
  /** @param issuer Locksmith's own issuer URL: the default approvals audience is `{issuer}/v1/approvals`. */
  constructor(
    private readonly policy: PolicySource,
    private readonly clock: Clock,
    private readonly issuer: string,
  ) {}

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
    const audience = idp.approverAudience ?? approvalsAudience(this.issuer);
    // Fail closed if the two trusts were configured onto one audience (the validator refuses an explicit one).
    if (audience === idp.audience) throw invalidClient("this identity provider's approver audience is its delegation audience: approvals from it are refused");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, idp.keys, {
        issuer: idp.issuer,
        audience,
        algorithms: [...idp.algorithms],
        requiredClaims: ["sub", "exp"],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 30,
      }));
    } catch (error) {
      if (error instanceof LocksmithError) throw error;
      throw invalidClient("the identity provider token is invalid or expired");
    }
    if (!hasOnlyAudience(payload, audience)) throw invalidClient(`an approver's sign-in must have one audience, "${audience}"`);
    if (payload.act !== undefined) throw invalidClient("a token carrying act is an actor's, not a person's sign-in");
    return { subject: String(payload.sub), groups: idp.groups(payload) };
  }
}
