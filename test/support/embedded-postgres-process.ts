import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import type { EmbeddedPostgres } from "../../src/stores/postgres/embedded-postgres";

const BUILT_MODULE = resolve(__dirname, "..", "..", "dist", "stores", "postgres", "embedded-postgres.js");

/**
 * Runs the built startEmbeddedPostgres (dev mode's PGlite ledger) in a child
 * Node process and hands back its URL. Why a child: PGlite's CommonJS build
 * loads its WASM runtime and Node built-ins with dynamic `import()`, which
 * jest's module sandbox refuses without --experimental-vm-modules. The client
 * side (migrate, Prisma, the audit log) still runs here, over the same
 * loopback socket as in dev mode. The child stops when we call stop() or
 * when our end of its stdin closes (this process died).
 */
export async function startEmbeddedPostgresProcess(dataDir: string, timeoutMs = 100_000): Promise<EmbeddedPostgres> {
  const child = spawn(process.execPath, ["-e", CHILD_SCRIPT, BUILT_MODULE, dataDir], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = once(child, "exit");
  let output = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded PostgreSQL did not start within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const line = /^url (\S+)$/m.exec(output);
      if (line) {
        clearTimeout(timer);
        resolveUrl(line[1]);
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with ${code} before it was ready`));
    });
  }).catch((error: Error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const CHILD_SCRIPT = `
const [modulePath, dataDir] = process.argv.slice(1);
require(modulePath).startEmbeddedPostgres(dataDir).then((postgres) => {
  process.stdout.write("url " + postgres.url + "\\n");
  process.stdin.on("end", () => postgres.stop().then(() => process.exit(0), () => process.exit(1)));
  process.stdin.resume();
}, (error) => {
  process.stderr.write(String(error && error.stack || error) + "\\n");
  process.exit(1);
});
`;
