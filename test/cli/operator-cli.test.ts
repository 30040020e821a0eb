import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parsePolicy } from "../../src/domain/policy/load-policy";
import { startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { EXAMPLE_POLICY } from "../support/principals";
import { createTestDatabase, type TestDatabase } from "../support/services";
import { freePort } from "../support/private-stores";
import { ROOT } from "./run-cli";

// The operator CLI against a running Locksmith whose issuer is not its URL (as behind a proxy), and
// offline: one grammar, settings as defaults, --json everywhere it is given.

const CLI = resolve(ROOT, "dist", "cli", "main.js");
const KEYS = resolve(ROOT, "examples", "keys");
const ADMIN = ["--as", "security-oncall", "--key", join(KEYS, "security-oncall.jwk.json")];

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
let server: ListeningLocksmith;
let at: Record<string, string>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-cli-"));
  server = await startListeningLocksmith();
  at = { LOCKSMITH_URL: server.url };
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("against a running Locksmith", () => {
  test("the issuer comes from the server's metadata: calls work although the URL is not the issuer", async () => {
    const status = await cli(at, "status", "--json");
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ url: server.url, issuer: TEST_ISSUER, ready: true, policy_version: expect.stringMatching(/^sha256:/) });
    const credential = await cli(
      at,
      "credential",
      "--as",
      "support-agent",
      "--key",
      join(KEYS, "support-agent.jwk.json"),
      "--scope",
      "crm:read",
      "--resource",
      "crm:customers/42",
    );
    expect(credential.code).toBe(0);
    expect(JSON.parse(credential.stdout)).toMatchObject({ scope: "crm:read", audience: "https://crm.example.com" });
  });

  test("a wrong issuer is refused with the one expected", async () => {
    const r = await cli(
      { ...at, LOCKSMITH_ISSUER: "http://localhost:8080" },
      "credential",
      "--as",
      "support-agent",
      "--key",
      join(KEYS, "support-agent.jwk.json"),
      "--scope",
      "crm:read",
      "--resource",
      "crm:customers/42",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`401 invalid_client: assertion claim "aud" is invalid: expected "${TEST_ISSUER}"`);
  });

  test("suspend, resume, revoke by subject and policy reload, as an admin, with --json", async () => {
    expect(JSON.parse((await cli(at, "agents", "suspend", "support-agent", ...ADMIN, "--reason", "test", "--json")).stdout)).toEqual({
      agent: "support-agent",
      status: "suspended",
      changed: true,
    });
    const denied = await cli(
      at,
      "credential",
      "--as",
      "support-agent",
      "--key",
      join(KEYS, "support-agent.jwk.json"),
      "--scope",
      "crm:read",
      "--resource",
      "crm:customers/42",
      "--json",
    );
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({ error: "permission_denied", reason: "agent_suspended" });
    expect((await cli(at, "agents", "resume", "support-agent", ...ADMIN)).stdout).toBe("support-agent: active\n");
    expect(JSON.parse((await cli(at, "revoke", "--environment", "production", ...ADMIN, "--json")).stdout)).toEqual({ revoked: expect.any(Number) });
    expect((await cli(at, "revoke", "--agent", "a", "--user", "b", ...ADMIN)).stderr).toContain("name exactly one of --jti, --agent, --user or --environment");
    expect(JSON.parse((await cli(at, "policy", "reload", ...ADMIN, "--json")).stdout)).toMatchObject({
      changed: false,
      policy_version: expect.stringMatching(/^sha256:/),
    });
  }, 180_000);

  test("approvals need a person's token, and say so", async () => {
    expect((await cli(at, "approvals", "list")).stderr).toContain("pass --token or set LOCKSMITH_APPROVER_TOKEN");
    const refused = await cli({ ...at, LOCKSMITH_APPROVER_TOKEN: "not-a-token" }, "approvals", "list");
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain("401 invalid_client");
  });

  test("an unreachable server is one line naming the URL", async () => {
    const port = await freePort();
    const r = await cli({ PORT: String(port) }, "status");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^locksmith: cannot reach Locksmith at http://localhost:${port} \\(connect ECONNREFUSED (127\\.0\\.0\\.1|::1):${port}\\): start it, or set --url / LOCKSMITH_URL\n$`,
      ),
    );
  });
});

