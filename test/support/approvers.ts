import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { importJWK, SignJWT } from "jose";
import { TEST_ISSUER } from "./locksmith-under-test";

/** Locksmith's approvals audience under test: `{issuer}/v1/approvals`, what an approver's sign-in is for. */
export const APPROVALS_AUDIENCE = `${TEST_ISSUER}/v1/approvals`;

/** The corp identity provider's delegation audience (examples/company-policy.yaml): what a user token an agent holds is for. */
export const DELEGATION_AUDIENCE = "locksmith";

/**
 * Signs a token of the corp identity provider of examples/company-policy.yaml (its demo key ships in
 * examples/keys): by default an approver's sign-in (aud = the approvals audience).
 */
export async function approverToken(
  subject: string,
  groups: string[],
  overrides: { audience?: string | string[]; issuer?: string; claims?: Record<string, unknown> } = {},
): Promise<string> {
  const jwk = JSON.parse(readFileSync(resolve(__dirname, "..", "..", "examples", "keys", "corp-idp.jwk.json"), "utf8"));
  const key = await importJWK(jwk, "EdDSA");
  return new SignJWT({ groups, ...overrides.claims })
    .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid })
    .setIssuer(overrides.issuer ?? "https://idp.example.com")
    .setAudience(overrides.audience ?? APPROVALS_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}

/** A user token of the same provider as an agent holds it for delegation (aud = the delegation audience). */
export const delegationToken = (subject: string, claims: Record<string, unknown> = {}) =>
  approverToken(subject, ["sre"], { audience: DELEGATION_AUDIENCE, claims });
