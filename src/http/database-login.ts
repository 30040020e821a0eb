import type { DatabaseLogin } from "../domain/upstreams/upstream-hooks";

/** The `database` member of an answer that hands out a database upstream's login (never logged, never recorded). */
export const databaseLoginBody = (login: DatabaseLogin | undefined) =>
  login ? { database: { host: login.host, port: login.port, database: login.database, username: login.username, password: login.password } } : {};
