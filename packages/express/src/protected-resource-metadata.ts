import { Router } from "express";

export interface ProtectedResourceOptions {
  /** This server's resource identifier: its audience in the Locksmith policy, e.g. `https://crm.example.com/mcp`. */
  readonly resource: string;
  /** Locksmith's issuer URL (the authorization server). */
  readonly authorizationServer: string;
  readonly scopesSupported?: readonly string[];
  readonly resourceName?: string;
}

/**
 * RFC 9728 protected resource metadata for a server protected by Locksmith
 * (an MCP server, typically): serves it at `/.well-known/oauth-protected-resource`
 * plus the resource's path suffix (§3.1), and gives the URL that 401s name as
 * `resource_metadata` so clients discover Locksmith as the authorization server.
 *
 * @example
 * const metadata = protectedResourceMetadata({ resource: "https://crm.example.com/mcp", authorizationServer: "https://locksmith.example.com" });
 * app.use(metadata.router);
 * const locksmith = new LocksmithResourceServer({ ..., resourceMetadata: metadata.url });
 */
export function protectedResourceMetadata(options: ProtectedResourceOptions): { router: Router; url: string; document: Record<string, unknown> } {
  const resource = new URL(options.resource);
  const path = `/.well-known/oauth-protected-resource${resource.pathname === "/" ? "" : resource.pathname}`;
  const document = {
    resource: options.resource,
    authorization_servers: [options.authorizationServer],
    bearer_methods_supported: ["header"],
    resource_signing_alg_values_supported: ["EdDSA"],
    ...(options.scopesSupported ? { scopes_supported: options.scopesSupported } : {}),
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
  };
  const router = Router();
  router.get(path, (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").json(document);
  });
  return { router, url: new URL(path, resource.origin).toString(), document };
}
