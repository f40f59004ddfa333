import type { HistoryEntry, NodeRecord } from '@talus/core';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { AccountStore, HasAccounts } from './account-store.js';
import { pgMigrations } from './migrations/pg.js';
import { PgAccounts } from './pg-accounts.js';
import {
  type ProjectRow,
  RevisionConflictError,
  type RevisionWrite,
  type SessionRow,
  type Store,
  type StoredProject,
} from './store.js';

export { RevisionConflictError } from './store.js';

export interface PgStoreOptions {
  /** Keep the tables in this schema (created if missing) rather than in the connection's current one. */
  schema?: string | undefined;
  /** Connections in the pool (default 10). */
  max?: number | undefined;
  /** Errors of idle pooled connections (server restart, dropped link). Default: a process warning. */
  onError?: ((err: Error) => void) | undefined;
}

/** Lower case, digits and `_`: usable in `search_path` and as an identifier without quoting. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// The statements of the hot path take their rows as one JSON document (`jsonb_to_recordset`), so that a
// commit costs a fixed number of round trips however many revisions and nodes it carries.
const SQL = {
  insertProject: `INSERT INTO projects (id, name, template_id, template_version, template, extras, revision, roots,
      created_at, updated_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9, $10)`,
  /**
   * Advance each project's revision, only if the first revision written follows it directly. The rows are
   * locked in id order first, so that two processes committing groups over the same projects cannot
   * deadlock; under READ COMMITTED a writer that waited re-checks the revision against the winner's.
   */
  advanceProjects: `WITH x AS (
        SELECT * FROM jsonb_to_recordset($1::jsonb)
          AS x(id text, min_revision integer, revision integer, updated_at text, roots jsonb)
      ), locked AS MATERIALIZED (
        SELECT p.id FROM projects p WHERE p.id IN (SELECT id FROM x) ORDER BY p.id FOR UPDATE
      )
      UPDATE projects p SET revision = x.revision, updated_at = x.updated_at, roots = COALESCE(x.roots, p.roots)
      FROM x JOIN locked l ON l.id = x.id
      WHERE p.id = x.id AND p.revision = x.min_revision - 1
      RETURNING p.id`,
  revisionsOf: 'SELECT id, revision FROM projects WHERE id = ANY($1::text[])',
  updateEntries: `UPDATE history h SET entry = x.entry
      FROM jsonb_to_recordset($1::jsonb) AS x(project_id text, revision integer, entry jsonb)
      WHERE h.project_id = x.project_id AND h.revision = x.revision`,
  insertEntries: `INSERT INTO history (project_id, revision, entry)
      SELECT project_id, revision, entry
      FROM jsonb_to_recordset($1::jsonb) AS x(project_id text, revision integer, entry jsonb)`,
  upsertNodes: `INSERT INTO nodes (project_id, id, data)
      SELECT project_id, id, data FROM jsonb_to_recordset($1::jsonb) AS x(project_id text, id text, data jsonb)
      ON CONFLICT (project_id, id) DO UPDATE SET data = EXCLUDED.data`,
  deleteNodes: 'DELETE FROM nodes WHERE project_id = $1 AND id = ANY($2::text[])',
  getProject: `SELECT id, name, template_id, template_version, template, extras, revision, roots, created_at,
      updated_at FROM projects WHERE id = $1`,
  nodesOf: 'SELECT data FROM nodes WHERE project_id = $1 ORDER BY id',
  historyOf: 'SELECT entry FROM history WHERE project_id = $1 ORDER BY revision',
  historySince: 'SELECT entry FROM history WHERE project_id = $1 AND revision > $2 ORDER BY revision',
  revisionOf: 'SELECT revision FROM projects WHERE id = $1',
  listProjects: `SELECT id, name, template_id, template_version, revision, created_at, updated_at FROM projects
      ORDER BY updated_at DESC`,
  rename: 'UPDATE projects SET name = $2, updated_at = $3 WHERE id = $1',
  deleteProject: 'DELETE FROM projects WHERE id = $1', // nodes and history follow (ON DELETE CASCADE)
  pruneHistory: 'DELETE FROM history WHERE project_id = $1 AND revision < $2',
  saveSession: `INSERT INTO sessions (session_id, project_id, created_at, last_activity) VALUES ($1, $2, $3, $4)
      ON CONFLICT (session_id) DO UPDATE SET project_id = EXCLUDED.project_id,
      last_activity = EXCLUDED.last_activity`,
  touchSessions: 'UPDATE sessions SET last_activity = $2 WHERE session_id = ANY($1::text[])',
  deleteSessions: 'DELETE FROM sessions WHERE session_id = ANY($1::text[])',
  listSessions: 'SELECT session_id, project_id, created_at, last_activity FROM sessions ORDER BY created_at',
  saveTemplate: `INSERT INTO templates (id, source) VALUES ($1, $2)
      ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source`,
  listTemplates: 'SELECT id, source FROM templates ORDER BY id',
} as const;

