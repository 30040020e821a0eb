import type { LedgerEntry, LedgerReader } from "../audit/ledger-reader";
import { agentPermissions, type AgentPermission } from "../policy/effective-permissions";
import type { PolicySource } from "../policy/policy-source";
import type { SuspensionStatus, SuspensionStore } from "./suspension-store";

export interface AgentsOverviewServices {
  readonly policy: PolicySource;
  readonly suspensions: SuspensionStore;
  readonly ledger: Pick<LedgerReader, "latest">;
}

/** One agent as the people who answer for it see it. */
export interface AgentOverview {
  readonly id: string;
  readonly environment: string;
  readonly roles: readonly string[];
  readonly permissions: readonly AgentPermission[];
  readonly suspension: SuspensionStatus;
  /** Its latest `denied` events, newest first. */
  readonly recentDenials: readonly LedgerEntry[];
}

export interface AgentsOverview {
  /** The policy in force (`sha256:…`), read once: every agent below is of this version. */
  readonly policyVersion: string;
  readonly agents: readonly AgentOverview[];
}

/**
 * Every agent of the policy in force, by environment then id: its roles, what it can
 * effectively do, whether it is suspended, and its latest denials from the ledger (one
 * newest-first read per agent, on the (agent, seq) index; none with `recentDenials: 0`).
 */
export async function agentsOverview(services: AgentsOverviewServices, options: { recentDenials?: number } = {}): Promise<AgentsOverview> {
  const policy = services.policy.current();
  const recent = options.recentDenials ?? 5;
  const ids = [...policy.agents.values()].sort((a, b) => a.environment.localeCompare(b.environment) || a.id.localeCompare(b.id));
  const agents = await Promise.all(
    ids.map(async (agent): Promise<AgentOverview> => {
      const [suspension, recentDenials] = await Promise.all([
        services.suspensions.status(agent.id),
        recent > 0 ? services.ledger.latest({ agent: agent.id, type: "denied" }, recent) : [],
      ]);
      return { id: agent.id, environment: agent.environment, roles: agent.roles, permissions: agentPermissions(policy, agent.id), suspension, recentDenials };
    }),
  );
  return { policyVersion: policy.version, agents };
}
