// An MCP tool server protected by Locksmith, as an unmodified MCP client meets it: the endpoint's
// resource identifier is its own URL; the RFC 9728 document and every 401 name Locksmith as the
// authorization server; the client signs the person in there (code + PKCE) and sends the token
// (sub = the person, act.sub = the client). Each tool needs its own scope, and a missing one is a
// 403 insufficient_scope naming exactly it, so the client's step-up asks for just that.
//
// Run: LOCKSMITH_URL=http://localhost:8080 MCP_URL=http://localhost:3001/mcp MCP_KEY_FILE=crm-mcp.jwk.json npx tsx examples/mcp-server.ts
// (the bundle registers `crm-mcp` with that key's public half; docs/mcp-servers.md has the whole setup)
import type { IncomingMessage } from "node:http";
import express, { type Request } from "express";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { LocksmithResourceServer, protectedResourceMetadata } from "@locksmith/express";
import type { KeySource } from "@locksmith/client";

/** Which scope each tool needs: the one place a tool's permission is written. */
export const TOOL_SCOPES: Record<string, string> = { read_customer: "crm:read", add_note: "crm:note" };

export interface McpServerOptions {
  /** Locksmith's URL (its issuer). */
  readonly locksmith: string;
  /** This endpoint's URL: its resource identifier and its audience in the Locksmith policy. */
  readonly resource: string;
  /** Its id in the policy and its private key (it redeems each token at Locksmith). */
  readonly id: string;
  readonly key: KeySource;
}

export function createMcpServerApp(options: McpServerOptions): { app: express.Express; close(): Promise<void> } {
  const metadata = protectedResourceMetadata({
    resource: options.resource,
    authorizationServer: options.locksmith,
    scopesSupported: Object.values(TOOL_SCOPES),
    resourceName: "CRM tools",
  });
  const locksmith = new LocksmithResourceServer({
    url: options.locksmith,
    id: options.id,
    key: options.key,
    audience: options.resource,
    resourceMetadata: metadata.url,
  });

  function mcpServer(): McpServer {
    const server = new McpServer({ name: "crm", version: "1.0.0" });
    server.registerTool("read_customer", { description: "Read one customer", inputSchema: { id: z.string() } }, async ({ id }, extra) => ({
      content: [{ type: "text", text: JSON.stringify({ id, name: "Ada Lovelace", read_for: extra.authInfo?.extra?.user, through: extra.authInfo?.clientId }) }],
    }));
    server.registerTool("add_note", { description: "Add a note to a customer", inputSchema: { id: z.string(), note: z.string() } }, async ({ id }, extra) => ({
      content: [{ type: "text", text: JSON.stringify({ id, noted_for: extra.authInfo?.extra?.user }) }],
    }));
    return server;
  }

  const app = express();
  app.use(metadata.router);
  app.post(
    new URL(options.resource).pathname,
    express.json(),
    // Discovery (initialize, tools/list) needs a valid token for this server; a tools/call also needs the tool's scope.
    locksmith.requireCredential({
      resource: options.resource,
      scope: (req: Request) => (req.body?.method === "tools/call" ? [TOOL_SCOPES[String(req.body?.params?.name)] ?? "unknown-tool"] : []),
    }),
    async (req, res) => {
      const verified = req.locksmith!;
      // The MCP SDK hands `req.auth` to tools as `extra.authInfo`.
      Object.assign(req, { auth: { token: "", clientId: verified.agent, scopes: [...verified.scope], extra: { user: verified.user } } });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on("close", () => void transport.close());
      await mcpServer().connect(transport);
      // The MCP transport takes a plain IncomingMessage; express's Request is one.
      await transport.handleRequest(req as unknown as IncomingMessage, res, req.body);
    },
  );
  return { app, close: () => locksmith.close() };
}

if (require.main === module) {
  const resource = process.env.MCP_URL ?? "http://localhost:3001/mcp";
  const { app } = createMcpServerApp({
    locksmith: process.env.LOCKSMITH_URL ?? "http://localhost:8080",
    resource,
    id: "crm-mcp",
    key: process.env.MCP_KEY_FILE ?? "crm-mcp.jwk.json",
  });
  app.listen(Number(new URL(resource).port || 3001));
}
