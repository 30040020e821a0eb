import express from "express";
import request from "supertest";
import { isLoopbackHttp, SessionCookie } from "../../../src/http/login/session-cookie";

// The people's session cookie (console, consent, connected accounts): HttpOnly, SameSite=Lax, Secure and
// __Host- prefixed, except when Locksmith is served over plain http on a loopback address.

async function setCookieOf(issuer: string): Promise<string> {
  const app = express().get("/", (_req, res) => {
    new SessionCookie(issuer).set(res, "s3cr3t");
    res.end();
  });
  const res = await request(app).get("/");
  return String(res.headers["set-cookie"]);
}

test.each(["https://locksmith.example.com", "http://locksmith.internal:8080", "http://10.0.0.5", "http://127.0.0.1.nip.io"])(
  "%s: __Host-locksmith_session; HttpOnly; Secure; SameSite=Lax; Path=/",
  async (issuer) => {
    const cookie = await setCookieOf(issuer);
    expect(cookie).toMatch(/^__Host-locksmith_session=s3cr3t;/);
    for (const attribute of ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"]) expect(cookie).toContain(attribute);
    expect(cookie).not.toContain("Domain=");
  },
);

test.each(["http://localhost:8080", "http://127.0.0.1:4000", "http://[::1]:8080"])(
  "%s (loopback http, dev mode and tests): Secure relaxed only",
  async (issuer) => {
    const cookie = await setCookieOf(issuer);
    expect(cookie).toMatch(/^locksmith_session=s3cr3t;/);
    for (const attribute of ["HttpOnly", "SameSite=Lax", "Path=/"]) expect(cookie).toContain(attribute);
    expect(cookie).not.toContain("Secure");
  },
);

test("loopback means the loopback address, not a name that starts like one", () => {
  expect(isLoopbackHttp("http://127.0.0.1.evil.example")).toBe(false);
  expect(isLoopbackHttp("http://localhost.evil.example")).toBe(false);
  expect(isLoopbackHttp("https://localhost")).toBe(false);
  expect(isLoopbackHttp("http://127.1.2.3:9")).toBe(true);
});
