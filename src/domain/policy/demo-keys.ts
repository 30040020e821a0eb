/**
 * The public keys of the demo principals whose PRIVATE keys are published in examples/keys/ (the
 * `x` of each Ed25519 key). Anyone with the repository can sign as them, so outside dev mode a
 * bundle that registers one is refused. Kept here rather than read from examples/, which the
 * runtime image does not have.
 */
const DEMO_KEYS: Readonly<Record<string, string>> = {
  "billing-agent": "OYejR-mLXO-MgSxhQQB5UOrY7n311gPviqMfaNL3b9U",
  "billing-prod": "Ul7tVPH0pwGQDxgg2AJG4JKe7isPWceZJtmjZKgVk6E",
  "ci-oidc": "n0kfFArbIGwkPCy2BPJHpFq1amD1ldS7S7A4J6BZVSA",
  "corp-idp": "Kb7qCiAvpTVHfO1q7TMIZfrTiIBwbBcngqH2IIZc2j0",
  "crm-prod": "0CvGLY7Ri4ZKwhcsiY9TI9hrFGoDKnVtNIek0Os5apM",
  "crm-staging": "XmuYCZGYQeJZmkIlcczJle0H3C-eaxbffFuvNNcJcrs",
  "infra-prod": "_4Y7PvLY8BsCgt3IHQ-z46wsmQg8UICf8o3WWvWahmw",
  "infra-staging": "q2U33yCuV41TnIFUn-DT6tzQobe3HF8Fvu-e05RgQS8",
  "security-auditor": "3hX5KKp5Ex3u7xD6MOAuOljzBhon9ZucQ_phWlufVuk",
  "security-oncall": "F17Aw81JH0jEBQ_CkbX4Au6aIA7_Pypmyp04cyeo3wg",
  "staging-deploy-agent": "lj445owkBXfnUKAGpxH-NmTiwVH427KlYwt4dC8NDJc",
  "support-agent": "k6mDp6fV32tPb3LnMgLadlsHO5lfEfztwrHkS7Cdq58",
};

/** The demo keys (by their examples/keys file name) a bundle's text registers anywhere: principals or inline issuer keys. */
export function demoKeysIn(bundleText: string): string[] {
  return Object.entries(DEMO_KEYS)
    .filter(([, x]) => bundleText.includes(x))
    .map(([name]) => name);
}

/** Why a bundle may not serve outside dev mode, or undefined. */
export function demoKeysProblem(bundleText: string): string | undefined {
  const found = demoKeysIn(bundleText);
  if (found.length === 0) return undefined;
  return `the bundle registers public demo keys of examples/keys/ (${found.join(", ")}): anyone with the repository can sign as them; register your own (npx locksmith agent add) or set LOCKSMITH_ALLOW_DEMO_KEYS=true for a demo`;
}
