import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** A principal of the generated bundle with its private key (kept by the harness only). */
export interface BenchPrincipal {
  readonly id: string;
  readonly environment: string;
  readonly key: KeyObject;
  readonly publicJwk: { kty: string; crv: string; x: string };
  readonly kid: string;
}

export interface BenchAgent extends BenchPrincipal {
  /** Indexes of its roles; role i grants on SERVICES[i % SERVICES.length], tenant i. */
  readonly roles: readonly number[];
}

export interface BenchBundle {
  readonly file: string;
  readonly agents: readonly BenchAgent[];
  readonly resourceServers: readonly (BenchPrincipal & { audience: string; service: string })[];
  readonly roleCount: number;
}

export const SERVICES = ["crm", "billing", "infra", "docs", "analytics", "storage", "tickets", "search"];
export const ENVIRONMENTS = ["staging", "production"];

export const audienceOf = (service: string, environment: string) => `https://${service}.${environment}.example.com`;

function principal(id: string, environment: string): BenchPrincipal {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" }) as { kty: string; crv: string; x: string };
  return { id, environment, key: privateKey, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, kid: `${id}-1` };
}

const authOf = (p: BenchPrincipal) => ({ method: "private_key_jwt", jwks: { keys: [{ ...p.publicJwk, kid: p.kid }] } });

/**
 * A realistic bundle: `agents` agents (one in five in staging), `roles` roles of two grants and
 * a deny rule each, three roles per agent, one resource server per service and environment.
 * Written as JSON, which is YAML, so Locksmith loads it as any bundle.
 */
export function generateBundle(dir: string, size: { agents: number; roles: number }): BenchBundle {
  const resourceServers = ENVIRONMENTS.flatMap((environment) =>
    SERVICES.map((service) => ({ ...principal(`${service}-${environment}`, environment), audience: audienceOf(service, environment), service })),
  );
  const roles: Record<string, unknown> = {};
  for (let i = 0; i < size.roles; i++) {
    const service = SERVICES[i % SERVICES.length];
    roles[`role-${i}`] = {
      grants: [
        { scopes: [`${service}:read`, `${service}:list`], resources: [`${service}:tenants/t${i}/*`, `${service}:shared/**`], max_ttl: "10m" },
        { scopes: [`${service}:write`], resources: [`${service}:tenants/t${i}/*`], max_ttl: "2m", max_uses: 3 },
      ],
      deny: [{ scopes: ["*:delete", "*:admin"], resources: ["**"] }],
    };
  }
  const agents: BenchAgent[] = [];
  for (let i = 0; i < size.agents; i++) {
    const environment = i % 5 === 0 ? "staging" : "production";
    agents.push({ ...principal(`agent-${i}`, environment), roles: [i % size.roles, (i * 7 + 3) % size.roles, (i * 13 + 5) % size.roles] });
  }
  const bundle = {
    environments: ENVIRONMENTS,
    resource_servers: Object.fromEntries(
      resourceServers.map((rs) => [rs.id, { environment: rs.environment, audience: rs.audience, resources: [`${rs.service}:**`], auth: authOf(rs) }]),
    ),
    roles,
    agents: Object.fromEntries(agents.map((a) => [a.id, { environment: a.environment, roles: a.roles.map((r) => `role-${r}`), auth: authOf(a) }])),
  };
  const file = join(dir, "bench-policy.yaml");
  writeFileSync(file, JSON.stringify(bundle, null, 1));
  return { file, agents, resourceServers, roleCount: size.roles };
}
