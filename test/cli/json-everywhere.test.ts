import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startListeningLocksmith, type ListeningLocksmith } from "../support/listening-locksmith";
import { ROOT } from "./run-cli";

// `--json` on every command: the command tree is read from `locksmith help` (so a new command
// without a case here fails this test), and each leaf runs with --json against a running Locksmith
// or offline and must print JSON on stdout: one value, or NDJSON lines for the streams (`audit tail`,
// `audit export` to stdout). A command that fails prints its error as JSON too.

const CLI = resolve(ROOT, "dist", "cli", "main.js");
const KEYS = resolve(ROOT, "examples", "keys");
const POLICY = resolve(ROOT, "examples", "policy.yaml");
const COMPANY = resolve(ROOT, "examples", "company-policy.yaml");
const as = (id: string) => ["--as", id, "--key", join(KEYS, `${id}.jwk.json`)];
const ADMIN = as("security-oncall");
const AUDITOR = as("security-auditor");

let dir: string;
let server: ListeningLocksmith;
let env: Record<string, string>;

function cli(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env, timeout: 120_000 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number | string }).code ?? (error.killed ? "killed" : 1)) : 0, stdout, stderr }),
    ),
  );
}

/**
 * Runs a command that never ends by itself (`audit tail` follows the ledger): once it has printed a
 * line and then nothing more for a moment (it has caught up and waits to poll again), it is stopped.
 */
function follow(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: dir, env, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number | string }).code ?? (error.killed ? "killed" : 1)) : 0, stdout, stderr }),
    );
    let printed = "";
    let quiet: NodeJS.Timeout | undefined;
    child.stdout!.on("data", (chunk: string) => {
      printed += chunk;
      clearTimeout(quiet);
      if (printed.includes("\n")) quiet = setTimeout(() => child.kill(), 500);
    });
  });
}

