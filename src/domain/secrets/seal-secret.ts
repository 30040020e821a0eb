import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KeyWrapper, SealedSecret } from "./secret-store";

/**
 * The associated data of a secret: its id, owner, upstream and version, so a
 * sealed value (or its wrapped data key) moved to another row, owner or
 * upstream, or an older version written back over a rotation, does not open.
 * The format is versioned (`v2`) so the binding can change without ambiguity.
 */
export const secretAad = (id: string, owner: string, upstream: string, version: number) => `locksmith-secret:v2\n${id}\n${owner}\n${upstream}\n${version}`;

type Sealable = Pick<SealedSecret, "id" | "owner" | "upstream" | "version">;

/**
 * Envelope encryption: a fresh 256-bit data key per secret (and per
 * rotation) encrypts the value with AES-256-GCM; the KEK wraps the data key.
 * The data key never rests unwrapped.
 */
export async function sealSecret(wrapper: KeyWrapper, where: Sealable, value: Buffer): Promise<Pick<SealedSecret, "wrappedKey" | "iv" | "ciphertext" | "tag">> {
  const aad = secretAad(where.id, where.owner, where.upstream, where.version);
  const dataKey = randomBytes(32);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", dataKey, iv).setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(value), cipher.final()]);
    return { wrappedKey: await wrapper.seal(dataKey, aad), iv, ciphertext, tag: cipher.getAuthTag() };
  } finally {
    dataKey.fill(0);
  }
}

export class SecretUnsealError extends Error {}

/** Opens a sealed secret; throws SecretUnsealError when the KEK is wrong or any byte or binding was altered. */
export async function openSecret(wrapper: KeyWrapper, secret: SealedSecret): Promise<Buffer> {
  const aad = secretAad(secret.id, secret.owner, secret.upstream, secret.version);
  let dataKey: Buffer;
  try {
    dataKey = await wrapper.open(secret.wrappedKey, aad);
  } catch {
    throw new SecretUnsealError(`the data key of the ${secret.upstream} secret does not open (wrong KEK, or the row was altered or moved)`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", dataKey, secret.iv).setAAD(Buffer.from(aad));
    decipher.setAuthTag(secret.tag);
    return Buffer.concat([decipher.update(secret.ciphertext), decipher.final()]);
  } catch {
    throw new SecretUnsealError(`the ${secret.upstream} secret does not open (its ciphertext was altered or moved)`);
  } finally {
    dataKey.fill(0);
  }
}
