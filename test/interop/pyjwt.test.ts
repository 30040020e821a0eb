import { execFile } from "node:child_process";
import { join } from "node:path";
import { startInteropWorld, tampered, type InteropWorld } from "../support/interop-world";

// A Python resource server on PyJWT (Debian python3-jwt + python3-cryptography; /usr/bin/python3
// because a pyenv shim may come first on PATH) verifies Locksmith's RS256 and ES256 credentials
// with the JWKS fetched over HTTP (PyJWKClient), audience and issuer checked.

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(__dirname, "pyjwt_verify.py");

let world: InteropWorld;

beforeAll(async () => {
  world = await startInteropWorld();
}, 120_000);
afterAll(() => world?.close());

interface PyResult {
  ok: boolean;
  alg?: string;
  claims?: Record<string, unknown>;
  error?: string;
}

function pyjwt(token: string, audience: string): Promise<PyResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT, world.jwksUri, world.issuer, audience], { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as PyResult),
    );
    child.stdin!.end(token);
  });
}

test.each(["rs256", "es256"] as const)("a %s credential verifies with its audience and the issuer", async (which) => {
  const { token, audience, alg } = world[which];

  const result = await pyjwt(token, audience);

  expect(result).toMatchObject({ ok: true, alg, claims: { iss: world.issuer, aud: audience, jti: expect.any(String) } });
});

test.each(["rs256", "es256"] as const)("a tampered %s credential is refused", async (which) => {
  expect(await pyjwt(tampered(world[which].token), world[which].audience)).toEqual({ ok: false, error: "InvalidSignatureError" });
});

test("a credential for another audience is refused", async () => {
  expect(await pyjwt(world.rs256.token, "https://other.example.com")).toEqual({ ok: false, error: "InvalidAudienceError" });
});

test("a credential whose header names another algorithm than its key's is refused", async () => {
  const [header, payload, signature] = world.es256.token.split(".");
  const relabelled = { ...JSON.parse(Buffer.from(header, "base64url").toString()), alg: "RS256" };
  const token = `${Buffer.from(JSON.stringify(relabelled)).toString("base64url")}.${payload}.${signature}`;

  expect(await pyjwt(token, world.es256.audience)).toEqual({ ok: false, error: "InvalidAlgorithmError" });
});
