import { StoreUnavailableError } from "../../domain/errors";
import type { SealedSecret, SecretStore, WrappedKey } from "../../domain/secrets/secret-store";
import type { PrismaClient } from "./prisma-client";

type Row = Awaited<ReturnType<PrismaClient["upstreamSecret"]["findFirst"]>> & object;

/** Sealed secrets in PostgreSQL (`upstream_secrets`); a database fault is a 503, never a partial write. */
export class PrismaSecretStore implements SecretStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(secret: SealedSecret): Promise<boolean> {
    const inserted = await this.run(
      () =>
        this.prisma
          .$executeRaw`INSERT INTO "upstream_secrets" ("id", "upstream", "owner", "version", "wrapped_key", "iv", "ciphertext", "tag", "created_at", "updated_at", "updated_by")
        VALUES (${secret.id}::uuid, ${secret.upstream}, ${secret.owner}, ${secret.version}, ${JSON.stringify(secret.wrappedKey)}::jsonb, ${secret.iv}, ${secret.ciphertext}, ${secret.tag}, ${secret.createdAt}, ${secret.updatedAt}, ${secret.updatedBy})
        ON CONFLICT ("upstream", "owner") DO NOTHING`,
    );
    return inserted === 1;
  }

  async replace(secret: SealedSecret, expectedVersion: number): Promise<boolean> {
    const { count } = await this.run(() =>
      this.prisma.upstreamSecret.updateMany({
        where: { upstream: secret.upstream, owner: secret.owner, version: expectedVersion },
        data: {
          version: secret.version,
          wrappedKey: { ...secret.wrappedKey },
          iv: new Uint8Array(secret.iv),
          ciphertext: new Uint8Array(secret.ciphertext),
          tag: new Uint8Array(secret.tag),
          updatedAt: secret.updatedAt,
          updatedBy: secret.updatedBy,
        },
      }),
    );
    return count === 1;
  }

  async get(upstream: string, owner: string): Promise<SealedSecret | undefined> {
    const row = await this.run(() => this.prisma.upstreamSecret.findUnique({ where: { upstream_owner: { upstream, owner } } }));
    return row ? toSecret(row) : undefined;
  }

  async delete(upstream: string, owner: string): Promise<boolean> {
    const { count } = await this.run(() => this.prisma.upstreamSecret.deleteMany({ where: { upstream, owner } }));
    return count === 1;
  }

  async list(): Promise<SealedSecret[]> {
    const rows = await this.run(() => this.prisma.upstreamSecret.findMany({ orderBy: [{ upstream: "asc" }, { owner: "asc" }] }));
    return rows.map(toSecret);
  }

  private async run<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw new StoreUnavailableError("the secret store", error);
    }
  }
}

function toSecret(row: Row): SealedSecret {
  return {
    id: row.id,
    upstream: row.upstream,
    owner: row.owner,
    version: row.version,
    wrappedKey: row.wrappedKey as unknown as WrappedKey,
    iv: Buffer.from(row.iv),
    ciphertext: Buffer.from(row.ciphertext),
    tag: Buffer.from(row.tag),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}
