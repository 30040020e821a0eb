/** `@locksmith/client`: the agent SDK. Depends on jose and the platform's fetch only, never on server code. */
export {
  Locksmith,
  ApprovalPending,
  type Credential,
  type CredentialRequest,
  type LocksmithOptions,
  type DatabaseLogin,
  type UpstreamToken,
} from "./locksmith";
export { LocksmithClientError, PermissionDenied, InvalidRequest, AuthenticationFailed, Unavailable, ApprovalTimeout } from "./errors";
export { signAssertion, type PrivateJwk } from "./sign-assertion";
export type { KeySource } from "./key-source";