/** What a group of revisions does, folded per project to its net effect (in the order they were made). */
interface CommitPlan {
  projects: Array<{
    id: string;
    min_revision: number;
    revision: number;
    updated_at: string;
    roots?: string[];
  }>;
  /** Entries to insert (an undo/redo target written in the same group is folded into its entry). */
  entries: Array<{ project_id: string; revision: number; entry: HistoryEntry }>;
  /** New status of entries stored by earlier commits. */
  targets: Array<{ project_id: string; revision: number; entry: HistoryEntry }>;
  upserts: Array<{ project_id: string; id: string; data: NodeRecord }>;
  deletes: Map<string, string[]>;
  /** Per project, the revision below which history entries are dropped. */
  floors: Map<string, number>;
}

function planCommit(writes: readonly RevisionWrite[]): CommitPlan {
  const projects = new Map<string, CommitPlan['projects'][number]>();
  const nodes = new Map<string, Map<string, NodeRecord | null>>();
  const entries: CommitPlan['entries'] = [];
  const entryAt = new Map<string, number>();
  const floors = new Map<string, number>();
  const targets = new Map<string, CommitPlan['targets'][number]>();
  const key = (projectId: string, revision: number) => `${projectId}\u0000${revision}`;
  for (const w of writes) {
    const p = projects.get(w.project_id);
    if (p) {
      if (w.revision !== p.revision + 1) {
        throw new RevisionConflictError(
          [w.project_id],
          `revision ${w.revision} does not follow ${p.revision}`,
        );
      }
      p.revision = w.revision;
      p.updated_at = w.updated_at;
      if (w.roots) p.roots = w.roots;
    } else {
      projects.set(w.project_id, {
        id: w.project_id,
        min_revision: w.revision,
        revision: w.revision,
        updated_at: w.updated_at,
        ...(w.roots ? { roots: w.roots } : {}),
      });
    }
    // a duplicate revision stays in the list: the primary key refuses it, and with it the group
    const k = key(w.project_id, w.entry.revision);
    if (!entryAt.has(k)) entryAt.set(k, entries.length);
    entries.push({ project_id: w.project_id, revision: w.entry.revision, entry: w.entry });
    if (w.target) {
      const tk = key(w.project_id, w.target.revision);
      const at = entryAt.get(tk);
      if (at !== undefined) entries[at]!.entry = w.target;
      else targets.set(tk, { project_id: w.project_id, revision: w.target.revision, entry: w.target });
    }
    const net = nodes.get(w.project_id) ?? new Map<string, NodeRecord | null>();
    nodes.set(w.project_id, net);
    for (const n of w.upserts) net.set(n.id, n);
    for (const id of w.deletes) net.set(id, null);
    if (w.history_floor !== undefined) {
      floors.set(w.project_id, Math.max(floors.get(w.project_id) ?? 0, w.history_floor));
    }
  }
  const upserts: CommitPlan['upserts'] = [];
  const deletes = new Map<string, string[]>();
  for (const [projectId, net] of nodes) {
    for (const [id, n] of net) {
      if (n) upserts.push({ project_id: projectId, id, data: n });
      else {
        const list = deletes.get(projectId);
        if (list) list.push(id);
        else deletes.set(projectId, [id]);
      }
    }
  }
  return {
    projects: [...projects.values()],
    entries,
    targets: [...targets.values()],
    upserts,
    deletes,
    floors,
  };
}

function pgError(err: unknown): { code?: string; constraint?: string } {
  if (typeof err !== 'object' || err === null) return {};
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof constraint === 'string' ? { constraint } : {}),
  };
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    // two processes creating it at once: IF NOT EXISTS does not stop the loser's unique violation
    const { code } = pgError(err);
    if (code !== '23505' && code !== '42P06') throw err;
  }
}

