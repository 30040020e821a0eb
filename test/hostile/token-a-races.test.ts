import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { AuthorizationServices } from "../../src/domain/oauth/authorization-services";
import { answerConsent, csrfTokenOf, promptConsent } from "../../src/domain/oauth/consent";
import type { GrantStore } from "../../src/domain/oauth/grant-store";
import type { PersonTokens } from "../../src/domain/oauth/issue-for-grant";
import { redeemAuthorizationCode } from "../../src/domain/oauth/redeem-authorization-code";
import { refreshAccessToken } from "../../src/domain/oauth/refresh-access-token";
import type { Person } from "../../src/domain/people/person";
import { parsePolicy } from "../../src/domain/policy/load-policy";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { RedisGrantStore } from "../../src/stores/redis/redis-grant-store";
import { RedisTicketStore } from "../../src/stores/redis/redis-ticket-store";
import { revokeSubject } from "../../src/domain/credentials/revoke-subject";
import type { CredentialSubject } from "../../src/domain/credentials/token-store";
import type { Principal } from "../../src/domain/policy/policy";
import { type FixedClock, memoryWorld, type MemoryWorld } from "../support/memory-services";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { AUTH } from "../unit/support/bundle-text";

// Races an attacker can provoke against Token A (RFC 9700 §4.5.3, §4.14.2): a stolen code or refresh
// token used at the same moment as the legitimate one. Whatever the interleaving, the replay (reuse)
// must leave no live token issued from the code (the family). The interleaving is forced, not timed:
// the legitimate request is held at a store call until the attacker's request has finished.

const MCP = "https://mcp.example.com/mcp";
const REDIRECT = "http://127.0.0.1:33418/callback";
const policy = parsePolicy(
  `
environments: [production]
identity_providers:
  corp:
    issuer: https://idp.example.com
    jwks: { keys: [ { kty: EC, crv: P-256, x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } ] }
    audience: locksmith
    entitlements_claim: entitlements
    login: { client_id: locksmith, client_secret_env: CORP_SECRET }
resource_servers:
  crm-mcp: { environment: production, audience: "${MCP}", resources: ["${MCP}"], auth: ${AUTH} }
roles:
  assistant:
    grants:
      - { scopes: [crm:read], resources: ["${MCP}"], max_ttl: 5m }
agents:
  desktop:
    environment: production
    roles: [assistant]
    auth: { method: none, redirect_uris: ["${REDIRECT}"] }
`,
  "policy.yaml",
);
const mary: Person = { subject: "mary", identityProvider: "corp", claims: { entitlements: ["crm:read"] }, signedInAt: Date.now() };
const call = { requestId: "race" };

let world: MemoryWorld;
let redis: Redis;
let prefix: string;
let grants: RedisGrantStore;
let services: AuthorizationServices;
beforeEach(async () => {
  world = await memoryWorld({ policy });
  prefix = testRedisPrefix();
  redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  grants = new RedisGrantStore(redis);
  services = {
    ...world.services,
    grants,
    tickets: new RedisTicketStore(redis),
    documents: { fetch: () => Promise.reject(new Error("no documents here")) },
    relyingParty: { authorizationUrl: () => Promise.reject(new Error("no sign-in here")), exchange: () => Promise.reject(new Error("no sign-in here")) },
    callbackUrl: "https://locksmith.unit/oauth/login/callback",
  };
});
afterEach(async () => {
  redis.disconnect();
  await deleteRedisKeys(prefix);
  await world.close();
});

/** A GrantStore whose `method` waits, once, until the test lets it go; `entered` resolves when it is waiting. */
function holdAt(method: "create" | "noteAccessToken"): { store: GrantStore; entered: Promise<void>; release: () => void } {
  let release!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((done) => (release = done));
  const entered = new Promise<void>((done) => (enter = done));
  const store = Object.create(grants) as Record<string, unknown>;
  let held = false;
  store[method] = async (...args: unknown[]) => {
    if (!held) {
      held = true;
      enter();
      await gate;
    }
    return (grants[method] as (...a: unknown[]) => Promise<unknown>)(...args);
  };
  return { store: store as unknown as GrantStore, entered, release };
}

async function freshCode(person: Person = mary): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const agent = policy.agents.get("desktop")!;
  const request = {
    client: { agent, redirectUris: [REDIRECT], name: "desktop" },
    redirectUri: REDIRECT,
    scopes: ["crm:read"],
    resource: MCP,
    codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
  };
  const prompt = await promptConsent(services, request, person, call);
  if (prompt.kind !== "ask") throw new Error("nothing on offer");
  const session = randomBytes(32).toString("base64url");
  const answer = await answerConsent(services, { consent: prompt.consent, csrfToken: csrfTokenOf(session), session, person, allow: true }, call);
  if (!("redirect" in answer)) throw new Error(answer.refused);
  return { code: new URL(answer.redirect).searchParams.get("code")!, verifier };
}

const redeem = (s: AuthorizationServices, code: string, verifier: string) =>
  redeemAuthorizationCode(s, { code, clientId: "desktop", redirectUri: REDIRECT, codeVerifier: verifier, resource: MCP }, call);
