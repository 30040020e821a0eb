import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { signAssertion, type PrivateJwk } from "@locksmith/client";

export const EXAMPLE_POLICY = resolve(__dirname, "..", "..", "examples", "policy.yaml");
export const COMPANY_POLICY = resolve(__dirname, "..", "..", "examples", "company-policy.yaml");

/** The demo principals of examples/policy.yaml, whose private keys ship in examples/keys. */
export type ExamplePrincipal =
  | "support-agent"
  | "staging-deploy-agent"
  | "crm-prod"
  | "crm-staging"
  | "infra-prod"
  | "infra-staging"
  | "security-oncall"
  | "security-auditor"
  // examples/company-policy.yaml
  | "billing-agent"
  | "billing-prod";

export function exampleKey(id: ExamplePrincipal): PrivateJwk {
  return JSON.parse(readFileSync(resolve(__dirname, "..", "..", "examples", "keys", `${id}.jwk.json`), "utf8"));
}

/** A fresh assertion for one call, as the SDK and CLI make them. */
export function assertionFor(id: ExamplePrincipal, audience: string): Promise<string> {
  return signAssertion({ id, key: exampleKey(id), audience });
}
