/** What Locksmith reads from a Client ID Metadata Document. */
export interface ClientMetadata {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly clientName?: string;
}

/** Why a document could not be used; each is recorded and answered as `invalid_client`. */
export type ClientDocumentProblem = "private_address" | "unreachable" | "too_large" | "invalid_document";

export class ClientDocumentError extends Error {
  constructor(
    readonly problem: ClientDocumentProblem,
    description: string,
  ) {
    super(description);
    this.name = "ClientDocumentError";
  }
}

/**
 * Fetches Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document) with SSRF
 * guards: https only, every address the name resolves to checked (no private, loopback or
 * link-local address unless allowed) and the connection pinned to a checked address, no
 * redirects, a size and a time limit, answers cached. Throws ClientDocumentError.
 */
export interface ClientDocumentFetcher {
  fetch(url: string, options: { readonly allowPrivateAddresses: boolean }): Promise<ClientMetadata>;
}
