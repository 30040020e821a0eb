import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWTPayload } from "jose";
import type { Clock } from "../../../../src/domain/clock";
import { LocksmithError } from "../../../../src/domain/errors";
import { authenticate, type AuthenticationContext } from "../../../../src/domain/identity/authenticate";
import { loadPolicyFile, parsePolicy } from "../../../../src/domain/policy/load-policy";
import type { Policy } from "../../../../src/domain/policy/policy";
import { MemoryReplayGuard } from "../../../../src/stores/memory/memory-replay-guard";
import { signAssertion } from "@locksmith/client";
import { EXAMPLE_POLICY, exampleKey, type ExamplePrincipal } from "../../../support/principals";

const ISSUER = "https://locksmith.example.com";
const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
const NOW = NOW_MS / 1000;
const clock: Clock = { now: () => NOW_MS };

let policy: Policy;
let replay: MemoryReplayGuard;
let context: AuthenticationContext;

beforeAll(async () => {
  policy = await loadPolicyFile(EXAMPLE_POLICY);
});
beforeEach(() => {
  replay = new MemoryReplayGuard(clock);
  context = { issuer: ISSUER, replay, clock };
});
afterEach(() => replay.close());

/** Claims of a good assertion from `id` at NOW; tests override one thing at a time. */
const claimsOf = (id: string): JWTPayload => ({ iss: id, sub: id, aud: ISSUER, iat: NOW, exp: NOW + 60, jti: randomUUID() });

async function sign(claims: JWTPayload, signer: ExamplePrincipal = "support-agent", header: Record<string, unknown> = {}): Promise<string> {
  const jwk = exampleKey(signer);
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: jwk.kid, ...header }).sign(await importJWK(jwk, "EdDSA"));
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function expectInvalidClient(assertion: string, description?: RegExp) {
  const failure = authenticate(assertion, policy, context);
  await expect(failure).rejects.toBeInstanceOf(LocksmithError);
  await expect(failure).rejects.toMatchObject({ code: "invalid_client", ...(description ? { description: expect.stringMatching(description) } : {}) });
}

