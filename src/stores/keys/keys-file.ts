import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { calculateJwkThumbprint, type JWK } from "jose";
import { z } from "zod";
import type { KeyStatus, SigningKey } from "../../domain/keys/key-ring";

/**
 * The signing keys file (`LOCKSMITH_KEYS_FILE`): every replica reads the same
 * file, so all sign with the same keys. It holds private keys: it is written
 * with mode 0600 and its content is never logged or served.
 *
 * ```json
 * { "version": 1, "keys": [ { "environment": "production", "kid": "…", "status": "active",
 *     "created_at": "2026-11-21T00:00:00Z", "private_jwk": { "kty": "OKP", "crv": "Ed25519", "x": "…", "d": "…" } } ] }
 * ```
 */
const keysFileSchema = z.object({
  version: z.literal(1),
  keys: z.array(
    z.object({
      environment: z.string().min(1),
      kid: z.string().min(1),
      status: z.enum(["next", "active", "retiring", "retired"]),
      created_at: z.string(),
      private_jwk: z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), d: z.string() }),
    }),
  ),
});

export type KeysFile = z.infer<typeof keysFileSchema>;

export class KeysFileError extends Error {}

/** Reads the keys file and imports every key once. */
export async function loadKeysFile(file: string): Promise<SigningKey[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new KeysFileError(`cannot read LOCKSMITH_KEYS_FILE ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}; create it with \`npx locksmith keys generate\``);
  }
  let parsed: KeysFile;
  try {
    parsed = keysFileSchema.parse(JSON.parse(text));
  } catch {
    // Never include the content in the message: it is private key material.
    throw new KeysFileError(`LOCKSMITH_KEYS_FILE ${file} is not a valid Locksmith keys file`);
  }
  return parsed.keys.map((entry) => {
    const privateKey = createPrivateKey({ key: entry.private_jwk, format: "jwk" });
    const { kty, crv, x } = entry.private_jwk;
    const publicJwk: JWK = { kty, crv, x, kid: entry.kid, alg: "EdDSA", use: "sig" };
    return { kid: entry.kid, environment: entry.environment, status: entry.status as KeyStatus, privateKey, publicJwk };
  });
}

/** A fresh active Ed25519 key for each environment; `kid` is its RFC 7638 thumbprint. */
export async function generateKeys(environments: readonly string[], now = new Date()): Promise<KeysFile> {
  const keys = await Promise.all(environments.map((environment) => newKeyEntry(environment, now)));
  return { version: 1, keys };
}

/** Adds an active key for every environment that has none (dev mode); returns true if it wrote the file. */
export async function ensureKeys(file: string, environments: readonly string[]): Promise<boolean> {
  let current: KeysFile = { version: 1, keys: [] };
  try {
    current = keysFileSchema.parse(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new KeysFileError(`${file} is not a valid Locksmith keys file`);
  }
  const missing = environments.filter((env) => !current.keys.some((k) => k.environment === env && k.status === "active"));
  if (missing.length === 0) return false;
  const added = await generateKeys(missing);
  await writeKeysFile(file, { version: 1, keys: [...current.keys, ...added.keys] });
  return true;
}

/** Writes atomically (temp file + rename) with owner-only permissions. */
export async function writeKeysFile(file: string, content: KeysFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

async function newKeyEntry(environment: string, now: Date): Promise<KeysFile["keys"][number]> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as { kty: "OKP"; crv: "Ed25519"; x: string; d: string };
  const kid = await calculateJwkThumbprint(createPublicKey(privateKey).export({ format: "jwk" }) as JWK);
  return { environment, kid, status: "active", created_at: now.toISOString(), private_jwk: jwk };
}
