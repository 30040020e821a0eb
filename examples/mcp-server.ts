import type { IncomingMessage } from "node:http";
// An MCP tool server whose tools need Locksmith credentials. Discovery (initialize, tools/list) is
// open; every tools/call needs a credential for exactly the resource the call touches, and a 401
// names the RFC 9728 metadata so MCP clients find Locksmith as the authorization server.
import express, { type Request } from "express";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { LocksmithResourceServer, protectedResourceMetadata } from "locksmith/express";

const metadata = protectedResourceMetadata({ resource: "https://crm.example.com", authorizationServer: "http://localhost:8080", scopesSupported: ["crm:read"] });
const locksmith = new LocksmithResourceServer({
  url: "http://localhost:8080", id: "crm-prod", key: "examples/keys/crm-prod.jwk.json", audience: "https://crm.example.com", resourceMetadata: metadata.url,
});

function mcpServer(): McpServer {
  const server = new McpServer({ name: "crm", version: "1.0.0" });
  server.registerTool("read_customer", { description: "Read one customer", inputSchema: { id: z.string() } }, async ({ id }) => ({
    content: [{ type: "text", text: JSON.stringify({ id, name: "Ada Lovelace" }) }],
  }));
  return server;
}

const toolResource = (req: Request) => `crm:customers/${String(req.body?.params?.arguments?.id ?? "")}`;
const serve = async (req: Request, res: express.Response) => {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => void transport.close());
  await mcpServer().connect(transport);
  // The MCP transport takes a plain IncomingMessage; express's Request is one.
  await transport.handleRequest(req as unknown as IncomingMessage, res, req.body);
};

const app = express();
app.use(metadata.router);
app.post("/mcp", express.json(), (req, _res, next) => next(req.body?.method === "tools/call" ? undefined : "route"),
  locksmith.requireCredential({ scope: "crm:read", resource: toolResource }), serve);
app.post("/mcp", serve);
app.listen(3001);
