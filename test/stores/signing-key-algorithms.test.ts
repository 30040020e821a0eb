import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/telemetry/logger";
import { plainProtector } from "../../src/stores/keys/key-protector";
import { KeysFileStore } from "../../src/stores/keys/keys-file-store";
import { generateKeys, importKeys, KeysFileError, parseKeysFile, readKeysFile, writeKeysFile } from "../../src/stores/keys/keys-file";
import { JWKS_MAX_AGE_SECONDS } from "../../src/domain/keys/rotation";

// The keys file holds one key set per environment and algorithm: a rotation moves them together and
// adds the one a resource server newly asks for; a key that does not fit its algorithm is refused.

const T0 = Date.parse("2026-11-29T12:00:00Z");
const fileIn = () => join(mkdtempSync(join(tmpdir(), "locksmith-algs-")), "keys.json");
const open = (file: string, now: number, environments: Parameters<typeof KeysFileStore.open>[0]["environments"]) =>
  KeysFileStore.open({ file, protector: plainProtector, environments, clock: { now: () => now }, logger: createLogger("silent"), pollMs: 0 });

test("a rotation adds the key of a newly needed algorithm, which then signs and is published with its alg", async () => {
  const file = fileIn();
  await writeKeysFile(file, await generateKeys(["production"], new Date(T0)));
  const store = await open(file, T0, ["production"]);

  const summary = await store.rotate("production", { now: new Date(T0), longestLifetimeSeconds: 900, algorithms: ["EdDSA", "RS256"] });
  await store.refresh();

  expect(summary.algorithms.map((step) => [step.alg, step.outcome])).toEqual([
    ["EdDSA", "next_published"],
    ["RS256", "added"],
  ]);
  const rs256 = store.ring.signingKey("production", "RS256")!;
  expect(rs256.kid).toBe(summary.algorithms[1].activated);
  expect(rs256.privateKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  expect(store.ring.jwks.keys.find((jwk) => jwk.kid === rs256.kid)).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB" });
  expect((await readKeysFile(file)).keys.map((k) => [k.alg, k.status])).toEqual([
    ["EdDSA", "active"],
    ["EdDSA", "next"],
    ["RS256", "active"],
  ]);
  store.close();
}, 60_000);

test("the algorithms of an environment rotate together, each next key becoming active", async () => {
  const file = fileIn();
  const needs = [
    { environment: "production", alg: "EdDSA" as const },
    { environment: "production", alg: "ES256" as const },
  ];
  await writeKeysFile(file, await generateKeys(needs, new Date(T0), { withNext: true }));
  const later = T0 + JWKS_MAX_AGE_SECONDS * 1000;
  const store = await open(file, later, needs);
  const nextKids = (await readKeysFile(file)).keys.filter((k) => k.status === "next").map((k) => k.kid);

  await store.rotate("production", { now: new Date(later), longestLifetimeSeconds: 900 });
  await store.refresh();

  expect([store.ring.signingKey("production", "EdDSA")?.kid, store.ring.signingKey("production", "ES256")?.kid]).toEqual(nextKids);
  expect(store.ring.published.map((k) => `${k.alg}:${k.status}`).sort()).toEqual([
    "ES256:active",
    "ES256:next",
    "ES256:retiring",
    "EdDSA:active",
    "EdDSA:next",
    "EdDSA:retiring",
  ]);
  store.close();
}, 60_000);

test("a keys file without a key the policy needs is refused, naming the environment and algorithm", async () => {
  const file = fileIn();
  await writeKeysFile(file, await generateKeys(["production"], new Date(T0)));

  await expect(open(file, T0, [{ environment: "production", alg: "ES256" }])).rejects.toThrow("no active key for environment(s) production (ES256)");
});

describe("a key that does not fit its algorithm is refused, naming the kid and never key material", () => {
  const entry = (alg: string, private_jwk: object) =>
    JSON.stringify({ version: 1, keys: [{ environment: "production", kid: "k1", alg, status: "active", created_at: "2026-11-29T12:00:00Z", private_jwk }] });

  test("an RSA key of 1024 bits", async () => {
    const jwk = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "jwk" });
    const error = await importKeys(parseKeysFile(entry("RS256", jwk), "keys.json"), plainProtector).catch((e: Error) => e);

    expect(error).toBeInstanceOf(KeysFileError);
    expect((error as Error).message).toBe("LOCKSMITH_KEYS_FILE: RSA key k1 has 1024 bits; at least 2048 are required");
  });

  test("an Ed25519 key labelled RS256", async () => {
    const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });

    expect(() => parseKeysFile(entry("RS256", jwk), "keys.json")).toThrow(/keys\.json is not a valid Locksmith keys file/);
    expect(() => parseKeysFile(entry("RS256", jwk), "keys.json")).not.toThrow(jwk.d!);
  });

  test("an EC key of another curve", async () => {
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ format: "jwk" });

    expect(() => parseKeysFile(entry("ES256", jwk), "keys.json")).toThrow(KeysFileError);
  });
});

test("a keys file from before algorithms (no alg) still loads as EdDSA", async () => {
  const file = fileIn();
  const content = await generateKeys(["production"], new Date(T0));
  await writeKeysFile(file, { version: 1, keys: content.keys.map(({ alg: _alg, ...rest }) => rest) });
  expect(await readFile(file, "utf8")).not.toContain('"alg"');

  const store = await open(file, T0, ["production"]);

  expect(store.ring.signingKey("production", "EdDSA")?.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
  store.close();
});
