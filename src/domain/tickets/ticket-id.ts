import { createHash, randomBytes } from "node:crypto";

/** A fresh 256-bit secret, base64url: an authorization code, a refresh token's secret, a session or CSRF token. */
export const newSecret = (): string => randomBytes(32).toString("base64url");

/** Where a secret's ticket is kept: `<kind>:<sha256(secret)>`, so the store never holds the secret itself (Vault's rule). */
export const ticketId = (kind: string, secret: string): string => `${kind}:${createHash("sha256").update(secret).digest("base64url")}`;
