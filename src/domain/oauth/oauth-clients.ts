import type { AgentPolicy, Policy } from "../policy/policy";
import { ClientDocumentError, type ClientDocumentFetcher } from "./client-metadata-document";

/** An agent that may send a person to the authorization endpoint, with the exact redirect URIs it may use. */
export interface OAuthClient {
  readonly agent: AgentPolicy;
  readonly redirectUris: readonly string[];
  readonly name: string;
}

export type ClientLookup = { readonly ok: true; readonly client: OAuthClient } | { readonly ok: false; readonly reason: string; readonly description: string };

/**
 * Finds the OAuth client a `client_id` names: a public agent of the bundle, or a Client ID Metadata
 * Document URL the bundle admits (fetched, with SSRF guards). Anything else is unknown: machines
 * (private_key_jwt, workload identity) never send people here.
 */
export async function findOAuthClient(policy: Policy, clientId: string, documents: ClientDocumentFetcher): Promise<ClientLookup> {
  const agent = policy.agents.get(clientId);
  if (!agent?.client)
    return {
      ok: false,
      reason: "unknown_client",
      description: `client_id ${clientId} names no public client or admitted client metadata document of the policy`,
    };
  if (agent.client.kind === "public") return { ok: true, client: { agent, redirectUris: agent.client.redirectUris, name: agent.id } };
  try {
    const metadata = await documents.fetch(agent.client.url, { allowPrivateAddresses: policy.clientMetadataDocuments?.allowPrivateAddresses ?? false });
    return { ok: true, client: { agent, redirectUris: metadata.redirectUris, name: metadata.clientName ?? agent.id } };
  } catch (error) {
    if (!(error instanceof ClientDocumentError)) throw error;
    return {
      ok: false,
      reason: `client_document_${error.problem}`,
      description: `the client metadata document of ${clientId} cannot be used: ${error.message}`,
    };
  }
}
