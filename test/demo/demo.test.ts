import { execFile } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

describe("npm run demo", () => {
  test("plays every story headless and exits 0 because each ended as expected", async () => {
    // `npm test` builds first, so dist/ holds the demo; it gets 60 s at most.
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = execFile(process.execPath, [resolve(ROOT, "dist", "demo", "main.js")], { cwd: ROOT, timeout: 60_000 }, (error, out) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out }),
      );
      child.stdin?.end();
    });
    expect(stdout).toContain("Every story ended as expected.");
    expect(stdout).toMatch(/environment_wall/);
    expect(stdout).toMatch(/pending_approval/);
    expect(stdout).not.toMatch(/✘/);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(code).toBe(0);
  }, 70_000);
});
