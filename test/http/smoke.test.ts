import request from "supertest";
import { assertionFor } from "../support/principals";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";

let sut: LocksmithUnderTest;
beforeAll(async () => {
  sut = await startLocksmith();
});
afterAll(() => sut.close());

test("issues a credential to the support agent and the CRM redeems it", async () => {
  const issued = await request(sut.locksmith.http)
    .post("/v1/credentials")
    .set("authorization", `Bearer ${await assertionFor("support-agent", TEST_ISSUER)}`)
    .send({ scope: "crm:read", resource: "crm:customers/42" });
  expect(issued.status).toBe(201);
  const redeemed = await request(sut.locksmith.http)
    .post("/v1/credentials/redeem")
    .set("authorization", `Bearer ${await assertionFor("crm-prod", TEST_ISSUER)}`)
    .send({ credential: issued.body.credential });
  expect(redeemed.body).toMatchObject({ active: true, jti: issued.body.jti, agent: "support-agent" });
});
