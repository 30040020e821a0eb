import { Router } from "express";
import { openApiDocument } from "../openapi/openapi-document";

/**
 * GET /openapi.json: the OpenAPI 3.1 document of this API, built from the routes' schemas
 * (src/http/openapi/) on the first request, so start-up does not pay for it.
 */
export function openApiRoutes(issuer: string): Router {
  const router = Router();
  let body: string | undefined;
  router.get("/openapi.json", (_req, res) => {
    body ??= JSON.stringify(openApiDocument(issuer));
    res.set("Cache-Control", "public, max-age=300").type("application/json").send(body);
  });
  return router;
}
