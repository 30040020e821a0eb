import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { CallContext } from "../call-context";
import { delegationOf, type Person } from "../people/person";
import { newSecret, ticketId } from "../tickets/ticket-id";
import { redirectBack, type AuthorizationRequest } from "./authorization-request";
import { CODE_MEMORY_MS, CONSENT_TTL_MS, recordStep, type AuthorizationServices } from "./authorization-services";
import { scopesOnOffer, type Offer } from "./scopes-on-offer";

/** What waits, server-side, for the person's answer on the consent page. */
interface PendingConsent {
  readonly agent: string;
  readonly environment: string;
  readonly redirectUri: string;
  readonly state?: string;
  readonly resource: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly person: Person;
}

/** What the code stands for until the client redeems it (see redeem-authorization-code.ts). */
export interface CodeGrant {
  /** The grant the code's tokens will belong to, chosen now so a replayed code can revoke it. */
  readonly grantId: string;
  readonly agent: string;
  readonly environment: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly person: Pick<Person, "subject" | "identityProvider" | "claims">;
  readonly issuedAt: number;
}

export type ConsentPrompt =
  | { readonly kind: "ask"; readonly consent: string; readonly offer: Offer }
  | { readonly kind: "nothing_on_offer"; readonly offer: Offer; readonly deniedRedirect: string };

/**
 * After sign-in: works out the scopes on offer and keeps the request waiting for the person's answer
 * under a secret the form carries. A person who holds none of the scopes gets a refusal, not a form.
 */
export async function promptConsent(services: AuthorizationServices, request: AuthorizationRequest, person: Person, call: CallContext): Promise<ConsentPrompt> {
  const policy = services.policy.current();
  const agent = request.client.agent;
  const delegation = delegationOf(person, policy);
  const offer = delegation ? scopesOnOffer(policy, agent, request.resource, request.scopes, delegation) : { scopes: [], withheld: [] };
  const who = { user: person.subject, agent: agent.id, environment: agent.environment, resource: request.resource, audience: request.resource };
  if (offer.scopes.length === 0) {
    await recordStep(services, call, { type: "consent_denied", decision: "deny", reason: "nothing_on_offer", ...who, scope: (request.scopes ?? []).join(" ") });
    return {
      kind: "nothing_on_offer",
      offer,
      deniedRedirect: redirectBack(request.redirectUri, services.issuer, {
        error: "access_denied",
        error_description: "the person holds none of the scopes asked for",
        state: request.state,
      }),
    };
  }
  const consent = newSecret();
  const pending: PendingConsent = {
    agent: agent.id,
    environment: agent.environment,
    redirectUri: request.redirectUri,
    state: request.state,
    resource: request.resource,
    codeChallenge: request.codeChallenge,
    scopes: offer.scopes,
    person,
  };
  await services.tickets.put(ticketId("consent", consent), JSON.stringify(pending), CONSENT_TTL_MS);
  return { kind: "ask", consent, offer };
}

export type ConsentAnswer = { readonly redirect: string } | { readonly refused: string };

/**
 * The person's answer. The form must carry the CSRF token of the session that is signed in now and
 * that session must be the person the form was shown to; then the pending consent is spent (once).
 * Allow: a code bound to client, redirect URI, PKCE challenge and resource, valid one minute.
 */
export async function answerConsent(
  services: AuthorizationServices,
  answer: {
    readonly consent: string | undefined;
    readonly csrfToken: string | undefined;
    readonly session: string | undefined;
    readonly person: Person | undefined;
    readonly allow: boolean;
  },
  call: CallContext,
): Promise<ConsentAnswer> {
  const id = answer.consent && answer.consent.length <= 128 ? ticketId("consent", answer.consent) : undefined;
  const raw = id ? await services.tickets.get(id) : undefined;
  const pending = raw === undefined ? undefined : (JSON.parse(raw) as PendingConsent);
  if (!pending || !answer.person || !answer.session || !csrfMatches(answer.session, answer.csrfToken) || answer.person.subject !== pending.person.subject) {
    // A cross-site post, a stale form or another person's form: nothing is granted or sent anywhere.
    await recordStep(services, call, {
      type: "consent_denied",
      decision: "deny",
      reason: "consent_csrf",
      ...(pending ? { user: pending.person.subject, agent: pending.agent, environment: pending.environment, resource: pending.resource } : {}),
    });
    return { refused: "This consent form is not valid any more (or was not sent from Locksmith's page). Nothing was granted." };
  }
  if ((await services.tickets.take(id!)).status !== "fresh") return { refused: "This consent form was already answered." };
  const who = {
    user: pending.person.subject,
    agent: pending.agent,
    environment: pending.environment,
    resource: pending.resource,
    audience: pending.resource,
    scope: pending.scopes.join(" "),
  };
  if (!answer.allow) {
    await recordStep(services, call, { type: "consent_denied", decision: "deny", reason: "person_denied", ...who });
    return {
      redirect: redirectBack(pending.redirectUri, services.issuer, {
        error: "access_denied",
        error_description: "the person did not allow it",
        state: pending.state,
      }),
    };
  }
  // A kill switch of the person since this sign-in: the session does not outlive it (they sign in again, perhaps not them).
  const killedAt = await services.tokens.lastRevocation([{ kind: "user", id: pending.person.subject }]);
  if (killedAt !== undefined && killedAt >= pending.person.signedInAt) {
    await recordStep(services, call, { type: "consent_denied", decision: "deny", reason: "revoked_since_sign_in", ...who });
    return { refused: "Your access was revoked since you signed in: start again from the application and sign in again. Nothing was granted." };
  }
  const code = newSecret();
  const grant: CodeGrant = {
    grantId: randomUUID(),
    agent: pending.agent,
    environment: pending.environment,
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    resource: pending.resource,
    scopes: pending.scopes,
    person: { subject: pending.person.subject, identityProvider: pending.person.identityProvider, claims: pending.person.claims },
    issuedAt: services.clock.now(),
  };
  await services.tickets.put(ticketId("code", code), JSON.stringify(grant), CODE_MEMORY_MS);
  await recordStep(services, call, {
    type: "consent_given",
    decision: "allow",
    ...who,
    detail: { grant: grant.grantId, identity_provider: grant.person.identityProvider },
  });
  await recordStep(services, call, { type: "code_issued", decision: "allow", ...who, detail: { grant: grant.grantId } });
  return { redirect: redirectBack(pending.redirectUri, services.issuer, { code, state: pending.state }) };
}

/**
 * The CSRF token of a session: derived from the session secret, which only the person's browser
 * holds (an HttpOnly cookie), so a cross-site page can neither read nor compute it.
 */
export const csrfTokenOf = (session: string): string => createHash("sha256").update(`locksmith-csrf:${session}`).digest("base64url");

/** Whether `token` is the CSRF token of `session` (constant-time compare). */
export function csrfMatches(session: string, token: unknown): boolean {
  if (typeof token !== "string") return false;
  const expected = Buffer.from(csrfTokenOf(session));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
