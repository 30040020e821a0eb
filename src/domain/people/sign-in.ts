import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuditEvent } from "../audit/audit-event";
import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import { ledgerEnvelope, type CallContext } from "../call-context";
import type { PolicySource } from "../policy/policy-source";
import { newSecret, ticketId } from "../tickets/ticket-id";
import type { TicketStore } from "../tickets/ticket-store";
import { loginProvider, personClaimsOf, type Person } from "./person";
import { SignInError, type LoginChecks, type RelyingParty } from "./relying-party";

/** A login round trip at the IdP must finish within this. */
export const LOGIN_TRANSACTION_TTL_MS = 10 * 60_000;
/** A signed-in person stays signed in this long (short: consent and console actions, then gone). */
export const SESSION_TTL_MS = 15 * 60_000;

export interface SignInServices {
  readonly policy: PolicySource;
  readonly tickets: TicketStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly relyingParty: RelyingParty;
  /** `{LOCKSMITH_ISSUER}/oauth/login/callback`: the redirect URI registered at the identity provider. */
  readonly callbackUrl: string;
}

/** What the page that sent the person to sign in was about, for the ledger's `login` row (person → agent → resource). */
export interface SignInContext {
  readonly agent?: string;
  readonly environment?: string;
  readonly resource?: string;
}

interface LoginTransaction extends LoginChecks {
  readonly returnTo: string;
  readonly context: SignInContext;
  /** SHA-256 of the browser's login-binding secret (a cookie): the callback must come from the browser that began. */
  readonly browser: string;
}

/**
 * Starts a sign-in: keeps a login transaction (state, nonce, PKCE verifier, where to return) under
 * the hash of `state` for ten minutes, and answers the IdP URL to send the browser to. `returnTo`
 * must be a path of Locksmith itself (never an absolute URL: no open redirect). `browser` is the
 * secret of the browser's login-binding cookie (the caller keeps or creates it): the transaction
 * is bound to it, so a callback carried to another browser (login CSRF, RFC 9700 §4.7) fails.
 */
export async function beginSignIn(services: SignInServices, returnTo: string, browser: string, context: SignInContext = {}): Promise<string> {
  if (!isLocalPath(returnTo)) throw new Error("returnTo must be a path of Locksmith");
  const idp = loginProvider(services.policy.current());
  if (!idp) throw new SignInError("login_not_configured", "no identity provider of the policy has `login`: people cannot sign in");
  const checks = { state: newSecret(), nonce: newSecret(), codeVerifier: randomBytes(48).toString("base64url") };
  const transaction: LoginTransaction = { ...checks, returnTo, context, browser: digest(browser) };
  await services.tickets.put(ticketId("login", checks.state), JSON.stringify(transaction), LOGIN_TRANSACTION_TTL_MS);
  return services.relyingParty.authorizationUrl(idp, checks);
}

/**
 * The IdP's callback: spends the login transaction named by `state` (once), redeems the code,
 * verifies the ID token, opens a session and records `login` (or `login_failed`). Answers the
 * session secret (for the cookie: only its hash is stored) and where to send the browser back.
 */
export async function completeSignIn(
  services: SignInServices,
  callbackUrl: URL,
  browser: string | undefined,
  call: CallContext,
): Promise<{ readonly person: Person; readonly session: string; readonly returnTo: string } | { readonly failed: string }> {
  const policy = services.policy.current();
  const idp = loginProvider(policy);
  const record = (event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>) =>
    services.audit.append({
      occurredAt: new Date(services.clock.now()),
      policyVersion: policy.version,
      requestId: call.requestId,
      traceId: call.traceId,
      clientIp: call.clientIp,
      ...event,
    });
  const state = callbackUrl.searchParams.get("state");
  const taken = state ? await services.tickets.take(ticketId("login", state)) : { status: "unknown" as const };
  if (taken.status !== "fresh" || !idp) {
    // Unknown, replayed or expired state: a forged or stale callback (RFC 9700 §4.7 CSRF), never a session.
    const reason = taken.status === "spent" ? "login_state_replayed" : "login_state_unknown";
    await record({ type: "login_failed", decision: "deny", reason, detail: { identity_provider: idp?.id ?? null } });
    return { failed: "This sign-in link is not valid any more. Start again from the application." };
  }
  const transaction = JSON.parse(taken.value) as LoginTransaction;
  const context = { agent: transaction.context.agent, environment: transaction.context.environment, resource: transaction.context.resource };
  if (browser === undefined || !sameDigest(digest(browser), transaction.browser)) {
    await record({ type: "login_failed", decision: "deny", reason: "login_not_this_browser", ...context, detail: { identity_provider: idp.id } });
    return { failed: "This sign-in was started in another browser. Start again from the application." };
  }
  let claims: Record<string, unknown>;
  try {
    claims = await services.relyingParty.exchange(idp, callbackUrl, transaction);
  } catch (error) {
    if (!(error instanceof SignInError)) throw error;
    await record({ type: "login_failed", decision: "deny", reason: error.reason, ...context, detail: { identity_provider: idp.id, error: error.message } });
    return { failed: `Signing in at ${idp.id} failed: ${error.message}` };
  }
  const subject = claims.sub;
  if (typeof subject !== "string" || subject.length === 0 || subject.length > 256) {
    await record({ type: "login_failed", decision: "deny", reason: "invalid_id_token", ...context, detail: { identity_provider: idp.id } });
    return { failed: "The identity provider's answer names no person." };
  }
  const person: Person = { subject, identityProvider: idp.id, claims: personClaimsOf(idp, claims), signedInAt: services.clock.now() };
  const session = newSecret();
  await services.tickets.put(ticketId("session", session), JSON.stringify(person), SESSION_TTL_MS);
  await record({ type: "login", decision: "allow", user: subject, ...context, detail: { identity_provider: idp.id } });
  return { person, session, returnTo: transaction.returnTo };
}

/** The person a session secret (from the cookie) belongs to, while the session lives. */
export async function currentPerson(services: Pick<SignInServices, "tickets">, session: string | undefined): Promise<Person | undefined> {
  if (!session || session.length > 128) return undefined;
  const value = await services.tickets.get(ticketId("session", session));
  return value === undefined ? undefined : (JSON.parse(value) as Person);
}

export async function signOut(
  services: Pick<SignInServices, "tickets" | "audit" | "clock" | "policy">,
  session: string | undefined,
  call: CallContext,
): Promise<void> {
  if (!session || session.length > 128) return;
  const person = await currentPerson(services, session);
  await services.tickets.remove(ticketId("session", session));
  // A live session ended by its person: `logout`, the person as user and actor. An expired or unknown one ends nothing.
  if (person)
    await services.audit.append({
      type: "logout",
      decision: "allow",
      occurredAt: new Date(services.clock.now()),
      user: person.subject,
      actor: person.subject,
      ...ledgerEnvelope(call, services.policy.current().version),
      detail: { identity_provider: person.identityProvider },
    });
}

const digest = (value: string) => createHash("sha256").update(value).digest("base64url");

function sameDigest(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A path on Locksmith itself: one leading slash, no scheme, no `//` or `/\` (browsers read both as another host). */
export const isLocalPath = (value: string): boolean => /^\/(?![/\\])[\x21-\x7E]*$/.test(value);
