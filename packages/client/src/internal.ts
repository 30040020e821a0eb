/**
 * `@locksmith/client/internal`: the client's plumbing that `@locksmith/express` and the Locksmith CLI share
 * (the signed call, the key loader, the error mapping). Not part of the SDK's stable surface; agents use the
 * package's main entry.
 */
export { callLocksmith, type Answer, type TransportOptions } from "./transport";
export { keyLoader, type KeySource } from "./key-source";
export { errorFromResponse } from "./errors";
export { signAssertion, type PrivateJwk } from "./sign-assertion";
