import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The PostgreSQL schema, versioned for Kysely's `Migrator`: applied in name order at `PgStore.open`, each
 * pending group in one transaction under Kysely's advisory lock (so several processes starting at once
 * migrate once). The applied names are recorded in `kysely_migration` in the store's schema. Never edit
 * a migration that has shipped: add the next one (`0002_…`).
 *
 * Identifiers and ISO timestamps are `text COLLATE "C"`: byte order, like SQLite's, for keys and for
 * `ORDER BY updated_at`, whatever the database's default collation.
 */
const key = sql`text collate "C"`;

export const pgMigrations: Readonly<Record<string, Migration>> = {
  '0001_initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('projects')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('template_version', 'text', (c) => c.notNull())
        .addColumn('template', 'jsonb', (c) => c.notNull())
        .addColumn('extras', 'jsonb', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('roots', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();
      // one row per node, so that a revision writes only the nodes it changed
      await db.schema
        .createTable('nodes')
        .addColumn('project_id', key, (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('id', key, (c) => c.notNull())
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('nodes_pkey', ['project_id', 'id'])
        .execute();
      // one row per revision: the primary key refuses a second writer of the same revision
      await db.schema
        .createTable('history')
        .addColumn('project_id', key, (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('entry', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('history_pkey', ['project_id', 'revision'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('session_id', key, (c) => c.primaryKey())
        .addColumn('project_id', key)
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('last_activity', key, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('templates')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['templates', 'sessions', 'history', 'nodes', 'projects']) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  '0002_accounts': {
    // accounts, API tokens and web login sessions (secrets stored as SHA-256), project members
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('username', key, (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('admin', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', key, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', key, (c) => c.notNull().unique())
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('last_used_at', key)
        .execute();
      await db.schema.createIndex('api_tokens_by_user').on('api_tokens').column('user_id').execute();
      await db.schema
        .createTable('login_sessions')
        .addColumn('id_hash', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('expires_at', key, (c) => c.notNull())
        .execute();
      // members go with their project (Store.deleteProject) and with their user
      await db.schema
        .createTable('project_members')
        .addColumn('project_id', key, (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'editor', 'viewer')`))
        .addPrimaryKeyConstraint('project_members_pkey', ['project_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('project_members_by_user')
        .on('project_members')
        .column('user_id')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['project_members', 'login_sessions', 'api_tokens', 'users']) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  '0003_one_session_per_project': {
    // several server processes may open a project at once: the index makes them share one session
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE UNIQUE INDEX sessions_one_per_project ON sessions (project_id) WHERE project_id IS NOT NULL`.execute(
        db,
      );
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`DROP INDEX sessions_one_per_project`.execute(db);
    },
  },
};
