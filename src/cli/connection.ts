import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { PrivateJwk } from "@locksmith/client/internal";
import { die } from "./output";

// Every command's registration imports this file, so it stays free of the client SDK (jose): calls
// as a principal are in call-as.ts, loaded on the first call (see main.ts).

/** Where Locksmith is: `--url` / `--issuer`, else the settings the service itself reads. */
export interface ServerOptions {
  url?: string;
  issuer?: string;
}

/** A principal of the policy calling Locksmith: its id and private key file. */
export interface PrincipalOptions extends ServerOptions {
  as: string;
  key: string;
}

export const URL_HELP = "Locksmith's URL (default: LOCKSMITH_URL, else LOCKSMITH_ISSUER, else http://localhost:$PORT, PORT defaulting to 8080)";
export const ISSUER_HELP =
  "Locksmith's issuer, the aud of your assertions (default: LOCKSMITH_ISSUER, else read from the server's /.well-known/oauth-authorization-server)";

export const serverOptions = (command: Command) => command.option("--url <url>", URL_HELP).option("--issuer <url>", ISSUER_HELP);

/** `--as <id> --key <file>` plus the server options: one grammar for agents, resource servers, admins and auditors. */
export const principalOptions = (command: Command, who: string) =>
  serverOptions(command).requiredOption("--as <id>", `your ${who} id in the policy`).requiredOption("--key <file>", "your private JWK file");

/** The URL to call: the flag, LOCKSMITH_URL, the public issuer URL, or this machine at PORT (as `npm start` listens). */
export function serverUrl(o: ServerOptions, env: NodeJS.ProcessEnv = process.env): string {
  return (o.url ?? env.LOCKSMITH_URL ?? env.LOCKSMITH_ISSUER ?? `http://localhost:${env.PORT ?? 8080}`).replace(/\/$/, "");
}

/**
 * The URL and the issuer. Without `--issuer` or LOCKSMITH_ISSUER the issuer is read from the
 * server's RFC 8414 metadata, so a Locksmith started with any LOCKSMITH_ISSUER is called right.
 */
export async function resolveServer(o: ServerOptions, env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; issuer: string }> {
  const url = serverUrl(o, env);
  const given = o.issuer ?? env.LOCKSMITH_ISSUER;
  if (given) return { url, issuer: given.replace(/\/$/, "") };
  const metadata = await getJson(url, "/.well-known/oauth-authorization-server");
  if (typeof metadata.issuer !== "string") return die(`${url} answered no issuer in its metadata: is it Locksmith? (set --url or LOCKSMITH_URL)`);
  return { url, issuer: metadata.issuer };
}

/** An unauthenticated GET (metadata, health) that dies with a line naming the URL and the cause. */
export async function getJson(url: string, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(path, url), { signal: AbortSignal.timeout(5000) }).catch((error: Error) =>
    die(`cannot reach Locksmith at ${url} (${(error.cause as Error | undefined)?.message ?? error.message}): start it, or set --url / LOCKSMITH_URL`),
  );
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (body === undefined) return die(`${url}${path} answered ${response.status} without JSON: is it Locksmith?`);
  return body;
}

/** Reads a private JWK file once, or dies naming the flag, the file and the cause. */
export async function readPrivateKey(file: string): Promise<PrivateJwk> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => die(`--key: cannot read ${file} (${error.code ?? error.message})`));
  try {
    const key = JSON.parse(text) as PrivateJwk;
    if (typeof key.d !== "string") throw new Error();
    return key;
  } catch {
    return die(`--key: ${file} is not a private JWK`);
  }
}

/**
 * One call as a principal through the client SDK; see call-as.ts. Loaded on the first call so that
 * `--help`, `--version` and the offline commands start without the SDK.
 */
export const callAs: typeof import("./call-as.js").callAs = async (...args) => (await import("./call-as.js")).callAs(...args);
