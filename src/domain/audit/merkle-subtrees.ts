import { nodeHash, type Hash } from "./merkle";

/**
 * Proofs in O(log n) reads. Every hash an RFC 6962 proof needs is the root of a
 * range of leaves, and every such range is a few *perfect* subtrees: aligned
 * runs of 2^level leaves. The store keeps the roots of perfect subtrees at
 * every STORED_LEVEL_STEP-th level (written as checkpoints are signed), so any
 * perfect subtree is at most 2^(STORED_LEVEL_STEP-1) stored hashes away.
 */
export const STORED_LEVEL_STEP = 4;

/** The perfect subtree over leaves [index·2^level, (index+1)·2^level). */
export interface PerfectSubtree {
  readonly level: number;
  readonly index: number;
}

/** Leaves [start, end) (0-based). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The ranges whose roots form PATH(index, D[0:size]) of RFC 6962 §2.1.1, in proof order. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const ranges: LeafRange[] = [];
  const path = (m: number, from: number, n: number): void => {
    if (n === 1) return;
    const k = split(n);
    if (m < k) {
      path(m, from, k);
      ranges.push({ start: from + k, end: from + n });
    } else {
      path(m - k, from + k, n - k);
      ranges.push({ start: from, end: from + k });
    }
  };
  path(index, 0, size);
  return ranges;
}

/** The ranges whose roots form PROOF(from, D[0:to]) of RFC 6962 §2.1.2, in proof order. */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  if (!(from >= 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const ranges: LeafRange[] = [];
  const subproof = (m: number, start: number, n: number, whole: boolean): void => {
    if (m === n) {
      if (!whole) ranges.push({ start, end: start + n });
      return;
    }
    const k = split(n);
    if (m <= k) {
      subproof(m, start, k, whole);
      ranges.push({ start: start + k, end: start + n });
    } else {
      subproof(m - k, start + k, n - k, false);
      ranges.push({ start, end: start + k });
    }
  };
  subproof(from, 0, to, true);
  return ranges;
}

/**
 * The perfect subtrees of a range, largest first. Ranges of the RFC 6962
 * recursion start at a multiple of a power of two at least as large as any
 * part, so each part is aligned.
 */
export function perfectPartsOf(range: LeafRange): PerfectSubtree[] {
  const parts: PerfectSubtree[] = [];
  let start = range.start;
  let remaining = range.end - range.start;
  for (let level = 52; remaining > 0 && level >= 0; level--) {
    const width = 2 ** level;
    if (remaining >= width) {
      if (start % width !== 0) throw new RangeError(`range [${range.start}, ${range.end}) is not made of aligned subtrees`);
      parts.push({ level, index: start / width });
      start += width;
      remaining -= width;
    }
  }
  return parts;
}

/** MTH of a range from the roots of its perfect parts (the right edge folds right to left). */
export function rangeRoot(parts: readonly Hash[]): Hash {
  let root = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i--) root = nodeHash(parts[i], root);
  return root;
}

/** Where the hashes come from: stored subtree roots (only at levels that are multiples of STORED_LEVEL_STEP) and leaves. */
export interface SubtreeSource {
  /** The stored roots among `subtrees`, keyed `level:index`; absent ones are simply not in the map. */
  storedRoots(subtrees: readonly PerfectSubtree[]): Promise<Map<string, Hash>>;
  /** Leaf hashes of each range (0-based, end exclusive), in order; every leaf must exist. */
  leaves(ranges: readonly LeafRange[]): Promise<Hash[][]>;
}

export const subtreeKey = (s: PerfectSubtree) => `${s.level}:${s.index}`;

/**
 * The roots of `wanted`, reading as little as possible: each subtree is built
 * from the nearest stored level at or below it (≤ 2^(STEP-1) reads), a stored
 * root that is missing (not yet built) from its 2^STEP children one stored
 * level down, and so on to the leaves. One round of reads per level it has to
 * descend; usually one or two.
 */
export async function resolveSubtrees(source: SubtreeSource, wanted: readonly PerfectSubtree[]): Promise<Hash[]> {
  const known = new Map<string, Hash>();
  const fromLeaves = new Map<string, LeafRange>();
  const toBuild: PerfectSubtree[] = [];
  let lookups = new Map<string, PerfectSubtree>();
  // A subtree's root comes from the leaves (below the first stored level), from the store, or from its children there.
  const plan = (s: PerfectSubtree, depth: number) => {
    if (s.level - depth === 0) {
      const width = 2 ** s.level;
      fromLeaves.set(subtreeKey(s), { start: s.index * width, end: (s.index + 1) * width });
      return;
    }
    const fan = 2 ** depth;
    for (let i = 0; i < fan; i++) {
      const child = { level: s.level - depth, index: s.index * fan + i };
      lookups.set(subtreeKey(child), child);
    }
  };
  for (const s of wanted) {
    if (s.level > 0 && s.level % STORED_LEVEL_STEP === 0) lookups.set(subtreeKey(s), s);
    else plan(s, s.level % STORED_LEVEL_STEP);
  }
  // One read per round; a stored root that is missing (not built yet) is made from the stored level below it.
  while (lookups.size > 0) {
    const round = [...lookups.values()].filter((s) => !known.has(subtreeKey(s)));
    lookups = new Map();
    const stored = round.length > 0 ? await source.storedRoots(round) : new Map<string, Hash>();
    for (const s of round) {
      const hash = stored.get(subtreeKey(s));
      if (hash) known.set(subtreeKey(s), hash);
      else {
        toBuild.push(s);
        plan(s, STORED_LEVEL_STEP);
      }
    }
  }
  const ranges = [...fromLeaves.entries()];
  const leaves = ranges.length > 0 ? await source.leaves(ranges.map(([, range]) => range)) : [];
  ranges.forEach(([key], i) => known.set(key, rootOfPerfect(leaves[i])));
  for (const s of toBuild.sort((a, b) => a.level - b.level)) if (!known.has(subtreeKey(s))) known.set(subtreeKey(s), fromChildren(known, s, STORED_LEVEL_STEP));
  return wanted.map((s) => known.get(subtreeKey(s)) ?? fromChildren(known, s, s.level % STORED_LEVEL_STEP));
}

function fromChildren(known: Map<string, Hash>, s: PerfectSubtree, depth: number): Hash {
  const fan = 2 ** depth;
  const children: Hash[] = [];
  for (let i = 0; i < fan; i++) {
    const child = known.get(subtreeKey({ level: s.level - depth, index: s.index * fan + i }));
    if (!child) throw new Error(`subtree ${s.level - depth}:${s.index * fan + i} was not resolved`);
    children.push(child);
  }
  return rootOfPerfect(children);
}

/** The root of a perfect tree (length a power of two) over `hashes`. */
function rootOfPerfect(hashes: readonly Hash[]): Hash {
  let level = [...hashes];
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}
