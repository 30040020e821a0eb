/** A person who may approve requests, as their identity provider says. */
export interface Approver {
  /** `sub` of their token; `user:<subject>` in an approval's approvers names them. */
  readonly subject: string;
  /** Their groups; `group:<name>` in an approval's approvers names them. */
  readonly groups: readonly string[];
}

/**
 * Verifies an approver's token from a trusted identity provider. Throws
 * `invalid_client` when the token is not valid. Kept behind this interface so
 * that the same verifier can serve delegation's user tokens.
 */
export interface ApproverAuthenticator {
  verify(token: string): Promise<Approver>;
}

/** Whether the approver is one an approval list names. */
export const isEligible = (approvers: readonly string[], approver: Approver) =>
  approvers.some((entry) => entry === `user:${approver.subject}` || approver.groups.some((group) => entry === `group:${group}`));
