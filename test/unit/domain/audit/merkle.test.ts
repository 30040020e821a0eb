import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  consistencyProof,
  EMPTY_ROOT,
  extendFrontier,
  frontierRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from "../../../../src/domain/audit/merkle";

const hex = (h: Hash) => h.toString("hex");
const unhex = (s: string) => Buffer.from(s, "hex");

// The test vectors of the RFC 6962 reference implementations (certificate-transparency, merkle_tree_test).
const CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((d) => leafHash(unhex(d)));
const CT_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const CT_INCLUSION = [
  {
    index: 0,
    size: 8,
    path: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];
const CT_CONSISTENCY = [
  {
    from: 2,
    to: 8,
    proof: ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
  },
  {
    from: 6,
    to: 8,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`event ${i}`)));

describe("RFC 6962 Merkle tree", () => {
  test("the empty tree's root is SHA-256 of nothing (e3b0c442…b855)", () => {
    expect(hex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(rootOf([]).equals(EMPTY_ROOT)).toBe(true);
  });

  test("leaf = SHA-256(0x00 ‖ bytes) and node = SHA-256(0x01 ‖ left ‖ right)", () => {
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(CT_ROOTS[0]);
    const [l, r] = [leafHash(Buffer.from("l")), leafHash(Buffer.from("r"))];
    expect(
      nodeHash(l, r).equals(
        createHash("sha256")
          .update(Buffer.concat([Buffer.of(1), l, r]))
          .digest(),
      ),
    ).toBe(true);
  });

  test("matches the reference roots of sizes 1..8", () => {
    for (let n = 1; n <= 8; n++) expect(hex(rootOf(CT_LEAVES.slice(0, n)))).toBe(CT_ROOTS[n - 1]);
  });

  test("produces the reference inclusion proofs, and they verify", () => {
    for (const v of CT_INCLUSION) {
      expect(inclusionProof(CT_LEAVES, v.index, v.size).map(hex)).toEqual(v.path);
      expect(verifyInclusion(CT_LEAVES[v.index], v.index, v.size, v.path.map(unhex), unhex(CT_ROOTS[v.size - 1]))).toBe(true);
    }
  });

  test("produces the reference consistency proofs, and they verify", () => {
    for (const v of CT_CONSISTENCY) {
      expect(consistencyProof(CT_LEAVES, v.from, v.to).map(hex)).toEqual(v.proof);
      expect(verifyConsistency(v.from, v.to, unhex(CT_ROOTS[v.from - 1]), unhex(CT_ROOTS[v.to - 1]), v.proof.map(unhex))).toBe(true);
    }
  });

  test("every inclusion proof verifies in every tree of size 1..64, and a wrong leaf, index or root does not", () => {
    const leaves = leavesOf(64);
    for (let size = 1; size <= 64; size++) {
      const root = rootOf(leaves.slice(0, size));
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(leaves, i, size);
        expect(verifyInclusion(leaves[i], i, size, proof, root)).toBe(true);
        expect(verifyInclusion(leaves[(i + 1) % 64], i, size, proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion(leaves[i], (i + 1) % size, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[i], i, size, proof, EMPTY_ROOT)).toBe(false);
      }
    }
  });

  test("every consistency proof verifies between all sizes 0 ≤ m ≤ n ≤ 64, and a tampered one does not", () => {
    const leaves = leavesOf(64);
    const roots = Array.from({ length: 65 }, (_, n) => rootOf(leaves.slice(0, n)));
    for (let n = 0; n <= 64; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(leaves, m, n);
        expect(verifyConsistency(m, n, roots[m], roots[n], proof)).toBe(true);
        if (proof.length > 0) {
          const flipped = proof.map((h) => Buffer.from(h));
          flipped[0][0] ^= 1;
          expect(verifyConsistency(m, n, roots[m], roots[n], flipped)).toBe(false);
          expect(verifyConsistency(m, n, roots[m], roots[n], proof.slice(0, -1))).toBe(false);
        }
      }
    }
  });

  test("proofs verify at random sizes up to 5000", () => {
    const leaves = leavesOf(5000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.nat(), (a, b, pick) => {
        const [m, n] = a <= b ? [a, b] : [b, a];
        const rootN = rootOf(leaves.slice(0, n));
        const i = pick % n;
        expect(verifyInclusion(leaves[i], i, n, inclusionProof(leaves, i, n), rootN)).toBe(true);
        expect(verifyConsistency(m, n, rootOf(leaves.slice(0, m)), rootN, consistencyProof(leaves, m, n))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  test("the frontier extended leaf by leaf or in chunks gives the same root as the whole tree", () => {
    const leaves = leavesOf(100);
    let frontier: Hash[] = [];
    for (let n = 0; n < 100; n++) {
      frontier = extendFrontier(frontier, n, [leaves[n]]);
      expect(frontierRoot(frontier).equals(rootOf(leaves.slice(0, n + 1)))).toBe(true);
    }
    const chunked = extendFrontier(extendFrontier([], 0, leaves.slice(0, 37)), 37, leaves.slice(37));
    expect(frontierRoot(chunked).equals(rootOf(leaves))).toBe(true);
    expect(frontierRoot([]).equals(EMPTY_ROOT)).toBe(true);
  });
});
