import { parsePolicy } from "../../../../src/domain/policy/load-policy";
import { checkProxyTarget, resourceCoversPath, scopesAllowing } from "../../../../src/domain/upstreams/proxy-target";
import { keyNeedles, redactStream, redactText } from "../../../../src/domain/upstreams/redact-stream";
import type { UpstreamPolicy } from "../../../../src/domain/upstreams/upstream-policy";

const policy = parsePolicy(
  `environments: [production]
upstreams:
  crm-api:
    kind: api_key
    environment: production
    base_url: https://crm.example.com/api
    key: { in: header, name: X-Api-Key }
    scopes:
      crm:read: ["GET /customers/*", "GET /customers/*/notes"]
      crm:write: ["POST /customers/*/notes"]
`,
  "proxy.yaml",
);
const crm = policy.upstreams!.get("crm-api") as Extract<UpstreamPolicy, { kind: "api_key" }>;

test.each([
  ["/customers/42", { ok: true, path: "/customers/42", query: "" }],
  ["/customers/42?expand=notes&x=%20", { ok: true, path: "/customers/42", query: "expand=notes&x=%20" }],
  ["", { ok: true, path: "/", query: "" }],
  ["/customers/a%20b", { ok: true, path: "/customers/a%20b", query: "" }],
])("%s is one plain path", (raw, expected) => {
  expect(checkProxyTarget(raw)).toEqual(expected);
});

test.each([
  "/customers/..;/admin",
  "/customers/..;x=1/admin",
  "/customers/.;/x",
  "/customers/../admin",
  "/customers/..",
  "/./customers",
  "/customers//42",
  "//evil.example/x",
  "/customers/%2e%2e",
  "/customers/%2E%2E/x",
  "/a%2fb",
  "/a%2Fb",
  "/a%5cb",
  "/a\\b",
  "/a%00",
  "/a%252e",
  "/a b",
  "/caf\u00e9",
  "customers/42",
  "/a#b",
  "/a?b c",
])("%s is refused", (raw) => {
  expect(checkProxyTarget(raw).ok).toBe(false);
});

test("a method and path map to the scopes whose operations allow them, and only those", () => {
  expect(scopesAllowing(crm, "GET", "/customers/42")).toEqual(["crm:read"]);
  expect(scopesAllowing(crm, "POST", "/customers/42/notes")).toEqual(["crm:write"]);
  expect(scopesAllowing(crm, "DELETE", "/customers/42")).toEqual([]);
  expect(scopesAllowing(crm, "GET", "/customers/42/orders")).toEqual([]);
  expect(scopesAllowing(crm, "get", "/customers/42")).toEqual([]);
});

test("a resource covers its own path and what is below it, and nothing beside it", () => {
  expect(resourceCoversPath(crm, "crm-api:customers/42", "/customers/42")).toBe(true);
  expect(resourceCoversPath(crm, "crm-api:customers/42", "/customers/42/notes")).toBe(true);
  expect(resourceCoversPath(crm, "crm-api:customers/42", "/customers/420")).toBe(false);
  expect(resourceCoversPath(crm, "crm-api:customers/42", "/customers/43")).toBe(false);
  expect(resourceCoversPath(crm, "crm-api", "/anything")).toBe(true);
  expect(resourceCoversPath(crm, "crm-apix", "/anything")).toBe(false);
  expect(resourceCoversPath(crm, "billing-api:customers/42", "/customers/42")).toBe(false);
});

test("redaction replaces a key in text and across every chunk boundary of a stream", async () => {
  const key = "sk_live_ABCDEFGHIJ";
  expect(redactText(`Bearer ${key}, again ${key}`, [key])).toBe("Bearer [redacted], again [redacted]");
  const text = `a${key}b${key}${key}c`;
  for (let size = 1; size <= key.length + 2; size++) {
    const stream = redactStream([key]);
    const out: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => out.push(chunk));
    const done = new Promise((resolve) => stream.on("end", resolve));
    for (let i = 0; i < text.length; i += size) stream.write(Buffer.from(text.slice(i, i + size)));
    stream.end();
    await done;
    expect(Buffer.concat(out).toString()).toBe("a[redacted]b[redacted][redacted]c");
  }
});

test("the key's needles also catch it JSON-escaped and inside a larger base64 or base64url text, at any alignment", () => {
  // A base64 key (with / and +) echoed by an upstream that escapes / in JSON, or that base64-encodes what it echoes.
  const key = "AKIA/7f+Qz9xK2mN/pL0vR8sT+uW3yZ5bC6dE";
  const needles = keyNeedles(key);
  const escaped = JSON.stringify({ got: key }).replace(/\//g, "\\/");
  expect(redactText(escaped, needles)).not.toContain("7f+Qz9xK2mN\\/pL0vR8sT");
  for (const prefix of ["", "a", "ab", "abc", "x-api-key: "]) {
    for (const suffix of ["", "z", "zz", "\n"]) {
      const blob = Buffer.from(`${prefix}${key}${suffix}`);
      for (const encoded of [blob.toString("base64"), blob.toString("base64url")]) {
        const out = redactText(`{"echo":"${encoded}"}`, needles);
        expect(out).toContain("[redacted]");
        // What is left of the blob is only the few characters that also encode the bytes around the key.
        const left = out.slice('{"echo":"'.length, -'"}'.length).replace("[redacted]", "");
        expect(left.length).toBeLessThanOrEqual(Math.ceil(((prefix.length + suffix.length) * 4) / 3) + 6);
      }
    }
  }
});

test("a `*` in an operation stands for a segment's text, never for nothing: GET /customers/* is not GET /customers/ (often the collection)", () => {
  expect(scopesAllowing(crm, "GET", "/customers/")).toEqual([]);
  expect(scopesAllowing(crm, "GET", "/customers/42")).toEqual(["crm:read"]);
});
