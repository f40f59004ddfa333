import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEntry, JsonObject, NodeRecord } from '@talus/core';
import Database from 'better-sqlite3';
import { Kysely, type Migration, Migrator, SqliteDialect, sql } from 'kysely';
import type { AccountStore, HasAccounts } from './account-store.js';
import { SQLITE_ACCOUNTS_MIGRATION, SqliteAccounts } from './sqlite-accounts.js';
import {
  type ProjectRow,
  RevisionConflictError,
  type RevisionWrite,
  type SessionRow,
  type Store,
  type StoredProject,
} from './store.js';

/** The first schema: projects, nodes (one row each), history, sessions, uploaded templates. */
const INITIAL = `CREATE TABLE projects (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, template_id TEXT NOT NULL, template_version TEXT NOT NULL,
     template_json TEXT NOT NULL, extras_json TEXT NOT NULL, revision INTEGER NOT NULL, roots_json TEXT NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE nodes (
     project_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (project_id, id)) WITHOUT ROWID;
   CREATE TABLE history (
     project_id TEXT NOT NULL, revision INTEGER NOT NULL, entry TEXT NOT NULL,
     PRIMARY KEY (project_id, revision)) WITHOUT ROWID;
   CREATE TABLE sessions (
     session_id TEXT PRIMARY KEY, project_id TEXT, created_at TEXT NOT NULL, last_activity TEXT NOT NULL);
   CREATE TABLE templates (id TEXT PRIMARY KEY, source TEXT NOT NULL);`;

/** One SQL script as a Kysely migration (better-sqlite3 runs one statement at a time). */
const script = (text: string): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of text
      .split(/;\s*(?:\n|$)/)
      .map((x) => x.trim())
      .filter((x) => x.length > 0)) {
      await sql.raw(statement).execute(db);
    }
  },
});

/**
 * The SQLite schema, versioned for Kysely's `Migrator` like PostgreSQL's (migrations/pg.ts): applied in name
 * order at `SqliteStore.open`, each in a transaction; applied names are kept in `kysely_migration`. Never
 * edit one that has shipped: add the next.
 */
const SQLITE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': script(INITIAL),
  '0002_accounts': script(SQLITE_ACCOUNTS_MIGRATION),
};

interface ProjectDbRow {
  id: string;
  name: string;
  template_id: string;
  template_version: string;
  template_json: string;
  extras_json: string;
  revision: number;
  roots_json: string;
  created_at: string;
  updated_at: string;
}

/**
 * The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a resolved `commit` survives
 * a power cut or SIGKILL. Nodes are stored one row each, so a revision writes only the rows it changed.
 */
export class SqliteStore implements Store, HasAccounts {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: Database.Database;
  private readonly stmt;
  private accountStore: SqliteAccounts | undefined;

  /** Accounts, tokens, login sessions and project members (src/store/account-store.ts). */
  get accounts(): AccountStore {
    this.accountStore ??= new SqliteAccounts(this.db);
    return this.accountStore;
  }

  /** Open (or create) the store in `dataDir` and bring its schema up to date. */
  static async open(dataDir: string, fileName = 'talus.db'): Promise<SqliteStore> {
    if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
    const file = dataDir === ':memory:' ? ':memory:' : join(dataDir, fileName);
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      await migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(db, file);
  }

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
    this.stmt = {
      insertProject: db.prepare(
        `INSERT INTO projects (id, name, template_id, template_version, template_json, extras_json, revision, roots_json,
           created_at, updated_at) VALUES (@id, @name, @template_id, @template_version, @template_json, @extras_json,
           @revision, @roots_json, @created_at, @updated_at)`,
      ),
      getProject: db.prepare<[string], ProjectDbRow>('SELECT * FROM projects WHERE id = ?'),
      listProjects: db.prepare<[], ProjectDbRow>(
        'SELECT id, name, template_id, template_version, revision, created_at, updated_at FROM projects ORDER BY updated_at DESC',
      ),
      rename: db.prepare('UPDATE projects SET name = ?, updated_at = ? WHERE id = ?'),
      setRevision: db.prepare('UPDATE projects SET revision = ?, updated_at = ? WHERE id = ?'),
      setRoots: db.prepare('UPDATE projects SET roots_json = ? WHERE id = ?'),
      deleteProject: db.prepare('DELETE FROM projects WHERE id = ?'),
      upsertNode: db.prepare(
        'INSERT INTO nodes (project_id, id, data) VALUES (?, ?, ?) ON CONFLICT (project_id, id) DO UPDATE SET data = excluded.data',
      ),
      deleteNode: db.prepare('DELETE FROM nodes WHERE project_id = ? AND id = ?'),
      nodesOf: db.prepare<[string], { data: string }>('SELECT data FROM nodes WHERE project_id = ?'),
      deleteNodesOf: db.prepare('DELETE FROM nodes WHERE project_id = ?'),
      insertEntry: db.prepare('INSERT INTO history (project_id, revision, entry) VALUES (?, ?, ?)'),
      updateEntry: db.prepare('UPDATE history SET entry = ? WHERE project_id = ? AND revision = ?'),
      historySince: db.prepare<[string, number], { entry: string }>(
        'SELECT entry FROM history WHERE project_id = ? AND revision > ? ORDER BY revision',
      ),
      revisionOf: db.prepare<[string], { revision: number }>('SELECT revision FROM projects WHERE id = ?'),
      getSession: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_id = ?'),
      sessionOfProject: db.prepare<[string], SessionRow>(
        'SELECT * FROM sessions WHERE project_id = ? ORDER BY created_at LIMIT 1',
      ),
      historyOf: db.prepare<[string], { entry: string }>(
        'SELECT entry FROM history WHERE project_id = ? ORDER BY revision',
      ),
      deleteHistoryOf: db.prepare('DELETE FROM history WHERE project_id = ?'),
      pruneHistory: db.prepare('DELETE FROM history WHERE project_id = ? AND revision < ?'),
      saveSession: db.prepare(
        `INSERT INTO sessions (session_id, project_id, created_at, last_activity) VALUES (@session_id, @project_id,
           @created_at, @last_activity) ON CONFLICT (session_id) DO UPDATE SET project_id = excluded.project_id,
           last_activity = excluded.last_activity`,
      ),
      touchSession: db.prepare('UPDATE sessions SET last_activity = ? WHERE session_id = ?'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE session_id = ?'),
      listSessions: db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at'),
      saveTemplate: db.prepare(
        'INSERT INTO templates (id, source) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source',
      ),
      listTemplates: db.prepare<[], { id: string; source: string }>(
        'SELECT id, source FROM templates ORDER BY id',
      ),
    };
  }

