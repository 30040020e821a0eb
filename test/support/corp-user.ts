import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { importJWK, SignJWT } from "jose";

/**
 * A user token of the corp identity provider of examples/company-policy.yaml, for delegation
 * (`on_behalf_of`, token exchange): `scope` holds the person's entitlements, `act` any earlier actors.
 */
export async function corpUserToken(subject: string, scope: string, act?: { sub: string }): Promise<string> {
  const jwk = JSON.parse(readFileSync(resolve(__dirname, "..", "..", "examples", "keys", "corp-idp.jwk.json"), "utf8"));
  const key = await importJWK(jwk, "EdDSA");
  return new SignJWT({ scope, ...(act ? { act } : {}) })
    .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid })
    .setIssuer("https://idp.example.com")
    .setAudience("locksmith")
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}
