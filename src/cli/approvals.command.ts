import type { Command } from "commander";
import { serverUrl, serverOptions, type ServerOptions } from "./connection";
import { die, show, table } from "./output";

interface ApproverOptions extends ServerOptions {
  token?: string;
  idp?: string;
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
 * `locksmith approvals list | approve <id> | reject <id> | login`, as a person: the approver's
 * token from the identity provider the bundle trusts (`--token`, or LOCKSMITH_APPROVER_TOKEN so it
 * stays out of the shell history), else a sign-in there with the device flow (RFC 8628) at the
 * IdP Locksmith's metadata names (`approver_sign_in`).
 */
export function registerApprovalsCommands(program: Command): void {
  const approvals = program
    .command("approvals")
    .description("requests waiting for your approval (as a person: sign in at your identity provider with the device flow, or pass its token)");
  const asApprover = (command: Command) =>
    serverOptions(command)
      .option("--token <jwt>", "your identity provider token (default: LOCKSMITH_APPROVER_TOKEN; without one: sign in with the device flow)")
      .option("--idp <issuer>", "the identity provider to sign in at, when Locksmith names several (default: the first)");

  asApprover(approvals.command("login"))
    .description("sign in at the approvers' identity provider (device flow) and print the token, for LOCKSMITH_APPROVER_TOKEN")
    .action(async (o: ApproverOptions) => {
      const { signInWithDeviceFlow } = await import("./approver-sign-in.js");
      const token = await signInWithDeviceFlow(serverUrl(o), o.idp);
      show({ token }, () => `${token}\n`);
    });

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
  const url = serverUrl(o);
  const token = o.token ?? process.env.LOCKSMITH_APPROVER_TOKEN ?? (await (await import("./approver-sign-in.js")).signInWithDeviceFlow(url, o.idp));
  const response = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => die(`cannot reach Locksmith at ${url} (${(error.cause as Error | undefined)?.message ?? error.message})`));
  const parsed = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok) {
    const [{ refused }, { errorFromResponse }] = await Promise.all([import("./call-as.js"), import("@locksmith/client/internal")]);
    return refused(errorFromResponse(response.status, parsed));
  }
  return parsed;
}
