import { resolve } from "node:path";

// The suite's order (jest.config.js testSequencer): the listed slowest files first, in their order; the rest after, in jest's order.

const Sequencer = require("../../support/slow-first-sequencer.cjs") as new () => { sort(tests: { path: string }[]): { path: string }[] };

const test_ = (path: string) => ({
  path: resolve(__dirname, "../../..", path),
  duration: undefined,
  context: { config: { cacheDirectory: "/tmp/none", name: "x" }, hasteFS: { getSize: () => 1 } },
});

test("the slowest files start first, then the others", () => {
  const tests = ["test/unit/a.test.ts", "test/stores/startup-errors.test.ts", "test/unit/b.test.ts", "test/docs/getting-started.test.ts"].map(test_);
  const order = new Sequencer().sort(tests as never).map((t) => t.path.replace(`${resolve(__dirname, "../../..")}/`, ""));
  expect(order.slice(0, 2)).toEqual(["test/docs/getting-started.test.ts", "test/stores/startup-errors.test.ts"]);
  expect(order.slice(2).sort()).toEqual(["test/unit/a.test.ts", "test/unit/b.test.ts"]);
});
