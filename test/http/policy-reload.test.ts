import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { expectError, LocksmithApi, sleep } from "../support/locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";
import { findEvents } from "../support/find-events";

const READ = { scope: "crm:read", resource: "crm:customers/42" };
const ORIGINAL = readFileSync(COMPANY_POLICY, "utf8");
/** The same rules with other bytes: a new version that decides alike. */
const SAME_RULES = `${ORIGINAL}\n# reformatted\n`;
/** support-agent may now read for 10 minutes. */
const LONGER_READS = ORIGINAL.replace('resources: ["crm:customers/*"]\n        max_ttl: 5m', 'resources: ["crm:customers/*"]\n        max_ttl: 10m');

describe("hot reload of the policy bundle", () => {
  let dir: string;
  let file: string;
  let sut: LocksmithUnderTest;
  let api: LocksmithApi;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "locksmith-reload-"));
    file = join(dir, "policy.yaml");
    copyFileSync(COMPANY_POLICY, file);
    sut = await startLocksmith({ policyFile: file });
    api = new LocksmithApi(sut);
  });
  afterAll(async () => {
    await sut?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reload = async () =>
    request(api.app)
      .post("/v1/admin/policy/reload")
      .set(await api.headers("security-oncall"));
  const version = () => sut.locksmith.policySource.current().version;

  it("records the bundle in force at start", async () => {
    const loaded = await api.ledger({ type: "policy_loaded" });
    expect(loaded[0]).toMatchObject({ policyVersion: sut.locksmith.policy.version, detail: { trigger: "start", source: file } });
  });

  it("applies a changed bundle, records it, and names it in later decisions", async () => {
    expectError(await api.issue("support-agent", { ...READ, ttl: "10m" }), 403, "permission_denied", { reason: "ttl_exceeds_policy" });
    const before = version();
    writeFileSync(file, LONGER_READS);
    const res = await reload();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true, previous_version: before, policy_version: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(version()).toBe(res.body.policy_version);

    const issued = await api.issue("support-agent", { ...READ, ttl: "10m" });
    expect(issued.status).toBe(201);
    expect((await api.rowOf(issued)).policyVersion).toBe(res.body.policy_version);
    const loaded = (await api.ledger({ type: "policy_loaded" })).at(-1);
    expect(loaded).toMatchObject({ policyVersion: res.body.policy_version, detail: { trigger: "admin", previous_version: before } });
    expect(loaded?.actor).toBeUndefined();
    expect((await reload()).body).toMatchObject({ changed: false });
  });

  it("refuses a bad bundle and keeps serving the old one", async () => {
    const before = version();
    writeFileSync(file, ORIGINAL.replace("max_ttl: 5m", "max_tll: 5m"));
    const res = await reload();
    expectError(res, 400, "invalid_request");
    expect(res.body.error_description).toContain(`still serving ${before}`);
    expect(res.body.error_description).toMatch(/policy\.yaml:\d+ roles\.customer-service-tier-1\.grants\[0\]\.max_tll: Unrecognized key/);
    expect(version()).toBe(before);
    expect((await api.issue("support-agent", READ)).status).toBe(201);
    expect((await api.ledger({ type: "policy_rejected" })).at(-1)).toMatchObject({ policyVersion: before, detail: { trigger: "admin", problems: 1 } });
  });

  it("refuses a bundle with an environment that has no signing key", async () => {
    const before = version();
    writeFileSync(file, ORIGINAL.replace("environments: [staging, production]", "environments: [staging, production, dev]"));
    const res = await reload();
    expectError(res, 400, "invalid_request");
    expect(res.body.error_description).toContain("no signing key for environment(s) dev");
    expect(version()).toBe(before);
  });

  it("refuses a bundle whose resource server asks for an algorithm the keys file has no key of, saying how to add it", async () => {
    const before = version();
    writeFileSync(file, ORIGINAL.replace("    audience: https://crm.example.com\n", "    audience: https://crm.example.com\n    token_signing_alg: RS256\n"));
    const res = await reload();
    expectError(res, 400, "invalid_request");
    expect(res.body.error_description).toContain("no signing key for environment(s) production (RS256): run `npx locksmith keys rotate --env <environment>`");
    expect(version()).toBe(before);
    expect((await api.issue("support-agent", READ)).status).toBe(201);
  });

  it("lets no request fail while bundles are swapped under load", async () => {
    const bundles = [ORIGINAL, SAME_RULES];
    let swaps = 0;
    let stop = false;
    const swapper = (async () => {
      while (!stop) {
        writeFileSync(file, bundles[swaps % 2]);
        const result = await sut.locksmith.reloadPolicy("admin");
        expect(result.ok).toBe(true);
        swaps++;
        await sleep(5);
      }
    })();
    const statuses: number[] = [];
    const versions = new Set<string>();
    for (let wave = 0; wave < 8; wave++) {
      const answers = await Promise.all(Array.from({ length: 25 }, () => api.issue("support-agent", READ)));
      for (const answer of answers) statuses.push(answer.status);
      const redeemed = await Promise.all(answers.slice(0, 5).map((a) => api.redeem("crm-prod", { credential: a.body.credential })));
      for (const r of redeemed) statuses.push(r.body.active ? 200 : 0);
    }
    stop = true;
    await swapper;
    expect(swaps).toBeGreaterThan(2);
    expect(statuses.filter((s) => s !== 201 && s !== 200)).toEqual([]);
    for (const row of await api.ledger({ type: "issued" })) versions.add(row.policyVersion!);
    expect(versions.size).toBeGreaterThan(1);
  });

  it("is for admins only", async () => {
    expectError(
      await request(api.app)
        .post("/v1/admin/policy/reload")
        .set(await api.headers("support-agent")),
      403,
      "permission_denied",
    );
  });
});

