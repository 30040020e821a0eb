import type { CredentialState, CredentialSubject } from "./token-store";

/** The subjects a credential is indexed under, for revocation by subject. */
export function subjectsOf(state: Pick<CredentialState, "agent" | "user" | "environment">): CredentialSubject[] {
  const subjects: CredentialSubject[] = [{ kind: "agent", id: state.agent }];
  if (state.user !== undefined) subjects.push({ kind: "user", id: state.user });
  if (state.environment !== undefined) subjects.push({ kind: "environment", id: state.environment });
  return subjects;
}
