import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { importJWK, SignJWT } from "jose";
import request from "supertest";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";
import { COMPANY_POLICY } from "../support/principals";

// examples/company-policy.yaml: ci-deployer holds no key; it presents its CI platform's OIDC token.
const ciKey = JSON.parse(readFileSync(resolve(__dirname, "..", "..", "examples", "keys", "ci-oidc.jwk.json"), "utf8"));

async function ciToken(claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ repository_owner: "acme", ...claims })
    .setProtectedHeader({ alg: "EdDSA", kid: ciKey.kid })
    .setIssuer("https://ci.example.com")
    .setSubject("repo:acme/app:ref:refs/heads/main")
    .setAudience(TEST_ISSUER)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(await importJWK(ciKey, "EdDSA"));
}

let sut: LocksmithUnderTest;
beforeAll(async () => {
  sut = await startLocksmith({ policyFile: COMPANY_POLICY });
});
afterAll(() => sut?.close());

const ask = async (token: string, body: object) => request(sut.locksmith.http).post("/v1/credentials").set("authorization", `Bearer ${token}`).send(body);

describe("the example bundle's federated CI agent", () => {
  test("gets a staging deploy credential with its CI job's token, no key of its own", async () => {
    const res = await ask(await ciToken(), { scope: "infra:deploy", resource: "infra:staging/app" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scope: "infra:deploy", resource: "infra:staging/app", audience: "https://infra.staging.example.com" });
  });

  test("is walled off production, whatever its token says", async () => {
    const res = await ask(await ciToken(), { scope: "infra:deploy", resource: "infra:production/db" });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "permission_denied", reason: "environment_wall" });
  });

  test("is refused when the token's required claim differs (another organisation's repository)", async () => {
    const res = await ask(await ciToken({ repository_owner: "evil" }), { scope: "infra:deploy", resource: "infra:staging/app" });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("invalid_client");
  });
});
