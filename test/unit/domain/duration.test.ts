import { parseDuration } from "../../../src/domain/duration";

describe("parseDuration", () => {
  it.each([
    [90, 90],
    ["90", 90],
    ["30s", 30],
    ["5m", 300],
    ["1h", 3600],
    ["999999h", 999_999 * 3600],
  ])("reads %p as %p seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it("ignores whitespace around a string", () => {
    expect(parseDuration(" 5m ")).toBe(300);
  });

  it.each([0, "0", "0s", "0m", "0h"])("refuses zero (%p)", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([-5, "-5", "-5m"])("refuses a negative duration (%p)", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([1.5, "1.5", "1.5m", "1e3"])("refuses a fraction or exponent (%p)", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each(["5 m", "5M", "5min", "1d", "5mm", "m", "", "five minutes", "0x10", "1234567"])(
    "refuses a string that is not digits with an optional s/m/h (%p)",
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );

  it.each([NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])("refuses a number that is not a safe integer (%p)", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([null, undefined, true, {}, ["5m"]])("refuses a value that is neither number nor string (%p)", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
