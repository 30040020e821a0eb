import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { signAssertion, type PrivateJwk } from "@locksmith/client/internal";
import { matches, type BoundaryCase, type CaseResult } from "../domain/policy/boundary-tests";

export interface LiveTarget {
  readonly url: string;
  /** Locksmith's issuer (the audience of assertions); defaults to the URL. */
  readonly issuer?: string;
  /** Folder of `<agent>.jwk.json` private keys. */
  readonly keysDir: string;
}

/**
 * Runs one boundary case against a running Locksmith through its real API,
 * signing as the agent with its test key. A denial must carry no credential.
 */
export async function runCaseLive(target: LiveTarget, c: BoundaryCase): Promise<CaseResult> {
  if (c.user_entitlements) return { case: c, pass: true, actual: "-", skipped: "needs a user token from an identity provider" };
  let key: PrivateJwk;
  try {
    key = JSON.parse(await readFile(join(target.keysDir, `${c.agent}.jwk.json`), "utf8"));
  } catch {
    return { case: c, pass: false, actual: `no key ${c.agent}.jwk.json in ${target.keysDir}` };
  }
  const assertion = await signAssertion({ id: c.agent, key, audience: (target.issuer ?? target.url).replace(/\/$/, "") });
  const body = { scope: c.request.scope, resource: c.request.resource, ...(c.request.ttl === undefined ? {} : { ttl: c.request.ttl }) };
  const response = await fetch(new URL("/v1/credentials", target.url), {
    method: "POST",
    headers: { authorization: `Bearer ${assertion}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  switch (response.status) {
    case 201:
      return { case: c, actual: "allow", pass: matches(c, "allow") && typeof answer.credential === "string" };
    case 202:
      return { case: c, actual: "pending_approval", pass: matches(c, "pending_approval") && !("credential" in answer) };
    case 403: {
      const reason = typeof answer.reason === "string" ? answer.reason : undefined;
      return { case: c, actual: `deny (${reason})`, pass: matches(c, "deny", reason) && !("credential" in answer) };
    }
    default:
      return { case: c, actual: `HTTP ${response.status} ${String(answer.error ?? "")}`, pass: false };
  }
}
