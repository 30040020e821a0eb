import type { AuditEvent } from "../audit/audit-event";
import type { CallContext } from "../call-context";
import type { CredentialServices } from "../credentials/credential-services";
import type { SignInServices } from "../people/sign-in";
import type { TicketStore } from "../tickets/ticket-store";
import type { ClientDocumentFetcher } from "./client-metadata-document";
import type { GrantStore } from "./grant-store";

/** What the authorization endpoint, the consent page and the person's token grants need. */
export interface AuthorizationServices extends CredentialServices, SignInServices {
  readonly tickets: TicketStore;
  readonly grants: GrantStore;
  readonly documents: ClientDocumentFetcher;
}

/** Codes are valid this long (OAuth 2.1 §4.1.2: short; RFC 9700 §4.5: single use). */
export const CODE_LIFETIME_MS = 60_000;
/** A spent code is remembered this long, so a replay within it revokes what was issued from it. */
export const CODE_MEMORY_MS = 10 * 60_000;
/** A consent page must be answered within this. */
export const CONSENT_TTL_MS = 10 * 60_000;
/** A person's grant (and so its refresh tokens) lasts at most this long; then they sign in again. */
export const GRANT_LIFETIME_MS = 24 * 3600_000;

/** The ledger row of one step of a person's authorization: always person → agent → resource when known. */
export function recordStep(
  services: Pick<CredentialServices, "audit" | "clock" | "policy">,
  call: CallContext,
  event: Pick<AuditEvent, "type" | "decision"> & Partial<AuditEvent>,
): Promise<unknown> {
  return services.audit.append({
    occurredAt: new Date(services.clock.now()),
    policyVersion: services.policy.current().version,
    requestId: call.requestId,
    traceId: call.traceId,
    clientIp: call.clientIp,
    ...event,
  });
}
