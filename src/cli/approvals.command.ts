import type { Command } from "commander";
import { errorFromResponse } from "@locksmith/client/internal";
import { refused, serverUrl, serverOptions, type ServerOptions } from "./connection";
import { die, show, table } from "./output";

interface ApproverOptions extends ServerOptions {
  token?: string;
}

interface ApprovalView {
  request_id: string;
  status: string;
  agent: string;
  user?: string;
  scope: string;
  resource: string;
  approvals: number;
  required: number;
  expires_at: string;
}

/**
 * `locksmith approvals list | approve <id> | reject <id>`, as a person: the approver's token
 * from the identity provider the bundle trusts (`--token`, or LOCKSMITH_APPROVER_TOKEN so it
 * stays out of the shell history).
 */
export function registerApprovalsCommands(program: Command): void {
  const approvals = program.command("approvals").description("requests waiting for your approval (as a person, with your identity provider's token)");
  const asApprover = (command: Command) => serverOptions(command).option("--token <jwt>", "your identity provider token (default: LOCKSMITH_APPROVER_TOKEN)");

  asApprover(approvals.command("list"))
    .description("the requests you may approve (GET /v1/approvals)")
    .action(async (o: ApproverOptions) => {
      const body = (await approverCall(o, "GET", "/v1/approvals")) as { approvals: ApprovalView[] };
      show(body, () =>
        body.approvals.length === 0
          ? "nothing waits for your approval\n"
          : table([
              ["REQUEST", "AGENT", "USER", "SCOPE", "RESOURCE", "APPROVALS", "EXPIRES"],
              ...body.approvals.map((a) => [a.request_id, a.agent, a.user ?? "-", a.scope, a.resource, `${a.approvals}/${a.required}`, a.expires_at]),
            ]),
      );
    });

  for (const decision of ["approve", "reject"] as const) {
    asApprover(approvals.command(`${decision} <request>`))
      .description(`${decision} a request (POST /v1/approvals/{id})`)
      .option("--comment <text>", "why, for the audit log")
      .action(async (id: string, o: ApproverOptions & { comment?: string }) => {
        const after = (await approverCall(o, "POST", `/v1/approvals/${encodeURIComponent(id)}`, {
          decision,
          ...(o.comment ? { comment: o.comment } : {}),
        })) as ApprovalView;
        show(after, () => `${after.request_id}: ${after.status} (${after.approvals}/${after.required} approvals)\n`);
      });
  }
}

async function approverCall(o: ApproverOptions, method: string, path: string, body?: object): Promise<unknown> {
  const token = o.token ?? process.env.LOCKSMITH_APPROVER_TOKEN;
  if (!token) return die("pass --token or set LOCKSMITH_APPROVER_TOKEN to your identity provider token");
  const url = serverUrl(o);
  const response = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => die(`cannot reach Locksmith at ${url} (${(error.cause as Error | undefined)?.message ?? error.message})`));
  const parsed = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok) return refused(errorFromResponse(response.status, parsed));
  return parsed;
}
