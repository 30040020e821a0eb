import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { freePort } from "./private-stores";

const MAIN = resolve(__dirname, "..", "..", "dist", "main.js");

/** A Locksmith started as `node dist/main.js`, as in production: a process a test may SIGKILL or SIGTERM. */
export interface LocksmithProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr. */
  readonly output: string[];
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs it if it still runs; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts it with the given settings on a free port and waits (bounded) for its "locksmith listening" line. */
export async function spawnLocksmith(env: Record<string, string>, readyWithinMs = 15_000): Promise<LocksmithProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    // One serving process unless a test asks for a cluster (LOCKSMITH_WORKERS): these tests kill or drain that process.
    env: { PATH: process.env.PATH ?? "", LOCKSMITH_WORKERS: "1", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once("exit", (code, signal) => done({ code, signal })));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`Locksmith did not listen within ${readyWithinMs} ms:\n${output.join("")}`)), readyWithinMs);
    const watch = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join("").includes('"msg":"locksmith listening"')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`Locksmith exited with ${code} before listening:\n${output.join("")}`));
    });
  }).catch(async (error) => {
    child.kill("SIGKILL");
    await exited;
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