async function migrate(pool: pg.Pool, schema: string): Promise<string[]> {
  // Kysely over the same pool; not destroyed here, since that would end the pool
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...pgMigrations }) },
    // explicit: without it, Kysely takes a migration table in any schema for this one's
    migrationTableSchema: schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const what = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL schema migration failed${failed ? ` at ${failed}` : ''} (schema ${schema}): ${what}`,
      { cause: error },
    );
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The shared store (`TALUS_DATABASE_URL=postgres://…`): the SQLite layout on PostgreSQL, with JSONB
 * documents, for several server processes at once. A `commit` is one transaction that first advances each
 * project's revision only if no other writer has stored that revision yet (and the history primary key
 * backs this up), so concurrent writers of one revision get one success and one `RevisionConflictError`
 * that changed nothing.
 */
export class PgStore implements Store, HasAccounts {
  readonly kind = 'postgres';
  private closed = false;
  private accountStore: PgAccounts | undefined;

  /** Accounts, tokens, login sessions and project members (src/store/account-store.ts). */
  get accounts(): AccountStore {
    this.accountStore ??= new PgAccounts(this.pool);
    return this.accountStore;
  }

  private constructor(
    private readonly pool: pg.Pool,
    /** The schema holding the tables. */
    readonly schema: string,
    /** The migrations this `open` applied (empty when the schema was current). */
    readonly migrated: readonly string[],
  ) {}

