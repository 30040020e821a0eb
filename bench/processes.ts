import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts `node <script>` as a child process (its own core, as in production)
 * and waits until `readyPath` answers 2xx. `nodeArgs` carries e.g. --cpu-prof.
 */
export async function startNode(
  script: string,
  options: { port: number; env?: NodeJS.ProcessEnv; args?: string[]; nodeArgs?: string[]; readyPath: string },
): Promise<Child> {
  const stderr: string[] = [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const url = `http://127.0.0.1:${options.port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}: ${stderr.join("").slice(-2000)}`);
    const ok = await fetch(url + options.readyPath).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 300) throw new Error(`${script} did not become ready: ${stderr.join("").slice(-2000)}`);
    await sleep(100);
  }
  return {
    process: child,
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux).
 * CPU per request is the figure that survives a busy machine: throughput
 * falls when other work takes the cores, the work done per request does not.
 */
export function cpuMs(pid: number | undefined, thread?: "main thread"): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The process's stat sums every thread; the task whose id is the pid's is the main thread (the event loop).
    const fields = readFileSync(thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8")
      .split(") ")[1]
      .split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Jiffies of all cores since boot, busy and total (from /proc/stat's first line), for the machine's busy share over a round. */
export function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + fields[4]; // idle, iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}
