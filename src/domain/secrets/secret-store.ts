/** A data key sealed by the key encryption key (the `KeyProtector`'s output). */
export interface WrappedKey {
  readonly alg: "A256GCM";
  readonly kek_id: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/**
 * Wraps and unwraps data keys with the key encryption key. `KeyProtector`
 * (stores/keys) is one; a cloud KMS is another. `aad` must match on open.
 */
export interface KeyWrapper {
  readonly encrypts: boolean;
  seal(plaintext: Buffer, aad: string): Promise<WrappedKey>;
  open(sealed: WrappedKey, aad: string): Promise<Buffer>;
}

/** Who holds a secret: the platform team, or (connected accounts) a person. */
export const PLATFORM_OWNER = "platform";

/** One upstream secret as it rests: envelope-encrypted, never a plaintext value. */
export interface SealedSecret {
  readonly id: string;
  readonly upstream: string;
  readonly owner: string;
  /** 1 when put, +1 on each rotation. */
  readonly version: number;
  readonly wrappedKey: WrappedKey;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The admin (or person) who last wrote it. */
  readonly updatedBy: string;
}

/** What may be shown about a secret: everything but its sealed bytes. */
export type SecretMetadata = Pick<SealedSecret, "upstream" | "owner" | "version" | "createdAt" | "updatedAt" | "updatedBy"> & { readonly kekId: string };

/**
 * Where sealed secrets rest (PostgreSQL in production, memory in tests and
 * dev mode). One secret per (upstream, owner). Every method is atomic; none
 * ever sees a plaintext value.
 */
export interface SecretStore {
  /** Adds a secret; false (and nothing changed) when (upstream, owner) already has one. */
  create(secret: SealedSecret): Promise<boolean>;
  /** Replaces the secret of (upstream, owner) only if its version is still `expectedVersion`; false otherwise. */
  replace(secret: SealedSecret, expectedVersion: number): Promise<boolean>;
  get(upstream: string, owner: string): Promise<SealedSecret | undefined>;
  /** Removes it; false when there was none. Idempotent. */
  delete(upstream: string, owner: string): Promise<boolean>;
  /** Every secret, sorted by upstream then owner. */
  list(): Promise<SealedSecret[]>;
}

export const metadataOf = (secret: SealedSecret): SecretMetadata => ({
  upstream: secret.upstream,
  owner: secret.owner,
  version: secret.version,
  createdAt: secret.createdAt,
  updatedAt: secret.updatedAt,
  updatedBy: secret.updatedBy,
  kekId: secret.wrappedKey.kek_id,
});
