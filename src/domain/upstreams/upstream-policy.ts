import { z } from "zod";
import { compileResourcePattern, type Glob } from "../policy/glob";

/**
 * Bundle section `upstreams`: the systems agents touch that do not verify
 * Locksmith's tokens. Each upstream belongs to one environment and serves the
 * resources `<id>:…`; role grants name those resources like any other
 * (`crm-api:customers/*`), and each upstream lists the scopes it allows. Its
 * secret (API key, admin connection URL) is never in the bundle: the platform
 * team puts it with `locksmith secrets put <id>`.
 *
 * @example
 * upstreams:
 *   crm-api:
 *     kind: api_key                       # used only through Locksmith's egress proxy
 *     environment: production
 *     base_url: https://crm.example.com/api
 *     key: { in: header, name: X-Api-Key } # or { in: query, name: api_key }; prefix: "Bearer " for Authorization
 *     scopes:
 *       crm:read: ["GET /customers/*", "GET /customers/*\/notes"]
 *       crm:write: ["POST /customers/*\/notes"]
 *   app-db:
 *     kind: postgres                      # a fresh login role per credential
 *     environment: production
 *     scopes:
 *       db:read: [{ schema: app, privileges: [SELECT] }]
 *       db:write: [{ schema: app, tables: [orders], privileges: [SELECT, INSERT, UPDATE] }]
 */
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** `METHOD /path-pattern` (patterns as in grants: `*` within a segment, `**` across). */
const operation = z
  .string()
  .regex(new RegExp(`^(${HTTP_METHODS.join("|")}) /[\\x21-\\x7E]*$`), `must be "METHOD /path", METHOD one of ${HTTP_METHODS.join(", ")}`)
  .refine((value) => !/\/\.\.?(\/|$)/.test(value.slice(value.indexOf(" ") + 1)), "must not contain . or .. segments");

const scopeName = z.string().regex(/^[\x21\x23-\x29\x2B-\x5B\x5D-\x7E]{1,128}$/, "must be a concrete scope (no spaces or wildcards)");

/** https, or http on loopback only: the key is never sent in the clear over a network. */
const baseUrl = z
  .url({ protocol: /^https?$/ })
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  }, "must be an https URL (http only on localhost)")
  .refine((value) => {
    const url = new URL(value);
    return !url.search && !url.hash && !url.username && !url.password;
  }, "must not carry a query, fragment or credentials");

const environment = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "must be an environment id");

const apiKeyUpstream = z
  .object({
    kind: z.literal("api_key"),
    environment,
    base_url: baseUrl,
    key: z
      .object({
        in: z.enum(["header", "query"]),
        name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be a header or query parameter name"),
        /** Written before the key, e.g. `Bearer ` for an Authorization header. */
        prefix: z
          .string()
          .max(32)
          .regex(/^[\x20-\x7E]*$/, "must be printable ASCII")
          .optional(),
      })
      .strict(),
    scopes: z.record(scopeName, z.array(operation).min(1)),
  })
  .strict();

/** A PostgreSQL identifier as written in the bundle (it is always quoted when used). */
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a plain SQL identifier (letters, digits, _ and $)");
const PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"] as const;
export type TablePrivilege = (typeof PRIVILEGES)[number];

const postgresUpstream = z
  .object({
    kind: z.literal("postgres"),
    environment,
    /** Per scope, the table privileges a credential's role gets: on every table of `schema`, or on `tables` only. */
    scopes: z.record(
      scopeName,
      z.array(z.object({ schema: identifier, tables: z.array(identifier).min(1).optional(), privileges: z.array(z.enum(PRIVILEGES)).min(1) }).strict()).min(1),
    ),
    /** Roles are named `<role_prefix><random>` so they are recognisable on the server. */
    role_prefix: z
      .string()
      .regex(/^[a-z][a-z0-9_]{2,20}$/, "must be 3-21 lowercase letters, digits or _")
      .default("locksmith_"),
  })
  .strict();

const oauth2Upstream = z
  .object({
    kind: z.literal("oauth2"),
    environment,
    issuer: baseUrl.optional(),
    authorization_endpoint: baseUrl.optional(),
    token_endpoint: baseUrl.optional(),
    client_id: z.string().min(1).max(256),
    /** The environment variable holding Locksmith's client secret at the upstream (never the bundle); absent: a public client. */
    client_secret_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "must be an environment variable name")
      .optional(),
    /** Per Locksmith scope, the upstream scopes it stands for: a connection asks for all of them, a token for the allowed ones. */
    scopes: z.record(scopeName, z.array(z.string().min(1).max(256)).min(1)),
    /** Further upstream scopes asked for at connect only (e.g. offline_access, for a refresh token). */
    connect_scopes: z.array(z.string().min(1).max(256)).optional(),
    /** Further authorization request parameters at connect (e.g. prompt: consent). */
    authorization_params: z.record(z.string().regex(/^[a-z_]{1,64}$/), z.string().max(256)).optional(),
  })
  .strict()
  .refine(
    (spec) => spec.issuer !== undefined || (spec.authorization_endpoint !== undefined && spec.token_endpoint !== undefined),
    "give issuer, or authorization_endpoint and token_endpoint",
  );

