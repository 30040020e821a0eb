import { readFile, stat } from "node:fs/promises";
import type { PrivateJwk } from "./sign-assertion";

/**
 * The agent's signing key: a private JWK, the path of a JWK file (re-read
 * when it changes, so a rotated key is picked up without a restart), or a
 * function that returns the current key (a secrets manager, a workload agent).
 */
export type KeySource = PrivateJwk | string | (() => Promise<PrivateJwk>);

/** Turns a KeySource into a function that gives the current key. */
export function keyLoader(source: KeySource): () => Promise<PrivateJwk> {
  if (typeof source === "function") return source;
  if (typeof source !== "string") return async () => source;
  let cached: { mtimeMs: number; size: number; key: PrivateJwk } | undefined;
  return async () => {
    const { mtimeMs, size } = await stat(source);
    if (!cached || cached.mtimeMs !== mtimeMs || cached.size !== size) {
      cached = { mtimeMs, size, key: JSON.parse(await readFile(source, "utf8")) as PrivateJwk };
    }
    return cached.key;
  };
}
