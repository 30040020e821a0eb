import type { DatabaseLogin, UpstreamAccessToken } from "../upstreams/upstream-hooks";

/** A credential as it leaves Locksmith, whichever path handed it out. */
export interface IssuedCredential {
  readonly kind: "issued";
  /** The person the credential acts for, when delegated. */
  readonly user?: string;
  readonly credential: string;
  readonly jti: string;
  readonly scope: string;
  readonly resource: string;
  readonly audience: string;
  readonly expiresAt: number;
  readonly expiresIn: number;
  readonly maxUses?: number;
  /** For an upstream that needs one: the login made for this credential alone (`postgres`), or the person's upstream token (`oauth2`). */
  readonly upstream?: DatabaseLogin | UpstreamAccessToken;
}
