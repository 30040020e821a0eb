import { parsePolicy, type PolicyLoadError } from "../../../../src/domain/policy/load-policy";

// draft-ietf-oauth-client-id-metadata-document §3: a client_id URL uses https, has a path, and has no
// fragment, no username or password and no dot segments. Credentials in it would be sent to the host
// as Basic auth on every fetch, and a dot segment makes the name differ from the URL fetched.

const bundle = (url: string) => `
environments: [production]
roles: { assistant: { grants: [] } }
client_metadata_documents:
  clients: [ { url: "${url}", environment: production, roles: [assistant] } ]
`;

const problems = (url: string): string => {
  try {
    parsePolicy(bundle(url), "policy.yaml");
    return "";
  } catch (error) {
    return (error as PolicyLoadError).problems.join("\n");
  }
};

test("an https client_id URL with a path is admitted", () => {
  expect(problems("https://app.example.com/oauth/client.json")).toBe("");
});

test.each([
  "https://user:secret@app.example.com/client.json",
  "https://app.example.com",
  "https://app.example.com/",
  "https://app.example.com/a/../client.json",
  "https://app.example.com/./client.json",
])("%s is refused", (url) => {
  expect(problems(url)).toMatch(/client_metadata_documents\.clients\[0\]\.url/);
});
