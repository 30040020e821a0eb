import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";
import request from "supertest";
import { parse, stringify } from "yaml";
import { writeDelegationPolicy } from "./delegation-policy";
import { TestIdentityProvider } from "./identity-provider";
import { KeyApiUpstream } from "./key-api-upstream";
import { LocksmithApi } from "./locksmith-api";
import { startLocksmith, type LocksmithUnderTest } from "./locksmith-under-test";
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from "./services";

/** A key encryption key of the test (the form LOCKSMITH_KEYS_KEK takes). */
export const TEST_KEK = randomBytes(32).toString("base64");

export interface UpstreamWorld {
  readonly sut: LocksmithUnderTest;
  readonly api: LocksmithApi;
  readonly corp: TestIdentityProvider;
  readonly upstream: KeyApiUpstream;
  /** The upstream PostgreSQL database (schema `app`, table `customers`) and its admin URL. */
  readonly appDb: TestDatabase;
  /** Every role this world's upstreams name starts with it (roles are cluster-wide). */
  readonly rolePrefix: string;
  readonly policyFile: string;
  /** The settings Locksmith was started with (for a child process of the same world). */
  readonly settings: Record<string, string>;
  close(): Promise<void>;
}

/** Adds this world's upstreams and the roles that use them to a bundle (parsed YAML). */
// biome-ignore lint/suspicious/noExplicitAny: loose JSON of a test fixture
export function addUpstreams(bundle: Record<string, any>, upstreamUrl: string, rolePrefix: string): void {
  bundle.upstreams = {
    "crm-api": {
      kind: "api_key",
      environment: "production",
      base_url: `${upstreamUrl}/api`,
      key: { in: "header", name: "X-Api-Key" },
      scopes: { "crm:read": ["GET /customers/*", "GET /echo", "GET /big"], "crm:write": ["POST /customers/*/notes"], "crm:purge": ["DELETE /customers/*"] },
    },
    "billing-api": {
      kind: "api_key",
      environment: "production",
      base_url: `${upstreamUrl}/billing`,
      key: { in: "query", name: "api_key" },
      scopes: { "billing:read": ["GET /invoices/*"] },
    },
    "app-db": { kind: "postgres", environment: "production", role_prefix: rolePrefix, scopes: { "db:read": [{ schema: "app", privileges: ["SELECT"] }] } },
    github: { kind: "oauth2", environment: "production", issuer: "https://github.example", client_id: "locksmith", scopes: { "repo:read": ["repo"] } },
    "staging-db": { kind: "postgres", environment: "staging", role_prefix: rolePrefix, scopes: { "db:read": [{ schema: "app", privileges: ["SELECT"] }] } },
  };
  bundle.roles["upstream-user"] = {
    grants: [
      { scopes: ["crm:read", "crm:write", "crm:purge"], resources: ["crm-api", "crm-api:**"], max_ttl: "5m" },
      { scopes: ["billing:read"], resources: ["billing-api:**"], max_ttl: "5m", max_uses: 2 },
      { scopes: ["db:read", "db:write"], resources: ["app-db:*"], max_ttl: "5m", ttl: "2m" },
      { scopes: ["repo:read"], resources: ["github:**"], max_ttl: "5m" },
    ],
  };
  bundle.roles["staging-db-reader"] = { grants: [{ scopes: ["db:read"], resources: ["app-db:*", "staging-db:*"], max_ttl: "5m" }] };
  bundle.agents["support-agent"].roles.push("upstream-user");
  bundle.agents["staging-deploy-agent"].roles.push("staging-db-reader");
}

/** A database standing in for a production application's, with a table to read and try to destroy. */
export async function createAppDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    "CREATE SCHEMA app; CREATE TABLE app.customers (id int PRIMARY KEY, name text); INSERT INTO app.customers VALUES (1, 'Ada'), (2, 'Grace')",
  );
  // Nobody but the admin may create objects or connect elsewhere by default (least privilege at the server).
  await client.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  await client.end();
  return db;
}

/** Drops every role of the cluster starting with `prefix` (roles outlive the test's databases). */
export async function dropRolesWithPrefix(prefix: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", [prefix]);
    for (const { rolname } of rows) {
      await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [rolname]);
      await client.query(`DROP ROLE IF EXISTS "${rolname}"`).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/**
 * Locksmith (production mode, real Redis and PostgreSQL, a KEK) with the
 * delegation policy plus upstreams: a real key-checking HTTP API on loopback
 * and a real PostgreSQL database; their secrets put through the admin API.
 */
export async function startUpstreamWorld(options: { settings?: Record<string, string>; putSecrets?: boolean } = {}): Promise<UpstreamWorld> {
  const key = `sk_live_${randomBytes(18).toString("base64url")}`;
  const [corp, upstream, appDb] = await Promise.all([TestIdentityProvider.start("corp"), KeyApiUpstream.start(key), createAppDatabase()]);
  const rolePrefix = `t${randomBytes(4).toString("hex")}_`;
  const base = writeDelegationPolicy({
    corpIssuer: corp.issuer,
    corpJwksUri: corp.jwksUri,
    deadIssuer: "http://127.0.0.1:1/dead",
    deadJwksUri: "http://127.0.0.1:1/jwks",
    ciIssuer: `${corp.issuer}-ci`,
    ciJwksUri: corp.jwksUri,
  });
  const bundle = parse(readFileSync(base, "utf8"));
  rmSync(dirname(base), { recursive: true, force: true });
  addUpstreams(bundle, upstream.url, rolePrefix);
  const policyFile = join(mkdtempSync(join(tmpdir(), "locksmith-upstreams-")), "policy.yaml");
  writeFileSync(policyFile, stringify(bundle));
  const settings = { LOCKSMITH_KEYS_KEK: TEST_KEK, LOCKSMITH_KEYS_KEK_ID: "test-kek", LOCKSMITH_REAPER_SECONDS: "0.5", ...options.settings };
  const sut = await startLocksmith({ policyFile, settings });
  const api = new LocksmithApi(sut);
  if (options.putSecrets !== false) {
    for (const [upstreamId, value] of [
      ["crm-api", key],
      ["billing-api", key],
      ["app-db", appDb.url],
      ["staging-db", appDb.url],
    ]) {
      const res = await request(sut.locksmith.http)
        .put(`/v1/admin/secrets/${upstreamId}`)
        .set(await api.headers("security-oncall"))
        .send({ value });
      if (res.status !== 201) throw new Error(`secret put for ${upstreamId}: ${res.status} ${res.text}`);
    }
  }
  return {
    sut,
    api,
    corp,
    upstream,
    appDb,
    rolePrefix,
    policyFile,
    settings,
    async close() {
      await sut.close();
      await Promise.all([corp.stop(), upstream.stop()]);
      await dropRolesWithPrefix(rolePrefix);
      await appDb.drop();
      rmSync(dirname(policyFile), { recursive: true, force: true });
    },
  };
}
