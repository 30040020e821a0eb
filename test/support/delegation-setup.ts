import { createServer } from "node:net";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeDelegationPolicy } from "./delegation-policy";
import { TestIdentityProvider } from "./identity-provider";
import { startLocksmith, type LocksmithUnderTest } from "./locksmith-under-test";

export interface DelegationWorld {
  readonly sut: LocksmithUnderTest;
  readonly corp: TestIdentityProvider;
  readonly ci: TestIdentityProvider;
  readonly deadIssuer: string;
  close(): Promise<void>;
}

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Locksmith on real Redis + PostgreSQL, trusting a live corporate IdP, a dead one and a CI workload issuer. */
export async function startDelegationWorld(): Promise<DelegationWorld> {
  const [corp, ci, port] = await Promise.all([TestIdentityProvider.start("corp"), TestIdentityProvider.start("ci"), closedPort()]);
  const deadIssuer = `http://127.0.0.1:${port}/dead`;
  const policyFile = writeDelegationPolicy({
    corpIssuer: corp.issuer,
    corpJwksUri: corp.jwksUri,
    deadIssuer,
    deadJwksUri: `http://127.0.0.1:${port}/jwks`,
    ciIssuer: ci.issuer,
    ciJwksUri: ci.jwksUri,
  });
  const sut = await startLocksmith({ policyFile });
  return {
    sut,
    corp,
    ci,
    deadIssuer,
    async close() {
      await sut.close();
      await Promise.all([corp.stop(), ci.stop()]);
      rmSync(dirname(policyFile), { recursive: true, force: true });
    },
  };
}
