import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { fileProblem } from "../../config/startup-problem";
import { formatVerifierKey, type CheckpointSigner } from "../../domain/audit/checkpoint-note";

/**
 * The ledger's checkpoint signing key (`LOCKSMITH_LEDGER_KEY_FILE`), separate
 * from the credential signing keys: rotating those must never touch the proof
 * that the log was not rewritten. Mode 0600; never logged or served.
 *
 * ```json
 * { "version": 1, "name": "locksmith.example.com/audit", "private_jwk": { "kty": "OKP", "crv": "Ed25519", "x": "…", "d": "…" } }
 * ```
 */
const ledgerKeySchema = z.object({
  version: z.literal(1),
  name: z.string().regex(/^[^\s+]+$/, "a key name has no spaces or '+'"),
  private_jwk: z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), d: z.string() }),
});

export class LedgerKeyError extends Error {}

/** Reads the key file and returns a signer; throws LedgerKeyError naming the file, never its content. */
export async function loadLedgerKey(file: string): Promise<CheckpointSigner> {
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw new LedgerKeyError(`LOCKSMITH_LEDGER_KEY_FILE: cannot read ${file} (${fileProblem(error)}); create it with \`npx locksmith audit keygen\``);
  });
  let parsed: z.infer<typeof ledgerKeySchema>;
  let privateKey: KeyObject;
  try {
    parsed = ledgerKeySchema.parse(JSON.parse(text));
    privateKey = createPrivateKey({ key: parsed.private_jwk, format: "jwk" });
  } catch (error) {
    // fileProblem names fields, never values: the content is a private key.
    throw new LedgerKeyError(`LOCKSMITH_LEDGER_KEY_FILE: ${file} is not a valid ledger key file (${fileProblem(error)})`);
  }
  const publicKey = Buffer.from(parsed.private_jwk.x, "base64url");
  return {
    name: parsed.name,
    verifierKey: formatVerifierKey(parsed.name, publicKey),
    sign: (message) => sign(null, message, privateKey),
  };
}

/** Writes a new ledger key file (mode 0600) and returns its verifier key, which auditors keep. */
export async function writeNewLedgerKey(file: string, name: string): Promise<string> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const content = { version: 1, name, private_jwk: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d } };
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
  return formatVerifierKey(name, Buffer.from(createPublicKey(privateKey).export({ format: "jwk" }).x!, "base64url"));
}

/** Dev mode: creates the key file if it does not exist. Returns true when it generated one. */
export async function ensureLedgerKey(file: string, name: string): Promise<boolean> {
  const exists = await readFile(file).then(
    () => true,
    () => false,
  );
  if (!exists) await writeNewLedgerKey(file, name);
  return !exists;
}

/** The checkpoint origin (and key name) of a Locksmith: its issuer's host and path, then `/audit`. */
export function ledgerOrigin(issuer: string): string {
  const url = new URL(issuer);
  return `${url.host}${url.pathname.replace(/\/$/, "")}/audit`;
}
