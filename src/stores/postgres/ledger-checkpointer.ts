import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { signCheckpoint, type CheckpointSigner } from "../../domain/audit/checkpoint-note";
import type { StoredCheckpoint } from "../../domain/audit/ledger-reader";
import { extendFrontier, frontierRoot, type Hash } from "../../domain/audit/merkle";
import { STORED_LEVEL_STEP } from "../../domain/audit/merkle-subtrees";
import { Prisma } from "../../generated/prisma/client";
import type { Logger } from "../../telemetry/logger";
import type { PostgresLedgerReader } from "./postgres-ledger-reader";
import type { PrismaClient } from "./prisma-client";

export interface CheckpointerOptions {
  /** Sign a checkpoint once this many events were appended since the last one. */
  readonly everyEvents: number;
  /** …or this often while there are new events. */
  readonly everyMs: number;
  /** A directory each signed note is also written to, once (never overwritten). */
  readonly exportDir?: string;
}

/**
 * Periodically signs a checkpoint (size, root) of the ledger and stores it.
 * Incremental: each checkpoint keeps the tree's right edge (frontier), so the
 * next one reads only the leaves appended since. Replicas may race to sign the
 * same size; the first insert wins and the note is identical anyway.
 */
export class LedgerCheckpointer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<StoredCheckpoint | undefined>;
  private lastSize = 0n;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly reader: PostgresLedgerReader,
    private readonly signer: CheckpointSigner,
    private readonly options: CheckpointerOptions,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.checkpoint().catch(() => undefined), this.options.everyMs);
    this.timer.unref();
  }

  stop(): Promise<unknown> {
    clearInterval(this.timer);
    return this.running ?? Promise.resolve();
  }

  /** Told the ledger size after each commit; checkpoints once enough events are new. */
  notify(size: bigint): void {
    if (size - this.lastSize >= BigInt(this.options.everyEvents)) void this.checkpoint().catch(() => undefined);
  }

  /** Signs and stores a checkpoint of everything committed now (no-op when nothing is new). */
  checkpoint(): Promise<StoredCheckpoint | undefined> {
    this.running ??= this.run()
      .catch((error: Error) => {
        this.logger?.error({ err: { name: error.name, message: error.message } }, "ledger checkpoint failed");
        throw error;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<StoredCheckpoint | undefined> {
    const [previous] = await this.prisma.$queryRaw<{ size: bigint; frontier: Uint8Array }[]>`
      SELECT "size", "frontier" FROM "audit_checkpoints" ORDER BY "size" DESC LIMIT 1`;
    const signed = previous ? Number(previous.size) : 0;
    const last = Number(await this.reader.lastSeq());
    this.lastSize = BigInt(last);
    if (last <= signed) return undefined;
    // Subtree roots are built from the last signed size on; a ledger signed before they existed is built once from the start.
    const from = (await this.subtreesCover(signed)) ? signed : 0;
    const leaves = await this.reader.leafHashes(from + 1, last);
    // Never sign over a gap: a checkpoint vouches for a gapless sequence.
    if (leaves.length !== last - from) throw new Error(`ledger has gaps between seq ${from + 1} and ${last}: not signing a checkpoint`);
    const subtrees: { level: number; index: number; root: Hash }[] = [];
    const frontier = extendFrontier(from === 0 ? [] : splitHashes(previous?.frontier), from, leaves, (level, index, root) => {
      if (level % STORED_LEVEL_STEP === 0) subtrees.push({ level, index, root });
    });
    await this.storeSubtrees(subtrees);
    const root = frontierRoot(frontier);
    const note = signCheckpoint({ origin: this.signer.name, size: last, root }, this.signer);
    await this.prisma.$executeRaw`
      INSERT INTO "audit_checkpoints" ("size", "root", "note", "frontier")
      VALUES (${last}, ${new Uint8Array(root)}, ${note}, ${new Uint8Array(Buffer.concat(frontier))})
      ON CONFLICT ("size") DO NOTHING`;
    if (this.options.exportDir) await exportNote(this.options.exportDir, last, note);
    this.logger?.debug({ size: last, subtrees: subtrees.length }, "ledger checkpoint signed");
    return { size: last, root, note };
  }

  /** Are the stored subtree roots complete up to `size`? (The lowest stored level's last complete subtree is there.) */
  private async subtreesCover(size: number): Promise<boolean> {
    const width = 2 ** STORED_LEVEL_STEP;
    if (size < width) return true;
    const rows = await this.prisma.$queryRaw<{ present: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM "audit_subtrees" WHERE "level" = ${STORED_LEVEL_STEP} AND "index" = ${Math.floor(size / width) - 1}) AS present`;
    return rows[0]?.present === true;
  }

  /** Written before the checkpoint that vouches for them; replicas racing to write the same roots write the same bytes. */
  private async storeSubtrees(subtrees: readonly { level: number; index: number; root: Hash }[]): Promise<void> {
    for (let i = 0; i < subtrees.length; i += 5000) {
      const rows = subtrees.slice(i, i + 5000).map((s) => Prisma.sql`(${s.level}::smallint, ${s.index}::bigint, ${new Uint8Array(s.root)})`);
      await this.prisma.$executeRaw`INSERT INTO "audit_subtrees" ("level", "index", "root") VALUES ${Prisma.join(rows)} ON CONFLICT DO NOTHING`;
    }
  }
}

function splitHashes(bytes?: Uint8Array): Hash[] {
  const hashes: Hash[] = [];
  for (let i = 0; bytes && i < bytes.length; i += 32) hashes.push(Buffer.from(bytes.subarray(i, i + 32)));
  return hashes;
}

/** `checkpoint.<size>` in the export directory, created once (`wx`): an existing file is never rewritten. */
export async function exportNote(dir: string, size: number, note: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `checkpoint.${String(size).padStart(12, "0")}`), note, { flag: "wx", mode: 0o444 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
}
