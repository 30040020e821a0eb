import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildLocksmith } from "../app";
import { loadConfig } from "../config/config";
import { createLogger } from "../telemetry/logger";
import { startCrm } from "./crm-server";
import { stories } from "./stories";

const KEYS = resolve(__dirname, "..", "..", "examples", "keys");
const POLICY = resolve(__dirname, "..", "..", "examples", "policy.yaml");
const STORE_SETTINGS = ["REDIS_URL", "DATABASE_URL", "LOCKSMITH_KEYS_FILE", "LOCKSMITH_LEDGER_KEY_FILE", "LOCKSMITH_REDIS_PREFIX"];
const keyFile = (id: string) => join(KEYS, `${id}.jwk.json`);

/**
 * `npm run demo`: dev-mode Locksmith, a CRM protected by the middleware, and
 * agents using the SDK play the seeds' stories; then the audit trail. Exits 0
 * only if every story ended as expected.
 */
async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "locksmith-demo-"));
  const port = await freePort();
  // Dev mode by default; with REDIS_URL, DATABASE_URL, LOCKSMITH_KEYS_FILE and LOCKSMITH_LEDGER_KEY_FILE set, the same stories on the real stores.
  const passed = Object.fromEntries(STORE_SETTINGS.filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
  const config = loadConfig({
    ...passed,
    PORT: String(port),
    LOCKSMITH_POLICY: POLICY,
    LOCKSMITH_DATA_DIR: dataDir,
    LOCKSMITH_ISSUER: `http://127.0.0.1:${port}`,
    LOCKSMITH_ALLOW_DEMO_KEYS: "true",
    LOG_LEVEL: "silent",
  });
  const locksmith = await buildLocksmith(config, createLogger("silent"));
  const server = locksmith.http.listen(port, "127.0.0.1");
  await new Promise((done) => server.once("listening", done));
  const locksmithUrl = config.issuer;
  const crm = await startCrm({ locksmithUrl, keyFile: keyFile("crm-prod") });
  say(`\nLocksmith (${config.mode} mode) at ${locksmithUrl}, CRM at ${crm.url}\n`);

  let failures = 0;
  for (const [i, story] of stories({ locksmithUrl, crmUrl: crm.url, keyFile }).entries()) {
    say(`${i + 1}. ${story.title}`);
    try {
      say(`   ✔ ${await story.play()}\n`);
    } catch (error) {
      failures++;
      say(`   ✘ ${(error as Error).message}\n`);
    }
  }

  say("Audit trail (user → agent → scope → resource → decision):");
  for (const row of await locksmith.ledger.page({}, 0n, 1000)) {
    const who = row.actor && row.actor !== row.agent ? `  [by ${row.actor}]` : "";
    say(
      `   ${row.user ?? "(agent itself)"} → ${row.agent ?? "?"} → ${row.scope ?? "-"} → ${row.resource ?? row.jti ?? "-"} → ${row.type}${row.reason ? ` (${row.reason})` : ""}${who}`,
    );
  }
  say(failures === 0 ? "\nEvery story ended as expected.\n" : `\n${failures} story(ies) did not end as expected.\n`);

  await crm.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await locksmith.close();
  rmSync(dataDir, { recursive: true, force: true });
  return failures === 0 ? 0 : 1;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
    probe.on("error", reject);
  });
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`demo: ${error.message}\n`);
    process.exit(1);
  },
);
