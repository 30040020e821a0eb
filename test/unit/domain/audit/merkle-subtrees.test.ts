import { createHash } from "node:crypto";
import fc from "fast-check";
import { consistencyProof, extendFrontier, inclusionProof, leafHash, rootOf, type Hash } from "../../../../src/domain/audit/merkle";
import {
  consistencyRanges,
  inclusionRanges,
  perfectPartsOf,
  rangeRoot,
  resolveSubtrees,
  STORED_LEVEL_STEP,
  subtreeKey,
  type LeafRange,
  type PerfectSubtree,
  type SubtreeSource,
} from "../../../../src/domain/audit/merkle-subtrees";

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(createHash("sha256").update(String(i)).digest()));

/** A source over `leaves` that stores the subtree roots the checkpointer would have written up to `built` leaves, and counts reads. */
function sourceOver(leaves: Hash[], built: number) {
  const stored = new Map<string, Hash>();
  extendFrontier([], 0, leaves.slice(0, built), (level, index, root) => {
    if (level % STORED_LEVEL_STEP === 0) stored.set(subtreeKey({ level, index }), root);
  });
  const reads = { stored: 0, leaves: 0 };
  const source: SubtreeSource = {
    async storedRoots(subtrees: readonly PerfectSubtree[]) {
      reads.stored += subtrees.length;
      return new Map(subtrees.flatMap((s) => (stored.has(subtreeKey(s)) ? [[subtreeKey(s), stored.get(subtreeKey(s))!] as const] : [])));
    },
    async leaves(ranges: readonly LeafRange[]) {
      return ranges.map(({ start, end }) => {
        reads.leaves += end - start;
        return leaves.slice(start, end);
      });
    },
  };
  return { source, reads };
}

async function rootsOf(source: SubtreeSource, ranges: LeafRange[]): Promise<Hash[]> {
  const parts = ranges.map(perfectPartsOf);
  const roots = await resolveSubtrees(source, parts.flat());
  let next = 0;
  return parts.map((list) => {
    next += list.length;
    return rangeRoot(roots.slice(next - list.length, next));
  });
}

describe("proofs from stored subtree roots", () => {
  test("inclusion paths equal the RFC 6962 recursion over every leaf, whatever part of the tree is stored", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 700 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (size, at, builtShare) => {
          const leaves = leavesOf(size);
          const index = Math.min(size - 1, Math.floor(at * size));
          const { source } = sourceOver(leaves, Math.floor(builtShare * size));
          expect(await rootsOf(source, inclusionRanges(index, size))).toEqual(inclusionProof(leaves, index, size));
        },
      ),
      { numRuns: 150 },
    );
  });

  test("consistency proofs and roots equal the RFC 6962 recursion", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 700 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (to, at, builtShare) => {
          const leaves = leavesOf(to);
          const from = Math.max(1, Math.floor(at * to));
          const { source } = sourceOver(leaves, Math.floor(builtShare * to));
          const [fromRoot, toRoot, ...proof] = await rootsOf(source, [{ start: 0, end: from }, { start: 0, end: to }, ...consistencyRanges(from, to)]);
          expect(fromRoot).toEqual(rootOf(leaves.slice(0, from)));
          expect(toRoot).toEqual(rootOf(leaves));
          expect(proof).toEqual(consistencyProof(leaves, from, to));
        },
      ),
      { numRuns: 150 },
    );
  });

  test("with the tree built, a proof reads O(log n) hashes, not every leaf", async () => {
    const size = 100_003;
    const leaves = leavesOf(size);
    const { source, reads } = sourceOver(leaves, size);
    expect(await rootsOf(source, inclusionRanges(4_242, size))).toEqual(inclusionProof(leaves, 4_242, size));
    // ≤ 2^(STEP-1) reads for each of the ≤ 2·log2(n) subtrees a proof needs.
    const bound = 2 * Math.ceil(Math.log2(size)) * 2 ** (STORED_LEVEL_STEP - 1);
    expect(reads.stored + reads.leaves).toBeLessThanOrEqual(bound);
    expect(reads.leaves).toBeLessThan(size / 100);
  });

  test("perfect parts of a range are aligned and cover it exactly", () => {
    expect(perfectPartsOf({ start: 8, end: 15 })).toEqual([
      { level: 2, index: 2 },
      { level: 1, index: 6 },
      { level: 0, index: 14 },
    ]);
    expect(() => perfectPartsOf({ start: 3, end: 7 })).toThrow(RangeError);
  });
});
