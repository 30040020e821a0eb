import { createHash, randomBytes } from "node:crypto";
import type { BrowserContext } from "playwright-core";
import { CONSOLE_LOGIN_SECRET_ENV, type ConsoleWorld } from "./console-world";

/**
 * A real user token for `person` from the console world's IdP, the kind an agent presents in
 * `on_behalf_of` to act for them: an ID token for client `locksmith`, whose `aud` is the bundle's
 * delegation audience (`locksmith`). The person signs in at the IdP in `context` (the same login page
 * as the console); the code is read off its way back and exchanged here, as Locksmith's sign-in would.
 */
export async function userTokenOf(world: ConsoleWorld, context: BrowserContext, person: string): Promise<string> {
  const redirectUri = `${world.locksmithUrl}/oauth/login/callback`;
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const page = await context.newPage();
  const auth = new URL(`${world.idpUrl}/auth`);
  for (const [name, value] of Object.entries({
    client_id: "locksmith",
    response_type: "code",
    scope: "openid entitlements groups",
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
    nonce: randomBytes(8).toString("hex"),
  }))
    auth.searchParams.set(name, value);
  await page.goto(auth.href, { waitUntil: "domcontentloaded" });
  if (await page.locator('input[name="login"]').count()) {
    await page.fill('input[name="login"]', person);
    await page.fill('input[name="password"]', "any");
    await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded" }), page.click('button[type="submit"]')]);
  }
  if (await page.locator('input[name="prompt"][value="consent"]').count()) await page.click('button[type="submit"]');
  // Playwright routes no redirected request, so the browser does reach Locksmith's callback, which refuses a
  // state it never made ("login_failed" in the ledger) before it could spend the code: the code is still good.
  await page.waitForURL((url) => url.href.startsWith(`${redirectUri}?`), { timeout: 30_000 });
  const caught = new URL(page.url()).searchParams.get("code") ?? "";
  const answer = await fetch(`${world.idpUrl}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: caught,
      redirect_uri: redirectUri,
      client_id: "locksmith",
      client_secret: process.env[CONSOLE_LOGIN_SECRET_ENV] ?? "",
      code_verifier: verifier,
    }),
  });
  const body = (await answer.json()) as { id_token?: string };
  if (!body.id_token) throw new Error(`the IdP gave no ID token: ${JSON.stringify(body)}`);
  await page.close();
  return body.id_token;
}
