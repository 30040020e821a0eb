import { ledgerEnvelope, type CallContext } from "../call-context";
import { LocksmithError } from "../errors";
import type { Principal } from "../policy/policy";
import type { CredentialServices } from "./credential-services";
import type { CredentialSubject } from "./token-store";

/**
 * The kill switch: an admin revokes every live credential of an agent, of a
 * user, or of an environment at once. Effective for the next redemption or
 * introspection on every replica (the revoked mark is in the shared store).
 * Recorded as one `revoked` ledger row naming the subject and the count, and
 * announced on the revocation stream so offline verifiers refuse them too.
 */
export async function revokeSubject(services: CredentialServices, caller: Principal, subject: CredentialSubject, call: CallContext): Promise<number> {
  if (caller.kind !== "admin") {
    throw new LocksmithError("permission_denied", "only an admin may revoke by subject", { reason: "not_admin" });
  }
  const revoked = await services.tokens.revokeSubject(subject, services.clock.now());
  // A person's grants to MCP clients die with it: no refresh token of the subject yields another token.
  const grants = (await services.grants?.revokeSubject(subject)) ?? [];
  const policy = services.policy.current();
  const who = { agent: { agent: subject.id }, user: { user: subject.id }, environment: { environment: subject.id } }[subject.kind];
  await services.audit.append({
    type: "revoked",
    occurredAt: new Date(services.clock.now()),
    decision: "allow",
    ...who,
    actor: caller.id,
    reason: `revoke_${subject.kind}`,
    ...ledgerEnvelope(call, policy.version),
    detail: { subject_kind: subject.kind, subject: subject.id, revoked, grants_revoked: grants.length },
  });
  // Offline verifiers hear it too: every credential of the subject issued up to now (the
  // current second included, so nothing issued just before this call slips through).
  const environment = subject.kind === "environment" ? subject.id : subject.kind === "agent" ? policy.agents.get(subject.id)?.environment : undefined;
  const before = Math.floor(services.clock.now() / 1000) + 1;
  await services.revocations.publish({ [subject.kind]: subject.id, before, ...(environment ? { environment } : {}) });
  await services.upstreams.revoked(subject, call);
  return revoked;
}
