import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../support/private-stores";

// docs/getting-started.md, run as written: each ```bash block in order, in a fresh folder that
// holds this installed checkout (package.json, node_modules, dist, bin, prisma, examples), on a
// free port instead of 8181 and with LOCKSMITH_ISSUER set as the page says. Two shells, as the
// page has two terminals: a block marked <!-- server --> is terminal 1 (its last line, `npm
// start`, keeps running until the next server block replaces it); every other block is terminal 2
// and must exit 0, except one marked <!-- denied: <reason> -->, which must exit 1 naming the reason.
// Blocks marked <!-- not run: … --> (the install) are not run.

// README.md's "Quick start" and "Add your own agent in five minutes" are run the same way (their
// 8080 replaced by a free port). A ```json or ```text block right after a run block is what that
// command prints: the JSON has the same fields (and the same values, but for a `…` value, which is
// a prefix, and the per-call jti and expires_at); every text line is in what it printed.

const ROOT = resolve(__dirname, "..", "..");
const PAGE = join(ROOT, "docs", "getting-started.md");
const README = join(ROOT, "README.md");

interface Block {
  readonly marker: string;
  readonly code: string;
  /** What the page says the command prints: the ```json or ```text block that follows it. */
  readonly prints?: { readonly language: "json" | "text"; readonly text: string };
}

function bashBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const pattern = /(?:<!--\s*(.*?)\s*-->\s*\n)?```(\w+)\n([\s\S]*?)```/g;
  let previous = "";
  for (let match = pattern.exec(markdown); match; match = pattern.exec(markdown)) {
    const [, marker, language, code] = match;
    // Only a block that comes right after a command (no other block between) is what it prints.
    if ((language === "json" || language === "text") && previous === "bash") {
      blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], prints: { language, text: code } };
    }
    if (language === "bash") blocks.push({ marker: marker ?? "", code });
    previous = language;
  }
  return blocks;
}

/** The section `## title` of a page, up to the next `## `. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf("\n## ", start + 3);
  return markdown.slice(start, end === -1 ? undefined : end);
}

const VOLATILE = new Set(["jti", "expires_at"]);

/** The command printed what the page shows after it. */
function expectPrinted(prints: NonNullable<Block["prints"]>, stdout: string, stderr: string): void {
  if (prints.language === "text") {
    for (const line of prints.text.trim().split("\n")) expect(`${stdout}${stderr}`).toContain(line);
    return;
  }
  const shown = JSON.parse(prints.text) as Record<string, unknown>;
  const actual = JSON.parse(stdout) as Record<string, unknown>;
  expect(Object.keys(actual).sort()).toEqual(expect.arrayContaining(Object.keys(shown).sort()));
  for (const [key, value] of Object.entries(shown)) {
    if (VOLATILE.has(key)) expect(typeof actual[key]).toBe(typeof value);
    else if (typeof value === "string" && value.endsWith("…")) expect(String(actual[key])).toMatch(new RegExp(`^${value.slice(0, -1).slice(0, 12)}`));
    else expect({ [key]: actual[key] }).toEqual({ [key]: value });
  }
}

let dir: string;
let port: number;
let server: ChildProcess | undefined;
let serverOutput = "";
// Only what a fresh shell has: no LOCKSMITH_* or PORT of the test runner leaks into the page's commands.
const shellEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), LANG: "C.UTF-8" };

/** A fresh folder holding this installed checkout, and a free port. */
async function freshWorld(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "locksmith-getting-started-"));
  for (const entry of ["package.json", "node_modules", "dist", "bin", "prisma", "examples"]) symlinkSync(join(ROOT, entry), join(dir, entry));
  port = await freePort();
}

