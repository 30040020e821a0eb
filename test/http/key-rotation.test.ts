import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet } from "jose";
import request from "supertest";
import { longestCredentialLifetime, RETIRE_SKEW_SECONDS } from "../../src/domain/keys/rotation";
import { expectError, LocksmithApi, type IssuedBody } from "../support/locksmith-api";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { EXAMPLE_POLICY } from "../support/principals";

// Rotation under load, across two replicas sharing one keys file: tokens signed before, during and
// after a rotation all verify at a resource server using the JWKS until they expire; once a retiring
// key's last credential has expired the key leaves the JWKS, and nothing it signed verifies any more.

const CLI = resolve(__dirname, "..", "..", "dist", "cli", "main.js");
const execFileAsync = promisify(execFile);
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
let first: LocksmithUnderTest;
let second: LocksmithUnderTest;
let a: LocksmithApi;
let b: LocksmithApi;
beforeAll(async () => {
  const settings = { LOCKSMITH_KEYS_POLL_SECONDS: "0.1" };
  first = await startLocksmith({ settings, clock });
  second = await startLocksmith({ replicaOf: first, settings, clock });
  a = new LocksmithApi(first);
  b = new LocksmithApi(second);
});
afterAll(async () => {
  await second.close();
  await first.close();
});

const jwksOf = async (sut: LocksmithUnderTest): Promise<JSONWebKeySet> => (await request(sut.locksmith.http).get("/.well-known/jwks.json")).body;
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const rotate = async (api: LocksmithApi, body: object) =>
  request(api.app)
    .post("/v1/admin/keys/rotate")
    .set(await api.headers("security-oncall"))
    .send(body);

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

/** Issues credentials alternately from both replicas until `stop()`. */
function issueUnderLoad(): { stop(): Promise<IssuedBody[]> } {
  const issued: IssuedBody[] = [];
  let running = true;
  const loop = async (api: LocksmithApi) => {
    while (running) issued.push(await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" }));
  };
  const loops = [loop(a), loop(b), loop(a), loop(b)];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return issued;
    },
  };
}

test("tokens signed before, during and after a rotation verify with the JWKS; the retired key's stop verifying", async () => {
  const before = first.locksmith.keys.signingKey("production")!.kid;
  const load = issueUnderLoad();

  const published = await rotate(a, { environment: "production" });
  expect(published.status).toBe(200);
  expect(published.body).toMatchObject({ environment: "production", outcome: "next_published", activated: null });
  const next = published.body.next as string;
  await eventually(async () => (await jwksOf(second)).keys.some((k) => k.kid === next), "the other replica publishes the next key");
  expect(second.locksmith.keys.signingKey("production")!.kid).toBe(before);

  // Promoting a key published seconds ago is refused: verifiers may have cached the JWKS without it.
  expectError(await rotate(b, { environment: "production" }), 400, "invalid_request");
  const rotated = await rotate(b, { environment: "production", force: true });
  expect(rotated.body).toMatchObject({ outcome: "rotated", activated: next, retiring: before });
  await eventually(
    () => first.locksmith.keys.signingKey("production")!.kid === next && second.locksmith.keys.signingKey("production")!.kid === next,
    "both replicas sign with the new key",
  );
  await new Promise((r) => setTimeout(r, 200));
  const issued = await load.stop();

  const kids = new Set(issued.map((c) => kidOf(c.credential)));
  expect(kids).toEqual(new Set([before, next]));
  const jwks = createLocalJWKSet(await jwksOf(first));
  for (const credential of issued) {
    const { payload } = await jwtVerify(credential.credential, jwks, { issuer: TEST_ISSUER, audience: "https://crm.example.com", typ: "at+jwt" });
    expect(payload.jti).toBe(credential.jti);
  }
  const redeemedOld = issued.find((c) => kidOf(c.credential) === before)!;
  expect((await b.redeem("crm-prod", { credential: redeemedOld.credential })).body).toMatchObject({ active: true });

  // Past the longest credential lifetime (+ skew) the retiring key leaves the JWKS on every replica.
  const policy = first.locksmith.policy;
  const retireAt = Date.parse(rotated.body.retire_at);
  expect(retireAt - Date.now()).toBeGreaterThanOrEqual((longestCredentialLifetime(policy) + RETIRE_SKEW_SECONDS - 60) * 1000);
  offsetMs = retireAt - Date.now() + 1000;
  await eventually(
    async () => !(await jwksOf(second)).keys.some((k) => k.kid === before) && !(await jwksOf(first)).keys.some((k) => k.kid === before),
    "the retired key leaves the JWKS",
  );
  const after = createLocalJWKSet(await jwksOf(second));
  for (const credential of issued.filter((c) => kidOf(c.credential) === before)) {
    const verifying = jwtVerify(credential.credential, after, {
      issuer: TEST_ISSUER,
      audience: "https://crm.example.com",
      currentDate: new Date(Date.parse(credential.expires_at) - 1000),
    });
    await expect(verifying).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  }
  offsetMs = 0;

  const rows = await a.ledger({ type: "key_rotated" });
  expect(rows.map((row) => [row.actor, row.environment, row.detail?.outcome])).toEqual([
    ["security-oncall", "production", "next_published"],
    ["security-oncall", "production", "rotated"],
  ]);
  expect(rows[1].detail).toMatchObject({ activated: next, retiring: before });
});

test("only an admin may rotate, and only an environment of the policy", async () => {
  const res = await request(a.app)
    .post("/v1/admin/keys/rotate")
    .set(await a.headers("support-agent"))
    .send({ environment: "production" });
  expectError(res, 403, "permission_denied");
  expectError(await rotate(a, { environment: "moon" }), 400, "invalid_request");
  expectError(await rotate(a, { environment: "staging", extra: 1 }), 400, "invalid_request");
});

test("`locksmith keys rotate` rotates the shared file, records key_rotated, and the replicas pick it up", async () => {
  const env = { ...process.env, DATABASE_URL: first.database.url, LOCKSMITH_KEYS_FILE: first.keysFile, LOCKSMITH_POLICY: EXAMPLE_POLICY };

  const { stdout } = await execFileAsync("node", [CLI, "keys", "rotate", "--env", "staging"], { env });

  expect(stdout).toMatch(/^staging EdDSA: \S+ published as next/);
  const next = stdout.split(" ")[2];
  await eventually(
    async () => (await jwksOf(first)).keys.some((k) => k.kid === next) && (await jwksOf(second)).keys.some((k) => k.kid === next),
    "both replicas publish the CLI's next key",
  );
  const refused = await execFileAsync("node", [CLI, "keys", "rotate", "--env", "staging"], { env }).catch((error) => error);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/published \d+s ago; verifiers may cache the JWKS for 300s/);
  const rows = await a.ledger({ type: "key_rotated" });
  expect(rows.filter((row) => row.environment === "staging").map((row) => row.actor)).toEqual([expect.stringMatching(/^cli:/)]);
});
