import { Router } from "express";

export type ReadinessCheck = () => Promise<void>;

/**
 * GET /healthz: the process answers (liveness: restart me if not). GET /readyz: every store
 * answers, so an orchestrator stops routing to a replica that would only say 503; it names the
 * policy version in force (a digest of the public bundle) so an operator sees which bundle serves.
 */
export function healthRoutes(checks: Record<string, ReadinessCheck>, policyVersion: () => string): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(
        async ([name, check]) =>
          [
            name,
            await check().then(
              () => "ok",
              () => "unavailable",
            ),
          ] as const,
      ),
    );
    const ready = results.every(([, state]) => state === "ok");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", policy_version: policyVersion(), checks: Object.fromEntries(results) });
  });
  return router;
}
