/** `@locksmith/express`: resource-server middleware. Depends on jose, fetch and express; never on server code. */
export { LocksmithResourceServer, type ResourceServerOptions, type RequireOptions, type VerifiedCredential } from "./resource-server";
export { protectedResourceMetadata, type ProtectedResourceOptions } from "./protected-resource-metadata";
export { RevocationList, type RevocationNotice } from "./revocation-list";
