import { signClientAssertion, Pool } from "./assertions";
import { audienceOf, SERVICES, type BenchAgent, type BenchBundle } from "./bundle";
import { BENCH_ISSUER } from "./locksmith-process";
import type { Step } from "./load";

/**
 * Locksmith's workloads. Every request carries a fresh assertion signed before
 * the measured run; a quarter of the issuance requests are denied by policy.
 */
export interface Workload {
  readonly name: string;
  readonly steps: readonly Step[];
  /** Requests one full pass over `steps` counts for (the mixed cycle is three). */
  readonly requestsPerUnit: number;
  readonly pool: Pool<unknown>;
}

const json = (authorization: string) => ({ authorization: `Bearer ${authorization}`, "content-type": "application/json" });

interface IssueItem {
  readonly assertion: string;
  readonly body: string;
  readonly expect: readonly number[];
}

/** What agent `agent` asks for on its `i`-th call: allowed (3 in 4) or denied by an explicit deny or a missing grant. */
export function credentialRequest(agent: BenchAgent, i: number): { body: object; allowed: boolean; service: string } {
  const role = agent.roles[i % agent.roles.length];
  const service = SERVICES[role % SERVICES.length];
  const resource = `${service}:tenants/t${role}/doc-${i % 997}`;
  if (i % 4 !== 3) return { body: { scope: `${service}:read`, resource, ttl: "5m" }, allowed: true, service };
  if (i % 8 === 3) return { body: { scope: `${service}:delete`, resource }, allowed: false, service };
  return { body: { scope: `${service}:read`, resource: `${service}:tenants/t99999/doc-1` }, allowed: false, service };
}

export function issuanceWorkload(bundle: BenchBundle, size: number): Workload {
  const items: IssueItem[] = [];
  for (let i = 0; i < size; i++) {
    const agent = bundle.agents[i % bundle.agents.length];
    const request = credentialRequest(agent, Math.floor(i / bundle.agents.length) + i);
    items.push({
      assertion: signClientAssertion(agent.id, agent.kid, agent.key, BENCH_ISSUER),
      body: JSON.stringify(request.body),
      expect: request.allowed ? [201] : [403],
    });
  }
  const pool = new Pool(items);
  const step: Step = {
    method: "POST",
    build: () => {
      const item = pool.take();
      return { path: "/v1/credentials", body: item.body, headers: json(item.assertion), expect: item.expect };
    },
  };
  return { name: "issuance", steps: [step], requestsPerUnit: 1, pool };
}

/** A live credential to redeem, and the resource server it was minted for. */
export interface LiveCredential {
  readonly credential: string;
  readonly jti: string;
  readonly scope: string;
  readonly resource: string;
  readonly server: BenchBundle["resourceServers"][number];
}

/** Issues `count` credentials through Locksmith itself, to be redeemed (many times: they have no use limit). */
export async function issueForRedemption(url: string, bundle: BenchBundle, count: number): Promise<LiveCredential[]> {
  const live: LiveCredential[] = [];
  for (let i = 0; live.length < count; i++) {
    const agent = bundle.agents[i % bundle.agents.length];
    const request = credentialRequest(agent, i);
    if (!request.allowed) continue;
    const res = await fetch(`${url}/v1/credentials`, {
      method: "POST",
      headers: json(signClientAssertion(agent.id, agent.kid, agent.key, BENCH_ISSUER)),
      body: JSON.stringify(request.body),
    });
    if (res.status !== 201) throw new Error(`pre-issuing a credential for redemption failed: ${res.status} ${await res.text()}`);
    const answer = (await res.json()) as { credential: string; jti: string; scope: string; resource: string; audience: string };
    const server = bundle.resourceServers.find((rs) => rs.audience === answer.audience && rs.audience === audienceOf(request.service, agent.environment))!;
    live.push({ credential: answer.credential, jti: answer.jti, scope: answer.scope, resource: answer.resource, server });
  }
  return live;
}

