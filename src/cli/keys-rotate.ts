import { systemClock } from "../domain/clock";
import { rotateSigningKey } from "../domain/keys/rotate-signing-key";
import { RotationRefused, type AlgorithmStep } from "../domain/keys/rotation";
import { loadPolicyFile } from "../domain/policy/load-policy";
import { KeysFileStore } from "../stores/keys/keys-file-store";
import { PgAuditLog } from "../stores/postgres/pg-audit-log";
import { createDatabase } from "../stores/postgres/prisma-client";
import { createLogger } from "../telemetry/logger";
import { protectorFromEnv } from "./keys-rotate.command";
import { show } from "./output";

export interface RotateOptions {
  env: string;
  keysFile?: string;
  policy?: string;
  force?: boolean;
  record: boolean;
}

/** What `locksmith keys rotate` does (registered in keys-rotate.command.ts, which imports this file when the command runs). */
export async function rotateKeys(o: RotateOptions, die: (message: string) => never): Promise<void> {
  if (!o.keysFile) return die("--keys-file (or LOCKSMITH_KEYS_FILE) is required");
  if (!o.policy) return die("--policy (or LOCKSMITH_POLICY) is required");
  const databaseUrl = process.env.DATABASE_URL;
  if (o.record && !databaseUrl) return die("DATABASE_URL is not set: the rotation must be recorded in the ledger (or pass --no-record)");
  const policy = await loadPolicyFile(o.policy);
  if (!policy.environments.includes(o.env)) return die(`no environment ${o.env} in ${o.policy}`);
  const logger = createLogger("silent");
  const store = await KeysFileStore.open({
    file: o.keysFile,
    protector: protectorFromEnv(),
    // Only the EdDSA keys must exist beforehand: this rotation adds the keys of an algorithm the bundle newly asks for.
    environments: policy.environments,
    clock: systemClock,
    logger,
    pollMs: 0,
  });
  const database = o.record ? createDatabase(databaseUrl!, 1) : undefined;
  const audit = database ? new PgAuditLog(database.pool, 1) : { append: async () => undefined, find: async () => [], ping: async () => undefined };
  try {
    const summary = await rotateSigningKey(
      { store, audit, clock: systemClock, policy },
      { environment: o.env, force: o.force, actor: `cli:${process.env.USER ?? "operator"}` },
    );
    show(
      { environment: o.env, ...summary, recorded: Boolean(o.record) },
      () =>
        summary.algorithms.map((step) => `${o.env} ${step.alg}: ${describeStep(step, summary.retireAt)}\n`).join("") +
        (summary.retired.length > 0 ? `retired: ${summary.retired.join(", ")}\n` : ""),
    );
    if (!o.record) process.stderr.write("locksmith: not recorded in the ledger (--no-record)\n");
  } catch (error) {
    if (error instanceof RotationRefused) return die(error.message);
    throw error;
  } finally {
    store.close();
    await database?.close();
  }
}

function describeStep(step: AlgorithmStep, retireAt?: string): string {
  if (step.outcome === "added") return `${step.activated} added and signs now (the policy asks for ${step.alg})`;
  if (step.outcome === "rotated") return `${step.activated} now signs; ${step.retiring} verifies until ${retireAt}; ${step.next} published as next`;
  return `${step.next} published as next; it signs after the next rotation (wait at least 5 minutes for JWKS caches)`;
}
