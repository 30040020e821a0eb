import type { VerificationKeys } from "./verification-keys";

/** Why a compact JWS was refused before any claim was read. */
export type JwsRefusal = "malformed" | "crit" | "alg_not_allowed" | "no_key" | "bad_signature";

export class JwsRefused extends Error {
  constructor(readonly reason: JwsRefusal) {
    super(`JWS refused: ${reason}`);
  }
}

export interface VerifiedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Verifies a compact JWS with node:crypto against keys imported at policy
 * load, doing what jose's `compactVerify` does for us: the header is a JSON
 * object with a string `alg` from `algorithms`; `crit` lists only extensions
 * we understand (`b64`, and only as `true`: a JWT's payload is always
 * base64url, RFC 7797 §7); a `kid` in the header must be the key's; the
 * header `alg` must be one the key verifies (the key decides, not the token);
 * the payload is a JSON object. The signature checks run on the thread pool
 * (verification-keys.ts); everything else is synchronous.
 */
export async function verifyCompactJws(
  token: string,
  keys: VerificationKeys,
  algorithms: ReadonlySet<string>,
  /** "required": a header without `kid` finds no key (Locksmith's own tokens always name theirs). */
  kid: "optional" | "required" = "optional",
): Promise<VerifiedJws> {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part) && part.length % 4 !== 1)) throw new JwsRefused("malformed");
  const [encodedHeader, encodedPayload, encodedSignature] = parts;
  const header = jsonObject(encodedHeader);
  checkCrit(header);
  const { alg } = header;
  if (typeof alg !== "string" || alg.length === 0) throw new JwsRefused("malformed");
  if (!algorithms.has(alg)) throw new JwsRefused("alg_not_allowed");
  if (kid === "required" && header.kid === undefined) throw new JwsRefused("no_key");
  const candidates = keys.filter((key) => key.algorithms.has(alg) && (header.kid === undefined || header.kid === key.kid));
  if (candidates.length === 0) throw new JwsRefused("no_key");
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, "ascii");
  const signature = Buffer.from(encodedSignature, "base64url");
  if (!(await anyVerifies(candidates, signingInput, signature))) throw new JwsRefused("bad_signature");
  return { header, payload: jsonObject(encodedPayload) };
}

/** jose's rules: `crit` is a non-empty list of distinct names we understand, each present; the only one is `b64`, and it must be `true`. */
function checkCrit(header: Record<string, unknown>): void {
  if (header.b64 !== undefined && header.b64 !== true) throw new JwsRefused("crit");
  const { crit } = header;
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0 || new Set(crit).size !== crit.length) throw new JwsRefused("crit");
  if (!crit.every((name) => name === "b64" && header.b64 === true)) throw new JwsRefused("crit");
}

function jsonObject(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(part, "base64url")));
  } catch {
    throw new JwsRefused("malformed");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new JwsRefused("malformed");
  return value as Record<string, unknown>;
}

/** The candidates one after another (usually one): the first that verifies wins, as jose's key sets do. */
async function anyVerifies(candidates: VerificationKeys, signingInput: Buffer, signature: Buffer): Promise<boolean> {
  for (const key of candidates) if (await key.verify(signingInput, signature)) return true;
  return false;
}
