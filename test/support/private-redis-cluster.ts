import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./locksmith-child";

const run = promisify(execFile);

export interface PrivateRedisCluster {
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of our own: `size` redis-server masters on free loopback
 * ports, in a temp dir, no persistence. The shared Redis on 6379 is never
 * touched; `stop` ends exactly the processes this started.
 */
export async function startPrivateRedisCluster(size = 3): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "locksmith-cluster-"));
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freePort());
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ],
      {
        stdio: "ignore",
      },
    ),
  );
  const stop = async () => {
    await Promise.all(
      servers.map((server) =>
        server.exitCode === null
          ? new Promise((r) => {
              server.once("exit", r);
              server.kill("SIGTERM");
            })
          : undefined,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitFor(async () => (await run("redis-cli", ["-p", String(port), "ping"])).stdout.trim() === "PONG");
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
    for (const port of ports) await waitFor(async () => (await run("redis-cli", ["-p", String(port), "cluster", "info"])).stdout.includes("cluster_state:ok"));
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, stop };
}

/** Keys each node holds (DBSIZE), in port order. */
export async function keysPerNode(cluster: PrivateRedisCluster): Promise<number[]> {
  return Promise.all(cluster.ports.map(async (port) => Number((await run("redis-cli", ["-p", String(port), "dbsize"])).stdout.trim())));
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the private Redis cluster did not come up");
}
