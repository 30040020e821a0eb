import type { CompiledGrant, Entitlements, ResourceServerPolicy } from "./policy";

/** What an agent asks for: concrete scopes and one concrete resource (no wildcards). */
export interface CredentialRequest {
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Seconds; absent means the grant's default. */
  readonly ttl?: number;
  /** The agent's stated reason: kept in the ledger, never part of the decision. */
  readonly purpose?: string;
  /** The audience the caller names (OAuth `audience`): must be the resource server's. */
  readonly audience?: string;
  /** The person the agent acts for (on-behalf-of): the grant narrows to what they may do. */
  readonly user?: { readonly id: string; readonly entitlements: Entitlements };
}

export type DenyReason =
  | "no_resource_server"
  | "environment_wall"
  | "ambiguous_resource_server"
  | "explicit_deny"
  | "no_grant"
  | "ttl_exceeds_policy"
  | "user_lacks_scope"
  | "requires_user"
  | "audience_mismatch"
  | "upstream_lacks_scope"
  | "upstream_unavailable"
  | "agent_suspended"
  /** An approved request whose agent, person or environment was revoked by a kill switch after it was made. */
  | "revoked_since_request"
  // Gated by approval, asked where no approval can be opened (the OAuth token endpoint cannot answer 202).
  | "approval_required";

export interface Deny {
  readonly outcome: "deny";
  readonly reason: DenyReason;
  /** The rule that decided, e.g. `roles.support.deny[0]`; absent when nothing matched (deny by default). */
  readonly rule?: string;
  readonly description: string;
}

/** A request the policy allows, with the limits the credential will carry. */
export interface Grant {
  readonly outcome: "allow" | "pending_approval";
  readonly resourceServer: ResourceServerPolicy;
  readonly ttl: number;
  readonly maxUses?: number;
  readonly approval?: CompiledGrant["approval"];
  /** The grants that cover the request, one per scope, comma-separated. */
  readonly rule: string;
}

export type Decision = Deny | Grant;