export const upstreamsSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1-63 lowercase letters, digits or '-'"),
  z.discriminatedUnion("kind", [apiKeyUpstream, postgresUpstream, oauth2Upstream]),
);

export type UpstreamsSpec = z.infer<typeof upstreamsSchema>;

/** One allowed operation of an api_key upstream. */
export interface CompiledOperation {
  readonly method: HttpMethod;
  readonly path: Glob;
}

export interface TableGrant {
  readonly schema: string;
  readonly tables?: readonly string[];
  readonly privileges: readonly TablePrivilege[];
}

interface UpstreamBase {
  readonly id: string;
  readonly environment: string;
  /** The `aud` of its credentials: no resource server accepts them, only Locksmith's proxy or role provisioning. */
  readonly audience: string;
  /** The scopes it allows: a credential for it never carries another. */
  readonly scopes: ReadonlySet<string>;
}

export type UpstreamPolicy =
  | (UpstreamBase & {
      readonly kind: "api_key";
      readonly baseUrl: URL;
      readonly key: { readonly in: "header" | "query"; readonly name: string; readonly prefix: string };
      readonly operations: ReadonlyMap<string, readonly CompiledOperation[]>;
    })
  | (UpstreamBase & { readonly kind: "postgres"; readonly grants: ReadonlyMap<string, readonly TableGrant[]>; readonly rolePrefix: string })
  | (UpstreamBase & {
      readonly kind: "oauth2";
      /** Discovered (RFC 8414 / OpenID discovery) when set; otherwise the explicit endpoints. */
      readonly issuer?: URL;
      readonly authorizationEndpoint?: URL;
      readonly tokenEndpoint?: URL;
      readonly clientId: string;
      readonly clientSecretEnv?: string;
      /** Locksmith scope → the upstream's scopes. */
      readonly upstreamScopes: ReadonlyMap<string, readonly string[]>;
      readonly connectScopes: readonly string[];
      readonly authorizationParams: Readonly<Record<string, string>>;
    });

export const upstreamAudience = (id: string) => `urn:locksmith:upstream:${id}`;

export function compileUpstreams(spec: UpstreamsSpec | undefined): Map<string, UpstreamPolicy> {
  const upstreams = new Map<string, UpstreamPolicy>();
  for (const [id, upstream] of Object.entries(spec ?? {})) {
    const base = { id, environment: upstream.environment, audience: upstreamAudience(id), scopes: new Set(Object.keys(upstream.scopes)) };
    switch (upstream.kind) {
      case "api_key": {
        const operations = new Map(Object.entries(upstream.scopes).map(([scope, ops]) => [scope, ops.map(compileOperation)] as const));
        const key = { in: upstream.key.in, name: upstream.key.name, prefix: upstream.key.prefix ?? "" };
        upstreams.set(id, { ...base, kind: "api_key", baseUrl: new URL(upstream.base_url.replace(/\/+$/, "")), key, operations });
        break;
      }
      case "postgres":
        upstreams.set(id, { ...base, kind: "postgres", grants: new Map(Object.entries(upstream.scopes)), rolePrefix: upstream.role_prefix });
        break;
      case "oauth2":
        upstreams.set(id, {
          ...base,
          kind: "oauth2",
          ...(upstream.issuer ? { issuer: new URL(upstream.issuer) } : {}),
          ...(upstream.authorization_endpoint ? { authorizationEndpoint: new URL(upstream.authorization_endpoint) } : {}),
          ...(upstream.token_endpoint ? { tokenEndpoint: new URL(upstream.token_endpoint) } : {}),
          clientId: upstream.client_id,
          ...(upstream.client_secret_env ? { clientSecretEnv: upstream.client_secret_env } : {}),
          upstreamScopes: new Map(Object.entries(upstream.scopes)),
          connectScopes: upstream.connect_scopes ?? [],
          authorizationParams: upstream.authorization_params ?? {},
        });
    }
  }
  return upstreams;
}

function compileOperation(text: string): CompiledOperation {
  const space = text.indexOf(" ");
  return { method: text.slice(0, space) as HttpMethod, path: compileResourcePattern(text.slice(space + 1)) };
}
