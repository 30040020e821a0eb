import type { JWTVerifyGetKey } from "jose";
import type { RateLimits } from "../limits/rate-limits";
import type { Glob } from "./glob";

/** A grant with its patterns compiled; `rule` names it as `roles.<role>.grants[<i>]`. */
export interface CompiledGrant {
  readonly rule: string;
  readonly scopes: readonly Glob[];
  readonly resources: readonly Glob[];
  readonly maxTtl: number;
  readonly defaultTtl: number;
  readonly maxUses?: number;
  readonly approval?: { readonly approvers: readonly string[]; readonly count: number };
}

/** A deny rule; `rule` names it as `roles.<role>.deny[<i>]`. */
export interface CompiledDeny {
  readonly rule: string;
  readonly scopes: readonly Glob[];
  readonly resources: readonly Glob[];
}

export interface AgentPolicy {
  readonly id: string;
  readonly environment: string;
  /** Every grant of every role of the agent, in role order then grant order. */
  readonly grants: readonly CompiledGrant[];
  readonly denies: readonly CompiledDeny[];
}

export interface ResourceServerPolicy {
  readonly id: string;
  readonly environment: string;
  readonly audience: string;
  readonly resources: readonly Glob[];
}

export type PrincipalKind = "agent" | "resource_server" | "admin";

/** Anyone who authenticates to Locksmith with a signed assertion. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
  /** Absent for admins, who act across environments. */
  readonly environment?: string;
  readonly keys: JWTVerifyGetKey;
}

/** A loaded, validated and compiled policy bundle. Immutable once built. */
export interface Policy {
  /** `sha256:<hex>` of the bundle's bytes: every decision names it. */
  readonly version: string;
  readonly source: string;
  readonly environments: readonly string[];
  readonly agents: ReadonlyMap<string, AgentPolicy>;
  readonly resourceServers: readonly ResourceServerPolicy[];
  readonly principals: ReadonlyMap<string, Principal>;
  /** The bundle's `rate_limits`; none when it has no such section. */
  readonly rateLimits?: RateLimits;
}

/** A grant without `max_ttl` is capped here, so no credential is open-ended. */
export const DEFAULT_MAX_TTL_SECONDS = 900;
/** Without `ttl` in the request or the grant, a credential lives this long at most. */
export const DEFAULT_TTL_CAP_SECONDS = 300;
