/**
 * A registered public key for principals of inline test bundles (the support agent's
 * from examples/). Decisions never use it; the bundle schema needs one per principal.
 */
export const PUBLIC_KEY = { kty: "OKP", crv: "Ed25519", x: "k6mDp6fV32tPb3LnMgLadlsHO5lfEfztwrHkS7Cdq58" };

/** The `auth:` value of a principal, as one line of YAML flow (JSON is YAML). */
export const AUTH = JSON.stringify({ method: "private_key_jwt", jwks: { keys: [PUBLIC_KEY] } });
