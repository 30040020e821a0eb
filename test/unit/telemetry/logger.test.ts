import { Writable } from "node:stream";
import { createLogger } from "../../../src/telemetry/logger";

/** Logs one record through a real pino logger and returns the raw line it wrote. */
function logLine(record: Record<string, unknown>): string {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  createLogger("info", destination).info(record, "test record");
  expect(chunks).toHaveLength(1);
  return chunks[0];
}

const SECRET = "s3cr3t-value-that-must-not-print";
const FIELDS = ["authorization", "credential", "assertion", "token", "on_behalf_of", "private_jwk", "privateKey"];

describe("createLogger", () => {
  it.each(FIELDS)("writes [Redacted], never the value, for a top-level %s field", (field) => {
    const line = logLine({ [field]: SECRET, jti: "jti-1" });
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line)).toMatchObject({ [field]: "[Redacted]", jti: "jti-1", msg: "test record" });
  });

  it.each(FIELDS)("writes [Redacted], never the value, for a %s field nested one level down", (field) => {
    const line = logLine({ request: { [field]: SECRET, jti: "jti-1" } });
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line)).toMatchObject({ request: { [field]: "[Redacted]", jti: "jti-1" } });
  });

  it("redacts a secret held as an object, not just as a string", () => {
    const line = logLine({ private_jwk: { kty: "OKP", crv: "Ed25519", d: SECRET, x: "public" } });
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line)).toMatchObject({ private_jwk: "[Redacted]" });
  });

  it("redacts an authorization header of a logged request", () => {
    const line = logLine({ req: { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" } } });
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line)).toMatchObject({ req: { method: "POST", headers: { authorization: "[Redacted]", "content-type": "application/json" } } });
  });

  it("redacts a request body logged by mistake", () => {
    const line = logLine({ req: { body: { scope: "crm:read", on_behalf_of: SECRET } } });
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line)).toMatchObject({ req: { body: "[Redacted]" } });
  });

  it("keeps fields that hold no secret", () => {
    expect(JSON.parse(logLine({ agent: "support-agent", scope: "crm:read", resource: "crm:customers/42" }))).toMatchObject({
      service: "locksmith",
      agent: "support-agent",
      scope: "crm:read",
      resource: "crm:customers/42",
    });
  });
});
