import { createPublicKey, type KeyObject, verify } from "node:crypto";

/**
 * A principal's public key, imported once when the policy loads (never per
 * request) with the algorithms it verifies. The algorithm comes from the key,
 * not from the token: an Ed25519 key verifies `EdDSA` and its RFC 9864 name
 * `Ed25519` (openid-client 6 signs with the latter), a P-256 key `ES256`, and
 * nothing verifies `none` or an HMAC.
 */
export interface VerificationKey {
  readonly kid?: string;
  /** The header `alg` values this key verifies. */
  readonly algorithms: ReadonlySet<string>;
  /** Runs on libuv's thread pool (node:crypto's callback form), so the event loop is free while it runs. */
  readonly verify: (signingInput: Buffer, signature: Buffer) => Promise<boolean>;
}

export type VerificationKeys = readonly VerificationKey[];

/** Ed25519 is one algorithm under two names (RFC 8037 `EdDSA`, RFC 9864 `Ed25519`): a JWK registered with either verifies both. */
const ED25519_NAMES = ["EdDSA", "Ed25519"];

/**
 * Imports the usable members of a JWK Set (the same selection jose's local key
 * sets make: `use` absent or `sig`, `key_ops` absent or naming `verify`).
 * Throws with a short reason when a member is not a public key Locksmith can verify with.
 */
export function importVerificationKeys(jwks: { keys: readonly unknown[] }): VerificationKeys {
  const keys: VerificationKey[] = [];
  jwks.keys.forEach((member, index) => {
    const jwk = member as Record<string, unknown>;
    if (jwk.use !== undefined && jwk.use !== "sig") return;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) return;
    if (jwk.kid !== undefined && typeof jwk.kid !== "string") throw new Error(`key ${index}: "kid" must be a string`);
    const key = importPublic(jwk, index);
    keys.push({ kid: jwk.kid as string | undefined, ...verifierOf(jwk, key, index) });
  });
  return keys;
}

function importPublic(jwk: Record<string, unknown>, index: number): KeyObject {
  if ("d" in jwk) throw new Error(`key ${index} is a private key: a bundle holds public keys only`);
  try {
    return createPublicKey({ key: jwk as never, format: "jwk" });
  } catch (error) {
    throw new Error(`key ${index} is not a valid public JWK (${(error as Error).message})`);
  }
}

/**
 * One of Locksmith's own signing keys as a verification key: it verifies its
 * own algorithm only, under its own `kid` (the key decides, RFC 8725 §3.1).
 */
export function ownVerificationKey(kid: string, alg: "EdDSA" | "ES256" | "RS256", publicKey: KeyObject): VerificationKey {
  return { kid, algorithms: new Set([alg]), verify: signatureCheck(publicKey) };
}

function verifierOf(jwk: Record<string, unknown>, key: KeyObject, index: number): Pick<VerificationKey, "algorithms" | "verify"> {
  const named = (names: readonly string[]) => {
    if (jwk.alg !== undefined && !names.includes(jwk.alg as string))
      throw new Error(`key ${index}: "alg" ${String(jwk.alg)} does not fit its ${jwk.kty}/${jwk.crv} key`);
    return new Set(names);
  };
  if (key.asymmetricKeyType === "ed25519") return { algorithms: named(ED25519_NAMES), verify: signatureCheck(key) };
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1")
    return { algorithms: named(["ES256"]), verify: signatureCheck(key) };
  throw new Error(`key ${index}: only Ed25519 and P-256 keys verify assertions`);
}

/** The signature check a key's type calls for: Ed25519, P-256 with SHA-256 (JWS's r‖s form), or RSA PKCS#1 v1.5 with SHA-256. */
function signatureCheck(key: KeyObject): VerificationKey["verify"] {
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return (input, signature) => verifiedOffLoop(null, input, key, signature);
    case "ec": {
      const ec = { key, dsaEncoding: "ieee-p1363" as const };
      return (input, signature) => verifiedOffLoop("sha256", input, ec, signature);
    }
    case "rsa":
      return (input, signature) => verifiedOffLoop("sha256", input, key, signature, "any length");
    default:
      throw new Error(`no signature check for ${String(key.asymmetricKeyType)} keys`);
  }
}

/**
 * node:crypto's verify with a callback: the work runs on libuv's thread pool.
 * On the hot path the event loop is the bottleneck (one thread answering every
 * request), and a verify there costs ~80 µs of it against ~15 µs to hand it
 * off; the pool's threads use the cores the loop cannot. A signature of the
 * wrong length, or a verify that throws, is false: never an exception.
 */
function verifiedOffLoop(
  algorithm: string | null,
  input: Buffer,
  key: KeyObject | { key: KeyObject; dsaEncoding: "ieee-p1363" },
  signature: Buffer,
  length: "64 bytes" | "any length" = "64 bytes",
): Promise<boolean> {
  if (length === "64 bytes" && signature.length !== 64) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(algorithm, input, key, signature, (error, valid) => resolve(!error && valid));
    } catch {
      resolve(false);
    }
  });
}
