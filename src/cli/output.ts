/**
 * How every command prints: `--json` (a global flag) prints one JSON value on stdout for scripts;
 * otherwise short human lines. Failures go to stderr as `locksmith: …` with exit code 1
 * (2 for a usage error, from commander).
 */
let jsonMode = false;

export function setJsonMode(on: boolean): void {
  jsonMode = on;
}

export function wantsJson(): boolean {
  return jsonMode;
}

export function out(text: string): void {
  process.stdout.write(text);
}

/** Prints a command's result: `value` as JSON with --json, else the lines `human` makes. */
export function show(value: unknown, human: () => string): void {
  out(jsonMode ? `${JSON.stringify(value, null, 2)}\n` : human());
}

/** Aligned columns for a list on a terminal (`--json` gives the objects). */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ")).join("\n") + "\n";
}

export function die(message: string): never {
  process.stderr.write(`locksmith: ${message}\n`);
  process.exit(1);
}
