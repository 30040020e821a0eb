import { findEvents } from "../../../support/find-events";
import type { CallContext } from "../../../../src/domain/call-context";
import { issueCredential } from "../../../../src/domain/credentials/issue-credential";
import { revokeCredential } from "../../../../src/domain/credentials/revoke-credential";
import { StoreUnavailableError } from "../../../../src/domain/errors";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import type { Principal } from "../../../../src/domain/policy/policy";
import { FixedClock, memoryWorld, type MemoryWorld } from "../../../support/memory-services";
import { AUTH } from "../../support/bundle-text";

// A database credential is made on the one hand-out path: its role exists before the credential is
// recorded and leaves, is dropped if the ledger refuses it, and is dropped when the credential is revoked.

const CALL: CallContext = { requestId: "req-db" };
const policy = parsePolicy(
  `environments: [production]
upstreams:
  app-db:
    kind: postgres
    environment: production
    scopes: { "db:read": [{ schema: app, privileges: [SELECT] }] }
roles:
  reader: { grants: [{ scopes: [db:read], resources: ["app-db:*"], max_ttl: 5m }] }
agents:
  support-agent: { environment: production, roles: [reader], auth: ${AUTH} }
admins:
  security-oncall: { auth: ${AUTH} }
`,
  "unit.yaml",
);
const agent = policy.principals.get("support-agent") as Principal;
const DB = { scopes: ["db:read"], resource: "app-db:app" };

let world: MemoryWorld;
beforeEach(async () => {
  world = await memoryWorld({ policy, clock: new FixedClock(Date.now()) });
  await world.secrets.put({ upstream: "app-db", actor: "security-oncall" }, Buffer.from("postgres://admin@db.internal:5433/app"), CALL);
});
afterEach(() => world.close());

test("the role is made for the credential, valid until it expires, and named in its issued row", async () => {
  const outcome = await issueCredential(world.services, agent, DB, CALL);
  if (outcome.kind !== "issued") throw new Error(outcome.kind);

  expect(outcome.upstream).toMatchObject({ kind: "postgres", host: "db.internal", port: 5433, database: "app" });
  if (outcome.upstream?.kind !== "postgres") throw new Error("no database login");
  const role = world.roleAdmin.roles.get(outcome.upstream.username)!;
  expect(role.validUntil.getTime()).toBe(outcome.expiresAt * 1000);
  expect(role.grants).toEqual([{ schema: "app", privileges: ["SELECT"] }]);
  expect((await findEvents(world.audit, { jti: outcome.jti }))[0]).toMatchObject({
    type: "issued",
    detail: { upstream: "app-db", db_role: outcome.upstream.username },
  });
});

test("when the issued row cannot be written, the role is dropped and the credential's state removed (fail closed)", async () => {
  const append = world.audit.append.bind(world.audit);
  jest.spyOn(world.audit, "append").mockImplementation(async (event) => {
    if (event.type === "issued") throw new StoreUnavailableError("the audit ledger");
    return append(event);
  });

  await expect(issueCredential(world.services, agent, DB, CALL)).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(world.roleAdmin.roles.size).toBe(0);
  expect(world.roleAdmin.dropped).toHaveLength(1);
  expect((await world.roles.live({ kind: "agent", id: "support-agent" })).length).toBe(0);
  expect(await world.tokens.revokeSubject({ kind: "agent", id: "support-agent" }, world.clock.now())).toBe(0);
});

test("revoking the credential drops its role and records why", async () => {
  const outcome = await issueCredential(world.services, agent, DB, CALL);
  if (outcome.kind !== "issued") throw new Error(outcome.kind);
  await revokeCredential(world.services, agent, outcome.jti, { requestId: "req-revoke" });

  expect(world.roleAdmin.roles.size).toBe(0);
  expect((await findEvents(world.audit, { jti: outcome.jti, type: "upstream_role_dropped" }))[0]).toMatchObject({
    reason: "revoked",
    requestId: "req-revoke",
    agent: "support-agent",
  });
});

test("without the upstream's admin secret nothing is handed out and nothing is left behind", async () => {
  await world.secrets.delete({ upstream: "app-db", actor: "security-oncall" }, CALL);
  await expect(issueCredential(world.services, agent, DB, CALL)).rejects.toMatchObject({ code: "temporarily_unavailable" });
  expect(world.roleAdmin.roles.size).toBe(0);
  expect(await findEvents(world.audit, { type: "issued" })).toEqual([]);
  expect(await world.tokens.revokeSubject({ kind: "agent", id: "support-agent" }, world.clock.now())).toBe(0);
});

test("a kill switch that lands while the role is being created is not outrun: the role is dropped and nothing is handed out", async () => {
  // The kill switch finds the recorded role, but its CREATE ROLE has not committed yet, so there is nothing to drop yet.
  const create = world.roleAdmin.create.bind(world.roleAdmin);
  jest.spyOn(world.roleAdmin, "create").mockImplementation(async (url, role) => {
    await world.services.upstreams.revoked({ kind: "agent", id: "support-agent" }, { requestId: "req-kill" });
    return create(url, role);
  });

  await expect(issueCredential(world.services, agent, DB, CALL)).rejects.toMatchObject({ code: "permission_denied" });
  expect(world.roleAdmin.roles.size).toBe(0);
  expect(await findEvents(world.audit, { type: "issued" })).toEqual([]);
});
