import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import { parseDuration } from "../domain/duration";

/** The package root (src/config or dist/config, two levels up), so dev-mode defaults work from any directory. */
const PACKAGE_ROOT = resolve(__dirname, "..", "..");

/**
 * Every setting Locksmith reads, from environment variables, checked once at
 * start. Production mode is on when REDIS_URL and DATABASE_URL are set; dev
 * mode (embedded stores, example policy, generated keys) when neither is.
 */
const settingsSchema = z
  .object({
    /** Port to listen on. */
    PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    /** Interface to bind: loopback in dev mode, all interfaces in production. */
    HOST: z.string().min(1).optional(),
    /** Locksmith's public URL: the `iss` of its tokens and the `aud` of assertions. */
    LOCKSMITH_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    /** Path of the policy bundle (YAML). Dev mode default: examples/policy.yaml. */
    LOCKSMITH_POLICY: z.string().min(1).optional(),
    /** Path of the signing keys file (`npx locksmith keys generate`). Dev mode default: .locksmith/keys.json. */
    LOCKSMITH_KEYS_FILE: z.string().min(1).optional(),
    /** Dev mode's data folder (embedded database, generated keys). */
    LOCKSMITH_DATA_DIR: z.string().min(1).default(".locksmith"),
    /** Prefix of every Redis key Locksmith writes. */
    LOCKSMITH_REDIS_PREFIX: z.string().max(64).default("locksmith:"),
    /** redis:// or rediss:// URL. Production mode. */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** postgres:// or postgresql:// URL. Production mode. */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** Path of the ledger's checkpoint signing key (Ed25519, `npx locksmith audit keygen`). Dev mode default: .locksmith/ledger-key.json. */
    LOCKSMITH_LEDGER_KEY_FILE: z.string().min(1).optional(),
    /** A directory every signed ledger checkpoint is also written to (write-once files), outside the database's reach. */
    LOCKSMITH_LEDGER_EXPORT_DIR: z.string().min(1).optional(),
    /** Sign a ledger checkpoint after this many new events… */
    LOCKSMITH_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    /** …or this many seconds after the last one, when there are new events. */
    LOCKSMITH_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** How long a request that needs approval waits for it: seconds or 30s / 5m / 1h. */
    LOCKSMITH_APPROVAL_TIMEOUT: z
      .string()
      .regex(/^[1-9]\d{0,5}[smh]?$/, "use seconds or 30s / 5m / 1h")
      .default("1h"),
    /** Reload the policy bundle when its file changes ("true"/"false"); SIGHUP and the admin endpoint always work. */
    LOCKSMITH_POLICY_WATCH: z.enum(["true", "false"]).default("false"),
    /** Base64 of a 32-byte key encryption key: private signing keys rest sealed (AES-256-GCM) in the keys file. */
    LOCKSMITH_KEYS_KEK: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 bytes, base64-encoded (`openssl rand -base64 32`)")
      .optional(),
    /** Name of that key encryption key, written next to each sealed key (for KEK rotation). */
    LOCKSMITH_KEYS_KEK_ID: z.string().min(1).max(64).default("env"),
    /** How often each replica re-reads the keys file to pick up rotations (seconds). */
    LOCKSMITH_KEYS_POLL_SECONDS: z.coerce.number().min(0.1).max(300).default(2),
    /** How REDIS_URL is reached: one server, through Sentinel (REDIS_URL is a sentinel), or a Cluster (REDIS_URL is a seed node). */
    LOCKSMITH_REDIS_MODE: z.enum(["standalone", "sentinel", "cluster"]).default("standalone"),
    /** More sentinels or cluster seed nodes besides REDIS_URL's: `host:port,host:port`. */
    REDIS_NODES: z
      .string()
      .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, "must be host:port,host:port")
      .optional(),
    /** Sentinel mode: the name of the master group the sentinels watch. */
    REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
    /** postgres:// URL of a read replica: audit queries go there, appends to DATABASE_URL. */
    DATABASE_READ_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** Serve Prometheus metrics at GET /metrics. */
    LOCKSMITH_METRICS: z.enum(["on", "off"]).default("on"),
    /** Serve the people's console at /console (and send GET / there); `off`: no /console route at all. */
    LOCKSMITH_CONSOLE: z.enum(["on", "off"]).default("on"),
    /**
     * Which proxies in front of Locksmith to believe about the caller's address (X-Forwarded-For), so the
     * ledger's client_ip is the real caller: `false` (default: the header is ignored), a hop count (`1`),
     * or addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`, comma-separated
     * (`10.0.0.0/8,loopback`). `true` believes any sender: only when nothing but the proxy can reach Locksmith.
     */
    LOCKSMITH_TRUST_PROXY: z
      .string()
      .refine(
        (value) => /^(true|false|\d{1,2})$/.test(value) || value.split(",").every((part) => isProxyAddress(part.trim())),
        "must be true, false, a hop count, or addresses/CIDRs/loopback/linklocal/uniquelocal, comma-separated",
      )
      .default("false"),
    /** Production mode refuses a bundle registering the public demo keys of examples/keys/; "true" allows them (demos and tests only). */
    LOCKSMITH_ALLOW_DEMO_KEYS: z.enum(["true", "false"]).default("false"),
    /** How often expired dynamic database roles are dropped (seconds); also once at start. */
    LOCKSMITH_REAPER_SECONDS: z.coerce.number().min(0.2).max(3600).default(10),
    /** pino level. */
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  // `when` runs the cross-variable checks even when another variable is bad, so one
  // start-up error names every problem (zod skips refinements after an issue by default).
  .superRefine(
    (env, ctx) => {
      if (Boolean(env.REDIS_URL) !== Boolean(env.DATABASE_URL)) {
        const missing = env.REDIS_URL ? "DATABASE_URL" : "REDIS_URL";
        ctx.addIssue({ code: "custom", path: [missing], message: "production mode needs both REDIS_URL and DATABASE_URL (set neither for dev mode)" });
      }
      if (env.REDIS_URL && env.DATABASE_URL) {
        for (const key of ["LOCKSMITH_POLICY", "LOCKSMITH_KEYS_FILE", "LOCKSMITH_ISSUER", "LOCKSMITH_LEDGER_KEY_FILE"] as const) {
          if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production mode" });
        }
      }
      if (env.LOCKSMITH_REDIS_MODE === "sentinel" && !env.REDIS_SENTINEL_MASTER) {
        ctx.addIssue({ code: "custom", path: ["REDIS_SENTINEL_MASTER"], message: "is required when LOCKSMITH_REDIS_MODE is sentinel" });
      }
    },
    { when: () => true },
  );

export type Mode = "dev" | "production";

export interface Config {
  readonly mode: Mode;
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly policyFile: string;
  readonly keysFile: string;
  readonly dataDir: string;
  readonly redisPrefix: string;
  readonly redisUrl?: string;
  readonly databaseUrl?: string;
  readonly logLevel: string;
  readonly migrationsDir: string;
  readonly ledger: {
    readonly keyFile: string;
    readonly exportDir?: string;
    readonly everyEvents: number;
    readonly everySeconds: number;
  };
  readonly approvalTimeoutSeconds: number;
  readonly policyWatch: boolean;
  readonly keysKek?: { readonly key: string; readonly id: string };
  readonly keysPollMs: number;
  readonly redisTopology: RedisTopology;
  readonly databaseReadUrl?: string;
  readonly metrics: boolean;
  /** Serve the console at /console (LOCKSMITH_CONSOLE). */
  readonly console: boolean;
  /** express's `trust proxy`: false, true, a hop count, or the trusted addresses. */
  readonly trustProxy: boolean | number | readonly string[];
  /** Serve a bundle holding the demo keys of examples/keys/ outside dev mode (LOCKSMITH_ALLOW_DEMO_KEYS). */
  readonly allowDemoKeys: boolean;
  readonly reaperSeconds: number;
}

/** How Redis is reached: `nodes` are REDIS_URL's host first, then REDIS_NODES. */
export interface RedisTopology {
  readonly mode: "standalone" | "sentinel" | "cluster";
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  readonly sentinelMaster?: string;
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid settings: ${problems.join("; ")}`);
  }
  const s = parsed.data;
  const mode: Mode = s.REDIS_URL ? "production" : "dev";
  const dataDir = resolve(s.LOCKSMITH_DATA_DIR);
  return {
    mode,
    port: s.PORT,
    host: s.HOST ?? (mode === "dev" ? "127.0.0.1" : "0.0.0.0"),
    issuer: (s.LOCKSMITH_ISSUER ?? `http://localhost:${s.PORT}`).replace(/\/$/, ""),
    policyFile: resolve(s.LOCKSMITH_POLICY ?? resolve(PACKAGE_ROOT, "examples", "policy.yaml")),
    keysFile: resolve(s.LOCKSMITH_KEYS_FILE ?? resolve(dataDir, "keys.json")),
    dataDir,
    redisPrefix: s.LOCKSMITH_REDIS_PREFIX,
    redisUrl: s.REDIS_URL,
    databaseUrl: s.DATABASE_URL,
    logLevel: s.LOG_LEVEL,
    migrationsDir: resolve(PACKAGE_ROOT, "prisma", "migrations"),
    ledger: {
      keyFile: resolve(s.LOCKSMITH_LEDGER_KEY_FILE ?? resolve(dataDir, "ledger-key.json")),
      exportDir: s.LOCKSMITH_LEDGER_EXPORT_DIR && resolve(s.LOCKSMITH_LEDGER_EXPORT_DIR),
      everyEvents: s.LOCKSMITH_CHECKPOINT_EVERY,
      everySeconds: s.LOCKSMITH_CHECKPOINT_SECONDS,
    },
    approvalTimeoutSeconds: parseDuration(s.LOCKSMITH_APPROVAL_TIMEOUT)!,
    policyWatch: s.LOCKSMITH_POLICY_WATCH === "true",
    keysKek: s.LOCKSMITH_KEYS_KEK ? { key: s.LOCKSMITH_KEYS_KEK, id: s.LOCKSMITH_KEYS_KEK_ID } : undefined,
    keysPollMs: s.LOCKSMITH_KEYS_POLL_SECONDS * 1000,
    redisTopology: redisTopology(s.LOCKSMITH_REDIS_MODE, s.REDIS_URL, s.REDIS_NODES, s.REDIS_SENTINEL_MASTER),
    databaseReadUrl: s.DATABASE_READ_URL,
    metrics: s.LOCKSMITH_METRICS === "on",
    console: s.LOCKSMITH_CONSOLE === "on",
    trustProxy: trustProxy(s.LOCKSMITH_TRUST_PROXY),
    allowDemoKeys: s.LOCKSMITH_ALLOW_DEMO_KEYS === "true",
    reaperSeconds: s.LOCKSMITH_REAPER_SECONDS,
  };
}

function trustProxy(value: string): boolean | number | string[] {
  if (value === "true" || value === "false") return value === "true";
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(",").map((part) => part.trim());
}

function isProxyAddress(part: string): boolean {
  if (["loopback", "linklocal", "uniquelocal"].includes(part)) return true;
  const [address, bits, ...rest] = part.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

function redisTopology(mode: RedisTopology["mode"], url: string | undefined, extra: string | undefined, sentinelMaster: string | undefined): RedisTopology {
  const nodes = url ? [{ host: new URL(url).hostname, port: Number(new URL(url).port || 6379) }] : [];
  for (const node of extra ? extra.split(",") : []) {
    const [host, port] = node.split(":");
    nodes.push({ host, port: Number(port) });
  }
  return { mode, nodes, sentinelMaster };
}
