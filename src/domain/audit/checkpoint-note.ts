import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import type { Hash } from "./merkle";

/** A tree head: the first `size` events have Merkle root `root`. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Hash;
}

/** Signs checkpoints with the ledger's own Ed25519 key (never a credential signing key). */
export interface CheckpointSigner {
  /** The key name of the note signature, by convention the log's origin. */
  readonly name: string;
  /** The C2SP verifier key: `<name>+<key hash hex>+<base64(0x01 ‖ public key)>`. */
  readonly verifierKey: string;
  sign(message: Buffer): Buffer;
}

const ED25519_ALG = 0x01;
const SIGNATURE_PREFIX = "\u2014 ";

/** The C2SP tlog-checkpoint body: origin, size, base64 root, one per line. */
export function checkpointBody(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString("base64")}\n`;
}

/**
 * A C2SP signed note (https://c2sp.org/signed-note) holding a checkpoint:
 * body, blank line, `— <name> <base64(key hash ‖ Ed25519 signature)>`.
 */
export function signCheckpoint(checkpoint: Checkpoint, signer: CheckpointSigner): string {
  const body = checkpointBody(checkpoint);
  const keyHash = verifierKeyHash(signer.name, publicKeyOf(signer.verifierKey));
  const signature = Buffer.concat([keyHash, signer.sign(Buffer.from(body, "utf8"))]).toString("base64");
  return `${body}\n${SIGNATURE_PREFIX}${signer.name} ${signature}\n`;
}

export type NoteCheck = { ok: true; checkpoint: Checkpoint } | { ok: false; problem: string };

/** Parses a signed checkpoint note and checks it carries a valid signature by `verifierKey`. */
export function verifyCheckpointNote(note: string, verifierKey: string): NoteCheck {
  const split = note.indexOf("\n\n");
  if (split < 0) return { ok: false, problem: "not a signed note (no blank line before the signatures)" };
  const body = note.slice(0, split + 1);
  const lines = body.split("\n");
  const size = Number(lines[1]);
  if (lines.length !== 4 || !/^\d+$/.test(lines[1] ?? "") || !Number.isSafeInteger(size))
    return { ok: false, problem: "not a checkpoint body (origin, size, root)" };
  const root = Buffer.from(lines[2], "base64");
  if (root.length !== 32) return { ok: false, problem: "checkpoint root is not 32 bytes" };
  const { name } = splitVerifierKey(verifierKey);
  const publicKey = publicKeyOf(verifierKey);
  const keyHash = verifierKeyHash(name, publicKey);
  const signed = note
    .slice(split + 2)
    .split("\n")
    .filter((line) => line.startsWith(`${SIGNATURE_PREFIX}${name} `))
    .map((line) => Buffer.from(line.slice(SIGNATURE_PREFIX.length + name.length + 1), "base64"))
    .some(
      (sig) =>
        sig.length === 68 && sig.subarray(0, 4).equals(keyHash) && verifySignature(null, Buffer.from(body, "utf8"), ed25519Key(publicKey), sig.subarray(4)),
    );
  if (!signed) return { ok: false, problem: `no valid signature by ${name}` };
  return { ok: true, checkpoint: { origin: lines[0], size, root } };
}

/** `<name>+<hex key hash>+<base64(0x01 ‖ key)>` for a raw 32-byte Ed25519 public key. */
export function formatVerifierKey(name: string, publicKey: Buffer): string {
  const hash = verifierKeyHash(name, publicKey).toString("hex");
  return `${name}+${hash}+${Buffer.concat([Buffer.of(ED25519_ALG), publicKey]).toString("base64")}`;
}

function verifierKeyHash(name: string, publicKey: Buffer): Buffer {
  return createHash("sha256").update(name).update("\n").update(Buffer.of(ED25519_ALG)).update(publicKey).digest().subarray(0, 4);
}

/** `<name>+<8 hex>+<base64>`: names hold no '+', but base64 may, so split at the first two only. */
function splitVerifierKey(verifierKey: string): { name: string; key: string } {
  const first = verifierKey.indexOf("+");
  return { name: verifierKey.slice(0, first), key: first < 0 ? "" : verifierKey.slice(first + 10) };
}

function publicKeyOf(verifierKey: string): Buffer {
  const { key } = splitVerifierKey(verifierKey);
  const encoded = Buffer.from(key, "base64");
  if (encoded.length !== 33 || encoded[0] !== ED25519_ALG) throw new Error("not an Ed25519 verifier key (name+hash+base64 key)");
  return encoded.subarray(1);
}

function ed25519Key(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}
