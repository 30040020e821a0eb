import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { grantStatements, quoteIdent, quoteLiteral, scramVerifier } from "../../../src/stores/upstreams/pg-role-admin";

test("identifiers are always quoted, and a quote inside one cannot end it", () => {
  expect(quoteIdent("app")).toBe('"app"');
  expect(quoteIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
  expect(quoteLiteral("it's")).toBe("'it''s'");
  expect(() => quoteLiteral("a\0b")).toThrow();
});

test("grants become USAGE on each schema and the named privileges, every identifier quoted", () => {
  expect(
    grantStatements('"r"', [
      { schema: "app", privileges: ["SELECT"] },
      { schema: "app", tables: ["orders", "lines"], privileges: ["INSERT", "UPDATE"] },
    ]),
  ).toEqual([
    'GRANT USAGE ON SCHEMA "app" TO "r"',
    'GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "r"',
    'GRANT INSERT, UPDATE ON TABLE "app"."orders", "app"."lines" TO "r"',
  ]);
});

test("the password goes to the server as a SCRAM-SHA-256 verifier that proves it, never in the clear", () => {
  const salt = Buffer.alloc(16, 7);
  const verifier = scramVerifier("s3cret-password", 4096, salt);
  expect(verifier).not.toContain("s3cret-password");
  const [, iterations, saltB64, storedB64, serverB64] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier)!;
  expect(Number(iterations)).toBe(4096);
  expect(Buffer.from(saltB64, "base64")).toEqual(salt);
  // RFC 5802: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
  const salted = pbkdf2Sync("s3cret-password", salt, 4096, 32, "sha256");
  expect(storedB64).toBe(createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64"));
  expect(serverB64).toBe(createHmac("sha256", salted).update("Server Key").digest("base64"));
});
