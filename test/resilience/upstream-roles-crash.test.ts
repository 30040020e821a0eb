import { Client } from "pg";
import { assertionFor } from "../support/principals";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { spawnLocksmith, type LocksmithProcess } from "../support/locksmith-process";
import { POSTGRES_ADMIN_URL, REDIS_URL } from "../support/services";
import { startUpstreamWorld, type UpstreamWorld } from "../support/upstream-world";
import { join, dirname } from "node:path";

// A Locksmith child process (node dist/main.js) is SIGKILLed while it hands out database
// credentials: the roles it made outlive it. The next Locksmith to start reaps them once their
// credentials have expired, so no role is left behind.

jest.setTimeout(90_000);

let world: UpstreamWorld;
const children: LocksmithProcess[] = [];
beforeAll(async () => {
  // The in-process Locksmith reaps only at its own start: the roles of this test are left to the children.
  world = await startUpstreamWorld({ settings: { LOCKSMITH_REAPER_SECONDS: "3600" } });
});
afterAll(async () => {
  for (const child of children) await child.stop();
  await world?.close();
});

function childEnv(): Record<string, string> {
  return {
    REDIS_URL,
    DATABASE_URL: world.sut.database.url,
    LOCKSMITH_REDIS_PREFIX: world.sut.redisPrefix,
    LOCKSMITH_POLICY: world.policyFile,
    LOCKSMITH_KEYS_FILE: world.sut.keysFile,
    LOCKSMITH_LEDGER_KEY_FILE: join(dirname(world.sut.keysFile), "ledger-key.json"),
    LOCKSMITH_ISSUER: TEST_ISSUER,
    LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
    ...world.settings,
    // The launcher waits for the "locksmith listening" line.
    LOG_LEVEL: "info",
  };
}

async function rolesWithPrefix(): Promise<string[]> {
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", [world.rolePrefix])).rows.map(
      (r) => r.rolname,
    );
  } finally {
    await admin.end();
  }
}

async function askForDatabase(url: string): Promise<string | undefined> {
  const res = await fetch(`${url}/v1/credentials`, {
    method: "POST",
    headers: { authorization: `Bearer ${await assertionFor("support-agent", TEST_ISSUER)}`, "content-type": "application/json" },
    body: JSON.stringify({ scope: "db:read", resource: "app-db:app", ttl: 1 }),
  });
  const body = (await res.json()) as { database?: { username: string } };
  return body.database?.username;
}

test("roles made by a Locksmith killed mid-flight are reaped on the next start, once expired", async () => {
  const first = await spawnLocksmith(childEnv());
  children.push(first);
  const handedOut: string[] = [];
  const inFlight = Array.from({ length: 6 }, () =>
    askForDatabase(first.url).then(
      (name) => name && handedOut.push(name),
      () => undefined,
    ),
  );
  // Kill it as soon as one credential is out, while the others are still being made.
  const deadline = Date.now() + 30_000;
  while (handedOut.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  first.child.kill("SIGKILL");
  await first.exited;
  await Promise.all(inFlight);

  expect(handedOut.length).toBeGreaterThanOrEqual(1);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Expired, but nobody has reaped them: the process that would have is dead.
  const left = await rolesWithPrefix();
  expect(left).toEqual(expect.arrayContaining(handedOut));

  const second = await spawnLocksmith(childEnv());
  children.push(second);
  const gone = Date.now() + 15_000;
  while ((await rolesWithPrefix()).length > 0 && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await rolesWithPrefix()).toEqual([]);
});
