const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };
const DURATION = /^(\d{1,6})(s|m|h)?$/;

/**
 * Parses a policy or request duration into whole seconds: a number of seconds
 * (`90`), or a string with a unit (`"30s"`, `"5m"`, `"1h"`). Returns undefined
 * for anything else, including zero, fractions and negative numbers.
 *
 * @example parseDuration("5m") // 300
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] ?? "s"];
  return seconds > 0 ? seconds : undefined;
}
