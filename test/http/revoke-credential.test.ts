import { randomUUID } from "node:crypto";
import { startLocksmith, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { expectError, LocksmithApi } from "../support/locksmith-api";
import { credentialEntry } from "../support/redis-inspection";

// DELETE /v1/credentials/{jti}: the holder or an admin revokes at once; idempotent; recorded.

let sut: LocksmithUnderTest;
let api: LocksmithApi;
beforeAll(async () => {
  sut = await startLocksmith();
  api = new LocksmithApi(sut);
});
afterAll(() => sut.close());

const issueRead = () => api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
const redeem = (credential: string) => api.redeem("crm-prod", { credential });

test("the holder revokes with 204 and no body, effective at once for redemption", async () => {
  const issued = await issueRead();
  expect((await redeem(issued.credential)).body.active).toBe(true);

  const res = await api.revoke("support-agent", issued.jti);

  expect(res.status).toBe(204);
  expect(res.text).toBe("");
  expect((await redeem(issued.credential)).body).toEqual({ active: false });
  expect((await credentialEntry(sut.redisPrefix, issued.jti))?.fields.x).toBe("1");
});

test("revoking twice is 204 both times, and both calls are recorded", async () => {
  const issued = await issueRead();

  const first = await api.revoke("support-agent", issued.jti);
  const second = await api.revoke("support-agent", issued.jti);

  expect([first.status, second.status]).toEqual([204, 204]);
  expect((await api.rowOf(first, { jti: issued.jti })).reason).toBeUndefined();
  expect((await api.rowOf(second, { jti: issued.jti })).reason).toBe("already_revoked");
  expect((await redeem(issued.credential)).body).toEqual({ active: false });
});

test("revoking an unknown jti is 204, recorded as unknown", async () => {
  const jti = randomUUID();
  const res = await api.revoke("support-agent", jti);

  expect(res.status).toBe(204);
  expect(await api.rowOf(res, { jti })).toMatchObject({ type: "revoked", actor: "support-agent", reason: "unknown" });
});

test("another agent may not revoke it: 403 not_holder, the refusal is recorded, and the credential stays live", async () => {
  const issued = await issueRead();

  const res = await api.revoke("staging-deploy-agent", issued.jti);

  expectError(res, 403, "permission_denied", { reason: "not_holder" });
  expect(await api.rowOf(res, { jti: issued.jti })).toMatchObject({
    type: "revoked",
    decision: "deny",
    actor: "staging-deploy-agent",
    reason: "not_holder",
  });
  expect((await redeem(issued.credential)).body.active).toBe(true);
});

test("the admin security-oncall may revoke any agent's credential", async () => {
  const issued = await issueRead();

  const res = await api.revoke("security-oncall", issued.jti);

  expect(res.status).toBe(204);
  expect((await redeem(issued.credential)).body).toEqual({ active: false });
  expect(await api.rowOf(res, { jti: issued.jti })).toMatchObject({
    type: "revoked",
    decision: "allow",
    actor: "security-oncall",
    agent: "support-agent",
    environment: "production",
  });
});

test("a resource server may not revoke: 403, and the credential stays live", async () => {
  const issued = await issueRead();

  expectError(await api.revoke("crm-prod", issued.jti), 403, "permission_denied", { reason: "wrong_principal_kind" });
  expect((await redeem(issued.credential)).body.active).toBe(true);
});

test("the ledger's revoked row names the credential, its agent, who revoked, the policy version and the request", async () => {
  const issued = await issueRead();
  const res = await api.revoke("support-agent", issued.jti);

  const row = await api.rowOf(res);
  expect(row).toMatchObject({
    type: "revoked",
    decision: "allow",
    jti: issued.jti,
    agent: "support-agent",
    actor: "support-agent",
    environment: "production",
    policyVersion: sut.locksmith.policy.version,
    requestId: res.headers["x-request-id"],
  });
  expect(row.reason).toBeUndefined();
});

test("a revoked limited-use credential keeps its uses but is refused as revoked", async () => {
  const issued = await api.issued("support-agent", { scope: "crm:note", resource: "crm:customers/42/notes" });
  await api.revoke("support-agent", issued.jti);

  const res = await redeem(issued.credential);

  expect(res.body).toEqual({ active: false });
  expect((await api.rowOf(res, { type: "redeem_rejected" })).reason).toBe("revoked");
  expect((await credentialEntry(sut.redisPrefix, issued.jti))?.fields.u).toBe("3");
});

test("a path segment that is not a credential id is 400", async () => {
  expectError(await api.revoke("support-agent", "not a jti!"), 400, "invalid_request");
});
