import { createHash } from "node:crypto";
import { open, readFile, rm, stat } from "node:fs/promises";
import type { Clock } from "../../domain/clock";
import { StoreUnavailableError } from "../../domain/errors";
import { KeyRing, type SigningKey } from "../../domain/keys/key-ring";
import type { RotationSummary, SigningKeyStore } from "../../domain/keys/rotate-signing-key";
import { planRotation } from "../../domain/keys/rotation";
import type { KeyNeed, SigningAlg } from "../../domain/keys/signing-alg";
import type { Logger } from "../../telemetry/logger";
import type { KeyProtector } from "./key-protector";
import { importKeys, KeysFileError, newKeyEntry, parseKeysFile, readKeysFile, unreadableKeysFile, writeKeysFile } from "./keys-file";

export interface KeysFileStoreOptions {
  readonly file: string;
  readonly protector: KeyProtector;
  /**
   * What must keep an active key: environments (their EdDSA key) or
   * `keysNeeded(policy)` (every algorithm its resource servers ask for). A
   * file lacking one is not taken.
   */
  readonly environments: readonly (string | KeyNeed)[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often the file is re-read; 0 = never (tests drive `refresh`). */
  readonly pollMs: number;
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 5_000;

/**
 * The keys file as the shared key source of every replica. Each replica polls
 * it (content hash, so a Kubernetes Secret's symlink swap or a shared volume
 * both work) and swaps its ring atomically when it changes or when a retiring
 * key's time is up. A file that cannot be read or lacks an active key for an
 * environment is refused: the replica keeps signing with the keys it has and
 * logs why. Rotations take a lock file, so two admins cannot interleave.
 */
export class KeysFileStore implements SigningKeyStore {
  readonly ring: KeyRing;
  private digest = "";
  private keys: SigningKey[] = [];
  private timer?: NodeJS.Timeout;

  private constructor(
    private readonly options: KeysFileStoreOptions,
    keys: SigningKey[],
    digest: string,
  ) {
    this.keys = keys;
    this.digest = digest;
    this.ring = new KeyRing(keys, options.clock.now());
  }

  /** Loads the file (fails start-up when it is unusable) and starts polling it. */
  static async open(options: KeysFileStoreOptions): Promise<KeysFileStore> {
    const text = await readFile(options.file, "utf8").catch((error: unknown) => {
      throw unreadableKeysFile(options.file, error);
    });
    const keys = await load(options, text);
    const digest = digestOf(text);
    const store = new KeysFileStore(options, keys, digest);
    if (options.pollMs > 0) {
      store.timer = setInterval(() => void store.refresh().catch((error: Error) => store.reloadFailed(error)), options.pollMs).unref();
    }
    return store;
  }

  async refresh(): Promise<void> {
    const now = this.options.clock.now();
    const text = await readFile(this.options.file, "utf8");
    const digest = digestOf(text);
    if (digest !== this.digest) {
      const keys = await load(this.options, text);
      this.keys = keys;
      this.digest = digest;
      this.ring.replace(keys, now);
      this.options.logger.info({ keys: keys.map((key) => `${key.environment}:${key.kid}:${key.status}`) }, "signing keys reloaded");
    } else if (this.ring.published.some((key) => key.retireAt !== undefined && key.retireAt <= now)) {
      this.ring.replace(this.keys, now);
      this.options.logger.info("retiring signing key(s) past their last credential: unpublished");
    }
  }

  async rotate(
    environment: string,
    options: { now: Date; longestLifetimeSeconds: number; force?: boolean; algorithms?: readonly SigningAlg[] },
  ): Promise<RotationSummary> {
    return this.locked(async () => {
      const content = await readKeysFile(this.options.file);
      const { keys, ...summary } = await planRotation(content.keys, environment, {
        ...options,
        newKey: (status, alg) => newKeyEntry(environment, status, options.now, this.options.protector, alg),
      });
      await writeKeysFile(this.options.file, { version: 1, keys });
      return summary;
    });
  }

  close(): void {
    clearInterval(this.timer);
  }

  private reloadFailed(error: Error): void {
    this.options.logger.error({ err: { name: error.name, message: error.message } }, "signing keys not reloaded: keeping the current ones");
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const lock = `${this.options.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await open(lock, "wx", 0o600)).close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > LOCK_STALE_MS) await rm(lock, { force: true });
        else if (Date.now() > deadline) throw new StoreUnavailableError("the keys file (another rotation holds its lock)");
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }
}

async function load(options: KeysFileStoreOptions, text: string): Promise<SigningKey[]> {
  const keys = await importKeys(parseKeysFile(text, options.file), options.protector);
  const unsigned = new KeyRing(keys, options.clock.now()).missing(options.environments);
  if (unsigned.length > 0) {
    throw new KeysFileError(
      `LOCKSMITH_KEYS_FILE: no active key for environment(s) ${unsigned.join(", ")}: run \`npx locksmith keys generate\` (or \`keys rotate\` for a new algorithm)`,
    );
  }
  return keys;
}

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");
