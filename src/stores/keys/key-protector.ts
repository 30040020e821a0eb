import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** A private key as it rests in the keys file when encrypted (AES-256-GCM). */
export interface SealedKey {
  readonly alg: "A256GCM";
  /** Which key encryption key sealed it, so a KMS-backed protector can pick its key. */
  readonly kek_id: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/**
 * Seals and opens private keys at rest. The seam for a cloud KMS: an
 * implementation whose `seal` asks the KMS to wrap a fresh data key (envelope
 * encryption) and whose `open` asks it to unwrap that key fits here, and
 * nothing else in Locksmith changes. `aad` binds a sealed key to its kid and
 * environment, so a ciphertext moved to another entry does not open.
 */
export interface KeyProtector {
  /** Whether keys written by this protector are encrypted. */
  readonly encrypts: boolean;
  seal(plaintext: Buffer, aad: string): Promise<SealedKey>;
  open(sealed: SealedKey, aad: string): Promise<Buffer>;
}

export class KeyProtectionError extends Error {}

/** No key encryption key configured: private keys rest in the file as JWKs (mode 0600). */
export const plainProtector: KeyProtector = {
  encrypts: false,
  async seal() {
    throw new KeyProtectionError("no key encryption key is configured (LOCKSMITH_KEYS_KEK)");
  },
  async open() {
    throw new KeyProtectionError("the keys file holds encrypted keys: set LOCKSMITH_KEYS_KEK to the key encryption key that sealed them");
  },
};

/**
 * AES-256-GCM with a 32-byte key encryption key from the environment
 * (`LOCKSMITH_KEYS_KEK`, base64). `kek_id` is given by the operator
 * (`LOCKSMITH_KEYS_KEK_ID`) so a KEK rotation can tell old from new.
 */
export function environmentKekProtector(kekBase64: string, kekId = "env"): KeyProtector {
  const kek = Buffer.from(kekBase64, "base64");
  if (kek.length !== 32) throw new KeyProtectionError("LOCKSMITH_KEYS_KEK must be 32 bytes, base64-encoded (`openssl rand -base64 32`)");
  return {
    encrypts: true,
    async seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", kek, iv).setAAD(Buffer.from(aad));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        alg: "A256GCM",
        kek_id: kekId,
        iv: iv.toString("base64url"),
        ciphertext: ciphertext.toString("base64url"),
        tag: cipher.getAuthTag().toString("base64url"),
      };
    },
    async open(sealed, aad) {
      try {
        const decipher = createDecipheriv("aes-256-gcm", kek, Buffer.from(sealed.iv, "base64url")).setAAD(Buffer.from(aad));
        decipher.setAuthTag(Buffer.from(sealed.tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64url")), decipher.final()]);
      } catch {
        throw new KeyProtectionError(`cannot decrypt a signing key sealed by KEK "${sealed.kek_id}": wrong LOCKSMITH_KEYS_KEK or altered file`);
      }
    },
  };
}