/** Leaf commands, as `locksmith help` lists them (`keys generate`, `status`, …). */
async function leafCommands(prefix: string[] = []): Promise<string[]> {
  const help = (await cli([...prefix, "--help"])).stdout;
  const listed = help.split("Commands:\n")[1];
  if (!listed) return [prefix.join(" ")];
  const names = [...listed.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((name) => name !== "help");
  return (await Promise.all(names.map((name) => leafCommands([...prefix, name])))).flat();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-json-"));
  server = await startListeningLocksmith();
  env = {
    PATH: process.env.PATH ?? "",
    LOCKSMITH_URL: server.url,
    DATABASE_URL: server.sut.database.url,
    LOCKSMITH_LEDGER_KEY_FILE: server.sut.ledgerKeyFile,
    LOCKSMITH_APPROVER_TOKEN: "not-a-token",
  };
  writeFileSync(join(dir, "secret.txt"), "s3cret-value\n");
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** How each command is run: its arguments, whether stdout is NDJSON (a stream) rather than one value, and whether it follows (never ends by itself). */
const CASES: Record<string, { args: () => string[]; ndjson?: boolean; follows?: boolean }> = {
  "keys generate": { args: () => ["--policy", POLICY, "--out", join(dir, "keys.json")] },
  "keys rotate": { args: () => ["--env", "production", "--keys-file", join(dir, "keys.json"), "--policy", POLICY, "--force", "--no-record"] },
  migrate: { args: () => [] },
  credential: { args: () => [...as("support-agent"), "--scope", "crm:read", "--resource", "crm:customers/42"] },
  redeem: { args: () => [...as("crm-prod"), "--credential", "not-a-credential"] },
  assertion: { args: () => as("support-agent") },
  "agent add": { args: () => ["json-bot", "--environment", "production", "--roles", "customer-service-tier-1", "--out", join(dir, "k"), "--policy", POLICY] },
  "resource-server add": {
    args: () => [
      "json-api",
      "--environment",
      "production",
      "--audience",
      "https://json.example.com",
      "--resources",
      "json:**",
      "--out",
      join(dir, "k"),
      "--policy",
      POLICY,
    ],
  },
  init: { args: () => ["--dir", join(dir, "init")] },
  "approvals login": { args: () => [] },
  "approvals list": { args: () => [] },
  "approvals approve": { args: () => ["00000000-0000-4000-8000-000000000000"] },
  "approvals reject": { args: () => ["00000000-0000-4000-8000-000000000000"] },
  "audit verify": { args: () => [] },
  "audit keygen": { args: () => ["--out", join(dir, "ledger.key"), "--name", "json.example.com/audit"] },
  "audit verifier-key": { args: () => [] },
  "audit query": { args: () => AUDITOR },
  "audit tail": { args: () => [...AUDITOR, "--from-start"], ndjson: true, follows: true },
  "audit export": { args: () => AUDITOR, ndjson: true },
  "audit trace": { args: () => [...AUDITOR, "--jti", "00000000-0000-4000-8000-000000000000"] },
  "policy validate": { args: () => [POLICY] },
  "policy explain": { args: () => ["--policy", POLICY, "--agent", "support-agent", "--scope", "crm:read", "--resource", "crm:customers/42"] },
  "policy test": { args: () => [resolve(ROOT, "examples", "company-policy.test.yaml")] },
  "policy diff": { args: () => [POLICY, COMPANY] },
  "policy who-can": { args: () => ["--policy", POLICY, "--scope", "crm:read", "--resource", "crm:customers/42"] },
  "policy reload": { args: () => ADMIN },
  revoke: { args: () => [...ADMIN, "--agent", "staging-deploy-agent"] },
  "agents suspend": { args: () => ["staging-deploy-agent", ...ADMIN] },
  "agents resume": { args: () => ["staging-deploy-agent", ...ADMIN] },
  status: { args: () => [] },
  "secrets put": { args: () => ["no-such-upstream", ...ADMIN, "--from-file", join(dir, "secret.txt")] },
  "secrets rotate": { args: () => ["no-such-upstream", ...ADMIN, "--from-file", join(dir, "secret.txt")] },
  "secrets delete": { args: () => ["no-such-upstream", ...ADMIN] },
  "secrets list": { args: () => ADMIN },
};

test("every command of `locksmith help` has a case here", async () => {
  expect((await leafCommands()).sort()).toEqual(Object.keys(CASES).sort());
}, 300_000);

test.each(Object.keys(CASES))(
  "%s --json prints JSON on stdout",
  async (command) => {
    const c = CASES[command];
    const args = [...command.split(" "), ...c.args(), "--json"];
    const r = await (c.follows ? follow(args) : cli(args));
    const shown = { command, code: r.code, stdout: r.stdout, stderr: r.stderr };
    expect({ ...shown, empty: r.stdout.trim() === "" }).toMatchObject({ empty: false });
    if (c.ndjson) {
      if (c.follows) expect(r.stdout.endsWith("\n")).toBe(true); // stopped between lines, never inside one
      for (const line of r.stdout.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    } else {
      let parsed: unknown;
      expect(() => (parsed = JSON.parse(r.stdout))).not.toThrow();
      expect(typeof parsed).toBe("object");
      // A failure says so in the JSON too, never as a bare line.
      if (r.code !== 0) expect(parsed).toHaveProperty("error");
    }
    // Nothing for people leaks onto stdout: no progress, no human lines (stderr is a pipe here).
    expect(r.stderr).not.toContain("\r");
  },
  60_000,
);

test("progress of long work goes to stderr only when stderr is a terminal", async () => {
  // Under script(1) stderr is a terminal: the progress line shows, stdout still ends with the verdict. Both runs only read the ledger: at once.
  const [piped, tty] = await Promise.all([
    cli(["audit", "verify"]),
    new Promise<string>((done) =>
      execFile(
        "script",
        ["-qec", `${process.execPath} ${CLI} audit verify`, "/dev/null"],
        { cwd: dir, env: { ...env, TERM: "dumb" }, timeout: 30_000 },
        (_error, stdout) => done(stdout),
      ),
    ),
  ]);
  expect(piped.code).toBe(0);
  expect(piped.stdout).toMatch(/^ledger OK: \d+ events/);
  expect(piped.stderr).not.toContain("verifying the ledger");
  expect(tty).toMatch(/verifying the ledger: \d+ events checked/);
  expect(tty).toMatch(/ledger OK: \d+ events/);
}, 60_000);
