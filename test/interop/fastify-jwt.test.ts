import fastifyJwt, { type TokenOrHeader } from "@fastify/jwt";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { JwksClient } from "jwks-rsa";
import { startInteropWorld, tampered, type InteropWorld } from "../support/interop-world";

// A real fastify server (listening on a port) with @fastify/jwt, keys picked by kid from
// Locksmith's JWKS over HTTP, audience and issuer checked, RS256 and ES256 accepted.

let world: InteropWorld;
let api: FastifyInstance;
let url: string;

beforeAll(async () => {
  world = await startInteropWorld();
  const keys = new JwksClient({ jwksUri: world.jwksUri, cache: true, rateLimit: true });
  api = Fastify();
  await api.register(fastifyJwt, {
    decode: { complete: true },
    // decode: { complete: true } hands the secret function the whole token, header included.
    secret: async (_request: FastifyRequest, token: TokenOrHeader) =>
      (await keys.getSigningKey("header" in token ? token.header.kid : token.kid)).getPublicKey(),
    verify: { allowedIss: world.issuer, allowedAud: [world.rs256.audience, world.es256.audience], algorithms: ["RS256", "ES256"] },
  });
  api.get("/whoami", async (request, reply) => {
    try {
      const claims = await request.jwtVerify<{ client_id: string; aud: string }>();
      return { agent: claims.client_id, audience: claims.aud };
    } catch (error) {
      return reply.code(401).send({ error: (error as { code?: string }).code });
    }
  });
  url = await api.listen({ port: 0, host: "127.0.0.1" });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await world?.close();
});

const call = (token: string) => fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${token}` } });

test.each(["rs256", "es256"] as const)("a %s credential is accepted, with its audience", async (which) => {
  const res = await call(world[which].token);

  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ agent: which === "rs256" ? "support-agent" : "staging-deploy-agent", audience: world[which].audience });
});

test.each(["rs256", "es256"] as const)("a tampered %s credential is refused", async (which) => {
  const res = await call(tampered(world[which].token));

  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ error: "FST_JWT_AUTHORIZATION_TOKEN_INVALID" });
});

test("a credential whose header claims another algorithm than its key's is refused", async () => {
  const [, payload, signature] = world.es256.token.split(".");
  const header = JSON.parse(Buffer.from(world.es256.token.split(".")[0], "base64url").toString());
  const relabelled = `${Buffer.from(JSON.stringify({ ...header, alg: "RS256" })).toString("base64url")}.${payload}.${signature}`;

  expect((await call(relabelled)).status).toBe(401);
});
