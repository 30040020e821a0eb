import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { parse, stringify } from "yaml";
import { collectApproved } from "../../../../src/domain/approvals/collect-approved";
import type { CallContext } from "../../../../src/domain/call-context";
import { issueCredential } from "../../../../src/domain/credentials/issue-credential";
import { revokeSubject } from "../../../../src/domain/credentials/revoke-subject";
import { StoreUnavailableError } from "../../../../src/domain/errors";
import { loadPolicyFile } from "../../../../src/domain/policy/load-policy";
import type { Policy, Principal } from "../../../../src/domain/policy/policy";
import type { PolicySource } from "../../../../src/domain/policy/policy-source";
import { corpUserToken } from "../../../support/corp-user";
import { FixedClock, memoryWorld, type MemoryWorld } from "../../../support/memory-services";
import { COMPANY_POLICY } from "../../../support/principals";

// Collection of an approved request on the memory twins with a clock that stands still.

const CALL: CallContext = { requestId: "poll-1", traceId: "0af7651916cd43dd8448eb211c80319c" };
const VOID = { scopes: ["billing:void"], resource: "billing:invoices/7" };

let company: Policy;
/** The company policy with billing:void denied, as loaded during an incident. */
let incident: Policy;
let inForce: Policy;
let world: MemoryWorld;
let clock: FixedClock;
beforeAll(async () => {
  company = await loadPolicyFile(COMPANY_POLICY);
  const bundle = parse(readFileSync(COMPANY_POLICY, "utf8"));
  bundle.roles["billing-operator"].deny.push({ scopes: ["billing:void"], resources: ["**"] });
  const dir = mkdtempSync(join(tmpdir(), "locksmith-incident-"));
  writeFileSync(join(dir, "policy.yaml"), stringify(bundle));
  incident = await loadPolicyFile(join(dir, "policy.yaml"));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  inForce = company;
  clock = new FixedClock(Date.now());
  const source: PolicySource = { current: () => inForce };
  world = await memoryWorld({ policy: source, clock });
});
afterEach(() => world.close());

const principal = (id: string): Principal => company.principals.get(id)!;

/** billing-agent asks for billing:void (optionally for a person); alice and bob approve. */
async function approved(onBehalfOf?: string): Promise<string> {
  const outcome = await issueCredential(world.services, principal("billing-agent"), { ...VOID, ...(onBehalfOf ? { onBehalfOf } : {}) }, { requestId: "ask" });
  if (outcome.kind !== "pending_approval") throw new Error(`expected pending_approval, got ${outcome.kind}`);
  for (const subject of ["alice", "bob"]) await world.approvals.vote(outcome.requestId, { subject, at: clock.now() }, true, clock.now());
  clock.advance(1000);
  return outcome.requestId;
}

test("hands out the approved delegated credential through the one hand-out path: sub = the person, act = the agent, indexed, recorded", async () => {
  const id = await approved(await corpUserToken("john", "billing:void"));
  const result = await collectApproved(world.services, "billing-agent", id, CALL);
  if (result.status !== "approved") throw new Error(result.status);
  expect(decodeJwt(result.credential.credential)).toMatchObject({ sub: "john", act: { sub: "billing-agent" }, iat: Math.floor(clock.now() / 1000) });
  expect(await world.tokens.get(result.credential.jti)).toMatchObject({ agent: "billing-agent", user: "john", environment: "production", usesLeft: 1 });
  const [row] = await world.audit.page({ jti: result.credential.jti }, 0n, 100);
  expect(row).toMatchObject({
    type: "issued",
    user: "john",
    requestId: "poll-1",
    traceId: CALL.traceId,
    detail: { approval_request: id, approvals: "alice bob", identity_provider: "corp" },
  });
  expect((await collectApproved(world.services, "billing-agent", id, CALL)).status).toBe("collected");
});

test("refuses when the policy now in force denies it, records the denial, and uses the request up", async () => {
  const id = await approved();
  inForce = incident;
  await expect(collectApproved(world.services, "billing-agent", id, CALL)).rejects.toMatchObject({
    code: "permission_denied",
    extra: { reason: "explicit_deny" },
  });
  const [row] = await world.audit.page({ type: "denied" }, 0n, 100);
  expect(row).toMatchObject({
    reason: "explicit_deny",
    rule: "roles.billing-operator.deny[1]",
    policyVersion: incident.version,
    detail: { approval_request: id },
    requestId: "poll-1",
  });
  expect(await world.audit.page({ type: "issued" }, 0n, 100)).toEqual([]);
  expect((await collectApproved(world.services, "billing-agent", id, CALL)).status).toBe("collected");
});

test("refuses an agent suspended (and resumed) since the request", async () => {
  const id = await approved();
  await world.suspensions.suspend("billing-agent", clock.now());
  await world.suspensions.resume("billing-agent");
  await expect(collectApproved(world.services, "billing-agent", id, CALL)).rejects.toMatchObject({ extra: { reason: "agent_suspended" } });
});

test.each([
  ["its agent", { kind: "agent", id: "billing-agent" }],
  ["its person", { kind: "user", id: "john" }],
  ["its environment", { kind: "environment", id: "production" }],
] as const)("refuses after a kill switch of %s since the request, not one before it", async (_name, subject) => {
  await revokeSubject(world.services, principal("security-oncall"), subject, { requestId: "kill" });
  clock.advance(1);
  const before = await approved(await corpUserToken("john", "billing:void"));
  expect((await collectApproved(world.services, "billing-agent", before, CALL)).status).toBe("approved");

  const after = await approved(await corpUserToken("john", "billing:void"));
  await revokeSubject(world.services, principal("security-oncall"), subject, { requestId: "kill" });
  await expect(collectApproved(world.services, "billing-agent", after, CALL)).rejects.toMatchObject({ extra: { reason: "revoked_since_request" } });
});

test("gives the request back for a retry when the hand-out fails", async () => {
  const id = await approved();
  jest.spyOn(world.audit, "append").mockRejectedValueOnce(new StoreUnavailableError("PostgreSQL"));
  await expect(collectApproved(world.services, "billing-agent", id, CALL)).rejects.toBeInstanceOf(StoreUnavailableError);
  expect((await collectApproved(world.services, "billing-agent", id, CALL)).status).toBe("approved");
});
