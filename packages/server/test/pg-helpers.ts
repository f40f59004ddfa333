import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgStore } from '../src/store/pg-store.js';

/** The PostgreSQL the `*.pg.test.ts` files use (CI and developer machines have it; trust auth). */
export const PG_TEST_URL = process.env.TALUS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Whether the test PostgreSQL answers. When it does not: outside CI, says so on the console and returns
 * false (the caller skips its suite); in CI (`CI=true`), throws, so that a missing database fails the run
 * rather than passing it silently.
 */
export async function pgAvailable(url = PG_TEST_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    const why = `PostgreSQL is not reachable at ${shown(url)}: ${err instanceof Error ? err.message : String(err)}`;
    if (process.env.CI === 'true') {
      throw new Error(`${why}. CI requires it (set TALUS_TEST_PG_URL to point elsewhere).`, { cause: err });
    }
    console.warn(`\n[skip] PostgreSQL tests skipped. ${why}. Set TALUS_TEST_PG_URL to run them.\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A new schema name no other run uses. */
export function freshSchema(): string {
  return `talus_test_${randomBytes(6).toString('hex')}`;
}

/** Drop the given schemas and everything in them. */
export async function dropSchemas(schemas: Iterable<string>, url = PG_TEST_URL): Promise<void> {
  const names = [...schemas];
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of names) {
      if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`refusing to drop schema ${JSON.stringify(s)}`);
      await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    }
  } finally {
    await client.end();
  }
}

/** Run one query on the test database (for checks the store does not offer). */
export async function pgQuery<R extends pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
  url = PG_TEST_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Stores on fresh schemas for a contract suite: `make` opens one on a new schema, `reopen` closes a store
 * and opens a new one on the same schema, `dropAll` drops every schema made (call it in `afterAll`).
 */
export function pgStores() {
  const schemas = new Set<string>();
  const schemaOf = new WeakMap<object, string>();
  const openOn = async (schema: string): Promise<PgStore> => {
    schemas.add(schema);
    const s = await PgStore.open(PG_TEST_URL, { schema });
    schemaOf.set(s, schema);
    return s;
  };
  return {
    openOn,
    make: () => openOn(freshSchema()),
    reopen: async (old: { close(): Promise<void> }): Promise<PgStore> => {
      const schema = schemaOf.get(old)!;
      await old.close();
      return openOn(schema);
    },
    dropAll: () => dropSchemas(schemas),
  };
}
