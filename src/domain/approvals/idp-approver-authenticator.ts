import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Clock } from "../clock";
import { invalidClient, LocksmithError } from "../errors";
import type { IdentityProviderSpec } from "../policy/identity-provider-schema";
import type { Policy } from "../policy/policy";
import type { PolicySource } from "../policy/policy-source";
import type { Approver, ApproverAuthenticator } from "./approver-authenticator";

/** User tokens of identity providers: asymmetric only, never `none` or HMAC. */
const USER_TOKEN_ALGORITHMS = ["EdDSA", "ES256", "ES384", "RS256", "PS256"];
const MAX_TOKEN_LENGTH = 16_384;

interface TrustedIssuer {
  readonly spec: IdentityProviderSpec;
  readonly keys: JWTVerifyGetKey;
}

/**
 * Approvers are people signed in at one of the bundle's `identity_providers`:
 * a JWT whose `iss` is the provider's issuer, signed by its keys (inline `jwks`
 * or fetched from `jwks_uri`, cached by jose), for its `audience`, unexpired.
 * Their groups come from `groups_claim` (default `groups`). Key sets are built
 * once per loaded policy, never per request.
 */
export class IdpApproverAuthenticator implements ApproverAuthenticator {
  private readonly issuers = new WeakMap<Policy, Map<string, TrustedIssuer>>();

  constructor(private readonly policy: PolicySource, private readonly clock: Clock) {}

  async verify(token: string): Promise<Approver> {
    if (token.length > MAX_TOKEN_LENGTH) throw invalidClient("token too large");
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw invalidClient("send Authorization: Bearer <a token from a trusted identity provider>");
    }
    const trusted = typeof iss === "string" ? this.trustedIssuers().get(iss) : undefined;
    if (!trusted) throw invalidClient("the token's issuer is not a trusted identity provider");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, trusted.keys, {
        issuer: trusted.spec.issuer,
        audience: trusted.spec.audience,
        algorithms: USER_TOKEN_ALGORITHMS,
        requiredClaims: ["sub", "exp"],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 30,
      }));
    } catch (error) {
      if (error instanceof LocksmithError) throw error;
      throw invalidClient("the identity provider token is invalid or expired");
    }
    const groups = payload[trusted.spec.groups_claim ?? "groups"];
    return {
      subject: String(payload.sub),
      groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : typeof groups === "string" ? groups.split(" ").filter(Boolean) : [],
    };
  }

  private trustedIssuers(): Map<string, TrustedIssuer> {
    const policy = this.policy.current();
    let issuers = this.issuers.get(policy);
    if (!issuers) {
      issuers = new Map(
        Object.values(policy.identityProviders ?? {}).map((spec) => [
          spec.issuer,
          { spec, keys: spec.jwks ? createLocalJWKSet(spec.jwks as JSONWebKeySet) : createRemoteJWKSet(new URL(spec.jwks_uri!)) },
        ]),
      );
      this.issuers.set(policy, issuers);
    }
    return issuers;
  }
}
