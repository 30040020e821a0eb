import { LocksmithClientError, PermissionDenied } from "@locksmith/client";
import { callLocksmith, type Answer, type TransportOptions } from "@locksmith/client/internal";
import { readPrivateKey, resolveServer, type PrincipalOptions } from "./connection";
import { die } from "./output";

// Loaded on a command's first call (connection.ts's callAs), never at registration: the client SDK
// brings jose, which `--help`, `--version` and the offline commands do not need.

/** The client SDK's transport for this principal (fresh assertion per call, retries on 503). */
export async function transportFor(o: PrincipalOptions, id = o.as): Promise<TransportOptions> {
  const [{ url, issuer }, key] = await Promise.all([resolveServer(o), readPrivateKey(o.key)]);
  return { url, issuer, id, key: async () => key };
}

/**
 * One call as a principal through the client SDK. A refusal is printed as the contract's error
 * body (`{error, error_description, reason?, rule?}`): on stdout with --json, else on stderr;
 * exit code 1.
 */
export async function callAs(o: PrincipalOptions, method: string, path: string, body?: object, id = o.as): Promise<Answer> {
  try {
    return await callLocksmith(await transportFor(o, id), method, path, body);
  } catch (error) {
    if (!(error instanceof LocksmithClientError)) throw error;
    return refused(error);
  }
}

export function refused(error: LocksmithClientError): never {
  const body = {
    error: error.code,
    error_description: error.description,
    ...(error instanceof PermissionDenied ? { reason: error.reason, ...(error.rule ? { rule: error.rule } : {}) } : {}),
  };
  const why = error instanceof PermissionDenied ? ` (${error.reason}${error.rule ? `, ${error.rule}` : ""})` : "";
  return die(`${error.status || "unreachable"} ${error.code}: ${error.description}${why}`, body);
}