/** Redemptions by the right resource server; one in five asks about a resource the credential does not cover (→ active:false). */
export function redemptionWorkload(live: readonly LiveCredential[], size: number): Workload {
  const items: IssueItem[] = [];
  for (let i = 0; i < size; i++) {
    const c = live[i % live.length];
    const resource = i % 5 === 4 ? `${c.resource}-other` : c.resource;
    const assertion = signClientAssertion(c.server.id, c.server.kid, c.server.key, BENCH_ISSUER);
    items.push({ assertion, body: JSON.stringify({ credential: c.credential, scope: c.scope, resource }), expect: [200] });
  }
  const pool = new Pool(items);
  const step: Step = {
    method: "POST",
    build: () => {
      const item = pool.take();
      return { path: "/v1/credentials/redeem", body: item.body, headers: json(item.assertion), expect: item.expect };
    },
  };
  return { name: "redemption", steps: [step], requestsPerUnit: 1, pool };
}

interface Cycle {
  readonly issue: IssueItem;
  readonly redeemAssertion: string;
  readonly revokeAssertion: string;
}

/** issue → redeem (by the audience's resource server) → revoke (by the holder): one cycle per three requests. */
export function mixedWorkload(bundle: BenchBundle, cycles: number): Workload {
  const items: Cycle[] = [];
  for (let i = 0; items.length < cycles; i++) {
    const agent = bundle.agents[i % bundle.agents.length];
    const request = credentialRequest(agent, i);
    if (!request.allowed) continue;
    const server = bundle.resourceServers.find((rs) => rs.audience === audienceOf(request.service, agent.environment))!;
    items.push({
      issue: { assertion: signClientAssertion(agent.id, agent.kid, agent.key, BENCH_ISSUER), body: JSON.stringify(request.body), expect: [201] },
      redeemAssertion: signClientAssertion(server.id, server.kid, server.key, BENCH_ISSUER),
      revokeAssertion: signClientAssertion(agent.id, agent.kid, agent.key, BENCH_ISSUER),
    });
  }
  const pool = new Pool(items);
  const steps: Step[] = [
    {
      method: "POST",
      build: (ctx) => {
        const cycle = pool.take();
        ctx.cycle = cycle;
        return { path: "/v1/credentials", body: cycle.issue.body, headers: json(cycle.issue.assertion), expect: cycle.issue.expect };
      },
      after: (status, body, ctx) => {
        const answer = status === 201 ? (JSON.parse(body) as { credential: string; jti: string; resource: string }) : undefined;
        ctx.credential = answer?.credential ?? "not-a-credential";
        ctx.jti = answer?.jti ?? "none";
        ctx.resource = answer?.resource;
      },
    },
    {
      method: "POST",
      build: (ctx) => ({
        path: "/v1/credentials/redeem",
        body: JSON.stringify({ credential: ctx.credential, resource: ctx.resource }),
        headers: json((ctx.cycle as Cycle).redeemAssertion),
        expect: [200],
      }),
    },
    {
      method: "DELETE",
      build: (ctx) => ({
        path: `/v1/credentials/${ctx.jti as string}`,
        headers: { authorization: `Bearer ${(ctx.cycle as Cycle).revokeAssertion}` },
        expect: [204],
      }),
    },
  ];
  return { name: "mixed", steps, requestsPerUnit: 3, pool };
}

/**
 * `POST /oauth/introspect` (RFC 7662) by the credential's resource server, authenticated the
 * standard way (private_key_jwt in the form body, RFC 7523), one in five for a token minted
 * for another audience (`{active:false}`). Introspection counts as a redemption.
 */
export function introspectionWorkload(live: readonly LiveCredential[], size: number): Workload {
  const items: IssueItem[] = [];
  for (let i = 0; i < size; i++) {
    const c = live[i % live.length];
    const asker = i % 5 === 4 ? (live.find((other) => other.server.id !== c.server.id)?.server ?? c.server) : c.server;
    const assertion = signClientAssertion(asker.id, asker.kid, asker.key, BENCH_ISSUER);
    const body = new URLSearchParams({
      token: c.credential,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }).toString();
    items.push({ assertion, body, expect: [200] });
  }
  const pool = new Pool(items);
  const step: Step = {
    method: "POST",
    build: () => {
      const item = pool.take();
      return { path: "/oauth/introspect", body: item.body, headers: { "content-type": "application/x-www-form-urlencoded" }, expect: item.expect };
    },
  };
  return { name: "introspection", steps: [step], requestsPerUnit: 1, pool };
}
