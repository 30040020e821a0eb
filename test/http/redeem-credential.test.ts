import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { resolve } from "node:path";
import request from "supertest";
import { signJwt } from "../../src/domain/credentials/sign-jwt";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi, requestIdOf, sleep, type Response } from "../support/locksmith-api";
import { assertionFor } from "../support/principals";

// POST /v1/credentials/redeem: a resource server checks a credential is live, its own, covering, and spends a use.

const SINGLE_USE_POLICY = resolve(__dirname, "..", "fixtures", "single-use.policy.yaml");

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith({ policyFile: SINGLE_USE_POLICY });
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

const readCustomer = () => api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });

/** Expects the answer to be exactly `{active:false}` and the ledger to hold its redeem_rejected row with `reason`. */
async function expectRejected(res: Response, reason: string, jti?: string) {
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ active: false });
  const row = await api.rowOf(res, { type: "redeem_rejected" });
  expect(row).toMatchObject({ decision: "deny", reason, actor: expect.any(String), policyVersion: sut.locksmith.policy.version });
  if (jti !== undefined) expect(row.jti).toBe(jti);
}

describe("a live credential", () => {
  test("redeems as active with exactly the contract's fields", async () => {
    const issued = await readCustomer();
    const res = await api.redeem("crm-prod", { credential: issued.credential, scope: "crm:read", resource: "crm:customers/42" });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      active: true,
      jti: issued.jti,
      sub: "support-agent",
      agent: "support-agent",
      scope: "crm:read",
      resource: "crm:customers/42",
      env: "production",
      uses_remaining: null,
      expires_at: issued.expires_at,
    });
    expect(res.headers["cache-control"]).toBe("no-store");
  });

  test("without max_uses stays active on every redemption, and each leaves a redeemed row", async () => {
    const issued = await readCustomer();
    for (let i = 0; i < 3; i++) {
      const res = await api.redeem("crm-prod", { credential: issued.credential });
      expect(res.body).toMatchObject({ active: true, uses_remaining: null });
      expect(await api.rowOf(res, { type: "redeemed" })).toMatchObject({ jti: issued.jti, actor: "crm-prod", decision: "allow", agent: "support-agent" });
    }
  });

  test("with max_uses counts down to zero, then is exhausted", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
    expect(issued.max_uses).toBe(3);

    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.redeem("crm-prod", { credential: issued.credential, scope: "crm:note" });
      expect(res.body.active).toBe(true);
      remaining.push(res.body.uses_remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential }), "exhausted", issued.jti);
  });

  test("a redemption that does not cover what is asked spends no use", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:charge", resource: "crm:payments/9" });

    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential, scope: "crm:refund" }), "scope_not_covered", issued.jti);
    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential, resource: "crm:payments/10" }), "resource_not_covered", issued.jti);
    const res = await api.redeem("crm-prod", { credential: issued.credential, scope: "crm:charge", resource: "crm:payments/9" });
    expect(res.body).toMatchObject({ active: true, uses_remaining: 0 });
  });
});

