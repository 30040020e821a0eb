import { eventLeafHash } from "./canonical-event";
import { verifyCheckpointNote } from "./checkpoint-note";
import type { LedgerEntry, LedgerReader } from "./ledger-reader";
import { extendFrontier, frontierRoot, type Hash } from "./merkle";

export type LedgerProblemKind = "missing" | "changed" | "reordered" | "forged_checkpoint" | "checkpoint_mismatch";

export interface LedgerProblem {
  /** The first sequence number the problem concerns (for a checkpoint: its size). */
  readonly seq: number;
  readonly kind: LedgerProblemKind;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Events read from the database. */
  readonly size: number;
  readonly checkpoints: number;
  readonly exported: number;
  /** Ordered by seq: the first is the first bad sequence number. */
  readonly problems: readonly LedgerProblem[];
}

export interface VerifyOptions {
  /** The C2SP verifier key of the ledger key (`npx locksmith audit verifier-key`). */
  readonly verifierKey: string;
  /** Signed notes kept outside the database (the export directory). */
  readonly exportedNotes?: readonly { readonly name: string; readonly note: string }[];
  readonly pageSize?: number;
  /** Called after each page with the events checked so far (for a progress line). */
  readonly onProgress?: (checked: number) => void;
}

const REORDER_WINDOW = 64;

/**
 * Recomputes the ledger from the database alone and checks it against every
 * signed checkpoint: seqs gapless from 1, each row's leaf hash equal to the hash
 * of its columns, every checkpoint signed by the ledger key, and the root of
 * every checkpointed size equal to the root of the events. All checkpoint
 * roots recomputed from one sequence of leaves are mutually consistent, so
 * this also proves each checkpoint extends the previous one. Streams in pages:
 * memory is the tree's right edge, not the ledger.
 */
export async function verifyLedger(reader: LedgerReader, options: VerifyOptions): Promise<VerifyReport> {
  const problems: LedgerProblem[] = [];
  const expectedRoots = new Map<number, { root: Hash; source: string }[]>();
  const expect = (size: number, root: Hash, source: string) => expectedRoots.set(size, [...(expectedRoots.get(size) ?? []), { root, source }]);

  const stored = await reader.checkpoints();
  for (const checkpoint of stored) {
    const check = verifyCheckpointNote(checkpoint.note, options.verifierKey);
    if (!check.ok || check.checkpoint.size !== checkpoint.size || !check.checkpoint.root.equals(checkpoint.root)) {
      problems.push({
        seq: checkpoint.size,
        kind: "forged_checkpoint",
        message: `checkpoint of size ${checkpoint.size} in the database: ${check.ok ? "its row does not match its signed note" : check.problem}`,
      });
    } else expect(check.checkpoint.size, check.checkpoint.root, "database checkpoint");
  }
  for (const exported of options.exportedNotes ?? []) {
    const check = verifyCheckpointNote(exported.note, options.verifierKey);
    if (!check.ok) problems.push({ seq: 0, kind: "forged_checkpoint", message: `exported checkpoint ${exported.name}: ${check.problem}` });
    else expect(check.checkpoint.size, check.checkpoint.root, `exported checkpoint ${exported.name}`);
  }

  let size = 0;
  let frontier: Hash[] = [];
  let broken = false;
  for (let after = 0n; ; ) {
    const page = await reader.page({}, after, options.pageSize ?? 5000);
    if (page.length === 0) break;
    for (const entry of page) {
      const seq = Number(entry.seq);
      if (seq !== size + 1 && !broken) {
        problems.push({
          seq: size + 1,
          kind: "missing",
          message: `seq ${size + 1}${seq > size + 2 ? `..${seq - 1}` : ""} missing: the next stored event is seq ${seq}`,
        });
        broken = true;
      }
      const leaf = eventLeafHash(entry.seq, entry);
      const leafProblem = checkLeaf(entry, leaf);
      if (leafProblem) problems.push(leafProblem);
      frontier = extendFrontier(frontier, size, [leaf]);
      size++;
      for (const expected of expectedRoots.get(size) ?? []) {
        if (!broken && !frontierRoot(frontier).equals(expected.root)) {
          problems.push({
            seq: size,
            kind: "checkpoint_mismatch",
            message: `${expected.source} of size ${size} does not match the events: an event at or before seq ${size} was changed, removed or inserted`,
          });
        }
      }
    }
    after = page[page.length - 1].seq;
    options.onProgress?.(size);
  }
  for (const [checkpointSize, sources] of expectedRoots) {
    if (checkpointSize > size) {
      problems.push({
        seq: size + 1,
        kind: "missing",
        message: `${sources[0].source} covers ${checkpointSize} events but the database holds ${size}: seq ${size + 1}..${checkpointSize} missing`,
      });
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { ok: problems.length === 0, size, checkpoints: stored.length, exported: options.exportedNotes?.length ?? 0, problems };
}

/** Does the stored leaf hash match the columns? If not, was the row moved (reordered) or edited (changed)? */
function checkLeaf(entry: LedgerEntry, leaf: Hash): LedgerProblem | undefined {
  if (!entry.leafHash || entry.leafHash.equals(leaf)) return undefined;
  const seq = Number(entry.seq);
  for (let other = Math.max(1, seq - REORDER_WINDOW); other <= seq + REORDER_WINDOW; other++) {
    if (other !== seq && eventLeafHash(BigInt(other), entry).equals(entry.leafHash)) {
      return { seq, kind: "reordered", message: `seq ${seq} holds the event written as seq ${other}: events were reordered` };
    }
  }
  return { seq, kind: "changed", message: `seq ${seq} was changed: its columns no longer hash to the leaf written with it` };
}
