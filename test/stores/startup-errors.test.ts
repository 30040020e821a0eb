import { ledgerOrigin, writeNewLedgerKey } from "../../src/stores/keys/ledger-key-file";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { environmentKekProtector } from "../../src/stores/keys/key-protector";
import { generateKeys, writeKeysFile } from "../../src/stores/keys/keys-file";
import { freePort } from "../support/locksmith-child";
import { TEST_ISSUER } from "../support/locksmith-under-test";
import { EXAMPLE_POLICY } from "../support/principals";
import { createTestDatabase, REDIS_URL, testRedisPrefix, type TestDatabase } from "../support/services";

// Every misconfiguration stops `node dist/main.js` at start with exit code 1 and one clear line naming
// the setting, and no secret in it.

const MAIN = resolve(__dirname, "..", "..", "dist", "main.js");
const run = promisify(execFile);
const KEK = Buffer.alloc(32, 3).toString("base64");
let dir: string;
let plainKeys: string;
let sealedKeys: string;
let database: TestDatabase;
let unmigrated: TestDatabase;
let base: Record<string, string>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "locksmith-startup-"));
  plainKeys = join(dir, "plain.json");
  sealedKeys = join(dir, "sealed.json");
  await writeKeysFile(plainKeys, await generateKeys(["staging", "production"]));
  await writeNewLedgerKey(join(dir, "ledger-key.json"), ledgerOrigin(TEST_ISSUER));
  await writeKeysFile(sealedKeys, await generateKeys(["staging", "production"], new Date(), { protector: environmentKekProtector(KEK) }));
  [database, unmigrated] = await Promise.all([createTestDatabase(), createTestDatabase({ migrate: false })]);
  base = {
    PATH: process.env.PATH ?? "",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    REDIS_URL,
    DATABASE_URL: database.url,
    LOCKSMITH_POLICY: EXAMPLE_POLICY,
    LOCKSMITH_KEYS_FILE: plainKeys,
    LOCKSMITH_LEDGER_KEY_FILE: join(dir, "ledger-key.json"),
    LOCKSMITH_ISSUER: TEST_ISSUER,
    LOCKSMITH_ALLOW_DEMO_KEYS: "true", // the example bundle registers the public demo keys
    LOCKSMITH_REDIS_PREFIX: testRedisPrefix(),
  };
});
afterAll(async () => {
  await Promise.all([database.drop(), unmigrated.drop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function startFails(env: Record<string, string>): Promise<string> {
  const outcome = await run(process.execPath, [MAIN], { env, timeout: 20_000 }).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => error,
  );
  expect(outcome.code).toBe(1);
  const lines = outcome.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(outcome.stderr).not.toContain(KEK);
  return lines[0];
}

test("a keys file sealed with a KEK, started without one", async () => {
  expect(await startFails({ ...base, LOCKSMITH_KEYS_FILE: sealedKeys })).toMatch(/^locksmith: .*set LOCKSMITH_KEYS_KEK/);
});

test("a keys file sealed with another KEK", async () => {
  const other = Buffer.alloc(32, 4).toString("base64");
  expect(await startFails({ ...base, LOCKSMITH_KEYS_FILE: sealedKeys, LOCKSMITH_KEYS_KEK: other })).toMatch(/wrong LOCKSMITH_KEYS_KEK or altered file/);
});

test("a keys file that is missing, or not a keys file", async () => {
  expect(await startFails({ ...base, LOCKSMITH_KEYS_FILE: join(dir, "nope.json") })).toMatch(
    /^locksmith: LOCKSMITH_KEYS_FILE: cannot read .*ENOENT.*keys generate/,
  );
  const garbage = join(dir, "garbage.json");
  writeFileSync(garbage, '{"version":1,"keys":[{"d":"secret-looking"}]}');
  const line = await startFails({ ...base, LOCKSMITH_KEYS_FILE: garbage });
  expect(line).toMatch(/is not a valid Locksmith keys file/);
  expect(line).not.toContain("secret-looking");
});

test("a Redis that does not answer, in standalone and cluster mode", async () => {
  const closed = `redis://127.0.0.1:${await freePort()}`;
  expect(await startFails({ ...base, REDIS_URL: closed })).toMatch(/^locksmith: REDIS_URL: cannot reach Redis \(standalone: /);
  expect(await startFails({ ...base, REDIS_URL: closed, LOCKSMITH_REDIS_MODE: "cluster" })).toMatch(/^locksmith: REDIS_URL: cannot reach Redis \(cluster: /);
});

test("a read replica without the ledger", async () => {
  expect(await startFails({ ...base, DATABASE_READ_URL: unmigrated.url })).toMatch(
    /^locksmith: DATABASE_READ_URL: cannot query the ledger on the read replica/,
  );
});

test("bad operating settings, all named at once", async () => {
  const line = await startFails({ ...base, LOCKSMITH_KEYS_KEK: "too-short", LOCKSMITH_REDIS_MODE: "sentinel", LOCKSMITH_METRICS: "yes" });
  expect(line).toMatch(/^locksmith: invalid settings: /);
  for (const key of ["LOCKSMITH_KEYS_KEK", "REDIS_SENTINEL_MASTER", "LOCKSMITH_METRICS"]) expect(line).toContain(`${key}:`);
});

// Each case: the settings changed, the setting the line must name, and the cause it must keep.
describe("every misconfiguration is one line naming the setting and the cause", () => {
  const cases: [string, () => Promise<Record<string, string>>, string, RegExp][] = [
    ["a missing policy file", async () => ({ LOCKSMITH_POLICY: join(dir, "nope.yaml") }), "LOCKSMITH_POLICY", /nope\.yaml.*ENOENT/],
    [
      "a policy file that is not YAML",
      async () => ({ LOCKSMITH_POLICY: write("broken.yaml", "roles: [unclosed\n") }),
      "LOCKSMITH_POLICY",
      /broken\.yaml:\d+ YAML: /,
    ],
    [
      "a policy file that is not a bundle",
      async () => ({ LOCKSMITH_POLICY: write("other.yaml", "hello: world\n") }),
      "LOCKSMITH_POLICY",
      /other\.yaml:\d+ .*hello/,
    ],
    [
      "a missing ledger key file",
      async () => ({ LOCKSMITH_LEDGER_KEY_FILE: join(dir, "nope-ledger.json") }),
      "LOCKSMITH_LEDGER_KEY_FILE",
      /nope-ledger\.json.*ENOENT/,
    ],
    [
      "a ledger key file that is not JSON",
      async () => ({ LOCKSMITH_LEDGER_KEY_FILE: write("ledger-garbage.json", "not json") }),
      "LOCKSMITH_LEDGER_KEY_FILE",
      /not JSON/,
    ],
    [
      "a ledger key file without its private part",
      async () => ({
        LOCKSMITH_LEDGER_KEY_FILE: write("ledger-half.json", '{"version":1,"name":"x/audit","private_jwk":{"kty":"OKP","crv":"Ed25519","x":"secret-looking"}}'),
      }),
      "LOCKSMITH_LEDGER_KEY_FILE",
      /private_jwk\.d/,
    ],
    [
      "a keys file with a missing field",
      async () => ({ LOCKSMITH_KEYS_FILE: write("keys-half.json", '{"version":1,"keys":[{"d":"secret-looking"}]}') }),
      "LOCKSMITH_KEYS_FILE",
      /keys\[0\]\.\w+/,
    ],
    ["a Redis URL with a database index Redis does not have", async () => ({ REDIS_URL: "redis://127.0.0.1:6379/9999" }), "REDIS_URL", /DB index/i],
    ["a Redis URL that points at PostgreSQL", async () => ({ REDIS_URL: "redis://127.0.0.1:5432" }), "REDIS_URL", /cannot reach Redis \(standalone: \S/],
    [
      "a PostgreSQL that does not answer",
      async () => ({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/x` }),
      "DATABASE_URL",
      /cannot reach PostgreSQL \(Can't reach database server at 127\.0\.0\.1:\d+\)/,
    ],
    ["a PostgreSQL database that does not exist", async () => ({ DATABASE_URL: `${database.url}_nope` }), "DATABASE_URL", /database "\w+_nope" does not exist/],
    [
      "a PostgreSQL role that does not exist",
      async () => ({ DATABASE_URL: database.url.replace("postgres@", "nobody_here@") }),
      "DATABASE_URL",
      /role "nobody_here" does not exist/,
    ],
    [
      "a DATABASE_URL that points at Redis",
      async () => ({ DATABASE_URL: `postgres://postgres@127.0.0.1:6379/x` }),
      "DATABASE_URL",
      /cannot reach PostgreSQL \(\S/,
    ],
    ["a PORT that is not a number", async () => ({ PORT: "eighty" }), "PORT", /invalid settings: PORT: /],
    ["a PORT already taken", async () => ({ PORT: String(taken) }), "PORT", /cannot listen on 127\.0\.0\.1:\d+ \(.*EADDRINUSE/],
    [
      "a HOST that does not resolve",
      async () => ({ HOST: "no-such-host.invalid" }),
      "HOST",
      /cannot listen on no-such-host\.invalid:\d+ \(.*(ENOTFOUND|EAI_AGAIN)/,
    ],
    ["a HOST that is not this machine's", async () => ({ HOST: "192.0.2.1" }), "HOST", /cannot listen on 192\.0\.2\.1:\d+ \(.*EADDRNOTAVAIL/],
  ];
  let taken: number;
  let holder: import("node:net").Server;
  beforeAll(async () => {
    holder = require("node:net").createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
    taken = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => holder.close(() => r())));

  test.each(cases)("%s", async (_name, settings, setting, cause) => {
    const line = await startFails({ ...base, ...(await settings()) });
    expect(line).toMatch(new RegExp(`^locksmith: (invalid settings: )?${setting}\\b`));
    expect(line).toMatch(cause);
    expect(line).not.toMatch(/\(\s*\)/);
    expect(line).not.toContain("secret-looking");
  });
});

function write(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe("the public demo keys of examples/keys/ outside dev mode", () => {
  test("a production start on a bundle registering them is refused, naming the keys", async () => {
    const { LOCKSMITH_ALLOW_DEMO_KEYS: _allowed, ...production } = base;
    const line = await startFails(production);
    expect(line).toMatch(/^locksmith: LOCKSMITH_POLICY: .*public demo keys of examples\/keys\/ \(.*support-agent.*\)/);
    expect(line).toContain("LOCKSMITH_ALLOW_DEMO_KEYS");
  });

  test("a bundle with a demo key copied into an agent of its own is refused too", async () => {
    const { LOCKSMITH_ALLOW_DEMO_KEYS: _allowed, ...production } = base;
    const bundle = write(
      "own.yaml",
      [
        "environments: [production]",
        "agents:",
        "  my-agent:",
        "    environment: production",
        '    auth: { method: private_key_jwt, jwks: { keys: [{ kty: OKP, crv: Ed25519, x: "k6mDp6fV32tPb3LnMgLadlsHO5lfEfztwrHkS7Cdq58" }] } }',
        "",
      ].join("\n"),
    );
    expect(await startFails({ ...production, LOCKSMITH_POLICY: bundle })).toMatch(/LOCKSMITH_POLICY: .*demo keys .*\(support-agent\)/);
  });
});
