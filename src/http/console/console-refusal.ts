import type { Response } from "express";
import { LocksmithError } from "../../domain/errors";
import { STATUS_OF } from "../error-handler";
import type { ConsoleVisitor } from "./console-access";
import { sendConsoleMessage } from "./console-page";

const TITLE_OF: Partial<Record<number, string>> = { 400: "Not a valid form", 403: "Not allowed", 404: "Not found", 409: "Not done" };

/**
 * Runs a console action and answers a refusal of the domain (not allowed, unknown, already done,
 * bad input) as a console page with the API's status and the error's safe description: the same
 * answer the API gives, for a person. Faults (a store down) go on to the error handler as for the API.
 */
export async function refusalAsPage(res: Response, visitor: ConsoleVisitor, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof LocksmithError) || STATUS_OF[error.code] >= 500) throw error;
    const status = STATUS_OF[error.code];
    sendConsoleMessage(res, visitor, status, TITLE_OF[status] ?? "Refused", error.description);
  }
}
