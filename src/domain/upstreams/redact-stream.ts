import { Transform } from "node:stream";

const MARK = "[redacted]";

/**
 * Replaces every occurrence of the `needles` (an upstream key and its encoded
 * forms) in a byte stream, also across chunk boundaries: the last
 * `longest - 1` bytes are held back until the next chunk or the end.
 */
export function redactStream(needles: readonly string[]): Transform {
  const patterns = [...new Set(needles.filter((n) => n.length > 0))].map((n) => Buffer.from(n)).sort((a, b) => b.length - a.length);
  const keep = Math.max(0, ...patterns.map((p) => p.length)) - 1;
  let pending: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending = redact(Buffer.concat([pending, chunk]), patterns);
      const cut = Math.max(0, pending.length - keep);
      const ready = pending.subarray(0, cut);
      pending = Buffer.from(pending.subarray(cut));
      done(null, ready.length > 0 ? ready : undefined);
    },
    flush(done) {
      done(null, pending.length > 0 ? redact(pending, patterns) : undefined);
    },
  });
}

/**
 * The forms in which an upstream may echo its key: as sent, percent-encoded,
 * JSON-escaped (`\/` for `/`), and base64 or base64url, also inside a larger
 * encoded text: there the key's encoding depends on its offset modulo 3, so
 * each of the three alignments contributes the characters that encode only
 * key bytes.
 */
export function keyNeedles(key: string): string[] {
  const needles = [key, encodeURIComponent(key), JSON.stringify(key).slice(1, -1), JSON.stringify(key).slice(1, -1).replace(/\//g, "\\/")];
  const bytes = Buffer.from(key);
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    // Skip the characters that share bits with the bytes before the key, and the last one if it shares bits with those after it.
    const core = encoded.slice([0, 2, 3][offset], (offset + bytes.length) % 3 === 0 ? undefined : -1);
    if (offset === 0) needles.push(bytes.toString("base64"));
    needles.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return needles;
}

/** The same for a header value or any short text. */
export function redactText(text: string, needles: readonly string[]): string {
  return redact(
    Buffer.from(text),
    [...new Set(needles.filter((n) => n.length > 0))].map((n) => Buffer.from(n)).sort((a, b) => b.length - a.length),
  ).toString();
}

function redact(buffer: Buffer, patterns: readonly Buffer[]): Buffer {
  let out = buffer;
  for (const pattern of patterns) {
    let at = out.indexOf(pattern);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), Buffer.from(MARK));
      from = at + pattern.length;
      at = out.indexOf(pattern, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}
