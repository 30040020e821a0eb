import { randomUUID, sign, type KeyObject } from "node:crypto";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Signs a client assertion (iss = sub = id, aud, fresh jti, 300 s of life) with
 * node:crypto. The harness signs its whole pool before a measured run starts,
 * so the load generator never waits on cryptography.
 */
export function signClientAssertion(id: string, kid: string, key: KeyObject, audience: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const input = `${b64({ alg: "EdDSA", kid })}.${b64({ iss: id, sub: id, aud: audience, jti: randomUUID(), iat: nowSeconds, exp: nowSeconds + 290 })}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

/** A queue of pre-built items; counts how often the run asked for more than were made. */
export class Pool<T> {
  private next = 0;
  exhausted = 0;
  constructor(private readonly items: T[]) {}
  take(): T {
    if (this.next >= this.items.length) {
      this.exhausted++;
      return this.items[this.next++ % this.items.length];
    }
    return this.items[this.next++];
  }
  get used(): number {
    return Math.min(this.next, this.items.length);
  }
}