  /**
   * Connect (a pool), create and select `opts.schema` when given, bring the schema up to date and return
   * the store. Rejects, leaving no pool behind, when the database is unreachable or a migration fails (also
   * when the database has a migration this server does not know: a newer server has been there).
   */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const { schema } = opts;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lower case letters, digits and _`);
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      application_name: 'talus',
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    const onError =
      opts.onError ?? ((err: Error) => process.emitWarning(`PostgreSQL connection error: ${err.message}`));
    pool.on('error', onError);
    try {
      if (schema !== undefined) await createSchema(pool, schema);
      const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const current = rows[0]?.schema;
      if (!current)
        throw new Error('no schema to keep the tables in: the search_path names none that exists');
      const migrated = await migrate(pool, current);
      return new PgStore(pool, current, migrated);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  /** Run `fn` in one transaction on one connection; roll back and rethrow on failure. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query(begin);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e)); // the connection is unusable: drop it
      }
      throw err;
    } finally {
      c.release(broken);
    }
  }

  async createProject({ row, nodes, history }: StoredProject): Promise<void> {
    await this.tx(async (c) => {
      await c.query(SQL.insertProject, [
        row.id,
        row.name,
        row.template_id,
        row.template_version,
        JSON.stringify(row.template),
        JSON.stringify(row.extras),
        row.revision,
        JSON.stringify(row.roots),
        row.created_at,
        row.updated_at,
      ]);
      if (nodes.length > 0) {
        const rows = nodes.map((n) => ({ project_id: row.id, id: n.id, data: n }));
        await c.query(SQL.upsertNodes, [JSON.stringify(rows)]);
      }
      if (history.length > 0) {
        const rows = history.map((e) => ({ project_id: row.id, revision: e.revision, entry: e }));
        await c.query(SQL.insertEntries, [JSON.stringify(rows)]);
      }
    });
  }

  async loadProject(id: string): Promise<StoredProject | undefined> {
    // one snapshot for the three reads, so that a commit landing meanwhile is seen entirely or not at all
    return this.tx(async (c) => {
      const r = (await c.query<ProjectRow>(SQL.getProject, [id])).rows[0];
      if (!r) return undefined;
      const nodes = (await c.query<{ data: NodeRecord }>(SQL.nodesOf, [id])).rows.map((n) => n.data);
      const history = (await c.query<{ entry: HistoryEntry }>(SQL.historyOf, [id])).rows.map((h) => h.entry);
      return { row: r, nodes, history };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async listProjects(): Promise<Array<Omit<ProjectRow, 'template' | 'extras' | 'roots'>>> {
    const { rows } = await this.pool.query<Omit<ProjectRow, 'template' | 'extras' | 'roots'>>(
      SQL.listProjects,
    );
    return rows;
  }

  async renameProject(id: string, name: string, updatedAt: string): Promise<boolean> {
    return ((await this.pool.query(SQL.rename, [id, name, updatedAt])).rowCount ?? 0) > 0;
  }

  async deleteProject(id: string): Promise<boolean> {
    return ((await this.pool.query(SQL.deleteProject, [id])).rowCount ?? 0) > 0;
  }

  /**
   * All or none, in one transaction of at most 5 statements whatever the group's size: advance the
   * projects (the concurrency check), update earlier entries' status, insert the entries, upsert the net
   * changed nodes, delete the net removed ones (one statement per project).
   */
  async commit(writes: readonly RevisionWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const plan = planCommit(writes);
    await this.tx(async (c) => {
      const advanced = await c.query<{ id: string }>(SQL.advanceProjects, [JSON.stringify(plan.projects)]);
      if (advanced.rows.length !== plan.projects.length) {
        const done = new Set(advanced.rows.map((r) => r.id));
        const missed = plan.projects.filter((p) => !done.has(p.id));
        const stored = new Map(
          (
            await c.query<{ id: string; revision: number }>(SQL.revisionsOf, [missed.map((p) => p.id)])
          ).rows.map((r) => [r.id, r.revision]),
        );
        const gone = missed.filter((p) => !stored.has(p.id));
        if (gone.length > 0)
          throw new RevisionConflictError(
            gone.map((p) => p.id),
            'the project is gone',
          );
        throw new RevisionConflictError(
          missed.map((p) => p.id),
          missed
            .map((p) => `${p.id} is at revision ${stored.get(p.id)}, the commit starts at ${p.min_revision}`)
            .join('; '),
        );
      }
      if (plan.targets.length > 0) await c.query(SQL.updateEntries, [JSON.stringify(plan.targets)]);
      try {
        await c.query(SQL.insertEntries, [JSON.stringify(plan.entries)]);
      } catch (err) {
        const { code, constraint } = pgError(err);
        if (code === '23505' && constraint === 'history_pkey') {
          const ids = [...new Set(plan.entries.map((e) => e.project_id))];
          throw new RevisionConflictError(ids, 'a revision in the commit is already stored', { cause: err });
        }
        throw err;
      }
      if (plan.upserts.length > 0) await c.query(SQL.upsertNodes, [JSON.stringify(plan.upserts)]);
      for (const [projectId, ids] of plan.deletes) await c.query(SQL.deleteNodes, [projectId, ids]);
      for (const [projectId, floor] of plan.floors) await c.query(SQL.pruneHistory, [projectId, floor]);
    });
  }

  /** History entries after `revision`, oldest first (multi-process catch-up). */
  async loadEntriesSince(projectId: string, revision: number): Promise<HistoryEntry[]> {
    const { rows } = await this.pool.query<{ entry: HistoryEntry }>(SQL.historySince, [projectId, revision]);
    return rows.map((r) => r.entry);
  }

  /** The project's last stored revision, or undefined when there is no such project. */
  async currentRevision(projectId: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ revision: number }>(SQL.revisionOf, [projectId]);
    return rows[0]?.revision;
  }

  async saveSession(s: SessionRow): Promise<void> {
    await this.pool.query(SQL.saveSession, [s.session_id, s.project_id, s.created_at, s.last_activity]);
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    const { rows } = await this.pool.query<SessionRow>(
      'SELECT session_id, project_id, created_at, last_activity FROM sessions WHERE session_id = $1',
      [id],
    );
    return rows[0];
  }

  async findSessionByProject(projectId: string): Promise<SessionRow | undefined> {
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT session_id, project_id, created_at, last_activity FROM sessions WHERE project_id = $1
       ORDER BY created_at LIMIT 1`,
      [projectId],
    );
    return rows[0];
  }

  async touchSessions(ids: readonly string[], at: string): Promise<void> {
    if (ids.length > 0) await this.pool.query(SQL.touchSessions, [[...ids], at]);
  }

  async deleteSessions(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.pool.query(SQL.deleteSessions, [[...ids]]);
  }

  async listSessions(): Promise<SessionRow[]> {
    return (await this.pool.query<SessionRow>(SQL.listSessions)).rows;
  }

  async saveTemplate(id: string, source: string): Promise<void> {
    await this.pool.query(SQL.saveTemplate, [id, source]);
  }

  async listTemplates(): Promise<Array<{ id: string; source: string }>> {
    return (await this.pool.query<{ id: string; source: string }>(SQL.listTemplates)).rows;
  }

  /** Nothing to do: PostgreSQL's own WAL and checkpoints keep committed data and restarts fast. */
  async snapshot(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
