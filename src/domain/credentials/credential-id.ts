import type { CredentialServices } from "./credential-services";
import { ownTokenClaims } from "./verify-credential";

/**
 * The jti of a credential this Locksmith signed, whatever its audience, or
 * undefined for anything else (garbage, a foreign or expired token). For
 * revocation by token (RFC 7009), where an unknown token is not an error.
 */
export async function credentialIdOf(token: string, services: CredentialServices): Promise<string | undefined> {
  const env = unverifiedEnvironment(token);
  if (env === undefined) return undefined;
  const checked = await ownTokenClaims(token, { issuer: services.issuer, environment: env }, services.keys, services.clock, ["jti"]);
  return checked.ok && typeof checked.claims.jti === "string" ? checked.claims.jti : undefined;
}

/** The `env` claim before verification, only to choose whose keys verify (the signature is checked next). */
function unverifiedEnvironment(token: string): string | undefined {
  if (token.length > 8192) return undefined;
  try {
    const env = (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown> | null)?.env;
    return typeof env === "string" ? env : undefined;
  } catch {
    return undefined;
  }
}
