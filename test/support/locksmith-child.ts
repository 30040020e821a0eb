import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { freePort } from "./private-stores";

export { freePort };

const MAIN = resolve(__dirname, "..", "..", "dist", "main.js");

export interface LocksmithProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr. */
  readonly output: string[];
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `node dist/main.js` with `env` on a free port and waits until GET /readyz is 200. */
export async function startLocksmithProcess(env: Record<string, string>): Promise<LocksmithProcess> {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    // One serving process per replica unless a test asks for a cluster (LOCKSMITH_WORKERS).
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), LOCKSMITH_WORKERS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr!.on("data", (chunk) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || i > 200) {
      child.kill("SIGKILL");
      throw new Error(`locksmith did not become ready:\n${output.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
