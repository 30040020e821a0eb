import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { assertionFor } from "../support/principals";
import { freePort } from "../support/private-stores";

/**
 * Dev mode as a newcomer meets it: the built server started with no
 * REDIS_URL/DATABASE_URL, then the CLI commands its banner prints, run as printed.
 * Every wait is bounded, so a server that never starts fails instead of hanging.
 */
const ROOT = resolve(__dirname, "..", "..");
const STARTUP_TIMEOUT_MS = 90_000;
const CLI_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 20_000;

let dataDir: string;
let server: ChildProcessWithoutNullStreams;
let exited: Promise<[number | null, NodeJS.Signals | null]>;
let stdout = "";
let stderr = "";
let banner: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "locksmith-dev-"));
  const port = await freePort();
  server = spawn(process.execPath, ["dist/main.js"], { cwd: ROOT, env: devEnvironment(port, dataDir) });
  exited = once(server, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  server.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  server.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  banner = await waitFor("the dev-mode banner", STARTUP_TIMEOUT_MS, () => (/npx locksmith redeem .*\n/.test(stdout) ? stdout : undefined));
}, STARTUP_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill("SIGKILL");
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test("serves /healthz at the URL the banner gives", async () => {
  const url = /running in dev mode at (http:\/\/\S+)/.exec(banner)?.[1];
  expect(url).toBeDefined();
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(CLI_TIMEOUT_MS) });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
});

test("keeps its generated signing keys in LOCKSMITH_DATA_DIR, readable by the owner only", async () => {
  expect((await stat(join(dataDir, "keys.json"))).mode & 0o777).toBe(0o600);
  expect((await stat(join(dataDir, "pgdata"))).isDirectory()).toBe(true);
});

test(
  "the banner's commands get a credential as the support agent and redeem it as the CRM",
  async () => {
    const issued = JSON.parse(await runBannerCommand("credential"));
    expect(issued).toEqual({
      credential: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: "Bearer",
      jti: expect.any(String),
      scope: "crm:read",
      resource: "crm:customers/42",
      audience: "https://crm.example.com",
      expires_at: expect.any(String),
      expires_in: expect.any(Number),
    });

    const redeemed = JSON.parse(await runBannerCommand("redeem", issued.credential));
    expect(redeemed).toMatchObject({ active: true, jti: issued.jti, agent: "support-agent", scope: "crm:read", resource: "crm:customers/42" });
  },
  2 * CLI_TIMEOUT_MS + 5_000,
);

test(
  "stops cleanly on SIGTERM with exit code 0, ending an open revocation stream instead of waiting on it",
  async () => {
    const url = /running in dev mode at (http:\/\/\S+)/.exec(banner)![1];
    const stream = await fetch(`${url}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${await assertionFor("crm-prod", url)}` },
      signal: AbortSignal.timeout(SHUTDOWN_TIMEOUT_MS),
    });
    expect(stream.status).toBe(200);
    const body = stream.body!.getReader();
    server.kill("SIGTERM");
    const [code, signal] = await within("the server to exit after SIGTERM", SHUTDOWN_TIMEOUT_MS, exited);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The server ended the stream: the reader sees its end rather than hanging.
    let done = false;
    while (!done) done = (await body.read()).done;
    expect(done).toBe(true);
  },
  SHUTDOWN_TIMEOUT_MS + 5_000,
);

/** Runs `npx locksmith <command> …` from the banner as `node bin/locksmith.js <command> …`; resolves with its stdout. */
async function runBannerCommand(command: "credential" | "redeem", credential?: string): Promise<string> {
  const line = new RegExp(`^\\s*npx locksmith (${command} .*)$`, "m").exec(banner)?.[1];
  if (!line) throw new Error(`the banner shows no \`locksmith ${command}\` command:\n${banner}`);
  const args = line.split(/\s+/).map((arg) => (arg === "<credential>" && credential ? credential : arg));
  const { stdout: out } = await promisify(execFile)(process.execPath, ["bin/locksmith.js", ...args], { cwd: ROOT, timeout: CLI_TIMEOUT_MS });
  return out;
}

/** The parent's environment minus everything that would select production mode or point elsewhere. */
function devEnvironment(port: number, dir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !["REDIS_URL", "DATABASE_URL", "HOST", "LOG_LEVEL"].includes(key) && !key.startsWith("LOCKSMITH_")),
  );
  return { ...env, PORT: String(port), LOCKSMITH_DATA_DIR: dir };
}

/** Polls `check` until it gives a value; fails early if the server exits, and after `timeoutMs` in any case. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const found = new Promise<T>((resolveFound) => {
    const poll = setInterval(() => {
      const value = check();
      if (value !== undefined) {
        clearInterval(poll);
        resolveFound(value);
      }
    }, 50);
    void exited.finally(() => clearInterval(poll));
  });
  const died = exited.then(([code, signal]) => {
    throw new Error(`the server exited (code ${code}, signal ${signal}) before ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  });
  return within(what, timeoutMs, Promise.race([found, died]));
}

async function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
