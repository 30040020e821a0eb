import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { calculateJwkThumbprint, type JWK } from "jose";
import { z } from "zod";
import type { KeyStatus, SigningKey } from "../../domain/keys/key-ring";
import { asKeyNeeds, DEFAULT_SIGNING_ALG, SIGNING_ALGS, type KeyNeed, type SigningAlg } from "../../domain/keys/signing-alg";
import { plainProtector, type KeyProtector } from "./key-protector";
import { fileProblem } from "../../config/startup-problem";

/**
 * The signing keys file (`LOCKSMITH_KEYS_FILE`): every replica reads the same
 * file, so all sign with the same keys, and each replica re-reads it when it
 * changes (rotation). It holds private keys, as JWKs or sealed with a key
 * encryption key (`sealed_private_jwk`); it is written with mode 0600 and its
 * content is never logged or served.
 *
 * Each entry is one key of one algorithm (`alg`: EdDSA when absent, as in
 * files written before algorithms; ES256 is P-256, RS256 is RSA of 2048 bits
 * or more).
 *
 * ```json
 * { "version": 1, "keys": [ { "environment": "production", "kid": "…", "alg": "EdDSA", "status": "active",
 *     "created_at": "2026-11-21T00:00:00Z", "private_jwk": { "kty": "OKP", "crv": "Ed25519", "x": "…", "d": "…" } } ] }
 * ```
 */
const okpJwk = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), d: z.string() });
const ecJwk = z.object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), d: z.string() });
const rsaJwk = z.object({
  kty: z.literal("RSA"),
  n: z.string(),
  e: z.string(),
  d: z.string(),
  p: z.string(),
  q: z.string(),
  dp: z.string(),
  dq: z.string(),
  qi: z.string(),
});
const privateJwk = z.discriminatedUnion("kty", [okpJwk, ecJwk, rsaJwk]);
/** The key type each algorithm signs with: an entry whose key does not fit its `alg` is refused. */
const KTY_OF: Record<SigningAlg, PrivateJwk["kty"]> = { EdDSA: "OKP", ES256: "EC", RS256: "RSA" };
/** RSA keys below this size are refused (RFC 7518 §3.3: 2048 bits or more); new ones are larger. */
export const RSA_MIN_BITS = 2048;
const RSA_NEW_BITS = 3072;
const sealedJwk = z.object({ alg: z.literal("A256GCM"), kek_id: z.string(), iv: z.string(), ciphertext: z.string(), tag: z.string() });
const keyEntry = z
  .object({
    environment: z.string().min(1),
    kid: z.string().min(1),
    alg: z.enum(SIGNING_ALGS).optional(),
    status: z.enum(["next", "active", "retiring", "retired"]),
    created_at: z.string(),
    retire_at: z.string().optional(),
    private_jwk: privateJwk.optional(),
    sealed_private_jwk: sealedJwk.optional(),
  })
  .refine((entry) => Boolean(entry.private_jwk) !== Boolean(entry.sealed_private_jwk), "needs exactly one of private_jwk, sealed_private_jwk")
  .refine((entry) => !entry.private_jwk || entry.private_jwk.kty === KTY_OF[entry.alg ?? DEFAULT_SIGNING_ALG], {
    message: "the private key's kty does not fit the entry's alg",
    path: ["private_jwk", "kty"],
  });
const keysFileSchema = z.object({ version: z.literal(1), keys: z.array(keyEntry) });

export type KeysFile = z.infer<typeof keysFileSchema>;
export type KeyEntry = KeysFile["keys"][number];
type PrivateJwk = z.infer<typeof privateJwk>;

export class KeysFileError extends Error {}

/** Reads and validates the keys file, without importing or decrypting any key. */
export async function readKeysFile(file: string): Promise<KeysFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw unreadableKeysFile(file, error);
  }
  return parseKeysFile(text, file);
}

/** Validates keys file text; `file` only names it in the message. */
export function parseKeysFile(text: string, file: string): KeysFile {
  try {
    return keysFileSchema.parse(JSON.parse(text));
  } catch (error) {
    // fileProblem names fields, never values: the content is private key material.
    throw new KeysFileError(`LOCKSMITH_KEYS_FILE: ${file} is not a valid Locksmith keys file (${fileProblem(error)})`);
  }
}

/** The error for a keys file that cannot be read at all (missing, no permission). */
export function unreadableKeysFile(file: string, error: unknown): KeysFileError {
  return new KeysFileError(`LOCKSMITH_KEYS_FILE: cannot read ${file} (${fileProblem(error)}); create it with \`npx locksmith keys generate\``);
}

/** Reads the keys file and imports every key that is not retired (decrypting sealed ones). */
export async function loadKeysFile(file: string, protector: KeyProtector = plainProtector): Promise<SigningKey[]> {
  const content = await readKeysFile(file);
  return importKeys(content, protector);
}

