import { compactJwtProblem } from "../../../../src/domain/identity/jwt-shape";

// Duplicate member names are compared as JSON decodes them, not as they are spelled (issue 18, item 14).

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const jwt = (payloadJson: string) => `${b64('{"alg":"EdDSA"}')}.${b64(payloadJson)}.c2ln`;

describe("compactJwtProblem: duplicate member names", () => {
  test("accepts distinct names, and a value that merely looks like a repeated name", () => {
    expect(compactJwtProblem(jwt('{"sub":"a","iss":"sub","aud":["sub"]}'))).toBeUndefined();
    expect(compactJwtProblem(jwt('{"a":{"sub":1},"sub":2}'))).toBeUndefined();
  });

  test.each([
    ["spelled alike", '{"sub":"a","sub":"b"}'],
    ["one \\u-escaped", '{"sub":"a","\\u0073ub":"b"}'],
    ["both escaped differently", '{"\\u0073ub":"a","s\\u0075b":"b"}'],
    ["fully escaped, next to a look-alike in another case", '{"iss":"a","\\u0069\\u0053\\u0053":"x","\\u0069\\u0073\\u0073":"b"}'],
    ["a solidus escape", '{"a/b":1,"a\\/b":2}'],
    ["inside a nested object", '{"act":{"sub":"a","\\u0073ub":"b"}}'],
  ])("refuses a name repeated %s", (_name, payload) => {
    expect(compactJwtProblem(jwt(payload))).toMatch(/^payload repeats the member/);
  });

  test("refuses a name with an invalid escape as not JSON", () => {
    expect(compactJwtProblem(jwt('{"\\x73ub":"a"}'))).toBe("payload is not JSON");
  });
});

describe("compactJwtProblem: typ", () => {
  const withTyp = (typ: string) => `${b64(`{"alg":"EdDSA","typ":${typ}}`)}.${b64('{"sub":"a"}')}.c2ln`;

  test.each([
    ["an object whose toString is not a function", '{"toString":0}'],
    ["an object", "{}"],
    ["a number", "1"],
  ])("refuses a typ that is %s, without throwing", (_name, typ) => {
    expect(compactJwtProblem(withTyp(typ))).toBe('header parameter "typ" is not a string');
    expect(compactJwtProblem(withTyp(typ), ["jwt", undefined])).toBe('header parameter "typ" is not a string');
  });

  test("compares a string typ without case", () => {
    expect(compactJwtProblem(withTyp('"JWT"'), ["jwt"])).toBeUndefined();
    expect(compactJwtProblem(withTyp('"at+jwt"'), ["jwt"])).toBe('typ "at+jwt" is not accepted here');
  });
});
