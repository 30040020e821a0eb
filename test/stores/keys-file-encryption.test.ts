import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { environmentKekProtector, KeyProtectionError } from "../../src/stores/keys/key-protector";
import { generateKeys, loadKeysFile, writeKeysFile } from "../../src/stores/keys/keys-file";

// Private keys at rest: sealed with AES-256-GCM under a key encryption key from the environment.

const KEK = Buffer.alloc(32, 1).toString("base64");
const OTHER_KEK = Buffer.alloc(32, 2).toString("base64");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-kek-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a sealed keys file holds no private key in the clear and loads with the KEK", async () => {
  const file = join(dir, "keys.json");
  const content = await generateKeys(["production"], new Date(), { protector: environmentKekProtector(KEK, "kek-2026"), withNext: true });
  await writeKeysFile(file, content);

  const text = readFileSync(file, "utf8");
  expect(text).not.toContain('"d"');
  expect(text).not.toContain('"private_jwk"');
  expect(JSON.parse(text).keys[0].sealed_private_jwk).toMatchObject({ alg: "A256GCM", kek_id: "kek-2026" });
  const keys = await loadKeysFile(file, environmentKekProtector(KEK, "kek-2026"));
  expect(keys.map((k) => k.status)).toEqual(["active", "next"]);
  expect(keys[0].privateKey.asymmetricKeyType).toBe("ed25519");
});

test("the wrong KEK, no KEK, or a ciphertext moved to another entry does not open", async () => {
  const file = join(dir, "keys.json");
  const content = await generateKeys(["production", "staging"], new Date(), { protector: environmentKekProtector(KEK) });
  await writeKeysFile(file, content);

  await expect(loadKeysFile(file, environmentKekProtector(OTHER_KEK))).rejects.toThrow(/wrong LOCKSMITH_KEYS_KEK or altered file/);
  await expect(loadKeysFile(file)).rejects.toThrow(/set LOCKSMITH_KEYS_KEK/);
  const [a, b] = content.keys;
  await writeKeysFile(file, { version: 1, keys: [{ ...a, sealed_private_jwk: b.sealed_private_jwk }, b] });
  await expect(loadKeysFile(file, environmentKekProtector(KEK))).rejects.toThrow(KeyProtectionError);
});

test("a KEK that is not 32 bytes is refused", () => {
  expect(() => environmentKekProtector(Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/);
});
