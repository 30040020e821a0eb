import { execFile } from "node:child_process";
import { resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..");
const CLI = resolve(ROOT, "dist", "cli", "main.js");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `locksmith` command (npm test builds dist/ first) from the package root. */
export function runCli(...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