describe("offline", () => {
  test("--version", async () => {
    expect((await cli({}, "--version")).stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
  });

  test("init writes a bundle the server accepts, with an admin key and private files 0600", async () => {
    const r = await cli({}, "init", "--dir", "deployment", "--environments", "staging,production", "--issuer", "https://locksmith.example.com", "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.settings).toMatchObject({ LOCKSMITH_ISSUER: "https://locksmith.example.com", LOCKSMITH_POLICY: join(dir, "deployment", "policy.yaml") });
    const policy = parsePolicy(readFileSync(join(dir, "deployment", "policy.yaml"), "utf8"), "policy.yaml");
    expect(policy.environments).toEqual(["staging", "production"]);
    expect(policy.principals.get("admin")?.kind).toBe("admin");
    for (const file of ["keys.json", "ledger-key.json", "keys/admin.jwk.json"]) expect(statSync(join(dir, "deployment", file)).mode & 0o777).toBe(0o600);
    expect((await cli({}, "init", "--dir", "deployment")).stderr).toContain("exists; pass --force");
  });

  test("agent add refuses an entry the server would refuse, and leaves no key behind", async () => {
    const r = await cli(
      { LOCKSMITH_POLICY: EXAMPLE_POLICY },
      "agent",
      "add",
      "bot",
      "--environment",
      "production",
      "--roles",
      "no-such-role",
      "--out",
      "bot-keys",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('agents.bot.roles[0]: unknown role "no-such-role"');
    expect(existsSync(join(dir, "bot-keys"))).toBe(false);
    expect((await cli({}, "agent", "add", "bot", "--environment", "production", "--roles", "x", "--apply")).stderr).toContain("--apply needs the bundle");
  });

  test("resource-server add prints the YAML to paste, checked against LOCKSMITH_POLICY", async () => {
    const r = await cli(
      { LOCKSMITH_POLICY: EXAMPLE_POLICY },
      "resource-server",
      "add",
      "billing-api",
      "--environment",
      "production",
      "--audience",
      "https://billing.example.com",
      "--resources",
      "billing:**",
      "--out",
      "rs-keys",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(checked: valid)");
    expect(r.stdout).toContain("resource_servers:\n  billing-api:\n    environment: production\n    audience: https://billing.example.com");
    expect(statSync(join(dir, "rs-keys", "billing-api.jwk.json")).mode & 0o777).toBe(0o600);
  });

  test("keys generate reads LOCKSMITH_POLICY and LOCKSMITH_KEYS_FILE, as the service does", async () => {
    const r = await cli({ LOCKSMITH_POLICY: EXAMPLE_POLICY, LOCKSMITH_KEYS_FILE: join(dir, "generated-keys.json") }, "keys", "generate", "--json");
    expect(r.code).toBe(0);
    expect(
      JSON.parse(r.stdout)
        .keys.map((k: { environment: string }) => k.environment)
        .sort(),
    ).toEqual(["production", "production", "staging", "staging"]);
    expect(statSync(join(dir, "generated-keys.json")).mode & 0o777).toBe(0o600);
  });

  describe("audit verify", () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database.drop());

    test("reads LOCKSMITH_LEDGER_KEY_FILE, as the service does", async () => {
      const r = await cli({ DATABASE_URL: database.url, LOCKSMITH_LEDGER_KEY_FILE: server.sut.ledgerKeyFile }, "audit", "verify");
      expect(r).toMatchObject({ code: 0, stdout: "ledger OK: 0 events, 0 checkpoints, 0 exported checkpoints verified\n" });
    });
  });
});
