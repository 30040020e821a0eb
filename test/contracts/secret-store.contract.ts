import { randomBytes, randomUUID } from "node:crypto";
import type { SealedSecret, SecretStore } from "../../src/domain/secrets/secret-store";

export interface SecretStoreFixture {
  readonly store: SecretStore;
  close(): Promise<void>;
}

/** A sealed-looking record (the store never opens it, so random bytes do). */
export function sealedRecord(upstream: string, owner = "platform", version = 1): SealedSecret {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    id: randomUUID(),
    upstream,
    owner,
    version,
    wrappedKey: { alg: "A256GCM", kek_id: "test-kek", iv: "aXY", ciphertext: "Y3Q", tag: "dGFn" },
    iv: randomBytes(12),
    ciphertext: randomBytes(40),
    tag: randomBytes(16),
    createdAt: now,
    updatedAt: now,
    updatedBy: "security-oncall",
  };
}

/** The guarantees every SecretStore gives, run against PostgreSQL and memory alike. */
export function describeSecretStoreContract(name: string, factory: () => Promise<SecretStoreFixture>): void {
  describe(`${name} (SecretStore contract)`, () => {
    let fixture: SecretStoreFixture;
    let store: SecretStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());
    const upstream = () => `up-${randomBytes(4).toString("hex")}`;

    test("gives back exactly what was created, bytes and all", async () => {
      const secret = sealedRecord(upstream());
      expect(await store.create(secret)).toBe(true);
      expect(await store.get(secret.upstream, secret.owner)).toEqual(secret);
    });

    test("refuses a second secret for the same upstream and owner, and keeps the first", async () => {
      const first = sealedRecord(upstream());
      await store.create(first);
      expect(await store.create({ ...sealedRecord(first.upstream), owner: first.owner })).toBe(false);
      expect((await store.get(first.upstream, first.owner))?.id).toBe(first.id);
    });

    test("keeps one secret per owner of an upstream apart", async () => {
      const up = upstream();
      const platform = sealedRecord(up, "platform");
      const mary = sealedRecord(up, "user:mary");
      await store.create(platform);
      await store.create(mary);
      expect((await store.get(up, "platform"))?.id).toBe(platform.id);
      expect((await store.get(up, "user:mary"))?.id).toBe(mary.id);
    });

    test("replaces only from the expected version", async () => {
      const first = sealedRecord(upstream());
      await store.create(first);
      const next = { ...first, version: 2, ciphertext: randomBytes(40) };
      expect(await store.replace(next, 2)).toBe(false);
      expect((await store.get(first.upstream, first.owner))?.version).toBe(1);
      expect(await store.replace(next, 1)).toBe(true);
      expect(await store.get(first.upstream, first.owner)).toEqual(next);
      expect(await store.replace({ ...next, version: 3 }, 1)).toBe(false);
    });

    test("replacing a secret that does not exist changes nothing", async () => {
      const ghost = sealedRecord(upstream());
      expect(await store.replace(ghost, 1)).toBe(false);
      expect(await store.get(ghost.upstream, ghost.owner)).toBeUndefined();
    });

    test("deletes idempotently", async () => {
      const secret = sealedRecord(upstream());
      await store.create(secret);
      expect(await store.delete(secret.upstream, secret.owner)).toBe(true);
      expect(await store.delete(secret.upstream, secret.owner)).toBe(false);
      expect(await store.get(secret.upstream, secret.owner)).toBeUndefined();
    });

    test("lists every secret sorted by upstream", async () => {
      const names = [upstream(), upstream(), upstream()];
      for (const up of names) await store.create(sealedRecord(up));
      const listed = (await store.list()).map((s) => s.upstream).filter((up) => names.includes(up));
      expect(listed).toEqual([...names].sort());
    });

    test("a caller changing a buffer it got back does not change what rests", async () => {
      const secret = sealedRecord(upstream());
      await store.create(secret);
      const copy = Buffer.from(secret.ciphertext);
      (await store.get(secret.upstream, secret.owner))!.ciphertext.fill(0);
      expect((await store.get(secret.upstream, secret.owner))!.ciphertext).toEqual(copy);
    });
  });
}
