import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Router } from "express";
import { CONSOLE_HEADERS } from "./console-page";

/** public/console at the package root (from src/http/console or dist/http/console, three levels up): no build step. */
export const CONSOLE_ASSETS_DIR = resolve(__dirname, "..", "..", "..", "public", "console");

const ASSETS = { "console.js": "text/javascript", "console.css": "text/css" } as const;

/**
 * GET /console/assets/console.js and console.css: the console's only script and style (the CSP allows
 * 'self' and nothing inline). Read once at start; served to anyone (they hold no data).
 */
export function consoleAssets(): Router {
  const router = Router();
  for (const [name, type] of Object.entries(ASSETS)) {
    const body = readFileSync(resolve(CONSOLE_ASSETS_DIR, name));
    router.get(`/console/assets/${name}`, (_req, res) => {
      res
        .set({ ...CONSOLE_HEADERS, "Cache-Control": "no-cache" })
        .type(type)
        .send(body);
    });
  }
  return router;
}
