import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

interface IdpKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * A real OIDC-style token issuer for tests: its own ES256 keys, served as a
 * JWKS over HTTP on loopback. `rotate()` replaces the published key, `down()`
 * makes the JWKS endpoint answer 503, `fetches` counts JWKS requests.
 */
export class TestIdentityProvider {
  fetches = 0;
  private keys: IdpKey[] = [];
  private available = true;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(name = "idp"): Promise<TestIdentityProvider> {
    let idp: TestIdentityProvider | undefined;
    const server = createServer((req, res) => {
      if (req.url !== "/jwks") return void res.writeHead(404).end();
      idp!.fetches += 1;
      if (!idp!.available) return void res.writeHead(503).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: idp!.keys.map((k) => k.publicJwk) }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    idp = new TestIdentityProvider(server, `http://127.0.0.1:${port}/${name}`);
    await idp.rotate();
    return idp;
  }

  get jwksUri(): string {
    return `${new URL(this.issuer).origin}/jwks`;
  }

  /** Publishes a new key in place of the old one; tokens are signed with it from now on. */
  async rotate(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const kid = `k-${randomUUID()}`;
    this.keys = [{ kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } }];
  }

  down(): void {
    this.available = false;
  }

  /** A user (or workload) token for `sub`, valid for five minutes; override any claim. */
  async token(sub: string, claims: Record<string, unknown> = {}, audience = "locksmith"): Promise<string> {
    const key = this.keys[0];
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.issuer, sub, aud: audience, iat: now, exp: now + 300, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
