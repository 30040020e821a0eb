/**
 * The layer rules of docs/architecture.md, checked by `npm run lint:deps` (CI runs it):
 * http → domain → store interfaces; stores implement what the domain owns; app.ts wires them.
 * test/unit/tooling/dependency-rules.test.ts runs this file over fixtures to prove each rule still bites.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "domain-stays-inside",
      comment:
        "domain/ is the core: it never sees HTTP, a concrete store, telemetry, the CLI or the environment's settings. " +
        "Stores implement the ports it owns; app.ts passes them in.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^src/(http|stores|telemetry|cli|config|client|express|demo|generated)/|^src/(app|main)\\.ts$" },
    },
    {
      name: "domain-uses-no-infrastructure",
      comment: "No express, Redis, PostgreSQL, Prisma, logger or OpenTelemetry in the domain: those are adapters' business.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        path: "(^|/)node_modules/(express|ioredis|pg|pino|@prisma|@opentelemetry|@electric-sql)(/|$)",
      },
    },
    {
      name: "http-reaches-stores-through-the-domain",
      comment: "Routes call domain functions; the stores and settings they use are wired in app.ts.",
      severity: "error",
      from: { path: "^src/http/" },
      to: { path: "^src/(stores|cli|config|demo|generated)/|^src/(app|main)\\.ts$" },
    },
    {
      name: "stores-serve-the-domain-not-http",
      comment: "A store implements a domain port; it knows nothing of HTTP or the CLI.",
      severity: "error",
      from: { path: "^src/stores/" },
      to: { path: "^src/(http|cli|demo)/|^src/(app|main)\\.ts$" },
    },
    {
      name: "client-imports-no-server-code",
      comment: "locksmith/client is shipped to agents: nothing of the server may ride along.",
      severity: "error",
      from: { path: "^src/client/" },
      to: { path: "^src/", pathNot: "^src/client/" },
    },
    {
      name: "express-imports-only-the-client",
      comment: "locksmith/express is shipped to resource servers: it may use the client SDK, nothing of the server.",
      severity: "error",
      from: { path: "^src/express/" },
      to: { path: "^src/", pathNot: "^src/(express|client)/" },
    },
    {
      name: "no-unresolvable-import",
      comment: "An import the cruiser cannot resolve would slip past every rule above.",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/generated/" },
    // TypeScript 7 ships no compiler API for tools; swc (already here for jest) parses the sources.
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js", ".cjs", ".json"] },
  },
};
