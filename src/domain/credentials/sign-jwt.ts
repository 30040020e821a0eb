import { sign, type KeyObject } from "node:crypto";
import type { SigningAlg } from "../keys/signing-alg";

/**
 * Signs a compact JWS with node:crypto's one-shot sign: synchronous and, for
 * Ed25519, about three times faster than the WebCrypto path jose takes, and
 * issuance signs once per request. The header and claims are built by us, so
 * there is nothing here to validate.
 */
export function signJwt(alg: SigningAlg, header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify({ alg, ...header }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${signatureOf(alg, Buffer.from(signingInput), key).toString("base64url")}`;
}

function signatureOf(alg: SigningAlg, data: Buffer, key: KeyObject): Buffer {
  switch (alg) {
    case "EdDSA":
      return sign(null, data, key);
    case "ES256":
      // JWS wants r‖s (RFC 7518 §3.4), not node's default DER.
      return sign("sha256", data, { key, dsaEncoding: "ieee-p1363" });
    case "RS256":
      return sign("sha256", data, key);
  }
}

const base64url = (text: string) => Buffer.from(text).toString("base64url");
