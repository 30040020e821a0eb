import { ledgerEnvelope, type CallContext } from "../call-context";
import { LocksmithError } from "../errors";
import type { Principal } from "../policy/policy";
import type { CredentialServices } from "./credential-services";

/**
 * Revokes a credential at once for every later redemption. The agent that
 * holds it may revoke it, and so may an admin; anyone else is refused.
 * Idempotent: an unknown, expired or already revoked jti is a success. Every
 * call is recorded, the repeat ones with their outcome as the reason
 * (`already_revoked`); only a revocation that changed the state is announced
 * to offline verifiers, so repeats cannot flood the stream. The store keeps
 * answering `revoked` until `markAnnounced`, so a retry after a failed record
 * or announcement finishes it.
 */
export async function revokeCredential(services: CredentialServices, caller: Principal, jti: string, call: CallContext): Promise<void> {
  if (caller.kind !== "agent" && caller.kind !== "admin") {
    throw new LocksmithError("permission_denied", "only the agent holding a credential, or an admin, may revoke it", { reason: "not_holder" });
  }
  const holder = caller.kind === "agent" ? caller.id : undefined;
  const result = await services.tokens.revoke(jti, holder);
  const policy = services.policy.current();
  // A refused attempt is recorded too: an agent reaching for another's credential is what a security team looks for.
  await services.audit.append({
    type: "revoked",
    occurredAt: new Date(services.clock.now()),
    decision: result.outcome === "not_holder" ? "deny" : "allow",
    jti,
    agent: result.agent,
    environment: result.agent ? policy.agents.get(result.agent)?.environment : caller.environment,
    actor: caller.id,
    reason: result.outcome === "revoked" ? undefined : result.outcome,
    ...ledgerEnvelope(call, policy.version),
  });
  if (result.outcome === "revoked") {
    const environment = result.agent ? policy.agents.get(result.agent)?.environment : undefined;
    await services.revocations.publish({ jti, ...(environment ? { environment } : {}) });
    await services.tokens.markAnnounced(jti);
  }
  if (result.outcome === "revoked" || result.outcome === "already_revoked") {
    // Whatever the credential opened upstream (a database role and its sessions) ends now; on repeats too, so a retry finishes a failed drop.
    await services.upstreams.revoked({ kind: "jti", id: jti }, call);
  }
  if (result.outcome === "not_holder") {
    throw new LocksmithError("permission_denied", "this credential was issued to another agent", { reason: "not_holder" });
  }
}
