import { Router } from "express";
import type { LocksmithMetrics } from "../../telemetry/metrics";

/**
 * GET /metrics: Prometheus text format. Unauthenticated like /healthz (scrape
 * it on the internal network; labels hold environments, scopes and reasons,
 * never a token, a jti or an address).
 */
export function metricsRoutes(metrics: LocksmithMetrics): Router {
  const router = Router();
  router.get("/metrics", (req, res) => {
    metrics.serve(req, res);
  });
  return router;
}
