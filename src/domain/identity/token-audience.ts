import type { JWTPayload } from "jose";

/**
 * Whether a verified token is for `audience` and nothing else. A token of an
 * identity provider serves one trust: a user token an agent holds for
 * delegation, or a person's sign-in to approve. A token naming two audiences
 * would serve both, so it serves neither (RFC 7519 §4.1.3 lets `aud` be a list;
 * Locksmith accepts a list only of one).
 *
 * @example hasOnlyAudience({ aud: ["locksmith"] }, "locksmith") // → true
 * @example hasOnlyAudience({ aud: ["locksmith", "https://ls.example.com/v1/approvals"] }, "locksmith") // → false
 */
export function hasOnlyAudience(claims: JWTPayload, audience: string): boolean {
  const { aud } = claims;
  return aud === audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === audience);
}

/** The audience of approvers' sign-ins when an identity provider names none: `{issuer}/v1/approvals`. */
export const approvalsAudience = (issuer: string) => `${issuer}/v1/approvals`;
