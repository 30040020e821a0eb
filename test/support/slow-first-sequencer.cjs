// Jest's default order without a timing cache is by file size, and CI always starts without one (a
// fresh clone, a fresh cache key). With two workers, a slow file that starts last runs alone at the
// end while the other worker idles. These files (the slowest, timed one by one, 2026-11-29) start
// first, longest first; every other file keeps jest's order after them.
const Sequencer = require("@jest/test-sequencer").default;

const SLOWEST_FIRST = [
  "test/docs/getting-started.test.ts",
  "test/stores/startup-errors.test.ts",
  "test/console/console-security.test.ts",
  "test/interop/mcp-token-a.test.ts",
  "test/hygiene/secrets-hygiene.test.ts",
  "test/console/console-skeleton.test.ts",
  "test/resilience/crash-safety.test.ts",
  "test/interop/python-client.test.ts",
  "test/resilience/store-outages.test.ts",
  "test/hostile/token-a-attacks.test.ts",
  "test/cli/json-everywhere.test.ts",
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const i = SLOWEST_FIRST.findIndex((path) => test.path.endsWith(path));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
