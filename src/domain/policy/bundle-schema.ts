import { z } from "zod";
import { parseDuration } from "../duration";
import { rateLimitsSchema } from "../limits/rate-limits";

/**
 * The policy bundle as platform teams write it (YAML). Field names are the
 * public contract of DESIGN.md; unknown fields are refused so a typo such as
 * `max_tll` is an error, not a silently ignored limit.
 */
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "must be 1-128 letters, digits, '.', '_', ':' or '-'");

const pattern = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7E]+$/, "must be printable ASCII without spaces");

const duration = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
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

const approval = z
  .object({
    approvers: z.array(z.string().regex(/^(group|user):.+$/, "must be group:NAME or user:NAME")).min(1),
    count: z.number().int().min(1).max(10),
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
  })
  .strict();

const deny = z.object({ scopes: z.array(pattern).min(1), resources: z.array(pattern).min(1) }).strict();

export const bundleSchema = z
  .object({
    environments: z.array(id).min(1),
    identity_providers: z.record(id, z.unknown()).optional(),
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
    agents: z.record(id, z.object({ environment: id, roles: z.array(id).default([]), auth }).strict()).default({}),
    admins: z.record(id, z.object({ auth }).strict()).default({}),
    rate_limits: rateLimitsSchema.optional(),
  })
  .strict();

export type Bundle = z.infer<typeof bundleSchema>;
export type GrantSpec = z.infer<typeof grant>;
export type AuthSpec = z.infer<typeof auth>;
