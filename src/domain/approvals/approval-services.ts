import type { CredentialServices } from "../credentials/credential-services";
import type { ApproverAuthenticator } from "./approver-authenticator";

/** What the approval flow needs on top of issuance: who may vote. */
export interface ApprovalServices extends CredentialServices {
  readonly approvers: ApproverAuthenticator;
}