export async function importKeys(content: KeysFile, protector: KeyProtector): Promise<SigningKey[]> {
  const live = content.keys.filter((entry) => entry.status !== "retired");
  return Promise.all(
    live.map(async (entry) => {
      const alg = entry.alg ?? DEFAULT_SIGNING_ALG;
      const jwk = entry.private_jwk ?? (await openSealed(entry, protector));
      const privateKey = importPrivateKey(jwk, alg, entry.kid);
      const publicKey = createPublicKey(privateKey);
      const publicJwk: JWK = { ...(publicKey.export({ format: "jwk" }) as JWK), kid: entry.kid, alg, use: "sig" };
      const retireAt = entry.retire_at === undefined ? undefined : Date.parse(entry.retire_at);
      return { kid: entry.kid, environment: entry.environment, alg, status: entry.status as KeyStatus, privateKey, publicKey, publicJwk, retireAt };
    }),
  );
}

async function openSealed(entry: KeyEntry, protector: KeyProtector): Promise<PrivateJwk> {
  const parsed = privateJwk.safeParse(JSON.parse((await protector.open(entry.sealed_private_jwk!, aadOf(entry))).toString("utf8")));
  if (!parsed.success) throw new KeysFileError(`LOCKSMITH_KEYS_FILE: the sealed key ${entry.kid} is not a private key`);
  return parsed.data;
}

function importPrivateKey(jwk: PrivateJwk, alg: SigningAlg, kid: string): KeyObject {
  // Messages name the kid, never key material.
  if (jwk.kty !== KTY_OF[alg]) throw new KeysFileError(`LOCKSMITH_KEYS_FILE: key ${kid} is a ${jwk.kty} key, not one for ${alg}`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: "jwk" });
  } catch {
    throw new KeysFileError(`LOCKSMITH_KEYS_FILE: key ${kid} is not a valid ${jwk.kty} private key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (alg === "RS256" && bits < RSA_MIN_BITS)
    throw new KeysFileError(`LOCKSMITH_KEYS_FILE: RSA key ${kid} has ${bits} bits; at least ${RSA_MIN_BITS} are required`);
  return key;
}

/**
 * A fresh active key for each need (and a published `next` one with
 * `withNext`): an environment name stands for its EdDSA key, `keysNeeded(policy)`
 * gives every algorithm the policy's resource servers ask for.
 */
export async function generateKeys(
  needs: readonly (string | KeyNeed)[],
  now = new Date(),
  options: { protector?: KeyProtector; withNext?: boolean } = {},
): Promise<KeysFile> {
  const protector = options.protector ?? plainProtector;
  const statuses: Array<"active" | "next"> = options.withNext ? ["active", "next"] : ["active"];
  const keys = await Promise.all(
    asKeyNeeds(needs).flatMap((need) => statuses.map((status) => newKeyEntry(need.environment, status, now, protector, need.alg))),
  );
  return { version: 1, keys };
}

/** Adds an active key for every need that has none (dev mode); returns true if it wrote the file. */
export async function ensureKeys(file: string, wanted: readonly (string | KeyNeed)[]): Promise<boolean> {
  let current: KeysFile = { version: 1, keys: [] };
  try {
    current = keysFileSchema.parse(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new KeysFileError(`LOCKSMITH_KEYS_FILE: ${file} is not a valid Locksmith keys file (${fileProblem(error)})`);
  }
  const missing = asKeyNeeds(wanted).filter(
    (need) => !current.keys.some((k) => k.environment === need.environment && (k.alg ?? DEFAULT_SIGNING_ALG) === need.alg && k.status === "active"),
  );
  if (missing.length === 0) return false;
  const added = await generateKeys(missing);
  await writeKeysFile(file, { version: 1, keys: [...current.keys, ...added.keys] });
  return true;
}

/** Writes atomically (temp file + rename) with owner-only permissions: a reader sees the old file or the new one. */
export async function writeKeysFile(file: string, content: KeysFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

/**
 * A new key of `alg`; `kid` is its RFC 7638 thumbprint. Sealed when the
 * protector encrypts. Generated off the event loop (an RSA key takes a
 * noticeable moment), at start-up or rotation, never while issuing.
 */
export async function newKeyEntry(
  environment: string,
  status: "active" | "next",
  now: Date,
  protector: KeyProtector = plainProtector,
  alg: SigningAlg = DEFAULT_SIGNING_ALG,
): Promise<KeyEntry> {
  const { privateKey } = await generatePair(alg);
  const jwk = privateKey.export({ format: "jwk" }) as PrivateJwk;
  const kid = await calculateJwkThumbprint(createPublicKey(privateKey).export({ format: "jwk" }) as JWK);
  const base = { environment, kid, alg, status, created_at: now.toISOString() };
  if (!protector.encrypts) return { ...base, private_jwk: jwk };
  return { ...base, sealed_private_jwk: await protector.seal(Buffer.from(JSON.stringify(jwk)), aadOf(base)) };
}

const generate = promisify(generateKeyPair);
function generatePair(alg: SigningAlg): Promise<{ privateKey: KeyObject }> {
  if (alg === "ES256") return generate("ec", { namedCurve: "P-256" });
  if (alg === "RS256") return generate("rsa", { modulusLength: RSA_NEW_BITS });
  return generate("ed25519");
}

const aadOf = (entry: { environment: string; kid: string }) => `locksmith-key:${entry.environment}:${entry.kid}`;
