import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startListeningLocksmith, type ListeningLocksmith } from "../../support/listening-locksmith";
import { LocksmithApi } from "../../support/locksmith-api";
import { TEST_ISSUER } from "../../support/locksmith-under-test";

// What npm would publish (issue 15, item 2): the two SDK packages (packages/*) and the service itself.
// `npm pack --dry-run --json --ignore-scripts` lists exactly what a tarball would hold; pretest has built
// every dist/. Then the client's real tarball is installed, offline, into an empty project and used.

const ROOT = join(__dirname, "../../..");
const run = promisify(execFile);
const npm = (args: string[], cwd: string) => run("npm", args, { cwd, maxBuffer: 32 << 20, env: { ...process.env, npm_config_update_notifier: "false" } });

interface Packed {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: { path: string }[];
}

const PACKAGES = [
  { name: "@locksmith/client", dir: "packages/client", workspace: ["-w", "@locksmith/client"] },
  { name: "@locksmith/express", dir: "packages/express", workspace: ["-w", "@locksmith/express"] },
  { name: "locksmith", dir: ".", workspace: [] },
];

async function dryRunPack(workspace: string[]): Promise<Packed> {
  const { stdout } = await npm(["pack", "--dry-run", "--json", "--ignore-scripts", ...workspace], ROOT);
  const [packed] = JSON.parse(stdout) as Packed[];
  return packed;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/;

/** Why a packed file must not ship, or undefined: a private key (PEM or a JWK with `d`), the demo keys, tests, benches, local state. */
function whyNotShipped(path: string, text: string): string | undefined {
  if (/(^|\/)examples\/keys\//.test(path)) return "demo key directory";
  if (/(^|\/)\.locksmith\//.test(path)) return "local state (.locksmith/)";
  if (/^(test|bench)\//.test(path) || /(^|\/)(test|bench)\//.test(path)) return "test or bench file";
  if (/\.test\.[cm]?[jt]s$/.test(path)) return "test file";
  if (PEM_PRIVATE_KEY.test(text)) return "PEM private key";
  if (/\.(jwk|jwks)\.json$/.test(path) || /\.json$/.test(path)) {
    const privateJwk = (value: unknown): boolean =>
      typeof value === "object" && value !== null && (("kty" in value && "d" in value) || Object.values(value).some(privateJwk));
    try {
      if (privateJwk(JSON.parse(text))) return "private JWK (has d)";
    } catch {
      // Not JSON after all: the PEM check above is what applies.
    }
  }
  return undefined;
}

describe("npm pack of each package and of the service", () => {
  test.each(PACKAGES)(
    "$name ships its LICENSE and no private key, demo key, test or bench file",
    async ({ name, dir, workspace }) => {
      const packed = await dryRunPack(workspace);
      expect(packed.name).toBe(name);
      const paths = packed.files.map((f) => f.path);
      expect(paths).toContain("LICENSE");
      expect(readFileSync(join(ROOT, dir, "LICENSE"), "utf8")).toContain("Apache License");
      expect(paths).toContain("package.json");
      const refused = paths
        .map((path) => ({ path, why: whyNotShipped(path, readFileSync(join(ROOT, dir, path), "latin1")) }))
        .filter(({ why }) => why !== undefined);
      expect(refused).toEqual([]);
    },
    120_000,
  );

  test("the filter itself refuses what must not ship (so an empty list above means something)", () => {
    const demoKey = readFileSync(join(ROOT, "examples/keys/support-agent.jwk.json"), "utf8");
    expect(whyNotShipped("examples/keys/support-agent.jwk.json", demoKey)).toBe("demo key directory");
    expect(whyNotShipped("dist/agent.jwk.json", demoKey)).toBe("private JWK (has d)");
    expect(whyNotShipped("dist/keys.json", JSON.stringify({ keys: [{ private_jwk: JSON.parse(demoKey) }] }))).toBe("private JWK (has d)");
    expect(whyNotShipped("dist/x.js", "const k = `-----BEGIN PRIVATE KEY-----\nMC4C...`")).toBe("PEM private key");
    expect(whyNotShipped("test/unit/a.test.ts", "")).toBe("test or bench file");
    expect(whyNotShipped("bench/main.ts", "")).toBe("test or bench file");
    expect(whyNotShipped(".locksmith/keys.json", "{}")).toBe("local state (.locksmith/)");
    const { d: _private, ...publicHalf } = JSON.parse(demoKey) as Record<string, unknown>;
    expect(whyNotShipped("dist/agent.jwk.json", JSON.stringify(publicHalf))).toBeUndefined();
  });

  test("each SDK package names its types and exports, and depends on jose (and, for express, the client) only", () => {
    const manifest = (dir: string) => JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8"));
    const client = manifest("packages/client");
    const express = manifest("packages/express");
    for (const pkg of [client, express]) {
      expect(pkg.license).toBe("Apache-2.0");
      expect(pkg.private).toBeUndefined();
      expect(pkg.types).toBe("./dist/index.d.ts");
      expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
      expect(Array.isArray(pkg.files)).toBe(true);
    }
    expect(Object.keys(client.dependencies)).toEqual(["jose"]);
    expect(client.peerDependencies).toBeUndefined();
    expect(Object.keys(express.dependencies).sort()).toEqual(["@locksmith/client", "jose"]);
    expect(express.dependencies["@locksmith/client"]).toBe(client.version);
    expect(Object.keys(express.peerDependencies)).toContain("express");
  });
});

describe("the packed client, installed into an empty project", () => {
  let locksmith: ListeningLocksmith;
  let project: string;

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "locksmith-client-install-"));
    const tarballs = mkdtempSync(join(project, "tarballs-"));
    await npm(["pack", "--ignore-scripts", "-w", "@locksmith/client", "--pack-destination", tarballs], ROOT);
    // jose comes from the tree npm ci installed here, packed as the registry served it: the install needs
    // neither the network nor a cached registry listing, and it is the one dependency the client may bring.
    await npm(["pack", "--ignore-scripts", "--pack-destination", tarballs], join(ROOT, "node_modules/jose"));
    const [client, jose] = ["locksmith-client-", "jose-"].map((prefix) => join(tarballs, readdirSync(tarballs).find((f) => f.startsWith(prefix))!));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "an-agent", version: "1.0.0", private: true }));
    await npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", client, jose], project);
    locksmith = await startListeningLocksmith();
  }, 180_000);

  afterAll(async () => {
    await locksmith?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test("brings jose and nothing else", async () => {
    const { stdout } = await npm(["ls", "--all", "--json"], project);
    interface Node {
      version?: string;
      dependencies?: Record<string, Node>;
    }
    const tree = JSON.parse(stdout) as Node;
    const names = new Set<string>();
    const walk = (node: Node) => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        names.add(name);
        walk(child);
      }
    };
    walk(tree);
    expect([...names].sort()).toEqual(["@locksmith/client", "jose"]);
    expect(Object.keys(tree.dependencies!["@locksmith/client"].dependencies ?? {})).toEqual(["jose"]);
    expect(tree.dependencies!["jose"].dependencies ?? {}).toEqual({});
    // On disk too: node_modules holds the client and jose, nothing hoisted beside them.
    expect(
      readdirSync(join(project, "node_modules"))
        .filter((f) => !f.startsWith("."))
        .sort(),
    ).toEqual(["@locksmith", "jose"]);
    expect(readdirSync(join(project, "node_modules/@locksmith"))).toEqual(["client"]);
    expect(existsSync(join(project, "node_modules/@locksmith/client/dist/index.d.ts"))).toBe(true);
  });

  test("is required and imported by its name and gets a credential from a listening Locksmith", async () => {
    const key = join(ROOT, "examples/keys/support-agent.jwk.json");
    const call = `new Locksmith({ url: process.env.URL, issuer: process.env.ISSUER, agent: "support-agent", key: process.env.KEY })
      .credential({ scope: "crm:read", resource: "crm:customers/42", ttl: "2m" })
      .then((c) => console.log(JSON.stringify({ token: c.token, scope: c.scope, resource: c.resource, audience: c.audience })))`;
    const env = { ...process.env, URL: locksmith.url, ISSUER: TEST_ISSUER, KEY: key };
    const api = new LocksmithApi(locksmith.sut);
    for (const [label, args] of [
      ["require", ["-e", `const { Locksmith } = require("@locksmith/client"); ${call}`]],
      ["import", ["--input-type=module", "-e", `import { Locksmith } from "@locksmith/client"; ${call}`]],
    ] as const) {
      const { stdout } = await run(process.execPath, [...args], { cwd: project, env });
      const credential = JSON.parse(stdout) as { token: string; scope: string; resource: string; audience: string };
      expect({ label, ...credential, token: typeof credential.token }).toEqual({
        label,
        token: "string",
        scope: "crm:read",
        resource: "crm:customers/42",
        audience: "https://crm.example.com",
      });
      expect((await api.redeem("crm-prod", { credential: credential.token })).body.active).toBe(true);
    }
  }, 60_000);
});
