import { decodeJwt } from "jose";
import { getJson } from "./connection";
import { die } from "./output";

/** One entry of Locksmith's `approver_sign_in` metadata: where an approver signs in and the audience the approvals API expects. */
export interface ApproverSignIn {
  readonly issuer: string;
  readonly client_id: string;
  readonly scopes: readonly string[];
  readonly audience: string;
}

const DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * Signs a person in at the approvers' identity provider with the device authorization grant
 * (RFC 8628): Locksmith's metadata names the IdP, its public client and the audience; the IdP's
 * discovery names the device authorization and token endpoints. The verification URI and user code
 * go to stderr (stdout stays the command's answer); the token endpoint is polled at the interval
 * the IdP asks. Answers the token whose only audience is the approvals audience (the access token
 * when the IdP issues it as a JWT for that resource, else the ID token).
 */
export async function signInWithDeviceFlow(url: string, wantedIssuer: string | undefined, say: (line: string) => void = stderrLine): Promise<string> {
  const metadata = await getJson(url, "/.well-known/oauth-authorization-server");
  const offered = Array.isArray(metadata.approver_sign_in) ? (metadata.approver_sign_in as ApproverSignIn[]) : [];
  if (offered.length === 0) {
    return die(
      "this Locksmith names no identity provider for approvers to sign in at (approver_sign_in in the bundle's identity_providers): pass --token or set LOCKSMITH_APPROVER_TOKEN",
    );
  }
  const idp = wantedIssuer ? offered.find((o) => o.issuer.replace(/\/$/, "") === wantedIssuer.replace(/\/$/, "")) : offered[0];
  if (!idp) return die(`--idp ${wantedIssuer} is not an approvers' identity provider of this Locksmith (it offers ${offered.map((o) => o.issuer).join(", ")})`);
  if (!wantedIssuer && offered.length > 1) say(`signing in at ${idp.issuer} (--idp chooses among ${offered.map((o) => o.issuer).join(", ")})`);

  const discovery = await idpJson(`${idp.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, "its discovery");
  // RFC 8414 §3.3 / OIDC Discovery §4.3: the document must name the issuer it was fetched for (no mix-up).
  if (discovery.issuer !== idp.issuer) {
    return die(`${idp.issuer}'s discovery names another issuer (${printable(String(discovery.issuer))}): refusing to sign in there`);
  }
  const deviceEndpoint = discovery.device_authorization_endpoint;
  const tokenEndpoint = discovery.token_endpoint;
  if (typeof deviceEndpoint !== "string" || typeof tokenEndpoint !== "string") {
    return die(`${idp.issuer} offers no device_authorization_endpoint in its discovery: enable the device flow there, or pass --token`);
  }
  // The device code and the token travel to these: TLS, except on loopback (a local test IdP).
  for (const endpoint of [deviceEndpoint, tokenEndpoint]) {
    if (!isTlsOrLoopback(endpoint)) return die(`${idp.issuer}'s discovery names ${printable(endpoint)}: an endpoint must be https (or http on loopback)`);
  }
  const resource: Record<string, string> = idp.audience === idp.client_id ? {} : { resource: idp.audience };
  const device = await idpPost(deviceEndpoint, { client_id: idp.client_id, scope: idp.scopes.join(" "), ...resource });
  if (typeof device.device_code !== "string" || typeof device.user_code !== "string" || typeof device.verification_uri !== "string") {
    return die(`${deviceEndpoint} refused the device authorization (${describeError(device)})`);
  }
  // What the IdP answers reaches the person's terminal: never its control characters (escape sequences).
  say(`To sign in as an approver, open ${printable(device.verification_uri)} and enter the code ${printable(device.user_code)}`);
  if (typeof device.verification_uri_complete === "string") say(`  (or open ${printable(device.verification_uri_complete)})`);

  let interval = typeof device.interval === "number" ? device.interval : 5;
  const deadline = Date.now() + (typeof device.expires_in === "number" ? device.expires_in : 600) * 1000;
  while (Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, interval * 1000));
    const answer = await idpPost(tokenEndpoint, { grant_type: DEVICE_CODE, device_code: device.device_code, client_id: idp.client_id }, true);
    if (answer.error === "authorization_pending") continue;
    if (answer.error === "slow_down") {
      interval += 5;
      continue;
    }
    if (answer.error !== undefined) return die(`the sign-in at ${idp.issuer} ended: ${describeError(answer)}`);
    const token = [answer.access_token, answer.id_token].find((t) => typeof t === "string" && issuedFor(t, idp.issuer, idp.audience));
    if (!token) return die(`${idp.issuer} issued no token for the audience ${idp.audience} that Locksmith's approvals expect`);
    say(`signed in at ${idp.issuer}`);
    return token as string;
  }
  return die(`the code ${printable(device.user_code)} expired before the sign-in at ${idp.issuer} finished`);
}

/** A JWT from `issuer` whose only audience is `audience` (RFC 8725 §3.8–3.9); Locksmith verifies its signature. */
function issuedFor(token: string, issuer: string, audience: string): boolean {
  try {
    const { iss, aud } = decodeJwt(token);
    if (iss !== issuer) return false;
    return aud === audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === audience);
  } catch {
    return false; // an opaque token: not for Locksmith
  }
}

const describeError = (body: Record<string, unknown>) =>
  printable([body.error, body.error_description].filter((part) => typeof part === "string").join(": ") || "no error given");

/** Text from the network, made safe for a terminal: C0/C1 control characters (ESC, CR, BEL…) become U+FFFD. */
export const printable = (text: string) => Array.from(text, (c) => (isControl(c) ? "\ufffd" : c)).join("");
const isControl = (c: string) => {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
};

function isTlsOrLoopback(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return url.protocol === "https:" || (url.protocol === "http:" && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname));
  } catch {
    return false;
  }
}

async function idpJson(url: string, what: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch((error: Error) =>
    die(`cannot reach the identity provider's ${what} at ${url} (${(error.cause as Error | undefined)?.message ?? error.message})`),
  );
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok || body === undefined) return die(`${url} answered ${response.status}: is the identity provider's issuer right?`);
  return body;
}

/** A form POST to the IdP; `errorsAreAnswers`: a 4xx OAuth error body is returned (the poll reads it), not fatal. */
async function idpPost(url: string, form: Record<string, string>, errorsAreAnswers = false): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => die(`cannot reach the identity provider at ${url} (${(error.cause as Error | undefined)?.message ?? error.message})`));
  const body = ((await response.json().catch(() => undefined)) ?? {}) as Record<string, unknown>;
  if (!response.ok && !(errorsAreAnswers && typeof body.error === "string")) return die(`${url} answered ${response.status} (${describeError(body)})`);
  return body;
}

const stderrLine = (line: string) => void process.stderr.write(`${line}\n`);
