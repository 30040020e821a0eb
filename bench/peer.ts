import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Pool, signClientAssertion } from "./assertions";
import { audienceOf, SERVICES, type BenchBundle } from "./bundle";
import type { Step } from "./load";
import { freePort, startNode, type Child } from "./processes";
import type { Workload } from "./workloads";
import { credentialRequest } from "./workloads";

/**
 * The peer side by side: node-oidc-provider with the bundle's agents as
 * clients (each allowed the read/list/write scopes of its roles' services),
 * one resource indicator per service and environment, EdDSA JWT access tokens.
 */
export async function startPeer(bundle: BenchBundle, dir: string): Promise<Child> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("ed25519");
  const resources: Record<string, string> = {};
  for (const rs of bundle.resourceServers) resources[rs.audience] = ["read", "list", "write", "delete"].map((verb) => `${rs.service}:${verb}`).join(" ");
  const clients = bundle.agents.map((agent) => ({
    id: agent.id,
    jwk: { ...agent.publicJwk, kid: agent.kid },
    scope: agent.roles.flatMap((role) => ["read", "list", "write"].map((verb) => `${SERVICES[role % SERVICES.length]}:${verb}`)).join(" "),
  }));
  const file = join(dir, "peer-config.json");
  writeFileSync(
    file,
    JSON.stringify({
      issuer,
      clients,
      resources,
      scopes: SERVICES.flatMap((s) => ["read", "list", "write", "delete"].map((v) => `${s}:${v}`)),
      signingJwk: { ...privateKey.export({ format: "jwk" }), kid: "peer-1", alg: "EdDSA" },
    }),
  );
  return startNode(resolve(__dirname, "..", "..", "bench", "peer", "oidc-peer.mjs"), {
    port,
    args: [file],
    env: { NODE_ENV: "production" },
    readyPath: "/.well-known/openid-configuration",
  });
}

const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The same requests as Locksmith's issuance workload, as `client_credentials` token requests (denied ones → 400 invalid_scope). */
export function peerWorkload(bundle: BenchBundle, issuer: string, size: number): Workload {
  const items: { body: string; expect: number[] }[] = [];
  for (let i = 0; i < size; i++) {
    const agent = bundle.agents[i % bundle.agents.length];
    const request = credentialRequest(agent, Math.floor(i / bundle.agents.length) + i);
    const { scope } = request.body as { scope: string };
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      scope: request.allowed ? scope : `${request.service}:delete`,
      resource: audienceOf(request.service, agent.environment),
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: signClientAssertion(agent.id, agent.kid, agent.key, issuer),
    });
    items.push({ body: form.toString(), expect: request.allowed ? [200] : [400] });
  }
  const pool = new Pool(items);
  const step: Step = {
    method: "POST",
    build: () => {
      const item = pool.take();
      return { path: "/token", body: item.body, headers: { "content-type": "application/x-www-form-urlencoded" }, expect: item.expect };
    },
  };
  return { name: "peer", steps: [step], requestsPerUnit: 1, pool };
}

/** A few real answers before timing: allowed → 200 with a JWT access token, denied → 400. */
export async function checkPeer(url: string, bundle: BenchBundle): Promise<void> {
  const workload = peerWorkload(bundle, url, 8);
  for (let i = 0; i < 8; i++) {
    const built = workload.steps[0].build({});
    const res = await fetch(url + built.path, { method: "POST", headers: built.headers, body: built.body });
    const body = (await res.json()) as { access_token?: string; token_type?: string; error?: string; error_description?: string };
    if (res.status !== built.expect[0])
      throw new Error(`peer answered ${res.status} ${body.error ?? ""} ${body.error_description ?? ""} (expected ${built.expect[0]})`);
    if (res.status === 200 && !(body.access_token?.split(".").length === 3)) throw new Error("peer's 200 carries no JWT access token");
  }
}
