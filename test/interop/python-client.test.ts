import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { stringify } from "yaml";
import { approverToken, delegationToken } from "../support/approvers";
import { startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { TEST_ISSUER } from "../support/locksmith-under-test";

// The Python client (clients/python) against a running Locksmith on the real Redis and PostgreSQL:
// this file starts the service with a bundle of its own (fresh keys, an approval rule, a grant that
// needs a person, rate limits), writes the private keys to a temp folder and runs the Python
// tests (`python3 -m unittest`, Debian's python3-jwt, -cryptography and -requests) with the
// service's address, issuer, keys and an approver's sign-in in their environment. The package is
// installed first, as a user would, with pip into a virtualenv that sees only Debian's packages
// (no index), and the tests import it from there.

const PYTHON = "/usr/bin/python3";
const CLIENT = resolve(__dirname, "..", "..", "clients", "python");
const CORP_IDP = JSON.parse(readFileSync(resolve(__dirname, "..", "..", "examples", "keys", "corp-idp.jwk.json"), "utf8")) as JWK;

let locksmith: ListeningLocksmith;
let dir: string;
let policyFile: string;
/** The virtualenv's python, with locksmith_client installed in it. */
let python: string;

async function keyPair(alg: "EdDSA" | "ES256", kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { privateJwk: { ...(await exportJWK(privateKey)), kid }, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

/** Agents (Ed25519 but one ES256) and a resource server with fresh keys; private keys in `dir/<id>.jwk.json`. */
async function writeBundle(): Promise<void> {
  const principals = { "py-agent": "EdDSA", "py-es256-agent": "ES256", "py-approval-agent": "EdDSA", "py-flood-agent": "EdDSA", "py-api": "EdDSA" } as const;
  const publicKeys: Record<string, JWK> = {};
  for (const [id, alg] of Object.entries(principals)) {
    const { privateJwk, publicJwk } = await keyPair(alg, `${id}-1`);
    writeFileSync(join(dir, `${id}.jwk.json`), JSON.stringify(privateJwk), { mode: 0o600 });
    publicKeys[id] = publicJwk;
  }
  const keyAuth = (id: string) => ({ method: "private_key_jwt", jwks: { keys: [publicKeys[id]] } });
  const agent = (id: string) => ({ environment: "production", roles: ["py-operator"], auth: keyAuth(id) });
  const { d: _private, ...corpPublic } = CORP_IDP;
  const bundle = {
    environments: ["staging", "production"],
    identity_providers: {
      corp: { issuer: "https://idp.example.com", audience: "locksmith", entitlements_claim: "scope", groups_claim: "groups", jwks: { keys: [corpPublic] } },
    },
    resource_servers: {
      "py-api": { environment: "production", audience: "https://api.example.com", resources: ["api:**"], auth: keyAuth("py-api") },
    },
    roles: {
      "py-operator": {
        grants: [
          { scopes: ["api:read"], resources: ["api:items/*"], max_ttl: "5m" },
          { scopes: ["api:write"], resources: ["api:items/*"], max_ttl: "2m", max_uses: 1, approval: { approvers: ["group:sre"], count: 1 } },
          { scopes: ["api:export"], resources: ["api:items/*"], max_ttl: "2m", requires_user: true },
        ],
        deny: [{ scopes: ["*:delete"], resources: ["**"] }],
      },
    },
    agents: Object.fromEntries(["py-agent", "py-es256-agent", "py-approval-agent", "py-flood-agent"].map((id) => [id, agent(id)])),
    rate_limits: { per_agent: { requests: 30, window: "5s" } },
  };
  policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, stringify(bundle));
}

/** pip builds in the folder it is given: a copy, so the source tree gets no build/ or egg-info. */
async function installClient(): Promise<void> {
  const source = join(dir, "source");
  cpSync(CLIENT, source, { recursive: true, filter: (path) => !path.includes("__pycache__") });
  const venv = join(dir, "venv");
  const steps: [string, string[]][] = [
    [PYTHON, ["-m", "venv", "--system-site-packages", venv]],
    [join(venv, "bin", "pip"), ["install", "--no-index", "--no-build-isolation", "--disable-pip-version-check", source]],
  ];
  for (const [command, args] of steps) {
    const { code, output } = await run(command, args, {});
    if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}:\n${output}`);
  }
  python = join(venv, "bin", "python");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-python-"));
  await writeBundle();
  await installClient();
  locksmith = await startListeningLocksmith({ policyFile });
}, 120_000);
afterAll(async () => {
  await locksmith?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command without blocking this process's event loop: the service under test answers from it. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: CLIENT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe("the Python client against the running service", () => {
  test("pip installs it from Debian's packages alone, with its package files and no tests", async () => {
    const { code, output } = await run(python, ["-c", "import locksmith_client, os; print(os.path.dirname(locksmith_client.__file__))"], {});
    expect(code).toBe(0);
    expect(output.trim()).toMatch(new RegExp(`^${join(dir, "venv")}/lib/python3\\.\\d+/site-packages/locksmith_client$`));
    const { output: files } = await run(python, ["-m", "pip", "show", "--files", "--disable-pip-version-check", "locksmith-client"], {});
    expect(files).toMatch(/locksmith_client\/client\.py/);
    expect(files).not.toMatch(/tests?\//);
  });

  test("its unittest suite passes (credential, denial, with_credential, approval, delegation, redeem, rate limit)", async () => {
    // From the source folder (tests/ only: the package is src/locksmith_client, not on the path), so the installed one is tested.
    const { code, output } = await run(python, ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."], {
      PYTHONDONTWRITEBYTECODE: "1",
      LOCKSMITH_URL: locksmith.url,
      LOCKSMITH_ISSUER: TEST_ISSUER,
      LOCKSMITH_TEST_KEYS: dir,
      LOCKSMITH_TEST_APPROVER_TOKEN: await approverToken("alice", ["sre"]),
      LOCKSMITH_TEST_REJECTER_TOKEN: await approverToken("carol", ["sre"]),
      LOCKSMITH_TEST_USER_TOKEN: await delegationToken("dana", { scope: "api:export api:read" }),
    });
    // The whole Python output on failure: which test, which assertion.
    if (code !== 0) throw new Error(`python3 -m unittest exited ${code}:\n${output}`);
    expect(output).toMatch(/^OK$/m);
    // Every test ran against the service: none skipped (the suite fails, not skips, without its settings).
    expect(output).not.toMatch(/skipped/);
  }, 180_000);
});
