import { Router } from "express";
import type { KeyRing } from "../../domain/keys/key-ring";

/** GET /.well-known/jwks.json: the public keys of every environment, for offline verifiers. */
export function discoveryRoutes(keys: KeyRing): Router {
  const router = Router();
  const body = JSON.stringify(keys.jwks);
  router.get("/.well-known/jwks.json", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").type("application/json").send(body);
  });
  return router;
}
