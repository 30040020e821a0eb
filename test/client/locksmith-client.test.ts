import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApprovalPending, AuthenticationFailed, InvalidRequest, Locksmith, LocksmithClientError, PermissionDenied, Unavailable } from "@locksmith/client";
import { Interposer } from "../support/interposer";
import { startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { LocksmithApi } from "../support/locksmith-api";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { exampleKey } from "../support/principals";

let locksmith: ListeningLocksmith;
let api: LocksmithApi;
const agent = (url = locksmith.url, id = "support-agent" as const) =>
  new Locksmith({ url, issuer: TEST_ISSUER, agent: id, key: exampleKey(id), backoffMs: 10 });

beforeAll(async () => {
  locksmith = await startListeningLocksmith();
  api = new LocksmithApi(locksmith.sut);
});
afterAll(() => locksmith?.close());

const isLive = async (credential: string) => (await api.redeem("crm-prod", { credential })).body.active;

describe("Locksmith client against a running Locksmith", () => {
  test("gets a scoped, short-lived credential", async () => {
    const credential = await agent().credential({ scope: ["crm:read"], resource: "crm:customers/42", ttl: "2m", reason: "ticket 4711" });
    expect(credential).toMatchObject({ scope: "crm:read", resource: "crm:customers/42", audience: "https://crm.example.com" });
    expect(credential.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(120_000);
    expect(await isLive(credential.token)).toBe(true);
  });

  test("throws PermissionDenied with the reason and rule for a delete", async () => {
    const error = await agent()
      .credential({ scope: "crm:delete", resource: "crm:customers/42" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDenied);
    expect(error).toMatchObject({ status: 403, reason: "explicit_deny", rule: "roles.customer-service-tier-1.deny[0]" });
  });

  test("throws PermissionDenied (environment_wall) when a staging agent reaches for production", async () => {
    const staging = agent(locksmith.url, "staging-deploy-agent" as never);
    await expect(staging.credential({ scope: "infra:deploy", resource: "infra:production/db" })).rejects.toMatchObject({
      constructor: PermissionDenied,
      reason: "environment_wall",
    });
  });

  test("throws InvalidRequest for a wildcard resource", async () => {
    await expect(agent().credential({ scope: "crm:read", resource: "crm:customers/*" })).rejects.toBeInstanceOf(InvalidRequest);
  });

  test("throws AuthenticationFailed when the key is not the agent's", async () => {
    const impostor = new Locksmith({ url: locksmith.url, issuer: TEST_ISSUER, agent: "support-agent", key: exampleKey("crm-prod") });
    await expect(impostor.credential({ scope: "crm:read", resource: "crm:customers/42" })).rejects.toBeInstanceOf(AuthenticationFailed);
  });

  test("throws ApprovalPending with the request id for a refund that needs two approvals", async () => {
    const error = await agent()
      .credential({ scope: "crm:refund", resource: "crm:orders/7" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalPending);
    expect(error).toBeInstanceOf(LocksmithClientError);
    expect((error as ApprovalPending).requestId).toMatch(/\S/);
    const rows = await api.ledger({ agent: "support-agent" });
    expect(rows.some((row) => row.type === "pending_approval" && row.resource === "crm:orders/7")).toBe(true);
  });

  test("withCredential revokes the credential after the task succeeds", async () => {
    let seen = "";
    const result = await agent().withCredential({ scope: "crm:read", resource: "crm:customers/42" }, async (token) => {
      seen = token;
      expect(await isLive(token)).toBe(true);
      return "done";
    });
    expect(result).toBe("done");
    expect(await isLive(seen)).toBe(false);
  });

  test("withCredential revokes the credential when the task throws, and rethrows", async () => {
    let seen = "";
    const failing = agent().withCredential({ scope: "crm:read", resource: "crm:customers/42" }, async (token) => {
      seen = token;
      throw new Error("the task failed");
    });
    await expect(failing).rejects.toThrow("the task failed");
    expect(await isLive(seen)).toBe(false);
  });

  test("re-reads a key file when it changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locksmith-key-"));
    const file = join(dir, "agent.jwk.json");
    writeFileSync(file, JSON.stringify(exampleKey("support-agent")));
    const fromFile = new Locksmith({ url: locksmith.url, issuer: TEST_ISSUER, agent: "support-agent", key: file });
    await fromFile.credential({ scope: "crm:read", resource: "crm:customers/1" });
    writeFileSync(file, JSON.stringify({ ...exampleKey("crm-prod"), note: "rotated to a key the policy does not know" }));
    await expect(fromFile.credential({ scope: "crm:read", resource: "crm:customers/1" })).rejects.toBeInstanceOf(AuthenticationFailed);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("Locksmith client retries", () => {
  let proxy: Interposer;
  beforeAll(async () => {
    proxy = await Interposer.start(locksmith.url);
  });
  afterAll(() => proxy?.close());
  beforeEach(() => proxy.seen.splice(0));

  test("retries after 503 with a fresh assertion and gets the credential", async () => {
    proxy.failWith503(2);
    const credential = await agent(proxy.url).credential({ scope: "crm:read", resource: "crm:customers/42" });
    expect(await isLive(credential.token)).toBe(true);
    expect(proxy.seen).toEqual(Array(3).fill("POST /v1/credentials"));
  });

  test("gives up with Unavailable when 503 outlasts the retries", async () => {
    proxy.failWith503(10);
    await expect(agent(proxy.url).credential({ scope: "crm:read", resource: "crm:customers/42" })).rejects.toMatchObject({
      constructor: Unavailable,
      status: 503,
    });
    expect(proxy.seen).toHaveLength(3);
    proxy.failWith503(0);
  });

  test("never retries a 4xx", async () => {
    await expect(agent(proxy.url).credential({ scope: "crm:delete", resource: "crm:customers/42" })).rejects.toBeInstanceOf(PermissionDenied);
    await expect(agent(proxy.url).credential({ scope: "crm:read", resource: "crm:*" })).rejects.toBeInstanceOf(InvalidRequest);
    expect(proxy.seen).toHaveLength(2);
  });

  test("turns an unreachable Locksmith into Unavailable (status 0) after retrying", async () => {
    const closed = await Interposer.start(locksmith.url);
    const url = closed.url;
    await closed.close();
    await expect(agent(url).credential({ scope: "crm:read", resource: "crm:customers/42" })).rejects.toMatchObject({ constructor: Unavailable, status: 0 });
  });
});
