import type { DatabaseLogin, UpstreamAccessToken } from "../domain/upstreams/upstream-hooks";

/** The `database` member of an answer that hands out a database upstream's login (never logged, never recorded). */
export const databaseLoginBody = (login: DatabaseLogin | UpstreamAccessToken | undefined) =>
  login?.kind === "oauth2"
    ? // A connected account's short-lived upstream token, refreshed for this credential (never logged, never recorded).
      {
        upstream_token: {
          access_token: login.accessToken,
          token_type: login.tokenType,
          expires_at: new Date(login.expiresAt * 1000).toISOString(),
          ...(login.scope === undefined ? {} : { scope: login.scope }),
        },
      }
    : login
      ? { database: { host: login.host, port: login.port, database: login.database, username: login.username, password: login.password } }
      : {};
