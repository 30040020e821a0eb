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

/**
 * Fails: `locksmith: <message>` on stderr, exit 1. With --json, stdout still gets one JSON value,
 * `body` (a refusal's error body) or `{error: "failed", error_description}`, so a script always
 * parses stdout.
 */
export function die(message: string, body?: object): never {
  if (jsonMode) process.stdout.write(`${JSON.stringify(body ?? { error: "failed", error_description: message }, null, 2)}\n`);
  process.stderr.write(`locksmith: ${message}\n`);
  process.exit(1);
}

/**
 * Progress of long work (`audit verify`, `audit export`) for a person watching: one line on
 * stderr, rewritten in place, only when stderr is a terminal (never in a pipe, a log or CI).
 */
export function progress(stream: { isTTY?: boolean; write(text: string): unknown } = process.stderr): { update(text: string): void; done(): void } {
  let shown = false;
  return {
    update(text: string) {
      if (!stream.isTTY) return;
      stream.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write("\r\x1b[2K");
    },
  };
}
