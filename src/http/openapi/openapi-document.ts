import { z } from "zod";
import { API_OPERATIONS, type ApiOperation, type Caller } from "./api-operations";

type JsonObject = Record<string, unknown>;

/** `/v1/credentials/:jti` → `/v1/credentials/{jti}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/\{\/\*(\w+)\}/g, "/{$1}").replace(/:([A-Za-z_]\w*)/g, "{$1}");

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) of what a caller sends: the input side of any transform. */
function schemaOf(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonObject;
  return rest;
}

const WHO: Record<Exclude<Caller, "public">, string> = {
  agent: "an agent",
  resource_server: "a resource server",
  admin: "an admin",
  auditor: "an auditor",
  approver: "an approver (a person, with a token of a trusted identity provider)",
  person: "a person signed in at Locksmith (its session cookie, from the identity provider's sign-in)",
  credential: "an agent holding a Locksmith credential for the upstream (Authorization: Bearer <credential>)",
};

function security(callers: readonly Caller[]): JsonObject {
  if (callers.includes("public")) return { security: [] };
  if (callers.includes("approver")) return { security: [{ approverToken: [] }] };
  if (callers.includes("person")) return { security: [{ personSession: [] }] };
  if (callers.includes("credential")) return { security: [{ locksmithCredential: [] }] };
  return { security: [{ clientAssertion: [] }] };
}

function parameters(op: ApiOperation): JsonObject[] {
  const path = Object.entries(op.params ?? {}).map(([name, schema]) => ({ name, in: "path", required: true, schema: schemaOf(schema) }));
  const query = Object.entries(op.query?.shape ?? {}).map(([name, schema]) => {
    const field = schema as z.ZodType;
    return { name, in: "query", required: !field.safeParse(undefined).success, schema: schemaOf(field) };
  });
  return [...path, ...query];
}

function operation(op: ApiOperation): JsonObject {
  const callers = op.callers.filter((c): c is Exclude<Caller, "public"> => c !== "public");
  const params = parameters(op);
  return {
    operationId: `${op.method}${openApiPath(op.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: op.summary,
    ...(callers.length > 0 ? { description: `Caller: ${callers.map((c) => WHO[c]).join(" or ")}.` } : {}),
    tags: [op.tag],
    ...security(op.callers),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: true, content: { [op.body.type]: { schema: schemaOf(op.body.schema) } } } } : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [status, { description: r.description, ...(r.type ? { content: { [r.type]: {} } } : {}) }]),
      ),
      default: { description: "an error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
    },
  };
}

/** The OpenAPI 3.1 document of the HTTP API, built from API_OPERATIONS. */
export function openApiDocument(issuer: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const op of API_OPERATIONS) {
    const path = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operation(op) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Locksmith",
      // The HTTP API's version (the /v1 prefix), not the package's.
      version: "v1",
      description: "Just-in-time, short-lived, audited credentials for AI agents. Reference: docs/http-api.md and docs/delegation-and-oauth.md.",
    },
    servers: [{ url: issuer }],
    paths,
    components: {
      securitySchemes: {
        clientAssertion: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "An assertion the client signed with its registered key (RFC 7523: iss = sub = the client id, aud = the issuer, a fresh jti), " +
            "or a workload token of a federated agent. On the OAuth endpoints it may be sent as client_assertion instead (private_key_jwt).",
        },
        approverToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A person's token from an identity provider the policy trusts." },
        locksmithCredential: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A Locksmith credential (RFC 9068 access token) minted for this upstream.",
        },
        personSession: {
          type: "apiKey",
          in: "cookie",
          name: "locksmith_session",
          description: "A person's Locksmith session (people's sign-in, docs/architecture-sign-in.md).",
        },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error", "error_description"],
          properties: { error: { type: "string", description: "a stable code, e.g. invalid_request" }, error_description: { type: "string" } },
          additionalProperties: true,
        },
      },
    },
  };
}
