import { generateKeyPairSync } from "node:crypto";
import { access, chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMap, parseDocument, stringify, type Document } from "yaml";
import type { PrivateJwk } from "@locksmith/client/internal";
import { parsePolicy, PolicyLoadError } from "../domain/policy/load-policy";

/** The bundle sections a principal with its own key lives in. */
export type Section = "agents" | "resource_servers" | "admins" | "auditors";

/** A new Ed25519 key pair for a principal; the kid carries the date so a second key is told apart. */
export function newPrincipalKey(id: string, now = new Date()): { privateJwk: PrivateJwk; publicJwk: Record<string, string> } {
  const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  const kid = `${id}-${now.toISOString().slice(0, 10).replaceAll("-", "")}`;
  return { privateJwk: { kty: "OKP", crv: "Ed25519", kid, x: jwk.x!, d: jwk.d! }, publicJwk: { kty: "OKP", crv: "Ed25519", kid, x: jwk.x! } };
}

/** `auth` of a principal that signs its own assertions with this public key. */
export const keyAuth = (publicJwk: Record<string, string>) => ({ method: "private_key_jwt", jwks: { keys: [publicJwk] } });

/** Writes `<dir>/<id>.jwk.json`, owner-only (0600, in a 0700 folder it creates); refuses to replace one without `force`. */
export async function writePrivateKey(dir: string, id: string, key: PrivateJwk, force = false): Promise<string> {
  const file = join(dir, `${id}.jwk.json`);
  if (
    !force &&
    (await access(file).then(
      () => true,
      () => false,
    ))
  )
    throw new Error(`${file} exists; pass --force to replace it (the key registered for ${id} stops working)`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** The YAML to paste into a bundle: `section: { id: entry }`. */
export const entryYaml = (section: Section, id: string, entry: object) => stringify({ [section]: { [id]: entry } });

/**
 * The bundle text with the entry added (comments and order kept), checked as the server would
 * check it. Throws naming the problem: the id is taken, the environment or a role is unknown, …
 */
export async function bundleWith(file: string, section: Section, id: string, entry: object): Promise<{ text: string; version: string }> {
  const source = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`--policy: cannot read ${file} (${error.code ?? error.message})`);
  });
  const doc = parseDocument(source);
  if (doc.hasIn([section, id])) throw new Error(`${file} already has ${section}.${id}`);
  const text = appended(source, doc, section, id, entry) ?? reserialized(doc, section, id, entry);
  try {
    return { text, version: parsePolicy(text, file).version };
  } catch (error) {
    if (error instanceof PolicyLoadError) throw new Error(`${section}.${id} would make ${file} invalid: ${error.problems.join("; ")}`);
    throw error;
  }
}

/** The entry's lines inserted at the end of a block-style section: every other byte of the file stays as written. */
function appended(source: string, doc: Document, section: Section, id: string, entry: object): string | undefined {
  const node = doc.get(section, true);
  if (!isMap(node) || node.flow || !node.range) return undefined;
  const at = node.range[1];
  const lines = stringify({ [id]: entry }).replace(/^(?=.)/gm, "  ");
  const text = `${source.slice(0, at)}${source.slice(0, at).endsWith("\n") ? "" : "\n"}${lines}${source.slice(at)}`;
  return parseDocument(text).hasIn([section, id]) ? text : undefined;
}

/** A missing or `{}` section: let the YAML library write it (flow collections elsewhere lose their inner spaces). */
function reserialized(doc: Document, section: Section, id: string, entry: object): string {
  if (!isMap(doc.get(section, true)) || (doc.get(section, true) as { flow?: boolean }).flow) doc.set(section, doc.createNode({}));
  doc.setIn([section, id], doc.createNode(entry));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Replaces the bundle file atomically, keeping its mode: a watching Locksmith sees the old file or the new one. */
export async function writeBundle(file: string, text: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, file);
}
