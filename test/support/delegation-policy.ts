import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { EXAMPLE_POLICY } from "./principals";

/** Where the trusted issuers of a delegation test live (test servers started by the test). */
export interface TrustedIssuers {
  /** The corporate IdP of users (jwks_uri). */
  readonly corpIssuer: string;
  readonly corpJwksUri: string;
  /** An IdP whose JWKS nobody answers. */
  readonly deadIssuer: string;
  readonly deadJwksUri: string;
  /** A CI workload issuer (jwks_uri). */
  readonly ciIssuer: string;
  readonly ciJwksUri: string;
}

export const CI_SUBJECT = "repo:acme/app:ref:refs/heads/main";

/**
 * The example policy plus delegation: a corporate IdP (entitlements in
 * `scope`), an IdP mapping groups to scopes, a grant that requires a user
 * (crm:export), and a staging agent federated from a CI issuer. Written to a
 * temp file; returns its path.
 */
export function writeDelegationPolicy(issuers: TrustedIssuers): string {
  const bundle = parse(readFileSync(EXAMPLE_POLICY, "utf8"));
  bundle.identity_providers = {
    corp: {
      issuer: issuers.corpIssuer,
      jwks_uri: issuers.corpJwksUri,
      audience: "locksmith",
      entitlements_claim: "scope",
      jwks_cooldown: 0,
      algorithms: ["ES256"],
    },
    "corp-groups": {
      issuer: `${issuers.corpIssuer}-groups`,
      jwks_uri: issuers.corpJwksUri,
      audience: "locksmith",
      entitlements_claim: "groups",
      scope_mapping: { "support-staff": ["crm:read", "crm:note"] },
      algorithms: ["ES256"],
    },
    dead: { issuer: issuers.deadIssuer, jwks_uri: issuers.deadJwksUri, audience: "locksmith", algorithms: ["ES256"] },
  };
  bundle.workload_issuers = {
    ci: { issuer: issuers.ciIssuer, jwks_uri: issuers.ciJwksUri, algorithms: ["ES256"], jwks_cooldown: 0 },
  };
  bundle.roles["customer-service-tier-1"].grants.push({ scopes: ["crm:export"], resources: ["crm:customers/*"], max_ttl: "2m", requires_user: true });
  bundle.agents["ci-deployer"] = {
    environment: "staging",
    roles: ["staging-deployer"],
    auth: { method: "workload_identity", issuer: "ci", subject: CI_SUBJECT, claims: { repository_owner: "acme" } },
  };
  const file = join(mkdtempSync(join(tmpdir(), "locksmith-delegation-")), "policy.yaml");
  writeFileSync(file, stringify(bundle));
  return file;
}
