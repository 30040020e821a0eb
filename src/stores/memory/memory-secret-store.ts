import type { SealedSecret, SecretStore } from "../../domain/secrets/secret-store";

/** Sealed secrets in process memory (tests): same contract as PostgreSQL. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, SealedSecret>();

  async create(secret: SealedSecret): Promise<boolean> {
    const key = keyOf(secret.upstream, secret.owner);
    if (this.secrets.has(key)) return false;
    this.secrets.set(key, copy(secret));
    return true;
  }

  async replace(secret: SealedSecret, expectedVersion: number): Promise<boolean> {
    const key = keyOf(secret.upstream, secret.owner);
    if (this.secrets.get(key)?.version !== expectedVersion) return false;
    this.secrets.set(key, copy(secret));
    return true;
  }

  async get(upstream: string, owner: string): Promise<SealedSecret | undefined> {
    const secret = this.secrets.get(keyOf(upstream, owner));
    return secret && copy(secret);
  }

  async delete(upstream: string, owner: string): Promise<boolean> {
    return this.secrets.delete(keyOf(upstream, owner));
  }

  async list(): Promise<SealedSecret[]> {
    return [...this.secrets.values()].map(copy).sort((a, b) => a.upstream.localeCompare(b.upstream) || a.owner.localeCompare(b.owner));
  }
}

const keyOf = (upstream: string, owner: string) => JSON.stringify([upstream, owner]);
// Copies, so a caller mutating a buffer cannot change what rests (as with a database).
const copy = (secret: SealedSecret): SealedSecret => ({
  ...secret,
  iv: Buffer.from(secret.iv),
  ciphertext: Buffer.from(secret.ciphertext),
  tag: Buffer.from(secret.tag),
});
