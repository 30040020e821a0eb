import type { Request, Response } from "express";
import { SESSION_TTL_MS } from "../../domain/people/sign-in";

/**
 * The sign-in session cookie: an opaque 256-bit secret (the server keeps only its hash, with the
 * person), HttpOnly, SameSite=Lax (sent on the top-level navigations of the OAuth redirects, never
 * on cross-site posts), Secure and `__Host-` prefixed — except when Locksmith is served over plain
 * http on a loopback address (dev mode, tests), where a browser would drop a Secure cookie. An http
 * issuer on any other host still gets Secure: the browser keeps no session there (fail closed).
 */
export class SessionCookie {
  readonly name: string;
  private readonly secure: boolean;

  /** `ttlMs`: the session's life (default); the login-binding cookie lives as long as a login transaction. */
  constructor(
    issuer: string,
    base = "locksmith_session",
    private readonly ttlMs = SESSION_TTL_MS,
  ) {
    this.secure = !isLoopbackHttp(issuer);
    this.name = this.secure ? `__Host-${base}` : base;
  }

  read(req: Request): string | undefined {
    for (const part of (req.get("cookie") ?? "").split(";")) {
      const [name, ...value] = part.trim().split("=");
      if (name === this.name) return /^[A-Za-z0-9_-]{1,128}$/.test(value.join("=")) ? value.join("=") : undefined;
    }
    return undefined;
  }

  set(res: Response, session: string): void {
    res.cookie(this.name, session, { httpOnly: true, sameSite: "lax", secure: this.secure, path: "/", maxAge: this.ttlMs });
  }

  clear(res: Response): void {
    res.clearCookie(this.name, { httpOnly: true, sameSite: "lax", secure: this.secure, path: "/" });
  }
}

/** http://localhost, http://127.0.0.0/8, http://[::1]: the only origins a session cookie may travel without Secure. */
export function isLoopbackHttp(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname));
}
