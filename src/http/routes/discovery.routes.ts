import { Router } from "express";
import type { JSONWebKeySet } from "jose";
import type { KeyRing } from "../../domain/keys/key-ring";
import { JWKS_MAX_AGE_SECONDS } from "../../domain/keys/rotation";

/**
 * GET /.well-known/jwks.json: the public keys of every environment, for offline
 * verifiers. Read from the ring on each request, so a rotation picked up from
 * the key source is served at once; serialised once per ring state.
 */
export function discoveryRoutes(keys: KeyRing): Router {
  const router = Router();
  let cached: { jwks: JSONWebKeySet; body: string } | undefined;
  router.get("/.well-known/jwks.json", (_req, res) => {
    const jwks = keys.jwks;
    if (cached?.jwks !== jwks) cached = { jwks, body: JSON.stringify(jwks) };
    res.set("Cache-Control", `public, max-age=${JWKS_MAX_AGE_SECONDS}`).type("application/json").send(cached.body);
  });
  return router;
}
