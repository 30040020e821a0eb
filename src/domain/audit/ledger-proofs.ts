import { invalidRequest, LocksmithError } from "../errors";
import type { LedgerReader, StoredCheckpoint } from "./ledger-reader";
import { consistencyProof, inclusionProof, rootOf } from "./merkle";

export interface InclusionAnswer {
  readonly seq: number;
  /** RFC 6962 leaf index: seq - 1. */
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Buffer;
  readonly auditPath: Buffer[];
  readonly checkpoint: StoredCheckpoint;
}

/**
 * The audit path of event `seq` in the tree of a signed checkpoint (the latest,
 * or the one of size `size`). Verify with any RFC 6962/9162 verifier against
 * the root in the checkpoint's signed note.
 */
export async function proveInclusion(reader: LedgerReader, seq: number, size?: number): Promise<InclusionAnswer> {
  const checkpoint = await reader.checkpoint(size);
  if (!checkpoint) throw new LocksmithError("not_found", size === undefined ? "no checkpoint has been signed yet" : `no checkpoint of size ${size}`);
  if (seq > checkpoint.size) throw new LocksmithError("not_found", `seq ${seq} is not in the checkpoint of size ${checkpoint.size} yet`);
  const leaves = await reader.leafHashes(1, checkpoint.size);
  assertComplete(leaves.length, checkpoint.size);
  return { seq, leafIndex: seq - 1, treeSize: checkpoint.size, leafHash: leaves[seq - 1], auditPath: inclusionProof(leaves, seq - 1, checkpoint.size), checkpoint };
}

export interface ConsistencyAnswer {
  readonly from: number;
  readonly to: number;
  readonly fromRoot: Buffer;
  readonly toRoot: Buffer;
  readonly proof: Buffer[];
  /** The signed notes of the two sizes, when checkpoints of those sizes exist. */
  readonly checkpoints: StoredCheckpoint[];
}

/** RFC 6962 §2.1.2 proof that the tree of `from` events is a prefix of the tree of `to`. */
export async function proveConsistency(reader: LedgerReader, from: number, to: number): Promise<ConsistencyAnswer> {
  if (from > to) throw invalidRequest("from must not be larger than to");
  const last = Number(await reader.lastSeq());
  if (to > last) throw new LocksmithError("not_found", `the ledger holds ${last} events, fewer than ${to}`);
  const leaves = await reader.leafHashes(1, to);
  assertComplete(leaves.length, to);
  const checkpoints = (await Promise.all([reader.checkpoint(from), reader.checkpoint(to)])).filter((c): c is StoredCheckpoint => c !== undefined);
  return {
    from,
    to,
    fromRoot: rootOf(leaves.slice(0, from)),
    toRoot: rootOf(leaves),
    proof: consistencyProof(leaves, from, to),
    checkpoints: [...new Map(checkpoints.map((c) => [c.size, c])).values()],
  };
}

function assertComplete(found: number, size: number): void {
  // A gap means the ledger was tampered with: refuse to prove anything from it.
  if (found !== size) throw new LocksmithError("server_error", "the ledger has gaps: run `npx locksmith audit verify`");
}
