// An agent's tool: one scoped call to the CRM with a credential of its own, revoked when the call returns.
// Run Locksmith (`npm start`) and the CRM below (examples/crm-server.ts) first.
import { Locksmith } from "@locksmith/client";

const locksmith = new Locksmith({ url: "http://localhost:8080", agent: "support-agent", key: "examples/keys/support-agent.jwk.json" });

export async function readCustomer(id: string): Promise<unknown> {
  const res = await locksmith.fetch({ scope: "crm:read", resource: `crm:customers/${id}`, ttl: "5m" }, `http://localhost:3000/customers/${id}`);
  return res.json();
}
