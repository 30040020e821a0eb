import { createHash } from "node:crypto";

/**
 * The RFC 6962 (§2.1) / RFC 9162 (§2.1) Merkle tree over the ledger's events:
 * leaf = SHA-256(0x00 ‖ bytes), node = SHA-256(0x01 ‖ left ‖ right); the tree
 * of n leaves splits at the largest power of two below n. Proofs made here
 * verify with any RFC 6962 verifier (Certificate Transparency, sigsum, tlog).
 */
export type Hash = Buffer;

export const EMPTY_ROOT: Hash = createHash("sha256").digest();

export function leafHash(bytes: Uint8Array): Hash {
  return createHash("sha256").update(Buffer.of(0)).update(bytes).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash("sha256").update(Buffer.of(1)).update(left).update(right).digest();
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[0:n]) of RFC 6962 §2.1, from the leaf hashes. */
export function rootOf(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  let level = [...leaves];
  // Bottom-up pairing gives the same tree as the recursive split: the odd node rises unchanged.
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/** PATH(m, D[0:n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leaves: readonly Hash[], index: number, size: number): Hash[] {
  if (!(index >= 0 && index < size && size <= leaves.length)) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const path = (m: number, from: number, n: number): Hash[] => {
    if (n === 1) return [];
    const k = split(n);
    return m < k ? [...path(m, from, k), rootOf(leaves.slice(from + k, from + n))] : [...path(m - k, from + k, n - k), rootOf(leaves.slice(from, from + k))];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[0:n]) of RFC 6962 §2.1.2: proves the tree of `from` leaves is a prefix of the tree of `to`. */
export function consistencyProof(leaves: readonly Hash[], from: number, to: number): Hash[] {
  if (!(from >= 0 && from <= to && to <= leaves.length)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const subproof = (m: number, start: number, n: number, whole: boolean): Hash[] => {
    if (m === n) return whole ? [] : [rootOf(leaves.slice(start, start + n))];
    const k = split(n);
    return m <= k
      ? [...subproof(m, start, k, whole), rootOf(leaves.slice(start + k, start + n))]
      : [...subproof(m - k, start + k, n - k, false), rootOf(leaves.slice(start, start + k))];
  };
  return subproof(from, 0, to, true);
}

/** RFC 9162 §2.1.3.2: does `proof` place `leaf` at `index` of the tree of `size` whose root is `root`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (!(index >= 0 && index < size) || !proof.every((h) => h.length === 32)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (from, fromRoot) is a prefix of (to, toRoot)? */
export function verifyConsistency(from: number, to: number, fromRoot: Hash, toRoot: Hash, proof: readonly Hash[]): boolean {
  if (from > to || !proof.every((h) => h.length === 32)) return false;
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  if (from === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * The right edge of a tree: roots of its perfect subtrees, largest first (one
 * per set bit of the size). Extending it leaf by leaf gives the root of any
 * later size without rereading earlier leaves.
 */
export function extendFrontier(
  frontier: readonly Hash[],
  size: number,
  leaves: readonly Hash[],
  /** Told each perfect subtree completed on the way: its level, its index at that level, its root. */
  onSubtree?: (level: number, index: number, root: Hash) => void,
): Hash[] {
  const next = [...frontier];
  let n = size;
  for (const leaf of leaves) {
    let node = leaf;
    let level = 0;
    for (let m = n; m % 2 === 1; m = Math.floor(m / 2)) {
      node = nodeHash(next.pop()!, node);
      level++;
      onSubtree?.(level, (n + 1) / 2 ** level - 1, node);
    }
    next.push(node);
    n++;
  }
  return next;
}

export function frontierRoot(frontier: readonly Hash[]): Hash {
  if (frontier.length === 0) return EMPTY_ROOT;
  let root = frontier[frontier.length - 1];
  for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i], root);
  return root;
}