afterEach(async () => {
  await stopServer();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `code` in bash with the terminal's exported variables, and saves them back (the terminal goes on). */
function runInTerminal(terminal: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const envFile = join(dir, `.terminal-${terminal}.env`);
  const script = `[ -f ${envFile} ] && . ${envFile}\nset -eo pipefail\n${code}\nexport -p > ${envFile}\n`;
  // stdin is not a socket (spawnSync's default pipe is one): bash with a socket on stdin and no SHLVL takes itself for an
  // ssh session and sources ~/.bashrc, letting the runner's own settings into the page's commands (and costing about a
  // second per block on a runner whose ~/.bashrc sets up pyenv).
  const result = spawnSync("bash", ["-c", script], { cwd: dir, env: shellEnv, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function startServer(code: string): Promise<void> {
  await stopServer();
  const lines = code.trim().split("\n");
  const last = lines.pop()!;
  expect(last.trim()).toBe("npm start");
  const setup = runInTerminal("1", lines.join("\n"));
  expect(setup).toMatchObject({ status: 0 });
  serverOutput = "";
  server = spawn("bash", ["-c", `. ${join(dir, ".terminal-1.env")}\nexec ${last}`], {
    cwd: dir,
    env: shellEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (chunk) => (serverOutput += chunk));
  server.stderr!.on("data", (chunk) => (serverOutput += chunk));
  for (let i = 0; ; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) return;
    if (server.exitCode !== null || i > 600) throw new Error(`Locksmith did not become ready:\n${serverOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopServer(): Promise<void> {
  const running = server;
  server = undefined;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((r) => running.once("exit", r));
  process.kill(-running.pid!, "SIGINT"); // Ctrl-C: the whole process group, npm and node
  await exited;
}

/** Runs the blocks in order: server blocks in terminal 1, the rest in terminal 2, each checked as its marker and output block say. */
async function runBlocks(blocks: Block[]): Promise<void> {
  for (const block of blocks) {
    if (block.marker.startsWith("not run")) continue;
    if (block.marker === "server") {
      await startServer(block.code);
      continue;
    }
    const result = runInTerminal("2", block.code);
    const shown = `$ ${block.code}\n${result.stdout}${result.stderr}`;
    if (block.marker.startsWith("denied:")) {
      expect({ shown, status: result.status }).toMatchObject({ status: 1 });
      expect(result.stderr).toContain(`403 permission_denied`);
      expect(result.stderr).toContain(block.marker.slice("denied:".length).trim());
    } else {
      expect({ shown, status: result.status }).toMatchObject({ status: 0 });
    }
    if (block.prints) expectPrinted(block.prints, result.stdout, result.stderr);
  }
}

/** What the pages say the commands did, checked against the running Locksmith and the files. */
function expectOwnAgent(): void {
  const status = runInTerminal("2", "locksmith status --json");
  expect(JSON.parse(status.stdout)).toMatchObject({ issuer: `http://localhost:${port}`, ready: true });
  const newAgent = runInTerminal("2", "locksmith credential --as invoice-bot --key keys/invoice-bot.jwk.json --scope crm:read --resource crm:customers/7");
  expect(JSON.parse(newAgent.stdout)).toMatchObject({
    scope: "crm:read",
    resource: "crm:customers/7",
    audience: "https://crm.example.com",
  });
  expect(readFileSync(join(dir, "policy.yaml"), "utf8")).toContain("invoice-bot:");
  expect(statSync(join(dir, "keys", "invoice-bot.jwk.json")).mode & 0o777).toBe(0o600);
}

test("getting-started.md: the quick start and 'Add your own agent in five minutes' run as written, on another port with LOCKSMITH_ISSUER set", async () => {
  await freshWorld();
  const markdown = readFileSync(PAGE, "utf8");
  expect(markdown).toContain("## Quick start");
  expect(markdown).toContain("## Add your own agent in five minutes");
  const blocks = bashBlocks(markdown.replaceAll("8181", String(port)));
  expect(blocks.filter((b) => b.marker === "server")).toHaveLength(2);
  expect(blocks.filter((b) => b.marker.startsWith("denied:")).length).toBeGreaterThanOrEqual(3);
  await runBlocks(blocks);
  expectOwnAgent();
}, 600_000);

test("README.md: its quick start and 'Add your own agent in five minutes' run as written, on another port with LOCKSMITH_ISSUER set, printing what it shows", async () => {
  await freshWorld();
  const readme = readFileSync(README, "utf8");
  const quickStart = section(readme, "Quick start");
  const ownAgent = section(readme, "Add your own agent in five minutes");
  // Only the server's own export names the port: every other command reads LOCKSMITH_URL.
  expect(quickStart.match(/localhost:8080/g)).toHaveLength(2);
  expect(ownAgent).not.toMatch(/--url|localhost:\d/);
  const blocks = bashBlocks(`${quickStart}\n${ownAgent}`.replaceAll("8080", String(port)));
  expect(blocks.filter((b) => b.marker === "server")).toHaveLength(2);
  expect(blocks.filter((b) => b.marker.startsWith("denied:"))).toHaveLength(3);
  expect(blocks.filter((b) => b.prints).length).toBeGreaterThanOrEqual(4);
  await runBlocks(blocks);
  expectOwnAgent();
}, 600_000);
