import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DatabaseTarget, RoleAdmin } from "../../domain/upstreams/database-credentials";
import type { TableGrant } from "../../domain/upstreams/upstream-policy";

/** Sessions one credential's role may hold at once: enough for a small pool, too few to exhaust max_connections. */
export const ROLE_CONNECTION_LIMIT = 5;

/**
 * Role administration on an upstream PostgreSQL with node-postgres. DDL takes
 * no bind parameters, so every identifier goes through `quoteIdent` and every
 * literal through `quoteLiteral` (and the bundle allows only plain
 * identifiers and a fixed list of privileges besides). The password is sent
 * as a SCRAM-SHA-256 verifier, so the plaintext never reaches the server or
 * its statement log.
 */
export class PgRoleAdmin implements RoleAdmin {
  constructor(private readonly connectTimeoutMs = 5000) {}

  target(adminUrl: string): DatabaseTarget {
    const url = new URL(adminUrl);
    return { host: url.hostname, port: Number(url.port || 5432), database: decodeURIComponent(url.pathname.slice(1)) || "postgres" };
  }

  async create(adminUrl: string, role: { name: string; password: string; validUntil: Date; grants: readonly TableGrant[] }): Promise<void> {
    const name = quoteIdent(role.name);
    await this.session(adminUrl, async (client) => {
      await client.query("BEGIN");
      try {
        await client.query(
          `CREATE ROLE ${name} LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT ${ROLE_CONNECTION_LIMIT} PASSWORD ${quoteLiteral(scramVerifier(role.password))} VALID UNTIL ${quoteLiteral(role.validUntil.toISOString())}`,
        );
        for (const statement of grantStatements(name, role.grants)) await client.query(statement);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }

  async drop(adminUrl: string, roleName: string): Promise<void> {
    const name = quoteIdent(roleName);
    await this.session(adminUrl, async (client) => {
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [roleName]);
      if (exists.rowCount === 0) return;
      // No new logins first, then end the open ones, so none slips in between.
      await client.query(`ALTER ROLE ${name} NOLOGIN`);
      await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [roleName]);
      await client.query(`DROP OWNED BY ${name}`);
      await client.query(`DROP ROLE IF EXISTS ${name}`);
    });
  }

  async expiredWithPrefix(adminUrl: string, prefix: string, before: Date): Promise<string[]> {
    return this.session(adminUrl, async (client) => {
      const { rows } = await client.query<{ rolname: string }>(
        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) AND rolvaliduntil IS NOT NULL AND rolvaliduntil <= $2",
        [prefix, before],
      );
      return rows.map((row) => row.rolname);
    });
  }

  private async session<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: this.connectTimeoutMs, statement_timeout: this.connectTimeoutMs });
    // A connection error must not escape as an unhandled 'error' event.
    client.on("error", () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** USAGE on each schema, then the privileges on all its tables or on the named ones. */
export function grantStatements(role: string, grants: readonly TableGrant[]): string[] {
  const statements: string[] = [];
  for (const schema of [...new Set(grants.map((g) => g.schema))]) statements.push(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role}`);
  for (const grant of grants) {
    const privileges = grant.privileges.join(", ");
    const on = grant.tables
      ? `TABLE ${grant.tables.map((t) => `${quoteIdent(grant.schema)}.${quoteIdent(t)}`).join(", ")}`
      : `ALL TABLES IN SCHEMA ${quoteIdent(grant.schema)}`;
    statements.push(`GRANT ${privileges} ON ${on} TO ${role}`);
  }
  return statements;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (value: string) => {
  if (value.includes("\0")) throw new Error("a literal cannot contain NUL");
  return `'${value.replace(/'/g, "''")}'`;
};

/** PostgreSQL's SCRAM-SHA-256 password verifier (RFC 5802/7677 stored key and server key). */
export function scramVerifier(password: string, iterations = 4096, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const storedKey = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
