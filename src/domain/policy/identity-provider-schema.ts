import { z } from "zod";

const publicJwk = z
  .object({ kty: z.string().min(1) })
  .catchall(z.unknown())
  .refine((jwk) => !("d" in jwk), "is a private key: a bundle holds public keys only");

/**
 * A trusted identity provider (OIDC issuer) whose user tokens Locksmith
 * accepts: from agents acting for a user, and from people approving requests.
 * Its keys are inline (`jwks`) or fetched (`jwks_uri`), never both.
 */
export const identityProviderSchema = z
  .object({
    issuer: z.url(),
    jwks_uri: z.url({ protocol: /^https?$/ }).optional(),
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).strict().optional(),
    audience: z.string().min(1).max(512),
    /** The claim holding the user's own scopes (space-separated string or array). */
    entitlements_claim: z.string().min(1).max(128),
    /** The claim holding the user's groups, for approvers (`group:NAME`). Default `groups`. */
    groups_claim: z.string().min(1).max(128).optional(),
  })
  .strict()
  .refine((idp) => (idp.jwks === undefined) !== (idp.jwks_uri === undefined), "give exactly one of jwks_uri or jwks");

export type IdentityProviderSpec = z.infer<typeof identityProviderSchema>;
