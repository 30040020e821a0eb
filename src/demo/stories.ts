import { ApprovalPending, ApprovalTimeout, Locksmith, LocksmithClientError, PermissionDenied } from "@locksmith/client";

export interface Story {
  readonly title: string;
  /** Resolves with what happened, in a line; throws when the story did not end as expected. */
  play(): Promise<string>;
}

/** The seeds' stories, told by agents that use the SDK against the demo CRM. */
export function stories(options: { locksmithUrl: string; crmUrl: string; keyFile: (id: string) => string }): Story[] {
  const support = new Locksmith({ url: options.locksmithUrl, agent: "support-agent", key: options.keyFile("support-agent") });
  const staging = new Locksmith({ url: options.locksmithUrl, agent: "staging-deploy-agent", key: options.keyFile("staging-deploy-agent") });
  const customer = `${options.crmUrl}/customers/42`;

  return [
    {
      title: "A support agent reads one customer with a 5-minute, read-only credential",
      async play() {
        const res = await support.fetch({ scope: "crm:read", resource: "crm:customers/42", ttl: "5m", reason: "ticket 4711" }, customer);
        if (res.status !== 200) throw new Error(`the CRM answered ${res.status}`);
        const body = (await res.json()) as { name: string };
        return `200 from the CRM: ${body.name}; the credential was revoked as soon as the call returned`;
      },
    },
    {
      title: "The same agent tries to delete the customer",
      play: () => expectDenied(support.fetch({ scope: "crm:delete", resource: "crm:customers/42" }, customer, { method: "DELETE" }), "explicit_deny"),
    },
    {
      title: "A staging deploy agent reaches for the production database (PocketOS)",
      play: () => expectDenied(staging.credential({ scope: "infra:deploy", resource: "infra:production/db" }), "environment_wall"),
    },
    {
      title: "A refund waits for two approvals from payments leads (Kiro)",
      async play() {
        const pending = await support.credential({ scope: "crm:refund", resource: "crm:orders/1001" }).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (!(pending instanceof ApprovalPending)) throw new Error(`expected 202 pending approval, got ${describe(pending)}`);
        const waited = await pending.approved({ timeout: 1000, interval: 500 }).then(
          () => "approved",
          (error: unknown) => (error instanceof ApprovalTimeout ? "no approval yet" : "approvals endpoint not available in this build"),
        );
        if (waited === "approved") throw new Error("a refund was approved without approvers");
        return `202 pending_approval (request ${pending.requestId}); no token until two approvers say yes (${waited})`;
      },
    },
    {
      title: "A credential revoked mid-task stops working at the CRM within a second",
      async play() {
        const credential = await support.credential({ scope: "crm:read", resource: "crm:customers/42" });
        const before = await fetch(customer, { headers: { authorization: `Bearer ${credential.token}` } });
        await credential.revoke();
        const started = Date.now();
        const statusNow = async () => (await fetch(customer, { headers: { authorization: `Bearer ${credential.token}` } })).status;
        let after = await statusNow();
        while (after !== 401 && Date.now() - started < 1000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          after = await statusNow();
        }
        if (before.status !== 200 || after !== 401) throw new Error(`expected 200 then 401, got ${before.status} then ${after}`);
        return `200 before, 401 invalid_token ${Date.now() - started} ms after the revocation (offline verification, told by the stream)`;
      },
    },
  ];
}

async function expectDenied(attempt: Promise<unknown>, reason: string): Promise<string> {
  const outcome = await attempt.then(
    (value) => value,
    (error: unknown) => error,
  );
  if (outcome instanceof PermissionDenied && outcome.reason === reason) return `403 permission_denied: ${reason}${outcome.rule ? ` (${outcome.rule})` : ""}`;
  throw new Error(`expected a ${reason} denial, got ${describe(outcome)}`);
}

const describe = (outcome: unknown) =>
  outcome instanceof LocksmithClientError ? `${outcome.status} ${outcome.code}` : outcome instanceof Response ? `HTTP ${outcome.status}` : String(outcome);