describe("watching the policy file (LOCKSMITH_POLICY_WATCH=true)", () => {
  it("reloads when the file changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locksmith-watch-"));
    const file = join(dir, "policy.yaml");
    copyFileSync(COMPANY_POLICY, file);
    const sut = await startLocksmith({ policyFile: file, env: { LOCKSMITH_POLICY_WATCH: "true" } });
    try {
      const before = sut.locksmith.policySource.current().version;
      writeFileSync(file, LONGER_READS);
      for (let i = 0; i < 50 && sut.locksmith.policySource.current().version === before; i++) await sleep(100);
      expect(sut.locksmith.policySource.current().version).not.toBe(before);
      const loaded = (await findEvents(sut.locksmith.ledger, { type: "policy_loaded" })).at(-1);
      expect(loaded?.detail).toMatchObject({ trigger: "file_watch" });
    } finally {
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("outside dev mode, a reload to a bundle with the public demo keys", () => {
  it("is refused and the bundle in force keeps serving", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locksmith-reload-demo-"));
    const file = join(dir, "policy.yaml");
    const { publicKey } = generateKeyPairSync("ed25519");
    const own = publicKey.export({ format: "jwk" }).x!;
    const bundle = (x: string) =>
      `environments: [staging, production]\nadmins:\n  ops:\n    auth: { method: private_key_jwt, jwks: { keys: [{ kty: OKP, crv: Ed25519, x: "${x}" }] } }\n`;
    writeFileSync(file, bundle(own));
    const sut = await startLocksmith({ policyFile: file, env: { LOCKSMITH_ALLOW_DEMO_KEYS: "false" } });
    try {
      const before = sut.locksmith.policySource.current().version;
      writeFileSync(file, bundle("F17Aw81JH0jEBQ_CkbX4Au6aIA7_Pypmyp04cyeo3wg"));
      const result = await sut.locksmith.reloadPolicy("admin");
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).toMatch(/public demo keys of examples\/keys\/ \(security-oncall\)/);
      expect(sut.locksmith.policySource.current().version).toBe(before);
    } finally {
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
