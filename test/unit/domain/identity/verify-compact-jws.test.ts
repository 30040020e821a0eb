import { generateKeyPairSync, sign } from "node:crypto";
import { importVerificationKeys } from "../../../../src/domain/identity/verification-keys";
import { JwsRefused, verifyCompactJws } from "../../../../src/domain/identity/verify-compact-jws";
import { parsePolicy } from "../../../../src/domain/policy/load-policy";

// The node:crypto verifier that replaced jose's for assertions: the key decides the algorithm,
// and jose's header rules (crit, b64, kid) still hold.

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const ed = generateKeyPairSync("ed25519");
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const edJwk = { ...ed.publicKey.export({ format: "jwk" }), kid: "ed-1" };
const ecJwk = { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1" };
const ALL = new Set(["EdDSA", "Ed25519", "ES256"]);

function signed(header: Record<string, unknown>, payload: unknown = { sub: "x" }, with_: "ed" | "ec" = "ed"): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    with_ === "ed" ? sign(null, Buffer.from(input), ed.privateKey) : sign("sha256", Buffer.from(input), { key: ec.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

const refusal = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (error) {
    return error instanceof JwsRefused ? error.reason : `other: ${(error as Error).message}`;
  }
  return "accepted";
};

test("an Ed25519 key verifies both of its names; a P-256 key verifies ES256", async () => {
  const keys = importVerificationKeys({ keys: [edJwk, ecJwk] });
  expect((await verifyCompactJws(signed({ alg: "EdDSA" }), keys, ALL)).payload).toEqual({ sub: "x" });
  expect((await verifyCompactJws(signed({ alg: "Ed25519", kid: "ed-1" }), keys, ALL)).payload).toEqual({ sub: "x" });
  expect((await verifyCompactJws(signed({ alg: "ES256", kid: "ec-1" }, { sub: "y" }, "ec"), keys, ALL)).payload).toEqual({ sub: "y" });
});

test("a registered alg of either Ed25519 name admits the other, and no other algorithm", async () => {
  for (const alg of ["EdDSA", "Ed25519"]) {
    const keys = importVerificationKeys({ keys: [{ ...edJwk, alg }] });
    expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA" }), keys, ALL))).toBe("accepted");
    expect(await refusal(() => verifyCompactJws(signed({ alg: "Ed25519" }), keys, ALL))).toBe("accepted");
    expect(await refusal(() => verifyCompactJws(signed({ alg: "ES256" }), keys, ALL))).toBe("no_key");
  }
});

test("the key decides: an EdDSA signature under an ES256 header, or the reverse, finds no key", async () => {
  expect(await refusal(() => verifyCompactJws(signed({ alg: "ES256" }), importVerificationKeys({ keys: [edJwk] }), ALL))).toBe("no_key");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA" }, {}, "ec"), importVerificationKeys({ keys: [ecJwk] }), ALL))).toBe("no_key");
});

test("jose's header rules: alg allow-list, kid, crit and b64", async () => {
  const keys = importVerificationKeys({ keys: [edJwk] });
  expect(await refusal(() => verifyCompactJws(signed({ alg: "HS256" }), keys, ALL))).toBe("alg_not_allowed");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "none" }), keys, ALL))).toBe("alg_not_allowed");
  expect(await refusal(() => verifyCompactJws(signed({ kid: "ed-1" }), keys, ALL))).toBe("malformed");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", kid: "other" }), keys, ALL))).toBe("no_key");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", crit: ["exp"], exp: 1 }), keys, ALL))).toBe("crit");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", crit: [] }), keys, ALL))).toBe("crit");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", crit: ["b64"], b64: false }), keys, ALL))).toBe("crit");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", b64: false }), keys, ALL))).toBe("crit");
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", crit: ["b64", "b64"], b64: true }), keys, ALL))).toBe("crit");
  // jose accepts `b64: true` listed as critical: it changes nothing.
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA", crit: ["b64"], b64: true }), keys, ALL))).toBe("accepted");
});

test("a payload that is not a JSON object, and a bad signature, are refused", async () => {
  const keys = importVerificationKeys({ keys: [edJwk] });
  expect(await refusal(() => verifyCompactJws(signed({ alg: "EdDSA" }, [1, 2]), keys, ALL))).toBe("malformed");
  const token = signed({ alg: "EdDSA" });
  expect(await refusal(() => verifyCompactJws(`${token.slice(0, -6)}AAAAAA`, keys, ALL))).toBe("bad_signature");
  expect(await refusal(() => verifyCompactJws(token.split(".").slice(0, 2).join("."), keys, ALL))).toBe("malformed");
});

test("keys whose use or key_ops is not verification are left out; a key that does not import fails the policy load", () => {
  expect(
    importVerificationKeys({
      keys: [
        { ...edJwk, use: "enc" },
        { ...ecJwk, key_ops: ["sign"] },
      ],
    }),
  ).toEqual([]);
  expect(() => importVerificationKeys({ keys: [{ ...edJwk, alg: "ES256" }] })).toThrow(/does not fit/);
  const bad = `environments: [production]
agents:
  broken-agent:
    environment: production
    auth: { method: private_key_jwt, jwks: { keys: [{ kty: OKP, crv: Ed25519, x: "not-a-key" }] } }
`;
  expect(() => parsePolicy(bad, "bad.yaml")).toThrow(/agents\.broken-agent\.auth\.jwks/);
});
