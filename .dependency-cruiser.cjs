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
      to: { path: "^src/(http|stores|telemetry|cli|config|demo|generated)/|^src/(app|main)\\.ts$" },
    },
    {
      name: "domain-uses-no-infrastructure",
      comment: "No express, Redis, PostgreSQL, Prisma, logger, OpenTelemetry or SDK package in the domain: those are adapters' business.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        path: "(^|/)node_modules/(express|ioredis|pg|pino|@prisma|@opentelemetry|@electric-sql|@locksmith)(/|$)",
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
      name: "packages-import-nothing-from-the-service",
      comment:
        "packages/* (@locksmith/client, @locksmith/express) ship to agents and resource servers: nothing of the service may ride along. " +
        "The service may depend on the packages, never the reverse.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^src/" },
    },
    {
      name: "packages-reach-each-other-by-name",
      comment: "A package uses another only through its published name and exports (@locksmith/client), never by a path into its tree.",
      severity: "error",
      from: { path: "^packages/([^/]+)/" },
      to: { path: "^packages/", pathNot: "^packages/$1/" },
    },
    {
      name: "service-uses-the-packages-by-name",
      comment: "src/ imports @locksmith/client and @locksmith/express by name, as any other user of the packages does.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^packages/" },
    },
    {
      name: "client-package-depends-on-jose-only",
      comment: "@locksmith/client: jose and the platform (fetch, node:*), nothing else.",
      severity: "error",
      from: { path: "^packages/client/" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        pathNot: "(^|/)node_modules/jose/",
      },
    },
    {
      name: "express-package-depends-on-jose-express-and-the-client",
      comment: "@locksmith/express: jose, express (a peer) and @locksmith/client, nothing else.",
      severity: "error",
      from: { path: "^packages/express/" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        pathNot: "(^|/)node_modules/(jose|express|@types/express|@locksmith/client)/",
      },
    },
    {
      name: "no-unresolvable-import",
      comment: "An import the cruiser cannot resolve would slip past every rule above.",
      severity: "error",
      from: { path: "^(src|packages)/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // The workspace packages stay node_modules/@locksmith/… (an npm dependency, as for any user), not packages/… behind the link.
    preserveSymlinks: true,
    exclude: { path: "^src/generated/|^packages/[^/]+/dist/" },
    // TypeScript 7 ships no compiler API for tools; swc (already here for jest) parses the sources.
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".cjs", ".json"],
      exportsFields: ["exports"],
      conditionNames: ["types", "require", "node", "default"],
    },
  },
};
