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

const ROOT = resolve(__dirname, "..", "..");
const PAGE = join(ROOT, "docs", "getting-started.md");

interface Block {
  readonly marker: string;
  readonly code: string;
}

function bashBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const pattern = /(?:<!--\s*(.*?)\s*-->\s*\n)?```bash\n([\s\S]*?)```/g;
  for (let match = pattern.exec(markdown); match; match = pattern.exec(markdown)) blocks.push({ marker: match[1] ?? "", code: match[2] });
  return blocks;
}

let dir: string;
let port: number;
let server: ChildProcess | undefined;
let serverOutput = "";
// Only what a fresh shell has: no LOCKSMITH_* or PORT of the test runner leaks into the page's commands.
const shellEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), LANG: "C.UTF-8" };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-getting-started-"));
  for (const entry of ["package.json", "node_modules", "dist", "bin", "prisma", "examples"]) symlinkSync(join(ROOT, entry), join(dir, entry));
  port = await freePort();
});

afterAll(async () => {
  await stopServer();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `code` in bash with the terminal's exported variables, and saves them back (the terminal goes on). */
function runInTerminal(terminal: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const envFile = join(dir, `.terminal-${terminal}.env`);
  const script = `[ -f ${envFile} ] && . ${envFile}\nset -eo pipefail\n${code}\nexport -p > ${envFile}\n`;
  const result = spawnSync("bash", ["-c", script], { cwd: dir, env: shellEnv, encoding: "utf8", timeout: 120_000 });
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
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server!.once("exit", r));
  process.kill(-server.pid!, "SIGINT"); // Ctrl-C: the whole process group, npm and node
  await exited;
}

test("the quick start and 'Add your own agent in five minutes' run as written, on another port with LOCKSMITH_ISSUER set", async () => {
  const markdown = readFileSync(PAGE, "utf8");
  expect(markdown).toContain("## Quick start");
  expect(markdown).toContain("## Add your own agent in five minutes");
  const blocks = bashBlocks(markdown.replaceAll("8181", String(port)));
  expect(blocks.filter((b) => b.marker === "server")).toHaveLength(2);
  expect(blocks.filter((b) => b.marker.startsWith("denied:")).length).toBeGreaterThanOrEqual(3);

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
  }

  // What the page says the commands did, checked against the running Locksmith and the files.
  const status = runInTerminal("2", "locksmith status --json");
  expect(JSON.parse(status.stdout)).toMatchObject({ issuer: `http://localhost:${port}`, ready: true });
  const newAgent = runInTerminal("2", "locksmith credential --as invoice-bot --key keys/invoice-bot.jwk.json --scope crm:read --resource crm:customers/7");
  expect(JSON.parse(newAgent.stdout)).toMatchObject({ scope: "crm:read", resource: "crm:customers/7", audience: "https://crm.example.com" });
  expect(readFileSync(join(dir, "policy.yaml"), "utf8")).toContain("invoice-bot:");
  expect(statSync(join(dir, "keys", "invoice-bot.jwk.json")).mode & 0o777).toBe(0o600);
}, 600_000);