const refresh = (s: AuthorizationServices, refreshToken: string) => refreshAccessToken(s, { refreshToken, clientId: "desktop" }, call);

/** Every access token the grant (named in the ledger rows of the code) ever issued is revoked, and so is the grant. */
async function nothingLiveFrom(grantId: string): Promise<void> {
  const state = await grants.get(grantId);
  expect(state?.revoked ?? true).toBe(true);
  const issued = (await world.audit.page({ type: "issued" }, 0n, 100)).map((e) => e.jti!);
  expect(issued.length).toBeGreaterThan(0);
  for (const jti of issued) expect([jti, (await world.tokens.get(jti))?.revoked]).toEqual([jti, true]);
}

test("a code replayed while its first redemption is still under way leaves no live token from it", async () => {
  const { code, verifier } = await freshCode();
  const held = holdAt("create");
  // The legitimate client spends the code first and is held before its grant exists…
  const first = redeem({ ...services, grants: held.store }, code, verifier).then(
    (tokens: PersonTokens) => tokens,
    (error: Error) => error,
  );
  await held.entered;
  // …while the attacker's copy of the code arrives: refused as a replay, which must revoke what the code yields.
  await expect(redeem(services, code, verifier)).rejects.toMatchObject({ code: "invalid_grant" });
  held.release();
  const outcome = await first;
  const grantId = (await world.audit.page({ type: "code_rejected" }, 0n, 10))[0].detail!.grant as string;
  // The first redemption is refused too, or its tokens are dead: either way nothing issued from the code lives.
  if (!(outcome instanceof Error)) await expect(refresh(services, outcome.refreshToken)).rejects.toMatchObject({ code: "invalid_grant" });
  await nothingLiveFrom(grantId);
});

test("a refresh token reused while its first rotation is still issuing leaves no live token in the family", async () => {
  const { code, verifier } = await freshCode();
  const tokens = await redeem(services, code, verifier);
  const grantId = tokens.refreshToken.split(".")[0];
  const held = holdAt("noteAccessToken");
  // The legitimate refresh rotates and is held after minting, before its token is noted on the grant…
  const first = refresh({ ...services, grants: held.store }, tokens.refreshToken).then(
    (t: PersonTokens) => t,
    (error: Error) => error,
  );
  await held.entered;
  // …while the stolen copy comes back: reuse, which revokes the family.
  await expect(refresh(services, tokens.refreshToken)).rejects.toMatchObject({ code: "invalid_grant" });
  held.release();
  const outcome = await first;
  if (!(outcome instanceof Error)) await expect(refresh(services, outcome.refreshToken)).rejects.toMatchObject({ code: "invalid_grant" });
  await nothingLiveFrom(grantId);
});

test("a refresh asking wider scope, no scope or another resource is refused and spends nothing: the same refresh token still works", async () => {
  const { code, verifier } = await freshCode();
  const tokens = await redeem(services, code, verifier);
  const bad = [
    { scopes: ["crm:read", "crm:note"], error: "invalid_scope" },
    { scopes: [], error: "invalid_scope" },
    { resource: "https://other.example.com/mcp", error: "invalid_grant" },
  ];
  for (const { error, ...request } of bad) {
    await expect(refreshAccessToken(services, { refreshToken: tokens.refreshToken, clientId: "desktop", ...request }, call)).rejects.toMatchObject({
      code: error,
    });
  }
  // A bad request changes nothing (HELPERS: "never a 5xx, and changes nothing"): had it rotated, this would be a reuse that revokes the person's grant.
  const next = await refresh(services, tokens.refreshToken);
  expect(next.scope).toBe("crm:read");
  expect((await grants.get(tokens.refreshToken.split(".")[0]))?.revoked).toBe(false);
});

test("a code issued before a kill switch of its person, agent or environment is refused at redemption: no fresh grant outlives the kill switch", async () => {
  const admin = { kind: "admin", id: "ops" } as Principal;
  const subjects: CredentialSubject[] = [
    { kind: "user", id: "mary" },
    { kind: "agent", id: "desktop" },
    { kind: "environment", id: "production" },
  ];
  for (const subject of subjects) {
    (world.clock as FixedClock).advance(1000);
    const { code, verifier } = await freshCode({ ...mary, signedInAt: world.clock.now() });
    (world.clock as FixedClock).advance(1000);
    await revokeSubject(services, admin, subject, call);
    await expect(redeem(services, code, verifier)).rejects.toMatchObject({ code: "invalid_grant" });
  }
});

test("a person signed in before a kill switch of them cannot consent after it with that sign-in; a new sign-in can", async () => {
  const admin = { kind: "admin", id: "ops" } as Principal;
  (world.clock as FixedClock).advance(1000);
  await revokeSubject(services, admin, { kind: "user", id: "mary" }, call);
  // mary signed in (mary.signedInAt) before the kill switch: her session does not outlive it.
  await expect(freshCode()).rejects.toThrow();
  expect((await world.audit.page({ type: "consent_denied" }, 0n, 10)).map((e) => e.reason)).toContain("revoked_since_sign_in");
  (world.clock as FixedClock).advance(1000);
  await expect(freshCode({ ...mary, signedInAt: world.clock.now() })).resolves.toMatchObject({ code: expect.any(String) });
});
