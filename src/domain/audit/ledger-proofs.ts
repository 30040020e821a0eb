import { invalidRequest, LocksmithError } from "../errors";
import type { LedgerReader, StoredCheckpoint } from "./ledger-reader";
import { EMPTY_ROOT, type Hash } from "./merkle";
import { consistencyRanges, inclusionRanges, perfectPartsOf, rangeRoot, resolveSubtrees, type LeafRange, type PerfectSubtree } from "./merkle-subtrees";

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
 * the root in the checkpoint's signed note. Reads O(log n) stored subtree roots.
 */
export async function proveInclusion(reader: LedgerReader, seq: number, size?: number): Promise<InclusionAnswer> {
  const checkpoint = await reader.checkpoint(size);
  if (!checkpoint) throw new LocksmithError("not_found", size === undefined ? "no checkpoint has been signed yet" : `no checkpoint of size ${size}`);
  if (seq > checkpoint.size) throw new LocksmithError("not_found", `seq ${seq} is not in the checkpoint of size ${checkpoint.size} yet`);
  const leafIndex = seq - 1;
  const [[leaf], ...path] = await rangeRoots(reader, [{ start: leafIndex, end: seq }, ...inclusionRanges(leafIndex, checkpoint.size)]);
  return { seq, leafIndex, treeSize: checkpoint.size, leafHash: leaf, auditPath: path.map(([root]) => root), checkpoint };
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
  const ranges = [{ start: 0, end: from }, { start: 0, end: to }, ...consistencyRanges(from, to)];
  const [[fromRoot], [toRoot], ...proof] = await rangeRoots(reader, ranges);
  const checkpoints = (await Promise.all([reader.checkpoint(from), reader.checkpoint(to)])).filter((c): c is StoredCheckpoint => c !== undefined);
  return { from, to, fromRoot, toRoot, proof: proof.map(([root]) => root), checkpoints: [...new Map(checkpoints.map((c) => [c.size, c])).values()] };
}

/** The root of each range (as a one-element tuple, for destructuring), from one batch of subtree reads. */
async function rangeRoots(reader: LedgerReader, ranges: readonly LeafRange[]): Promise<[Hash][]> {
  const parts = ranges.map((range) => perfectPartsOf(range));
  const wanted: PerfectSubtree[] = parts.flat();
  const roots = await resolveSubtrees(reader, wanted);
  let next = 0;
  return parts.map((list) => {
    const hashes = roots.slice(next, (next += list.length));
    return [hashes.length === 0 ? EMPTY_ROOT : rangeRoot(hashes)];
  });
}
