import type { SigningAlg } from "../../../../src/domain/keys/signing-alg";
import { JWKS_MAX_AGE_SECONDS, planRotation, RETIRE_SKEW_SECONDS, RotationRefused, type KeyLifecycle } from "../../../../src/domain/keys/rotation";

// One rotation step at a time: next → active → retiring → retired, with a fixed clock.

const T0 = Date.parse("2026-11-21T12:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const LIFETIME = 900;

let serial = 0;
// EdDSA keys are written without `alg`, as in keys files from before algorithms.
const newKey =
  (now: Date, environment = "production") =>
  async (status: "active" | "next", alg: SigningAlg = "EdDSA"): Promise<KeyLifecycle> => ({
    environment,
    kid: `k${++serial}`,
    ...(alg === "EdDSA" ? {} : { alg }),
    status,
    created_at: now.toISOString(),
  });
const key = (kid: string, status: KeyLifecycle["status"], createdAt = 0, environment = "production"): KeyLifecycle => ({
  environment,
  kid,
  status,
  created_at: at(createdAt).toISOString(),
});

beforeEach(() => {
  serial = 0;
});

test("with only an active key, publishes a next key and leaves signing alone", async () => {
  const plan = await planRotation([key("a", "active")], "production", { now: at(10), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(10)) });

  expect(plan.outcome).toBe("next_published");
  expect(plan.keys.map((k) => [k.kid, k.status])).toEqual([
    ["a", "active"],
    ["k1", "next"],
  ]);
});

test("refuses to promote a next key younger than the JWKS cache lifetime, unless forced", async () => {
  const keys = [key("a", "active"), key("n", "next", 0)];
  const options = { now: at(JWKS_MAX_AGE_SECONDS - 1), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(JWKS_MAX_AGE_SECONDS - 1)) };

  await expect(planRotation(keys, "production", options)).rejects.toThrow(RotationRefused);
  await expect(planRotation(keys, "production", { ...options, force: true })).resolves.toMatchObject({ outcome: "rotated", activated: "n" });
});

test("promotes next to active, keeps the old active key until its last credential expires, and publishes a new next", async () => {
  const now = at(JWKS_MAX_AGE_SECONDS);
  const plan = await planRotation([key("a", "active"), key("n", "next")], "production", { now, longestLifetimeSeconds: LIFETIME, newKey: newKey(now) });

  const retireAt = at(JWKS_MAX_AGE_SECONDS + LIFETIME + RETIRE_SKEW_SECONDS).toISOString();
  expect(plan).toMatchObject({ outcome: "rotated", activated: "n", retiring: "a", next: "k1", retireAt, retired: [] });
  expect(plan.keys).toEqual([
    { ...key("a", "retiring"), retire_at: retireAt },
    key("n", "active"),
    { environment: "production", kid: "k1", status: "next", created_at: now.toISOString() },
  ]);
});

test("retires retiring keys whose time has come, in every environment, and only those", async () => {
  const keys = [
    key("a", "active"),
    key("n", "next"),
    { ...key("old", "retiring"), retire_at: at(100).toISOString() },
    { ...key("young", "retiring"), retire_at: at(10_000).toISOString() },
    { ...key("staging-old", "retiring", 0, "staging"), retire_at: at(100).toISOString() },
  ];
  const plan = await planRotation(keys, "production", { now: at(400), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(400)) });

  expect(plan.retired.sort()).toEqual(["old", "staging-old"]);
  expect(plan.keys.find((k) => k.kid === "young")?.status).toBe("retiring");
  expect(plan.keys.find((k) => k.kid === "a")?.status).toBe("retiring");
});

test("touches only the named environment's signing keys", async () => {
  const keys = [key("a", "active"), key("n", "next"), key("s", "active", 0, "staging"), key("sn", "next", 0, "staging")];
  const plan = await planRotation(keys, "staging", { now: at(400), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(400), "staging") });

  expect(plan.keys.filter((k) => k.environment === "production")).toEqual(keys.slice(0, 2));
  expect(plan.activated).toBe("sn");
});

test("an environment without an active key cannot rotate", async () => {
  await expect(planRotation([key("n", "next")], "production", { now: at(0), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(0)) })).rejects.toThrow(
    /no active key/,
  );
});

describe("an environment that signs with several algorithms", () => {
  const withAlg = (k: KeyLifecycle, alg: SigningAlg): KeyLifecycle => ({ ...k, alg });

  test("rotates every algorithm's keys together, whatever algorithms the caller names", async () => {
    const now = at(JWKS_MAX_AGE_SECONDS);
    const keys = [key("a", "active"), key("n", "next"), withAlg(key("ra", "active"), "RS256"), withAlg(key("rn", "next"), "RS256")];
    const plan = await planRotation(keys, "production", { now, longestLifetimeSeconds: LIFETIME, newKey: newKey(now) });

    expect(plan.outcome).toBe("rotated");
    expect(plan.algorithms).toEqual([
      { alg: "EdDSA", outcome: "rotated", activated: "n", retiring: "a", next: "k1" },
      { alg: "RS256", outcome: "rotated", activated: "rn", retiring: "ra", next: "k2" },
    ]);
    expect(plan).toMatchObject({ activated: "n rn", retiring: "a ra", next: "k1 k2" });
    expect(plan.keys.filter((k) => k.alg === "RS256").map((k) => [k.kid, k.status])).toEqual([
      ["ra", "retiring"],
      ["rn", "active"],
      ["k2", "next"],
    ]);
  });

  test("adds an active key for an algorithm the environment newly needs, and steps the others", async () => {
    const plan = await planRotation([key("a", "active")], "production", {
      now: at(10),
      longestLifetimeSeconds: LIFETIME,
      algorithms: ["EdDSA", "ES256"],
      newKey: newKey(at(10)),
    });

    expect(plan.algorithms).toEqual([
      { alg: "EdDSA", outcome: "next_published", next: "k1" },
      { alg: "ES256", outcome: "added", activated: "k2" },
    ]);
    expect(plan.keys.map((k) => [k.kid, k.alg ?? "EdDSA", k.status])).toEqual([
      ["a", "EdDSA", "active"],
      ["k1", "EdDSA", "next"],
      ["k2", "ES256", "active"],
    ]);
  });

  test("refuses the whole step when any algorithm's next key is too young, changing nothing", async () => {
    const keys = [key("a", "active"), key("n", "next", 0), withAlg(key("ra", "active"), "RS256"), withAlg(key("rn", "next", 200), "RS256")];
    const options = { now: at(JWKS_MAX_AGE_SECONDS), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(JWKS_MAX_AGE_SECONDS)) };

    await expect(planRotation(keys, "production", options)).rejects.toThrow(/next RS256 key of production/);
    expect(serial).toBe(0);
  });

  test("leaves other environments' keys of every algorithm alone", async () => {
    const other = withAlg(key("s", "active", 0, "staging"), "ES256");
    const plan = await planRotation([key("a", "active"), other], "production", { now: at(10), longestLifetimeSeconds: LIFETIME, newKey: newKey(at(10)) });

    expect(plan.algorithms.map((step) => step.alg)).toEqual(["EdDSA"]);
    expect(plan.keys).toContainEqual(other);
  });
});
