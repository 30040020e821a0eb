import { ZodError } from "zod";

/**
 * Why a file a setting points at cannot be used, in a few words that never quote
 * the file's content (it may hold private keys): `ENOENT`, `not JSON`, or the
 * fields that are wrong (`keys[0].kid: Invalid input: expected string`).
 */
export function fileProblem(error: unknown): string {
  if (error instanceof SyntaxError) return "not JSON"; // JSON.parse's message quotes the text
  if (error instanceof ZodError) return error.issues.map((issue) => `${dotted(issue.path)}: ${issue.message}`).join("; ");
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? ((error as Error).message.split("\n")[0] || (error as Error).name);
}

/** Prefixes a start-up message with the setting it is about, unless it already starts with one. */
export function naming(setting: string, message: string): string {
  const line = oneLine(message);
  return /^[A-Z][A-Z0-9_]+: /.test(line) ? line : `${setting}: ${line}`;
}

/** Many problems on one line, so a start-up failure is always exactly one line in a log. */
export function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, "; ");
}

const dotted = (path: readonly PropertyKey[]) =>
  path
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("")
    .replace(/^\./, "") || "(top level)";

/**
 * The first line of a driver's error that says something. Drivers wrap: Prisma's adapter error has an
 * empty message and keeps the cause (`ECONNREFUSED`, `database "x" does not exist`) further in.
 */
export function causeOf(error: unknown): string {
  const seen = new Set<unknown>();
  const found: string[] = [];
  const visit = (e: unknown) => {
    if (!e || typeof e !== "object" || seen.has(e)) return;
    seen.add(e);
    const any = e as { message?: unknown; code?: unknown; errors?: unknown[]; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    const message = typeof any.message === "string" ? driverMessage(any.message) : "";
    if (message) found.push(message);
    else if (typeof any.code === "string") found.push(any.code);
    for (const inner of any.errors ?? []) visit(inner);
    visit(any.cause);
    visit(any.meta?.driverAdapterError);
  };
  visit(error);
  return found[0] ?? (error instanceof Error ? error.name : String(error));
}

/** Prisma's "Invalid `prisma.x()` invocation: … Message: `database "x" does not exist`" → the driver's own message. */
function driverMessage(message: string): string {
  const quoted = /Message: `([^`]+)`/.exec(message);
  return quoted ? quoted[1] : (message.trim().split("\n")[0] ?? "");
}
