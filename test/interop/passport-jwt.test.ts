import express from "express";
import { passportJwtSecret } from "jwks-rsa";
import passport from "passport";
import { ExtractJwt, Strategy } from "passport-jwt";
import request from "supertest";
import { startInteropWorld, tampered, type InteropWorld } from "../support/interop-world";

// An express API on passport-jwt, keys from Locksmith's JWKS over HTTP through jwks-rsa's
// passportJwtSecret, accepting RS256 only, as such APIs are commonly set up.

let world: InteropWorld;
let app: express.Express;

beforeAll(async () => {
  world = await startInteropWorld();
  const auth = new passport.Passport();
  auth.use(
    new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: passportJwtSecret({ jwksUri: world.jwksUri, cache: true, rateLimit: true }),
        issuer: world.issuer,
        // Both audiences pass, so only the algorithm can refuse the ES256 credential below.
        audience: [world.rs256.audience, world.es256.audience],
        algorithms: ["RS256"],
      },
      (claims: Record<string, unknown>, done: (error: null, user: object) => void) => done(null, { agent: claims.client_id, scope: claims.scope }),
    ),
  );
  app = express();
  app.use(auth.initialize());
  app.get("/customers/42", auth.authenticate("jwt", { session: false }), (req, res) => {
    res.json({ caller: req.user });
  });
}, 120_000);
afterAll(() => world?.close());

const call = (token: string) => request(app).get("/customers/42").set("Authorization", `Bearer ${token}`);

test("an RS256 credential for this audience is accepted", async () => {
  const res = await call(world.rs256.token);

  expect(res.status).toBe(200);
  expect(res.body).toEqual({ caller: { agent: "support-agent", scope: "crm:read" } });
});

test("the same credential tampered is refused", async () => {
  expect((await call(tampered(world.rs256.token))).status).toBe(401);
});

test("a genuine Locksmith credential of another algorithm (ES256) is refused", async () => {
  expect((await call(world.es256.token)).status).toBe(401);
});
