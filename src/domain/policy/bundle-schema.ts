import { z } from "zod";
import { parseDuration } from "../duration";
import { rateLimitsSchema } from "../limits/rate-limits";
import { circuitBreakerSchema } from "../agents/circuit-breaker-policy";
import { upstreamsSchema } from "../upstreams/upstream-policy";

/**
 * The policy bundle as platform teams write it (YAML). Field names are the
 * public contract of DESIGN.md; unknown fields are refused so a typo such as
 * `max_tll` is an error, not a silently ignored limit.
 */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "must be 1-128 letters, digits, '.', '_', ':' or '-'");

const pattern = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7E]+$/, "must be printable ASCII without spaces");

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a duration: use seconds or 30s / 5m / 1h` });
    return z.NEVER;
  }
  return seconds;
});

const publicJwk = z
  .object({ kty: z.enum(["OKP", "EC"]), crv: z.enum(["Ed25519", "P-256"]), x: z.string(), y: z.string().optional() })
  .catchall(z.unknown())
  .refine((jwk) => !("d" in jwk), "is a private key: a bundle holds public keys only");

const auth = z
  .object({
    method: z.literal("private_key_jwt"),
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).strict(),
  })
  .strict();

/** An agent without a key of its own: it proves itself with a JWT of a trusted workload issuer. */
const workloadAuth = z
  .object({
    method: z.literal("workload_identity"),
    /** Id of an entry of `workload_issuers`. */
    issuer: id,
    /** The token's exact `sub`, e.g. `system:serviceaccount:ns:name` or `repo:org/app:ref:refs/heads/main`. */
    subject: z.string().min(1).max(512),
    /** Further claims the token must carry with exactly these values. */
    claims: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

/** RFC 9700 §4.1.3 / RFC 8252 §7.3: https anywhere, plain http only to the loopback interface (native apps), never a fragment. */
const redirectUri = z
  .url({ protocol: /^https?$/ })
  .max(512)
  .refine((value) => {
    const url = new URL(value);
    return !value.includes("#") && (url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
  }, "must be an https URL without a fragment (http only on localhost / 127.0.0.1)");

/** A public OAuth client (an MCP client): no secret and no key, PKCE required, and it always acts for a person. */
const publicClientAuth = z
  .object({
    method: z.literal("none"),
    /** Compared exactly (no prefix or pattern): the only places codes are ever sent. */
    redirect_uris: z.array(redirectUri).min(1).max(16),
  })
  .strict();

/** OAuth Client ID Metadata Documents: clients whose client_id is an https URL Locksmith fetches, admitted one by one. */
const clientMetadataDocuments = z
  .object({
    /** Fetch documents from private, loopback and link-local addresses too (a lab or test only; default false). */
    allow_private_addresses: z.boolean().default(false),
    clients: z
      .array(
        z
          .object({
            /** The exact client_id URL (https). */
            url: z
              .url({ protocol: /^https$/ })
              .max(512)
              .refine((v) => {
                // draft-ietf-oauth-client-id-metadata-document §3; written as the URL fetched, since the document must name exactly it.
                const url = new URL(v);
                return !v.includes("#") && url.username === "" && url.password === "" && url.pathname.length > 1 && url.href === v;
              }, "must be an https URL with a path, written in normal form, without a fragment, user, password or dot segments"),
            environment: id,
            roles: z.array(id).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const approval = z
  .object({
    approvers: z.array(z.string().regex(/^(group|user):.+$/, "must be group:NAME or user:NAME")).min(1),
    count: z.number().int().min(1).max(10),
  })
  .strict();

/** Who opens the console (issue 17): people named by their IdP group or subject, as approvers are. */
const consolePeople = z
  .array(
    z
      .string()
      .regex(/^(group|user):.+$/, "must be group:NAME or user:NAME")
      .max(256),
  )
  .max(256)
  .default([]);
const consoleSection = z
  .object({
    /** Read the ledger (filters, traces, export, proofs). */
    auditors: consolePeople,
    /** Everything auditors see, plus suspend/resume and the policy pages. */
    admins: consolePeople,
  })
  .strict();

const grant = z
  .object({
    scopes: z.array(pattern).min(1),
    resources: z.array(pattern).min(1),
    max_ttl: duration.optional(),
    ttl: duration.optional(),
    max_uses: z.number().int().min(1).max(1_000_000).optional(),
    approval: approval.optional(),
    /** The agent alone may not use this grant: only when it acts for a user (`on_behalf_of`). */
    requires_user: z.boolean().optional(),
  })
  .strict();

/** https, or http on loopback only (a local test or sidecar IdP): keys are never fetched in the clear over a network. */
const keysUrl = z.url({ protocol: /^https?$/ }).refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}, "must be an https URL (http only on localhost)");

/** Signature algorithms a user or workload token may use; `none` and HMAC are never among them. */
const tokenAlgorithm = z.enum(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);

/** Where a trusted issuer's public keys are: fetched from `jwks_uri`, or given inline as `jwks`. */
const trustedIssuer = {
  issuer: z.string().min(1).max(512),
  jwks_uri: keysUrl.optional(),
  jwks: z
    .object({
      keys: z
        .array(
          z.record(z.string(), z.unknown()).refine((jwk) => !("d" in jwk) && !("k" in jwk), "is a private or symmetric key: a bundle holds public keys only"),
        )
        .min(1),
    })
    .strict()
    .optional(),
  algorithms: z.array(tokenAlgorithm).min(1).default(["RS256", "ES256", "EdDSA"]),
  /** Seconds between two fetches of `jwks_uri` when a token names an unknown `kid` (0 refetches at once). */
  jwks_cooldown: z.union([z.literal(0), duration]).default(30),
};
const oneKeySource = (spec: { jwks_uri?: string; jwks?: unknown }) => (spec.jwks_uri === undefined) !== (spec.jwks === undefined);
const KEY_SOURCE = "give exactly one of jwks_uri and jwks";

/** Locksmith as an OpenID Connect relying party of this IdP: people sign in here (consent page, console). */
const login = z
  .object({
    client_id: z.string().min(1).max(256),
    /** Name of the environment variable holding the client secret: the secret itself never sits in a bundle. */
    client_secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "must be an environment variable name such as CORP_IDP_CLIENT_SECRET"),
    /** Scopes asked at sign-in, so the ID token carries the entitlements and groups claims; `openid` is always asked. */
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/))
      .max(16)
      .default([]),
  })
  .strict();

const identityProvider = z
  .object({
    ...trustedIssuer,
    login: login.optional(),
    /** The `aud` a user token an agent presents for delegation (`on_behalf_of`) must carry, and its only audience. */
    audience: z.string().min(1).max(512),
    /**
     * The `aud` an approver's sign-in must carry (its only audience) to list and vote on approval
     * requests. Default: Locksmith's approvals audience, `{issuer}/v1/approvals`. Never `audience`: a
     * token for one trust is never good for the other, so the user tokens an agent holds cannot vote.
     */
    approver_audience: z.string().min(1).max(512).optional(),
    /** The claim naming the user's entitlements: a space-separated string or an array of strings. */
    entitlements_claim: z.string().min(1).default("scope"),
    /** Claim value (an IdP group, a role) → the scope patterns it grants; when present, only mapped values count. */
    scope_mapping: z.record(z.string().min(1), z.array(pattern).min(1)).optional(),
    /** The claim holding the user's groups, for approvers (`group:NAME`). Default `groups`. */
    groups_claim: z.string().min(1).max(128).optional(),
  })
  .strict()
  .refine(oneKeySource, KEY_SOURCE);

const workloadIssuer = z
  .object({
    ...trustedIssuer,
    /** The `aud` a workload token must carry; default: Locksmith's own issuer URL. */
    audience: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine(oneKeySource, KEY_SOURCE);

const deny = z.object({ scopes: z.array(pattern).min(1), resources: z.array(pattern).min(1) }).strict();

export const bundleSchema = z
  .object({
    environments: z.array(id).min(1),
    identity_providers: z.record(id, identityProvider).default({}),
    workload_issuers: z.record(id, workloadIssuer).default({}),
    resource_servers: z
      .record(
        id,
        z
          .object({
            environment: id,
            audience: z.string().min(1).max(512),
            resources: z.array(pattern).min(1),
            auth,
          })
          .strict(),
      )
      .default({}),
    roles: z.record(id, z.object({ grants: z.array(grant).default([]), deny: z.array(deny).default([]) }).strict()).default({}),
    agents: z
      .record(
        id,
        z.object({ environment: id, roles: z.array(id).default([]), auth: z.discriminatedUnion("method", [auth, workloadAuth, publicClientAuth]) }).strict(),
      )
      .default({}),
    admins: z.record(id, z.object({ auth }).strict()).default({}),
    /** Security teams' principals: may query, prove and export the audit ledger. */
    auditors: z.record(id, z.object({ auth }).strict()).default({}),
    client_metadata_documents: clientMetadataDocuments.optional(),
    rate_limits: rateLimitsSchema.optional(),
    circuit_breaker: circuitBreakerSchema.optional(),
    /** Systems that do not verify Locksmith tokens: brokered API keys, dynamic database roles, connected accounts. */
    upstreams: upstreamsSchema.default({}),
    /** The console's people: auditors and admins (approvers come from the approval rules' `approvers`). */
    console: consoleSection.optional(),
  })
  .strict();

export type Bundle = z.infer<typeof bundleSchema>;
export type GrantSpec = z.infer<typeof grant>;
export type AuthSpec = z.infer<typeof auth>;
export type IdentityProviderSpec = z.infer<typeof identityProvider>;
export type WorkloadIssuerSpec = z.infer<typeof workloadIssuer>;