describe("authenticate", () => {
  describe("accepts", () => {
    it("a good EdDSA assertion from an agent, returning its principal", async () => {
      const principal = await authenticate(await sign(claimsOf("support-agent")), policy, context);
      expect(principal).toMatchObject({ kind: "agent", id: "support-agent", environment: "production" });
    });

    it("assertions from resource servers and admins", async () => {
      await expect(authenticate(await sign(claimsOf("crm-prod"), "crm-prod"), policy, context)).resolves.toMatchObject({
        kind: "resource_server",
        id: "crm-prod",
      });
      await expect(authenticate(await sign(claimsOf("security-oncall"), "security-oncall"), policy, context)).resolves.toMatchObject({
        kind: "admin",
        id: "security-oncall",
      });
    });

    it("an assertion made by the client SDK", async () => {
      const frozenNow = Date.now();
      const sdkContext = { ...context, clock: { now: () => frozenNow } };
      const assertion = await signAssertion({ id: "staging-deploy-agent", key: exampleKey("staging-deploy-agent"), audience: ISSUER });
      await expect(authenticate(assertion, policy, sdkContext)).resolves.toMatchObject({ id: "staging-deploy-agent" });
    });

    it("an assertion that lives exactly 300 seconds", async () => {
      await expect(authenticate(await sign({ ...claimsOf("support-agent"), exp: NOW + 300 }), policy, context)).resolves.toMatchObject({
        id: "support-agent",
      });
    });

    it("a good ES256 assertion from an agent registered with a P-256 key", async () => {
      const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
      const publicJwk = await exportJWK(publicKey);
      expect(publicJwk).not.toHaveProperty("d");
      const es256Policy = parsePolicy(
        `environments: [production]
agents:
  p256-agent:
    environment: production
    auth: { method: private_key_jwt, jwks: { keys: [${JSON.stringify(publicJwk)}] } }
`,
        "es256.yaml",
      );
      const assertion = await new SignJWT(claimsOf("p256-agent")).setProtectedHeader({ alg: "ES256" }).sign(privateKey);
      await expect(authenticate(assertion, es256Policy, context)).resolves.toMatchObject({ kind: "agent", id: "p256-agent" });
    });
  });

  describe("rejects as invalid_client", () => {
    it("an assertion for another audience", async () => {
      await expectInvalidClient(await sign({ ...claimsOf("support-agent"), aud: "https://other.example.com" }), /"aud"/);
    });

    it("an assertion whose iss and sub differ", async () => {
      await expectInvalidClient(await sign({ ...claimsOf("support-agent"), sub: "staging-deploy-agent" }), /"sub"/);
    });

    it("an assertion whose iss names no principal of the policy", async () => {
      await expectInvalidClient(await sign(claimsOf("ghost-agent")), /iss must name a client of the policy/);
    });

    it("an assertion that lives longer than 300 seconds", async () => {
      await expectInvalidClient(await sign({ ...claimsOf("support-agent"), exp: NOW + 301 }), /exceeds 300 seconds/);
    });

    it("an expired assertion", async () => {
      await expectInvalidClient(await sign({ ...claimsOf("support-agent"), iat: NOW - 200, exp: NOW - 100 }), /expired/);
    });

    it("an assertion issued in the future", async () => {
      await expectInvalidClient(await sign({ ...claimsOf("support-agent"), iat: NOW + 120, exp: NOW + 180 }), /future/);
    });

    it("an assertion without jti", async () => {
      const { jti: _jti, ...claims } = claimsOf("support-agent");
      await expectInvalidClient(await sign(claims), /"jti"/);
    });

    it.each([
      ["an empty", ""],
      ["a numeric", 42],
      ["an over-long", "j".repeat(129)],
    ])("an assertion with %s jti", async (_name, jti) => {
      await expectInvalidClient(await sign({ ...claimsOf("support-agent"), jti: jti as string }), /jti/);
    });

    it("the same assertion presented twice", async () => {
      const assertion = await sign(claimsOf("support-agent"));
      await expect(authenticate(assertion, policy, context)).resolves.toMatchObject({ id: "support-agent" });
      await expectInvalidClient(assertion, /already used/);
    });

    it("a new assertion that reuses a jti of the same principal", async () => {
      const claims = claimsOf("support-agent");
      await authenticate(await sign(claims), policy, context);
      await expectInvalidClient(await sign({ ...claims, exp: NOW + 90 }), /already used/);
    });

    it.each(["none", "None", "NONE"])("an unsigned assertion with alg %s", async (alg) => {
      const unsigned = `${b64url({ alg, typ: "JWT" })}.${b64url(claimsOf("support-agent"))}.`;
      await expectInvalidClient(unsigned, /not accepted/);
    });

    it("an HS256 assertion keyed with the raw bytes of the principal's public key", async () => {
      const publicBytes = Buffer.from(exampleKey("support-agent").x!, "base64url");
      const forged = await new SignJWT(claimsOf("support-agent")).setProtectedHeader({ alg: "HS256" }).sign(publicBytes);
      await expectInvalidClient(forged, /not accepted/);
    });

    it("an HS256 assertion keyed with the principal's public JWK text", async () => {
      const { d: _d, ...publicJwk } = exampleKey("support-agent");
      const forged = await new SignJWT(claimsOf("support-agent"))
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
      await expectInvalidClient(forged, /not accepted/);
    });

    it.each([
      ["its own kid", {}],
      ["the victim's kid", { kid: "support-agent-1" }],
      ["no kid", { kid: undefined }],
    ])("an assertion signed by another principal's key, with %s", async (_name, header) => {
      await expectInvalidClient(await sign(claimsOf("support-agent"), "staging-deploy-agent", header));
    });

    it("an assertion whose claims were changed after signing", async () => {
      const [head, , signature] = (await sign(claimsOf("support-agent"))).split(".");
      const tampered = `${head}.${b64url({ ...claimsOf("support-agent"), exp: NOW + 250 })}.${signature}`;
      await expectInvalidClient(tampered);
    });

    it.each([
      ["an empty string", ""],
      ["a word", "garbage"],
      ["three dots", "..."],
      ["three random segments", "a.b.c"],
      ["a header alone", b64url({ alg: "EdDSA" })],
      ["a JSON array payload", `${b64url({ alg: "EdDSA" })}.${b64url(["support-agent"])}.sig`],
      ["a bearer prefix", "Bearer xyz"],
    ])("garbage: %s", async (_name, assertion) => {
      await expectInvalidClient(assertion);
    });

    it("an over-long assertion, however well signed", async () => {
      const assertion = await sign({ ...claimsOf("support-agent"), padding: "x".repeat(9000) });
      expect(assertion.length).toBeGreaterThan(8192);
      await expectInvalidClient(assertion, /too large/);
    });

    it("without echoing the assertion in the description", async () => {
      const assertion = await sign({ ...claimsOf("support-agent"), aud: "https://other.example.com" });
      const error = await authenticate(assertion, policy, context).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LocksmithError);
      expect((error as LocksmithError).description).not.toContain(assertion.split(".")[1]);
      expect((error as LocksmithError).description).not.toContain(assertion.split(".")[2]);
    });
  });

  describe("one 401 text for unknown and known principals (issue 18, item 14)", () => {
    /** What a caller without a principal's key can learn: the description of every assertion that fails before its signature is proven. */
    const descriptionOf = async (assertion: string) =>
      ((await authenticate(assertion, policy, context).catch((e: unknown) => e)) as LocksmithError).description;

    it("says the same for an unknown iss as for a known one signed with the wrong key, algorithm or kid", async () => {
      const unknown = await descriptionOf(await sign(claimsOf("ghost-agent")));
      const wrongKey = await descriptionOf(await sign(claimsOf("support-agent"), "staging-deploy-agent"));
      const wrongKid = await descriptionOf(await sign(claimsOf("support-agent"), "staging-deploy-agent", { kid: "support-agent-1" }));
      const unsignedKnown = await descriptionOf(`${b64url({ alg: "none" })}.${b64url(claimsOf("support-agent"))}.`);
      const unsignedUnknown = await descriptionOf(`${b64url({ alg: "none" })}.${b64url(claimsOf("ghost-agent"))}.`);
      const hmacKnown = await descriptionOf(await new SignJWT(claimsOf("support-agent")).setProtectedHeader({ alg: "HS256" }).sign(new Uint8Array(32)));
      expect(new Set([unknown, wrongKey, wrongKid, unsignedKnown, unsignedUnknown, hmacKnown]).size).toBe(1);
      expect(unknown).not.toMatch(/unknown client|no registered key/);
    });
  });

  describe("replay memory", () => {
    it("keeps each principal's jtis apart", async () => {
      const jti = randomUUID();
      await authenticate(await sign({ ...claimsOf("support-agent"), jti }), policy, context);
      await expect(authenticate(await sign({ ...claimsOf("crm-prod"), jti }, "crm-prod"), policy, context)).resolves.toMatchObject({
        id: "crm-prod",
      });
    });

    it("does not spend a jti on an assertion that failed verification", async () => {
      const claims = claimsOf("support-agent");
      await expectInvalidClient(await sign({ ...claims, aud: "https://other.example.com" }));
      await expect(authenticate(await sign(claims), policy, context)).resolves.toMatchObject({ id: "support-agent" });
    });
  });
});
