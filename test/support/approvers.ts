import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { importJWK, SignJWT } from "jose";

/** Signs a user token of the corp identity provider of examples/company-policy.yaml (its demo key ships in examples/keys). */
export async function approverToken(subject: string, groups: string[], overrides: { audience?: string; issuer?: string } = {}): Promise<string> {
  const jwk = JSON.parse(readFileSync(resolve(__dirname, "..", "..", "examples", "keys", "corp-idp.jwk.json"), "utf8"));
  const key = await importJWK(jwk, "EdDSA");
  return new SignJWT({ groups })
    .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid })
    .setIssuer(overrides.issuer ?? "https://idp.example.com")
    .setAudience(overrides.audience ?? "locksmith")
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}
