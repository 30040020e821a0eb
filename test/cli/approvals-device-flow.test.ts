import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { parse, stringify } from "yaml";
import { findEvents } from "../support/find-events";
import { startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { EXAMPLE_POLICY } from "../support/principals";
import { freePort } from "../support/private-stores";
import { startIdp } from "../support/token-a-world";
import { ROOT } from "./run-cli";

// `locksmith approvals` as a person: the CLI finds the approvers' IdP in Locksmith's metadata, reads
// the IdP's discovery, starts the device flow (RFC 8628) and prints the code; the person signs in at
// a stock node-oidc-provider in a real browser while the CLI polls; the vote is recorded as theirs.

const CLI = resolve(ROOT, "dist", "cli", "main.js");
const KEY = resolve(ROOT, "examples", "keys", "support-agent.jwk.json");
const SCREENSHOTS = resolve(ROOT, "test-output", "approvals-device-flow");
const CLI_CLIENT = "locksmith-cli";

let dir: string;
let idp: ChildProcess;
let idpUrl: string;
let server: ListeningLocksmith;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-device-"));
  const idpPort = await freePort();
  idpUrl = `http://127.0.0.1:${idpPort}`;
  idp = await startIdp(dir, {
    issuer: idpUrl,
    port: idpPort,
    deviceFlow: true,
    clients: [
      {
        client_id: CLI_CLIENT,
        token_endpoint_auth_method: "none",
        grant_types: ["urn:ietf:params:oauth:grant-type:device_code"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    accounts: { mary: { groups: ["payments-leads"] }, eve: { groups: ["interns"] } },
  });
  const bundle = parse(readFileSync(EXAMPLE_POLICY, "utf8"));
  bundle.identity_providers = {
    corp: {
      issuer: idpUrl,
      jwks_uri: `${idpUrl}/jwks`,
      audience: "locksmith",
      // The sign-in the CLI gets is the ID token of its own public client: that client id is the approvers' audience.
      approver_audience: CLI_CLIENT,
      approver_sign_in: { client_id: CLI_CLIENT, scopes: ["groups"] },
      algorithms: ["RS256", "ES256", "EdDSA"],
      jwks_cooldown: 0,
    },
  };
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, stringify(bundle));
  server = await startListeningLocksmith({ policyFile });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  idp?.kill("SIGTERM");
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ PATH: process.env.PATH ?? "", LOCKSMITH_URL: server.url });

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env: env(), timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
}

/** Runs the CLI, hands the verification URL it prints to `person` (the browser part), and answers how it ended. */
function cliWithSignIn(person: (url: string) => Promise<void>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: env() });
  let stdout = "";
  let stderr = "";
  let signingIn: Promise<void> | undefined;
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    const complete = /\(or open (\S+)\)/.exec(stderr);
    if (complete && !signingIn) signingIn = person(complete[1]);
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => child.kill("SIGTERM"), 60_000);
    child.once("exit", async (code) => {
      clearTimeout(timer);
      await signingIn?.catch(fail);
      done({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The person at the IdP's device pages: confirm the code, sign in (development login), allow the CLI. */
async function signInAtIdp(url: string, login: string, name: string): Promise<void> {
  const context = await browser.newContext();
  await context.route(/^https:\/\//, (route) => route.abort()); // the dev pages' web fonts: no network here
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: "domcontentloaded" });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-1-code.png`) });
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', "any");
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
    if (await page.locator('input[name="prompt"][value="consent"]').count()) {
      await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
    }
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-2-done.png`) });
  } finally {
    await context.close();
  }
}

async function pendingRefund(order: string): Promise<string> {
  const asked = await cli("credential", "--as", "support-agent", "--key", KEY, "--scope", "crm:refund", "--resource", `crm:orders/${order}`);
  expect(asked.code).toBe(0);
  const body = JSON.parse(asked.stdout) as { status: string; request_id: string };
  expect(body.status).toBe("pending_approval");
  return body.request_id;
}

test("Locksmith's metadata names the approvers' IdP, its public client and the audience of the sign-in", async () => {
  const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  expect(metadata.approver_sign_in).toEqual([{ issuer: idpUrl, client_id: CLI_CLIENT, scopes: ["openid", "groups"], audience: CLI_CLIENT }]);
});

test("approve signs the person in with the device flow while the CLI waits, and the vote is recorded as theirs", async () => {
  const requestId = await pendingRefund("7");
  const r = await cliWithSignIn((url) => signInAtIdp(url, "mary", "approve"), "approvals", "approve", requestId, "--comment", "refund ok", "--json");
  expect(r.stderr).toMatch(new RegExp(`To sign in as an approver, open ${idpUrl}/device and enter the code [A-Z-]+`));
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ request_id: requestId, status: "pending_approval", approvals: 1, required: 2, approved_by: ["mary"] });
  const votes = (await findEvents(server.sut.locksmith.ledger, { type: "approval_given" })).filter((e) => e.detail?.approval_request === requestId);
  expect(votes.map((e) => e.actor)).toEqual(["mary"]);
}, 90_000);

test("approvals login prints the person's token; list with it shows only what they may approve", async () => {
  await pendingRefund("8");
  const login = await cliWithSignIn((url) => signInAtIdp(url, "eve", "login"), "approvals", "login", "--json");
  expect(login.code).toBe(0);
  const { token } = JSON.parse(login.stdout) as { token: string };
  const listed = await cli("approvals", "list", "--token", token, "--json");
  expect(listed.code).toBe(0);
  // eve is no payments lead: nothing waits for her.
  expect(JSON.parse(listed.stdout)).toEqual({ approvals: [] });
}, 90_000);

test("an IdP without the device flow, or a Locksmith naming no approvers' IdP, is said plainly", async () => {
  const wrong = await cli("approvals", "list", "--idp", "http://127.0.0.1:9/elsewhere");
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain(`--idp http://127.0.0.1:9/elsewhere is not an approvers' identity provider of this Locksmith (it offers ${idpUrl})`);
});
