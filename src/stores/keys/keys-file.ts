import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { calculateJwkThumbprint, type JWK } from "jose";
import { z } from "zod";
import type { KeyStatus, SigningKey } from "../../domain/keys/key-ring";
import { plainProtector, type KeyProtector } from "./key-protector";
import { fileProblem } from "../../config/startup-problem";

/**
 * The signing keys file (`LOCKSMITH_KEYS_FILE`): every replica reads the same
 * file, so all sign with the same keys, and each replica re-reads it when it
 * changes (rotation). It holds private keys, as JWKs or sealed with a key
 * encryption key (`sealed_private_jwk`); it is written with mode 0600 and its
 * content is never logged or served.
 *
 * ```json
 * { "version": 1, "keys": [ { "environment": "production", "kid": "…", "status": "active",
 *     "created_at": "2026-11-21T00:00:00Z", "private_jwk": { "kty": "OKP", "crv": "Ed25519", "x": "…", "d": "…" } } ] }
 * ```
 */
const privateJwk = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), d: z.string() });
const sealedJwk = z.object({ alg: z.literal("A256GCM"), kek_id: z.string(), iv: z.string(), ciphertext: z.string(), tag: z.string() });
const keyEntry = z
  .object({
    environment: z.string().min(1),
    kid: z.string().min(1),
    status: z.enum(["next", "active", "retiring", "retired"]),
    created_at: z.string(),
    retire_at: z.string().optional(),
    private_jwk: privateJwk.optional(),
    sealed_private_jwk: sealedJwk.optional(),
  })
  .refine((entry) => Boolean(entry.private_jwk) !== Boolean(entry.sealed_private_jwk), "needs exactly one of private_jwk, sealed_private_jwk");
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
      const jwk = entry.private_jwk ?? (JSON.parse((await protector.open(entry.sealed_private_jwk!, aadOf(entry))).toString("utf8")) as PrivateJwk);
      const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
      const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: entry.kid, alg: "EdDSA", use: "sig" };
      const retireAt = entry.retire_at === undefined ? undefined : Date.parse(entry.retire_at);
      return { kid: entry.kid, environment: entry.environment, status: entry.status as KeyStatus, privateKey, publicJwk, retireAt };
    }),
  );
}

/** A fresh active Ed25519 key for each environment (and a published `next` one with `withNext`). */
export async function generateKeys(
  environments: readonly string[],
  now = new Date(),
  options: { protector?: KeyProtector; withNext?: boolean } = {},
): Promise<KeysFile> {
  const protector = options.protector ?? plainProtector;
  const statuses: Array<"active" | "next"> = options.withNext ? ["active", "next"] : ["active"];
  const keys = await Promise.all(environments.flatMap((environment) => statuses.map((status) => newKeyEntry(environment, status, now, protector))));
  return { version: 1, keys };
}

/** Adds an active key for every environment that has none (dev mode); returns true if it wrote the file. */
export async function ensureKeys(file: string, environments: readonly string[]): Promise<boolean> {
  let current: KeysFile = { version: 1, keys: [] };
  try {
    current = keysFileSchema.parse(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new KeysFileError(`LOCKSMITH_KEYS_FILE: ${file} is not a valid Locksmith keys file (${fileProblem(error)})`);
  }
  const missing = environments.filter((env) => !current.keys.some((k) => k.environment === env && k.status === "active"));
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

/** A new Ed25519 key; `kid` is its RFC 7638 thumbprint. Sealed when the protector encrypts. */
export async function newKeyEntry(environment: string, status: "active" | "next", now: Date, protector: KeyProtector = plainProtector): Promise<KeyEntry> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as PrivateJwk;
  const kid = await calculateJwkThumbprint(createPublicKey(privateKey).export({ format: "jwk" }) as JWK);
  const base = { environment, kid, status, created_at: now.toISOString() };
  if (!protector.encrypts) return { ...base, private_jwk: jwk };
  return { ...base, sealed_private_jwk: await protector.seal(Buffer.from(JSON.stringify(jwk)), aadOf(base)) };
}

const aadOf = (entry: { environment: string; kid: string }) => `locksmith-key:${entry.environment}:${entry.kid}`;
