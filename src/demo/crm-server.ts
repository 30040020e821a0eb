import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { LocksmithResourceServer } from "@locksmith/express";

/**
 * The demo's "CRM": a resource server that accepts only Locksmith
 * credentials. Reads are verified offline (revocations arrive by stream);
 * deletes and refunds are redeemed online (one use, logged).
 */
export async function startCrm(options: { locksmithUrl: string; keyFile: string }): Promise<{ url: string; close(): Promise<void> }> {
  const locksmith = new LocksmithResourceServer({ url: options.locksmithUrl, id: "crm-prod", key: options.keyFile, audience: "https://crm.example.com" });
  const app = express();
  app.get(
    "/customers/:id",
    locksmith.requireCredential({ scope: "crm:read", resource: (req) => `crm:customers/${req.params.id}`, redeem: "offline" }),
    (req, res) => void res.json({ id: req.params.id, name: "Ada Lovelace", plan: "enterprise", read_by: req.locksmith?.agent }),
  );
  app.delete(
    "/customers/:id",
    locksmith.requireCredential({ scope: "crm:delete", resource: (req) => `crm:customers/${req.params.id}` }),
    (_req, res) => void res.status(204).end(),
  );
  const server: Server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  for (let i = 0; i < 100 && !locksmith.streamLive; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await locksmith.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
