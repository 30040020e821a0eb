import type { Command } from "commander";
import { systemClock } from "../domain/clock";
import { rotateSigningKey } from "../domain/keys/rotate-signing-key";
import { RotationRefused, type AlgorithmStep } from "../domain/keys/rotation";
import { loadPolicyFile } from "../domain/policy/load-policy";
import { environmentKekProtector, plainProtector, type KeyProtector } from "../stores/keys/key-protector";
import { KeysFileStore } from "../stores/keys/keys-file-store";
import { PgAuditLog } from "../stores/postgres/pg-audit-log";
import { createDatabase } from "../stores/postgres/prisma-client";
import { createLogger } from "../telemetry/logger";
import { show } from "./output";

/** The key encryption key from the environment, as the server reads it (`LOCKSMITH_KEYS_KEK`), or none. */
export function protectorFromEnv(env: NodeJS.ProcessEnv = process.env): KeyProtector {
  return env.LOCKSMITH_KEYS_KEK ? environmentKekProtector(env.LOCKSMITH_KEYS_KEK, env.LOCKSMITH_KEYS_KEK_ID ?? "env") : plainProtector;
}

function describeStep(step: AlgorithmStep, retireAt?: string): string {
  if (step.outcome === "added") return `${step.activated} added and signs now (the policy asks for ${step.alg})`;
  if (step.outcome === "rotated") return `${step.activated} now signs; ${step.retiring} verifies until ${retireAt}; ${step.next} published as next`;
  return `${step.next} published as next; it signs after the next rotation (wait at least 5 minutes for JWKS caches)`;
}

/**
 * `locksmith keys rotate --env production`: one rotation step on the shared
 * keys file (publish a next key, or promote it and retire the active one),
 * recorded as `key_rotated` in the ledger at DATABASE_URL. Every replica
 * picks the change up on its next poll of the file.
 */
export function registerKeysRotate(keys: Command, die: (message: string) => never): void {
  keys
    .command("rotate")
    .description(
      "rotate an environment's signing keys, every algorithm together: next → active → retiring (until its last credential expires) → retired; adds a key for an algorithm the policy newly asks for",
    )
    .requiredOption("--env <environment>", "the environment whose key rotates")
    .option("--keys-file <file>", "the shared keys file (default: LOCKSMITH_KEYS_FILE)", process.env.LOCKSMITH_KEYS_FILE)
    .option("--policy <file>", "the policy bundle, for the longest credential lifetime (default: LOCKSMITH_POLICY)", process.env.LOCKSMITH_POLICY)
    .option("--force", "promote a next key published less than the JWKS cache lifetime ago (verifiers may not know it yet)")
    .option("--no-record", "do not record key_rotated in the ledger (when DATABASE_URL cannot be reached; say so in your change log)")
    .action(async (o: { env: string; keysFile?: string; policy?: string; force?: boolean; record: boolean }) => {
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
    });
}