  async createProject({ row, nodes, history }: StoredProject): Promise<void> {
    this.db.transaction(() => {
      this.stmt.insertProject.run({
        ...row,
        template_json: JSON.stringify(row.template),
        extras_json: JSON.stringify(row.extras),
        roots_json: JSON.stringify(row.roots),
      });
      for (const n of nodes) this.stmt.upsertNode.run(row.id, n.id, JSON.stringify(n));
      for (const e of history) this.stmt.insertEntry.run(row.id, e.revision, JSON.stringify(e));
    })();
  }

  async loadProject(id: string): Promise<StoredProject | undefined> {
    const r = this.stmt.getProject.get(id);
    if (!r) return undefined;
    const row: ProjectRow = {
      id: r.id,
      name: r.name,
      template_id: r.template_id,
      template_version: r.template_version,
      template: JSON.parse(r.template_json) as JsonObject,
      extras: JSON.parse(r.extras_json) as JsonObject,
      revision: r.revision,
      roots: JSON.parse(r.roots_json) as string[],
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
    const nodes = this.stmt.nodesOf.all(id).map((n) => JSON.parse(n.data) as NodeRecord);
    const history = this.stmt.historyOf.all(id).map((h) => JSON.parse(h.entry) as HistoryEntry);
    return { row, nodes, history };
  }

  async listProjects() {
    return this.stmt.listProjects.all().map((r) => ({
      id: r.id,
      name: r.name,
      template_id: r.template_id,
      template_version: r.template_version,
      revision: r.revision,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }));
  }

  async renameProject(id: string, name: string, updatedAt: string): Promise<boolean> {
    return this.stmt.rename.run(name, updatedAt, id).changes > 0;
  }

  async deleteProject(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.stmt.deleteNodesOf.run(id);
      this.stmt.deleteHistoryOf.run(id);
      return this.stmt.deleteProject.run(id).changes > 0;
    })();
  }

  async commit(writes: readonly RevisionWrite[]): Promise<void> {
    this.db.transaction(() => {
      for (const w of writes) {
        const stored = this.stmt.revisionOf.get(w.project_id)?.revision;
        if (stored !== w.revision - 1) {
          throw new RevisionConflictError([w.project_id], `revision ${w.revision} does not follow ${stored}`);
        }
        this.stmt.insertEntry.run(w.project_id, w.entry.revision, JSON.stringify(w.entry));
        if (w.target) this.stmt.updateEntry.run(JSON.stringify(w.target), w.project_id, w.target.revision);
        for (const n of w.upserts) this.stmt.upsertNode.run(w.project_id, n.id, JSON.stringify(n));
        for (const id of w.deletes) this.stmt.deleteNode.run(w.project_id, id);
        if (w.roots) this.stmt.setRoots.run(JSON.stringify(w.roots), w.project_id);
        this.stmt.setRevision.run(w.revision, w.updated_at, w.project_id);
        if (w.history_floor !== undefined) this.stmt.pruneHistory.run(w.project_id, w.history_floor);
      }
    })();
  }

  async loadEntriesSince(projectId: string, revision: number): Promise<HistoryEntry[]> {
    return this.stmt.historySince.all(projectId, revision).map((h) => JSON.parse(h.entry) as HistoryEntry);
  }

  async currentRevision(projectId: string): Promise<number | undefined> {
    return this.stmt.revisionOf.get(projectId)?.revision;
  }

  async saveSession(session: SessionRow): Promise<void> {
    this.stmt.saveSession.run(session);
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    return this.stmt.getSession.get(id);
  }

  async findSessionByProject(projectId: string): Promise<SessionRow | undefined> {
    return this.stmt.sessionOfProject.get(projectId);
  }

  async touchSessions(ids: readonly string[], at: string): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.touchSession.run(at, id);
    })();
  }

  async deleteSessions(ids: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.deleteSession.run(id);
    })();
  }

  async listSessions(): Promise<SessionRow[]> {
    return this.stmt.listSessions.all();
  }

  async saveTemplate(id: string, source: string): Promise<void> {
    this.stmt.saveTemplate.run(id, source);
  }

  async listTemplates() {
    return this.stmt.listTemplates.all();
  }

  async snapshot(): Promise<void> {
    if (this.file !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** A consistent online copy of the whole store (`talus backup`). */
  async backup(destination: string, progress?: (done: number, total: number) => void): Promise<void> {
    await this.db.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        progress?.(totalPages - remainingPages, totalPages);
        return 256;
      },
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Apply the pending migrations (Kysely's migrator over the same connection). */
async function migrate(db: Database.Database, file: string): Promise<void> {
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => SQLITE_MIGRATIONS },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const why = error instanceof Error ? error.message : String(error ?? failed?.migrationName);
    throw new Error(`${file}: migration failed: ${why}`);
  }
}
