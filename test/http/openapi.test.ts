import { execFile } from "node:child_process";
import { join } from "node:path";
import type { Express } from "express";
import request from "supertest";
import { z } from "zod";
import { API_OPERATIONS } from "../../src/http/openapi/api-operations";
import { openApiPath } from "../../src/http/openapi/openapi-document";
import { issueBody } from "../../src/http/routes/credentials.routes";
import { startLocksmith, TEST_ISSUER, type LocksmithUnderTest } from "../support/locksmith-under-test";

// GET /openapi.json: a valid OpenAPI 3.1 document that lists exactly the routes the app serves.

const ROOT = join(__dirname, "../..");

let sut: LocksmithUnderTest;
let document: { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, { security: unknown[]; requestBody?: unknown }>> };
beforeAll(async () => {
  sut = await startLocksmith();
  const res = await request(sut.locksmith.http).get("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  document = res.body;
});
afterAll(() => sut.close());

/**
 * Validates with @seriousme/openapi-schema-validator. It is ESM-only (and reads its schemas through
 * import.meta), which jest's CommonJS runtime cannot load: it runs in a plain node child instead.
 */
function validate(doc: unknown): Promise<{ valid: boolean; version?: string; errors?: unknown }> {
  const script = `
    import { Validator } from "@seriousme/openapi-schema-validator";
    import { readFileSync } from "node:fs";
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(readFileSync(0, "utf8")));
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout)),
    );
    child.stdin?.end(JSON.stringify(doc));
  });
}

interface Layer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: Layer[] };
  readonly slash?: boolean;
}

/** Every `METHOD path` the express app routes, read from its router stack (routers are mounted at /). */
function servedRoutes(app: Express): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) => {
      // router.all (the egress proxy) stands for every method the document lists for it.
      if (layer.route)
        return Object.keys(layer.route.methods).flatMap((method) =>
          (method === "_all" ? ["get", "post", "put", "patch", "delete"] : [method]).map((m) => `${m.toUpperCase()} ${layer.route!.path}`),
        );
      if (layer.handle?.stack) {
        if (!layer.slash) throw new Error("a router mounted below / : teach servedRoutes its prefix");
        return walk(layer.handle.stack);
      }
      return [];
    });
  // Two routers may serve one operation (POST /oauth/token: the person grants, then the agents'): one operation each.
  return [...new Set(walk((app as unknown as { router: { stack: Layer[] } }).router.stack))].sort();
}

const documented = () =>
  Object.entries(document.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

/** A value each path parameter accepts, so a request reaches the route's authentication. */
const EXAMPLE_PARAM: Record<string, string> = { jti: "jti-1", id: "00000000-0000-4000-8000-000000000000", seq: "1", upstream: "crm-api" };
const AGENT_PARAM = "support-agent";

describe("GET /openapi.json", () => {
  test("is a valid OpenAPI 3.1 document naming the issuer as its server", async () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: TEST_ISSUER }]);
    await expect(validate(document)).resolves.toEqual({ valid: true, version: "3.1" });
    const operationIds = Object.values(document.paths).flatMap((ops) => Object.values(ops).map((op) => (op as { operationId?: string }).operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length); // §4.8.10.1: unique among all operations
  });

  test("the validator is live: the same document with an optional path parameter is refused", async () => {
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { parameters: { required: boolean }[] }>> };
    broken.paths["/v1/credentials/{jti}"].delete.parameters[0].required = false; // OpenAPI 3.1 §4.8.12.1: path parameters are required
    await expect(validate(broken)).resolves.toMatchObject({ valid: false });
  });

  test("lists every route the app serves, and every path it lists is served", () => {
    const served = servedRoutes(sut.locksmith.http.express)
      .map((route) => {
        const [method, path] = route.split(" ");
        return `${method} ${openApiPath(path)}`;
      })
      .sort();
    expect(served.length).toBeGreaterThan(20);
    expect(documented()).toEqual(served);
  });

  test("describes each request body with the zod schema its route parses", () => {
    const issue = document.paths["/v1/credentials"].post.requestBody as { content: Record<string, { schema: Record<string, unknown> }> };
    const { $schema: _dialect, ...expected } = z.toJSONSchema(issueBody, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    expect(issue.content["application/json"].schema).toEqual(expected);
    expect(expected).toMatchObject({ additionalProperties: false, required: ["scope", "resource"] });
  });

  // A person's pages answer a browser without a session with Locksmith's sign-in, not 401 (test/interop/connected-accounts.test.ts).
  test.each(
    API_OPERATIONS.filter((op) => !op.callers.some((caller) => caller === "public" || caller === "person" || caller === "credential")).map(
      (op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const,
    ),
  )("%s: documented as authenticated, and refuses a request without credentials with 401", async (_name, op) => {
    expect(document.paths[openApiPath(op.path)][op.method].security).not.toEqual([]);
    const path = op.path.replace(/:(\w+)/g, (_, name: string) => (op.path.startsWith("/v1/agents/") ? AGENT_PARAM : EXAMPLE_PARAM[name]));
    let req = request(sut.locksmith.http)[op.method](path);
    if (op.body?.type === "application/json") req = req.set("content-type", "application/json").send("{}");
    if (op.body?.type === "application/x-www-form-urlencoded") req = req.type("form").send("token=x");
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: "invalid_client", error_description: expect.any(String) });
  });

  test.each(API_OPERATIONS.filter((op) => op.callers.includes("public")).map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    "%s: documented as public, and answers without credentials",
    async (_name, op) => {
      expect(document.paths[openApiPath(op.path)][op.method].security).toEqual([]);
      const res = await request(sut.locksmith.http)[op.method](op.path);
      expect([200, 503]).toContain(res.status);
    },
  );
});
