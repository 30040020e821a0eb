/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.(t|j)s$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }] },
  // jose 6 is ESM-only: let swc turn it into CommonJS for jest's module system.
  // The workspace packages (packages/*) by their names, from their sources: tests see an edit without a rebuild,
  // and the service under test (src/, which imports them by name) gets the very same modules.
  moduleNameMapper: {
    "^@locksmith/client$": "<rootDir>/packages/client/src/index.ts",
    "^@locksmith/client/internal$": "<rootDir>/packages/client/src/internal.ts",
    "^@locksmith/express$": "<rootDir>/packages/express/src/index.ts",
  },
  transformIgnorePatterns: ["/node_modules/(?!(jose|openid-client|oauth4webapi)/)"],
  testTimeout: 30000,
  // Each test file gets its own database and Redis key prefix, so files run in parallel safely.
  maxWorkers: 2,
  // The slowest files start first, so neither worker ends the run alone on one of them.
  testSequencer: "<rootDir>/test/support/slow-first-sequencer.cjs",
};
