import { decodeJwt, jwtVerify } from "jose";
import { SIGNING_ALGS } from "../keys/signing-alg";
import type { CredentialServices } from "./credential-services";

/**
 * The jti of a credential this Locksmith signed, whatever its audience, or
 * undefined for anything else (garbage, a foreign or expired token). For
 * revocation by token (RFC 7009), where an unknown token is not an error.
 */
export async function credentialIdOf(token: string, services: CredentialServices): Promise<string | undefined> {
  if (token.length > 8192) return undefined;
  try {
    const env = decodeJwt(token).env;
    const verifier = typeof env === "string" ? services.keys.verifier(env) : undefined;
    if (!verifier) return undefined;
    const { payload } = await jwtVerify(token, verifier, {
      issuer: services.issuer,
      typ: "at+jwt",
      // The ring's key function also demands the alg of the key found by kid (RFC 8725 §3.1).
      algorithms: [...SIGNING_ALGS],
      requiredClaims: ["jti"],
      currentDate: new Date(services.clock.now()),
    });
    return typeof payload.jti === "string" ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}
