import type { Command } from "commander";
import { environmentKekProtector, plainProtector, type KeyProtector } from "../stores/keys/key-protector";
import type { RotateOptions } from "./keys-rotate";

// The rotation itself (keys-rotate.ts: the keys file store, PostgreSQL, the logger) loads when the command runs (see main.ts).

/** The key encryption key from the environment, as the server reads it (`LOCKSMITH_KEYS_KEK`), or none. */
export function protectorFromEnv(env: NodeJS.ProcessEnv = process.env): KeyProtector {
  return env.LOCKSMITH_KEYS_KEK ? environmentKekProtector(env.LOCKSMITH_KEYS_KEK, env.LOCKSMITH_KEYS_KEK_ID ?? "env") : plainProtector;
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
    .action(async (o: RotateOptions) => (await import("./keys-rotate.js")).rotateKeys(o, die));
}
