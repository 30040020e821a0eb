import { Router } from "express";
import { openApiDocument } from "../openapi/openapi-document";

/** GET /openapi.json: the OpenAPI 3.1 document of this API, built once from the routes' schemas (src/http/openapi/). */
export function openApiRoutes(issuer: string): Router {
  const router = Router();
  const body = JSON.stringify(openApiDocument(issuer));
  router.get("/openapi.json", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").type("application/json").send(body);
  });
  return router;
}
