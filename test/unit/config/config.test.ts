import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../../../src/config/config";

const REPO = resolve(__dirname, "..", "..", "..");
const PRODUCTION = {
  REDIS_URL: "redis://redis:6379",
  DATABASE_URL: "postgres://locksmith@db:5432/locksmith",
  LOCKSMITH_POLICY: "/etc/locksmith/policy.yaml",
  LOCKSMITH_KEYS_FILE: "/run/secrets/locksmith-keys.json",
  LOCKSMITH_ISSUER: "https://locksmith.example.com",
  LOCKSMITH_LEDGER_KEY_FILE: "/run/secrets/locksmith-ledger-key.json",
};

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the settings were accepted, but they should have been refused");
}

describe("loadConfig", () => {
  describe("dev mode", () => {
    it("runs with no settings at all, on loopback, with the example policy", () => {
      expect(loadConfig({})).toEqual({
        mode: "dev",
        port: 8080,
        host: "127.0.0.1",
        issuer: "http://localhost:8080",
        policyFile: resolve(REPO, "examples", "policy.yaml"),
        keysFile: resolve(".locksmith", "keys.json"),
        dataDir: resolve(".locksmith"),
        redisPrefix: "locksmith:",
        redisUrl: undefined,
        databaseUrl: undefined,
        logLevel: "info",
        migrationsDir: resolve(REPO, "prisma", "migrations"),
        ledger: { keyFile: resolve(".locksmith", "ledger-key.json"), exportDir: undefined, everyEvents: 1000, everySeconds: 60 },
        approvalTimeoutSeconds: 3600,
        policyWatch: false,
        keysKek: undefined,
        keysPollMs: 2000,
        redisTopology: { mode: "standalone", nodes: [], sentinelMaster: undefined },
        databaseReadUrl: undefined,
        metrics: true,
        console: true,
        trustProxy: false,
        allowDemoKeys: false,
        reaperSeconds: 10,
      });
    });

    it("reads the approval timeout and policy watch settings", () => {
      expect(loadConfig({ LOCKSMITH_APPROVAL_TIMEOUT: "15m", LOCKSMITH_POLICY_WATCH: "true" })).toMatchObject({
        approvalTimeoutSeconds: 900,
        policyWatch: true,
      });
      expect(loadConfig({ LOCKSMITH_APPROVAL_TIMEOUT: "90" })).toMatchObject({ approvalTimeoutSeconds: 90 });
    });

    it("derives the default issuer from PORT", () => {
      expect(loadConfig({ PORT: "9090" })).toMatchObject({ port: 9090, issuer: "http://localhost:9090" });
    });

    it("keeps the keys file in LOCKSMITH_DATA_DIR unless told otherwise", () => {
      expect(loadConfig({ LOCKSMITH_DATA_DIR: "/tmp/ls-data" })).toMatchObject({ dataDir: "/tmp/ls-data", keysFile: "/tmp/ls-data/keys.json" });
    });

    it("drops a trailing slash from LOCKSMITH_ISSUER", () => {
      expect(loadConfig({ LOCKSMITH_ISSUER: "https://locksmith.example.com/" }).issuer).toBe("https://locksmith.example.com");
    });
  });

  describe("production mode", () => {
    it("turns on with REDIS_URL and DATABASE_URL and then listens on all interfaces", () => {
      expect(loadConfig(PRODUCTION)).toMatchObject({
        mode: "production",
        host: "0.0.0.0",
        issuer: "https://locksmith.example.com",
        redisUrl: "redis://redis:6379",
        databaseUrl: "postgres://locksmith@db:5432/locksmith",
        policyFile: "/etc/locksmith/policy.yaml",
        keysFile: "/run/secrets/locksmith-keys.json",
        ledger: { keyFile: "/run/secrets/locksmith-ledger-key.json", everyEvents: 1000, everySeconds: 60 },
      });
    });

    it("requires LOCKSMITH_LEDGER_KEY_FILE, so checkpoints are always signed", () => {
      const { LOCKSMITH_LEDGER_KEY_FILE: _, ...env } = PRODUCTION;
      expect(configError(env).message).toContain("LOCKSMITH_LEDGER_KEY_FILE: is required in production mode");
    });

    it("reads the checkpoint cadence and the export directory", () => {
      const env = { ...PRODUCTION, LOCKSMITH_CHECKPOINT_EVERY: "50", LOCKSMITH_CHECKPOINT_SECONDS: "5", LOCKSMITH_LEDGER_EXPORT_DIR: "/mnt/worm" };
      expect(loadConfig(env).ledger).toEqual({ keyFile: "/run/secrets/locksmith-ledger-key.json", exportDir: "/mnt/worm", everyEvents: 50, everySeconds: 5 });
      expect(configError({ ...PRODUCTION, LOCKSMITH_CHECKPOINT_EVERY: "0" }).message).toContain("LOCKSMITH_CHECKPOINT_EVERY");
    });

    it("refuses REDIS_URL without DATABASE_URL", () => {
      const { DATABASE_URL: _, ...env } = PRODUCTION;
      expect(configError(env).message).toMatch(/DATABASE_URL: production mode needs both/);
    });

    it("refuses DATABASE_URL without REDIS_URL", () => {
      const { REDIS_URL: _, ...env } = PRODUCTION;
      expect(configError(env).message).toMatch(/REDIS_URL: production mode needs both/);
    });

    it("requires LOCKSMITH_POLICY, LOCKSMITH_KEYS_FILE and LOCKSMITH_ISSUER, naming each", () => {
      const message = configError({ REDIS_URL: PRODUCTION.REDIS_URL, DATABASE_URL: PRODUCTION.DATABASE_URL }).message;
      expect(message).toContain("LOCKSMITH_POLICY: is required in production mode");
      expect(message).toContain("LOCKSMITH_KEYS_FILE: is required in production mode");
      expect(message).toContain("LOCKSMITH_ISSUER: is required in production mode");
    });

    it("accepts rediss:// and postgresql:// URLs", () => {
      expect(loadConfig({ ...PRODUCTION, REDIS_URL: "rediss://redis:6380", DATABASE_URL: "postgresql://db/locksmith" }).mode).toBe("production");
    });
  });

  describe("refuses bad values", () => {
    it.each(["abc", "0", "65536", "80.5", "-1"])("PORT=%s", (port) => {
      expect(configError({ PORT: port }).message).toMatch(/^invalid settings: PORT: /);
    });

    it.each([
      ["REDIS_URL", { ...PRODUCTION, REDIS_URL: "http://redis:6379" }],
      ["DATABASE_URL", { ...PRODUCTION, DATABASE_URL: "mysql://db/locksmith" }],
      ["LOCKSMITH_ISSUER", { LOCKSMITH_ISSUER: "ftp://locksmith.example.com" }],
      ["LOCKSMITH_ISSUER", { LOCKSMITH_ISSUER: "not a url" }],
      ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
      ["LOCKSMITH_APPROVAL_TIMEOUT", { LOCKSMITH_APPROVAL_TIMEOUT: "0" }],
      ["LOCKSMITH_APPROVAL_TIMEOUT", { LOCKSMITH_APPROVAL_TIMEOUT: "soon" }],
      ["LOCKSMITH_POLICY_WATCH", { LOCKSMITH_POLICY_WATCH: "yes" }],
      ["LOCKSMITH_CONSOLE", { LOCKSMITH_CONSOLE: "no" }],
    ])("%s with a wrong scheme or value", (variable, env) => {
      expect(configError(env).message).toContain(`${variable}: `);
    });
  });

  it("names every bad variable in one line of one ConfigError", () => {
    const error = configError({ PORT: "abc", LOG_LEVEL: "loud", REDIS_URL: PRODUCTION.REDIS_URL, LOCKSMITH_ISSUER: "ftp://x" });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).not.toContain("\n");
    for (const variable of ["PORT", "LOG_LEVEL", "LOCKSMITH_ISSUER", "DATABASE_URL"]) {
      expect(error.message).toContain(`${variable}: `);
    }
  });
});