describe("a credential that must not be honoured is {active:false} with the reason in the ledger", () => {
  test("expired (ttl 2 s, redeemed after it ran out)", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42", ttl: 2 });
    await sleep(2_200);

    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential }), "expired");
  });

  test("revoked by its holder", async () => {
    const issued = await readCustomer();
    expect((await api.revoke("support-agent", issued.jti)).status).toBe(204);

    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential }), "revoked", issued.jti);
  });

  test("tampered: a claim changed after signing", async () => {
    const issued = await readCustomer();
    const [header, payload, signature] = issued.credential.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: "crm:read crm:delete" })).toString("base64url");

    await expectRejected(await api.redeem("crm-prod", { credential: `${header}.${forged}.${signature}` }), "bad_signature");
  });

  test("tampered: the signature changed", async () => {
    const issued = await readCustomer();
    const [header, payload, signature] = issued.credential.split(".");
    const flipped = Buffer.from(signature, "base64url");
    flipped[0] ^= 0xff;

    await expectRejected(await api.redeem("crm-prod", { credential: `${header}.${payload}.${flipped.toString("base64url")}` }), "bad_signature");
  });

  test("minted for another audience of the same environment (infra-prod redeems a CRM credential)", async () => {
    const issued = await readCustomer();

    await expectRejected(await api.redeem("infra-prod", { credential: issued.credential }), "wrong_audience");
  });

  test("from another environment (crm-staging redeems a production credential): staging keys do not vouch for it", async () => {
    const issued = await readCustomer();

    await expectRejected(await api.redeem("crm-staging", { credential: issued.credential }), "bad_signature");
  });

  test("a staging credential at a production server", async () => {
    const issued = await api.issued("staging-deploy-agent", { scope: "infra:deploy", resource: "infra:staging/web" });

    await expectRejected(await api.redeem("infra-prod", { credential: issued.credential }), "bad_signature");
    expect((await api.redeem("infra-staging", { credential: issued.credential })).body).toMatchObject({ active: true, env: "staging" });
  });

  test("a scope the credential does not carry", async () => {
    const issued = await readCustomer();

    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential, scope: "crm:read crm:write" }), "scope_not_covered", issued.jti);
  });

  test("a resource the credential does not name", async () => {
    const issued = await readCustomer();

    await expectRejected(await api.redeem("crm-prod", { credential: issued.credential, resource: "crm:customers/43" }), "resource_not_covered", issued.jti);
  });

  test.each([
    ["garbage", "not-a-token"],
    ["three segments of nothing", "a.b.c"],
  ])("%s", async (_name, credential) => {
    await expectRejected(await api.redeem("crm-prod", { credential }), "malformed");
  });

  test("an agent's assertion instead of a credential", async () => {
    const assertion = await assertionFor("support-agent", TEST_ISSUER);

    await expectRejected(await api.redeem("crm-prod", { credential: assertion }), "bad_signature");
  });

  test("signed with Locksmith's own key but not typed at+jwt (RFC 9068 §4)", async () => {
    const issued = await readCustomer();
    const claims = JSON.parse(Buffer.from(issued.credential.split(".")[1], "base64url").toString());
    const key = sut.locksmith.keys.signingKey("production")!;
    const untyped = signJwt("EdDSA", { typ: "JWT", kid: key.kid }, { ...claims, jti: `${claims.jti}-x` }, key.privateKey);

    await expectRejected(await api.redeem("crm-prod", { credential: untyped }), "malformed");
  });

  test("validly signed but never issued (no live state in Redis)", async () => {
    const issued = await readCustomer();
    const claims = JSON.parse(Buffer.from(issued.credential.split(".")[1], "base64url").toString());
    const key = sut.locksmith.keys.signingKey("production")!;
    const unissued = signJwt("EdDSA", { typ: "at+jwt", kid: key.kid }, { ...claims, jti: `${claims.jti}-never-issued` }, key.privateKey);

    await expectRejected(await api.redeem("crm-prod", { credential: unissued }), "unknown", `${claims.jti}-never-issued`);
  });
});

describe("who may redeem", () => {
  test("an agent calling redeem is 403, and its credential is untouched", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:charge", resource: "crm:payments/1" });

    expectError(await api.redeem("support-agent", { credential: issued.credential }), 403, "permission_denied", { reason: "wrong_principal_kind" });
    expectError(await api.redeem("security-oncall", { credential: issued.credential }), 403, "permission_denied");
    expect((await api.redeem("crm-prod", { credential: issued.credential })).body).toMatchObject({ active: true, uses_remaining: 0 });
  });

  test("a body that does not fit is 400", async () => {
    const issued = await readCustomer();

    expectError(await api.redeem("crm-prod", {}), 400, "invalid_request");
    expectError(await api.redeem("crm-prod", { credential: issued.credential, scope: "crm:*" }), 400, "invalid_request");
    expectError(await api.redeem("crm-prod", { credential: issued.credential, resource: "crm:**" }), 400, "invalid_request");
    expectError(await api.redeem("crm-prod", { credential: issued.credential, uses: 2 }), 400, "invalid_request");
  });
});

describe("double spend", () => {
  let server: Server;
  beforeAll(async () => {
    server = sut.locksmith.http.listen(0, "127.0.0.1");
    await new Promise((ready) => server.once("listening", ready));
  });
  afterAll(() => new Promise((done) => server.close(done)));

  test("a max_uses:1 credential redeemed by 50 concurrent requests is active exactly once", async () => {
    const issued = await api.issued("support-agent", { scope: "crm:charge", resource: "crm:payments/77" });
    expect(issued.max_uses).toBe(1);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const headers = await Promise.all(Array.from({ length: 50 }, () => api.headers("crm-prod")));

    const answers = await Promise.all(headers.map((h) => request(url).post("/v1/credentials/redeem").set(h).send({ credential: issued.credential })));

    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const active = answers.filter((a) => a.body.active === true);
    expect(active).toHaveLength(1);
    expect(active[0].body.uses_remaining).toBe(0);
    expect(answers.filter((a) => a.body.active === false)).toHaveLength(49);
    expect(await api.ledger({ jti: issued.jti, type: "redeemed" })).toHaveLength(1);
    const rejected = await api.ledger({ jti: issued.jti, type: "redeem_rejected" });
    expect(rejected.map((row) => row.reason)).toEqual(Array(49).fill("exhausted"));
    expect(new Set(rejected.map((row) => row.requestId))).toEqual(new Set(answers.filter((a) => !a.body.active).map(requestIdOf)));
  });
});
