import { decodeJwt } from "jose";
import type { CallContext } from "../../../../src/domain/call-context";
import { handOutChecked, handOutCredential, type HandOut } from "../../../../src/domain/credentials/hand-out-credential";
import type { StepName } from "../../../../src/domain/steps";
import { issueCredential, type IssuedCredential } from "../../../../src/domain/credentials/issue-credential";
import { redeemCredential } from "../../../../src/domain/credentials/redeem-credential";
import { revokeCredential } from "../../../../src/domain/credentials/revoke-credential";
import { revokeSubject } from "../../../../src/domain/credentials/revoke-subject";
import { StoreUnavailableError } from "../../../../src/domain/errors";
import { loadPolicyFile } from "../../../../src/domain/policy/load-policy";
import type { Policy, Principal } from "../../../../src/domain/policy/policy";
import { corpUserToken } from "../../../support/corp-user";
import { FixedClock, memoryWorld, type MemoryWorld } from "../../../support/memory-services";
import { COMPANY_POLICY } from "../../../support/principals";

// The credential use cases on the memory twins with a clock that stands still: no Redis, PostgreSQL or HTTP.

const CALL: CallContext = { requestId: "req-1", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", clientIp: "10.0.0.7" };
const READ = { scopes: ["crm:read"], resource: "crm:customers/42" };

let policy: Policy;
let world: MemoryWorld;
let clock: FixedClock;
beforeAll(async () => {
  policy = await loadPolicyFile(COMPANY_POLICY);
});
beforeEach(async () => {
  clock = new FixedClock(Date.now());
  world = await memoryWorld({ policy, clock });
});
afterEach(() => world.close());

const principal = (id: string): Principal => policy.principals.get(id)!;
const issued = async (agent = "support-agent", request: Parameters<typeof issueCredential>[2] = READ) => {
  const outcome = await issueCredential(world.services, principal(agent), request, CALL);
  if (outcome.kind !== "issued") throw new Error(`expected issued, got ${JSON.stringify(outcome)}`);
  return outcome;
};

describe("issueCredential", () => {
  test("hands out a credential whose state, indexes and issued row agree, every row in the call's envelope", async () => {
    const credential = await issued();
    expect(decodeJwt(credential.credential)).toMatchObject({ sub: "support-agent", client_id: "support-agent", scope: "crm:read", env: "production" });
    expect(await world.tokens.get(credential.jti)).toEqual({
      agent: "support-agent",
      environment: "production",
      scope: "crm:read",
      resource: "crm:customers/42",
      usesLeft: null,
      revoked: false,
    });
    const [row] = await world.audit.page({ jti: credential.jti }, 0n, 100);
    expect(row).toMatchObject({
      type: "issued",
      agent: "support-agent",
      environment: "production",
      requestId: "req-1",
      traceId: CALL.traceId,
      clientIp: "10.0.0.7",
      policyVersion: policy.version,
    });
  });

  test("acting for a person: sub = the person, act.sub = the agent, indexed under the person", async () => {
    const credential = await issued("support-agent", { ...READ, onBehalfOf: await corpUserToken("mary", "crm:read", { sub: "orchestrator" }) });
    expect(decodeJwt(credential.credential)).toMatchObject({ sub: "mary", act: { sub: "support-agent", act: { sub: "orchestrator" } } });
    expect(await revokeSubject(world.services, principal("security-oncall"), { kind: "user", id: "mary" }, CALL)).toBe(1);
  });

  test("denies by policy and records the denial with the rule", async () => {
    const outcome = await issueCredential(world.services, principal("support-agent"), { scopes: ["crm:delete"], resource: "crm:customers/42" }, CALL);
    expect(outcome).toMatchObject({ kind: "denied", reason: "explicit_deny" });
    expect(await world.audit.page({ type: "denied" }, 0n, 100)).toEqual([expect.objectContaining({ reason: "explicit_deny", traceId: CALL.traceId })]);
  });

  test("opens an approval request that keeps the delegation it was made with", async () => {
    const outcome = await issueCredential(
      world.services,
      principal("billing-agent"),
      { scopes: ["billing:void"], resource: "billing:invoices/7", onBehalfOf: await corpUserToken("john", "billing:void", { sub: "bot" }) },
      CALL,
    );
    expect(outcome.kind).toBe("pending_approval");
    const request = await world.approvals.get((outcome as { requestId: string }).requestId);
    expect(request).toMatchObject({ user: "john", act: { sub: "bot" }, identityProvider: "corp", createdAt: clock.now(), status: "pending" });
  });

  test("refuses a suspended agent", async () => {
    await world.suspensions.suspend("support-agent", clock.now());
    expect(await issueCredential(world.services, principal("support-agent"), READ, CALL)).toMatchObject({ kind: "denied", reason: "agent_suspended" });
  });
});

describe("handOutCredential", () => {
  const handOut: HandOut = {
    agent: "support-agent",
    environment: "production",
    user: "mary",
    audience: "https://crm.example.com",
    scope: "crm:read",
    resource: "crm:customers/42",
    ttl: 60,
    maxUses: 2,
    rule: "roles.x.grants[0]",
    policyVersion: "sha256:v",
    detail: { approval_request: "r-1" },
  };

  test("a hand-out the request's checks refuse is never signed, stored or recorded", async () => {
    const ran: StepName[] = [];
    const recording = {
      run: async <T>(step: StepName, work: () => Promise<T> | T) => {
        ran.push(step);
        return work();
      },
    };
    const services = { ...world.services, steps: recording };
    const replay = { key: "support-agent:assertion-1", ttlMs: 60_000 };
    expect(await handOutChecked(services, handOut, CALL, { replay })).toMatchObject({ kind: "issued" });
    expect(ran).toEqual(["sign"]);
    const rowsBefore = (await world.audit.page({}, 0n, 1000)).length;
    expect(await handOutChecked(services, handOut, CALL, { replay })).toMatchObject({ kind: "refused", refusal: { failed: "replay" } });
    expect(ran).toEqual(["sign"]);
    expect((await world.audit.page({}, 0n, 1000)).length).toBe(rowsBefore);
  });

  test("counts the TTL from the clock and records the path's detail", async () => {
    const credential: IssuedCredential = await handOutCredential(world.services, handOut, CALL);
    expect(credential).toMatchObject({ kind: "issued", user: "mary", expiresIn: 60, expiresAt: Math.floor(clock.now() / 1000) + 60, maxUses: 2 });
    const [row] = await world.audit.page({ jti: credential.jti }, 0n, 100);
    expect(row).toMatchObject({
      type: "issued",
      user: "mary",
      rule: "roles.x.grants[0]",
      policyVersion: "sha256:v",
      detail: { ttl: 60, max_uses: 2, approval_request: "r-1" },
    });
  });

  test("fails closed: when the ledger refuses the row, the live state is removed and the fault propagates", async () => {
    const put = jest.spyOn(world.tokens, "put");
    jest.spyOn(world.audit, "append").mockRejectedValueOnce(new StoreUnavailableError("PostgreSQL"));
    await expect(handOutCredential(world.services, handOut, CALL)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await world.tokens.get(put.mock.calls[0][0])).toBeUndefined();
  });
});

describe("redeemCredential", () => {
  test("spends a use, and refuses once the credential has expired on the clock", async () => {
    const credential = await issued();
    const server = principal("crm-prod");
    expect(await redeemCredential(world.services, server, { credential: credential.credential }, CALL)).toMatchObject({ active: true, agent: "support-agent" });
    clock.advance(credential.expiresIn * 1000 + 1000);
    expect(await redeemCredential(world.services, server, { credential: credential.credential }, CALL)).toEqual({ active: false, reason: "expired" });
    expect((await world.audit.page({ type: "redeem_rejected" }, 0n, 100))[0]).toMatchObject({ reason: "expired", traceId: CALL.traceId });
  });

  test("refuses a credential of an agent suspended after it was issued", async () => {
    const credential = await issued();
    clock.advance(1000);
    await world.suspensions.suspend("support-agent", clock.now());
    await world.suspensions.resume("support-agent");
    expect(await redeemCredential(world.services, principal("crm-prod"), { credential: credential.credential }, CALL)).toEqual({
      active: false,
      reason: "agent_suspended",
    });
  });
});

describe("revoking", () => {
  test("revokeCredential: the holder revokes, the revocation is announced, then redemption is refused", async () => {
    const credential = await issued();
    await revokeCredential(world.services, principal("support-agent"), credential.jti, CALL);
    expect(await world.revocations.since(undefined, 10)).toEqual([expect.objectContaining({ revocation: { jti: credential.jti, environment: "production" } })]);
    expect(await redeemCredential(world.services, principal("crm-prod"), { credential: credential.credential }, CALL)).toEqual({
      active: false,
      reason: "revoked",
    });
  });

  test("revokeCredential: another agent is refused and recorded", async () => {
    const credential = await issued();
    await expect(revokeCredential(world.services, principal("billing-agent"), credential.jti, CALL)).rejects.toMatchObject({ code: "permission_denied" });
    expect((await world.audit.page({ type: "revoked" }, 0n, 100))[0]).toMatchObject({ decision: "deny", reason: "not_holder" });
  });

  test("revokeSubject: an environment's kill switch revokes its credentials and is remembered with the clock's time", async () => {
    const credential = await issued();
    expect(await revokeSubject(world.services, principal("security-oncall"), { kind: "environment", id: "production" }, CALL)).toBe(1);
    expect((await world.tokens.get(credential.jti))?.revoked).toBe(true);
    expect(await world.tokens.lastRevocation([{ kind: "environment", id: "production" }])).toBe(clock.now());
  });
});
