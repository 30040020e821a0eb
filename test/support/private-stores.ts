import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

/**
 * Private Redis and PostgreSQL servers for tests that break stores on purpose
 * (stop, SIGSTOP, restart). The shared services on 6379/5432 are used by every
 * other suite at the same time and must never be touched; these run on free
 * loopback ports in temp folders. Every wait is bounded, and stop() is safe to
 * call twice and after a failure: call it in afterAll/finally.
 */
export interface PrivateStore {
  readonly url: string;
  readonly port: number;
  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung store). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Kills the server (it refuses connections until start()). */
  kill(): Promise<void>;
  /** Starts it again on the same port (Redis comes back empty; PostgreSQL keeps its data). */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  stop(): Promise<void>;
}

const PG_BIN = "/usr/lib/postgresql/15/bin";
const READY_WITHIN_MS = 15_000;

/** A free TCP port on loopback (asked from the kernel, released at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; throws after `withinMs`. */
export async function waitForPort(port: number, withinMs = READY_WITHIN_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${withinMs} ms`);
}

async function exitOf(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
}

/** A private `redis-server` without persistence (`noeviction` unless told otherwise). */
export async function startPrivateRedis(options: { maxmemoryPolicy?: string } = {}): Promise<PrivateStore> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"];
    args.push("--maxmemory-policy", options.maxmemoryPolicy ?? "noeviction");
    child = spawn("redis-server", args, { stdio: "ignore" });
    await waitForPort(port);
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    kill: async () => {
      if (child) child.kill("SIGCONT");
      if (child) await exitOf(child, "SIGKILL");
    },
    start: launch,
    async stop() {
      if (child) child.kill("SIGCONT");
      if (child) await exitOf(child, "SIGKILL");
    },
  };
}

/**
 * A private PostgreSQL 15 cluster (initdb in a temp folder, trust auth,
 * fsync and synchronous_commit on). PostgreSQL refuses to run as root, so
 * as root it runs as the `postgres` OS user.
 */
export async function startPrivatePostgres(options: { readonly password?: string } = {}): Promise<PrivateStore> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "locksmith-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const asPostgres = (command: string, args: string[]) =>
    (asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args]) as [string, string[]];
  // With a password, TCP logins need SCRAM-SHA-256 (the superuser's is `password`), as on a real server.
  const pwfile = join(dir, "pwfile");
  if (options.password !== undefined) writeFileSync(pwfile, `${options.password}\n`, { mode: 0o644 });
  const auth = options.password === undefined ? ["-A", "trust"] : ["--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`];
  const init = spawnSync(...asPostgres(join(PG_BIN, "initdb"), ["-D", data, ...auth, "-U", "postgres", "--no-sync"]), { encoding: "utf8", timeout: 60_000 });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const url = `postgres://postgres${options.password === undefined ? "" : `:${encodeURIComponent(options.password)}`}@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    const settings = ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "synchronous_commit=on"];
    child = spawn(...asPostgres(join(PG_BIN, "postgres"), settings), { stdio: "ignore" });
    await waitForPort(port);
    await waitForQueries(url);
  };
  /** The postmaster and its backends: all of them must stop for the database to hang. */
  const processes = (): number[] => {
    let postmaster: number;
    try {
      postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    } catch {
      return [];
    }
    const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" })
      .stdout.split("\n")
      .map(Number)
      .filter(Boolean);
    return [postmaster, ...children];
  };
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of processes()) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  const kill = async () => {
    signalAll("SIGCONT");
    const pids = processes();
    signalAll("SIGKILL");
    if (child) await exitOf(child, "SIGKILL");
    // A killed postmaster leaves its pid file and shared memory: wait until every process is gone.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && pids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 20));
    rmSync(join(data, "postmaster.pid"), { force: true });
  };
  await launch();
  return {
    url,
    port,
    pause: () => signalAll("SIGSTOP"),
    resume: () => signalAll("SIGCONT"),
    kill,
    start: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A listening postmaster may still be "starting up" (recovering): wait until it answers a query. */
async function waitForQueries(url: string, withinMs = READY_WITHIN_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL on ${url} did not answer within ${withinMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const out = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (out.status !== 0) throw new Error("running as root needs the `postgres` OS user to start a private PostgreSQL");
  return { uid: Number(out.stdout), gid: Number(gid.stdout) };
}
