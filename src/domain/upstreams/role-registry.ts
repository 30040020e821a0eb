import type { CredentialSubject } from "../credentials/token-store";

/** A login role made on an upstream PostgreSQL for one credential. */
export interface DatabaseRole {
  readonly roleName: string;
  readonly upstream: string;
  readonly jti: string;
  readonly agent: string;
  readonly user?: string;
  readonly environment: string;
  readonly expiresAt: Date;
  readonly createdAt: Date;
}

/**
 * Every role Locksmith made, recorded *before* the role is created so that a
 * crash in between leaves a row to reap (PostgreSQL in production: it outlives
 * the process). A role stays listed as live until `markDropped`.
 */
export interface RoleRegistry {
  record(role: DatabaseRole): Promise<void>;
  markDropped(roleName: string, at: Date): Promise<void>;
  /** Live roles of one credential, or of every credential of a subject (a kill switch). */
  live(target: { readonly kind: "jti"; readonly id: string } | CredentialSubject): Promise<DatabaseRole[]>;
  /** Live roles whose credential expired at or before `now`. */
  expired(now: Date): Promise<DatabaseRole[]>;
}
