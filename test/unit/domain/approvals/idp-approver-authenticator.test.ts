import { IdpApproverAuthenticator } from "../../../../src/domain/approvals/idp-approver-authenticator";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import { fixedPolicy } from "../../../../src/domain/policy/policy-source";
import { approverToken } from "../../../support/approvers";

// The corp identity provider of examples/company-policy.yaml (its demo key signs approverToken), with and
// without an approver_audience of its own.
const bundle = (approverAudience?: string) => `environments: [production]
identity_providers:
  corp:
    issuer: https://idp.example.com
    audience: locksmith
    groups_claim: groups
${approverAudience ? `    approver_audience: ${approverAudience}\n` : ""}    jwks: { keys: [{ kty: OKP, crv: Ed25519, kid: corp-idp-1, x: "Kb7qCiAvpTVHfO1q7TMIZfrTiIBwbBcngqH2IIZc2j0" }] }
`;
const ISSUER = "https://locksmith.example.com";
const authenticator = (approverAudience?: string) =>
  new IdpApproverAuthenticator(fixedPolicy(parsePolicy(bundle(approverAudience), "b.yaml")), { now: () => Date.now() }, ISSUER);

describe("IdpApproverAuthenticator: an approver's sign-in is its own trust", () => {
  test("accepts by default a sign-in whose only audience is Locksmith's approvals audience, {issuer}/v1/approvals", async () => {
    await expect(authenticator().verify(await approverToken("alice", ["sre"], { audience: `${ISSUER}/v1/approvals` }))).resolves.toEqual({
      subject: "alice",
      groups: ["sre"],
    });
  });

  test("refuses the provider's delegation audience, a list naming both, and an audience list of two", async () => {
    for (const audience of ["locksmith", ["locksmith", `${ISSUER}/v1/approvals`], [`${ISSUER}/v1/approvals`, "elsewhere"]]) {
      await expect(authenticator().verify(await approverToken("alice", ["sre"], { audience }))).rejects.toMatchObject({ code: "invalid_client" });
    }
  });

  test("with approver_audience, accepts that audience only", async () => {
    const custom = authenticator("corp-approvals-app");
    await expect(custom.verify(await approverToken("alice", ["sre"], { audience: "corp-approvals-app" }))).resolves.toMatchObject({ subject: "alice" });
    await expect(custom.verify(await approverToken("alice", ["sre"], { audience: `${ISSUER}/v1/approvals` }))).rejects.toMatchObject({
      code: "invalid_client",
    });
  });

  test("refuses a token carrying act, whoever the actor", async () => {
    for (const act of [{ sub: "billing-agent" }, { sub: "alice" }, { sub: "a", act: { sub: "b" } }]) {
      const token = await approverToken("alice", ["sre"], { audience: `${ISSUER}/v1/approvals`, claims: { act } });
      await expect(authenticator().verify(token)).rejects.toMatchObject({ code: "invalid_client" });
    }
  });

  test("refuses every sign-in when the approvals audience is the delegation audience (fail closed)", async () => {
    const collide = new IdpApproverAuthenticator(
      fixedPolicy(parsePolicy(bundle().replace("audience: locksmith", `audience: ${ISSUER}/v1/approvals`), "b.yaml")),
      { now: () => Date.now() },
      ISSUER,
    );
    await expect(collide.verify(await approverToken("alice", ["sre"], { audience: `${ISSUER}/v1/approvals` }))).rejects.toMatchObject({
      code: "invalid_client",
    });
  });
});
