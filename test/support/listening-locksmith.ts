import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { importJWK, SignJWT } from "jose";
import { readFile } from "node:fs/promises";
import { startLocksmith, type LocksmithUnderTest } from "./locksmith-under-test";

type StartOptions = NonNullable<Parameters<typeof startLocksmith>[0]>;

/** A Locksmith under test that listens on a loopback port, as SDK and middleware users meet it. */
export interface ListeningLocksmith {
  readonly sut: LocksmithUnderTest;
  readonly url: string;
  close(): Promise<void>;
}

export async function startListeningLocksmith(options: StartOptions = {}): Promise<ListeningLocksmith> {
  const sut = await startLocksmith(options);
  const server: Server = sut.locksmith.http.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    sut,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await sut.close();
    },
  };
}

/**
 * A token signed with this Locksmith's own key of `environment` (production by default), with exactly the
 * claims and header given: for what the middleware must refuse (wrong `typ`,
 * expired) even though the signature is genuine.
 */
export async function forgeWithLocksmithKey(
  sut: LocksmithUnderTest,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  environment = "production",
): Promise<string> {
  const file = JSON.parse(await readFile(sut.keysFile, "utf8")) as { keys: { environment: string; kid: string; status: string; private_jwk: object }[] };
  const key = file.keys.find((k) => k.environment === environment && k.status === "active")!;
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.kid, ...header }).sign(await importJWK(key.private_jwk, "EdDSA"));
}
