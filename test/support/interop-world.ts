import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startListeningLocksmith, type ListeningLocksmith } from "./listening-locksmith";
import { LocksmithApi } from "./locksmith-api";
import { TEST_ISSUER } from "./locksmith-under-test";
import { EXAMPLE_POLICY } from "./principals";

/** A credential issued through the real API for a resource server of one algorithm. */
export interface IssuedFor {
  readonly token: string;
  readonly audience: string;
  readonly alg: "RS256" | "ES256";
}

/**
 * Locksmith in production mode on the real Redis and PostgreSQL, listening on
 * a loopback port, with the example bundle's `crm-prod` signing RS256 and
 * `infra-staging` ES256 (`token_signing_alg`): what a resource server on a
 * JWT library without Ed25519 meets. Third-party verifiers fetch `jwksUri`
 * over HTTP like any other.
 */
export interface InteropWorld {
  readonly locksmith: ListeningLocksmith;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly rs256: IssuedFor;
  readonly es256: IssuedFor;
  close(): Promise<void>;
}

export async function startInteropWorld(): Promise<InteropWorld> {
  const policyFile = join(mkdtempSync(join(tmpdir(), "locksmith-interop-")), "policy.yaml");
  writeFileSync(
    policyFile,
    readFileSync(EXAMPLE_POLICY, "utf8")
      .replace("    audience: https://crm.example.com\n", "    audience: https://crm.example.com\n    token_signing_alg: RS256\n")
      .replace("    audience: https://infra.staging.example.com\n", "    audience: https://infra.staging.example.com\n    token_signing_alg: ES256\n"),
  );
  const locksmith = await startListeningLocksmith({ policyFile });
  try {
    const api = new LocksmithApi(locksmith.sut);
    const crm = await api.issued("support-agent", { scope: "crm:read", resource: "crm:customers/42" });
    const infra = await api.issued("staging-deploy-agent", { scope: "infra:read", resource: "infra:staging/web" });
    return {
      locksmith,
      issuer: TEST_ISSUER,
      jwksUri: `${locksmith.url}/.well-known/jwks.json`,
      rs256: { token: crm.credential, audience: crm.audience, alg: "RS256" },
      es256: { token: infra.credential, audience: infra.audience, alg: "ES256" },
      close: () => locksmith.close(),
    };
  } catch (error) {
    await locksmith.close();
    throw error;
  }
}

/** The token with one claim changed and the signature kept: every verifier must refuse it. */
export function tampered(token: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, scope: "crm:refund" })).toString("base64url")}.${signature}`;
}
