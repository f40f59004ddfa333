import type Database from 'better-sqlite3';
import {
  type AccountStore,
  type CreateUserResult,
  type LoginSessionRow,
  losesLastOwner,
  type MemberChange,
  type MemberInfo,
  type MemberRemoval,
  type Role,
  type TokenRow,
  type UserRow,
} from './account-store.js';

/**
 * The accounts schema, one of `SqliteStore`'s migrations. Members, tokens and login sessions go with their
 * user, members with their project (`ON DELETE CASCADE`; the store runs with `foreign_keys = ON`).
 */
export const SQLITE_ACCOUNTS_MIGRATION = `
  CREATE TABLE users (
    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_used_at TEXT);
  CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
  CREATE TABLE login_sessions (
    id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
  CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    PRIMARY KEY (project_id, user_id)) WITHOUT ROWID;
  CREATE INDEX project_members_by_user ON project_members (user_id);`;

interface UserDbRow extends Omit<UserRow, 'admin'> {
  admin: number;
}

const toUser = (r: UserDbRow): UserRow => ({ ...r, admin: r.admin === 1 });

/** Accounts in the SQLite file (`SqliteStore.accounts`). */
export class SqliteAccounts implements AccountStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insertUser: db.prepare(
        `INSERT INTO users (id, username, name, password_hash, admin, created_at)
         VALUES (@id, @username, @name, @password_hash, @admin, @created_at)`,
      ),
      countUsers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
      userById: db.prepare<[string], UserDbRow>('SELECT * FROM users WHERE id = ?'),
      userByName: db.prepare<[string], UserDbRow>('SELECT * FROM users WHERE username = ?'),
      listUsers: db.prepare<[], UserDbRow>('SELECT * FROM users ORDER BY username'),
      insertToken: db.prepare(
        `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, last_used_at)
         VALUES (@id, @user_id, @name, @token_hash, @created_at, @last_used_at)`,
      ),
      tokensOf: db.prepare<[string], TokenRow>(
        'SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id',
      ),
      tokenByHash: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE token_hash = ?'),
      touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
      deleteToken: db.prepare('DELETE FROM api_tokens WHERE id = ?'),
      insertLogin: db.prepare(
        `INSERT INTO login_sessions (id_hash, user_id, created_at, expires_at)
         VALUES (@id_hash, @user_id, @created_at, @expires_at)`,
      ),
      login: db.prepare<[string], LoginSessionRow>('SELECT * FROM login_sessions WHERE id_hash = ?'),
      deleteLogin: db.prepare('DELETE FROM login_sessions WHERE id_hash = ?'),
      deleteExpired: db.prepare('DELETE FROM login_sessions WHERE expires_at <= ?'),
      membersOf: db.prepare<[string], { user_id: string; role: Role }>(
        'SELECT user_id, role FROM project_members WHERE project_id = ?',
      ),
      upsertMember: db.prepare(
        `INSERT INTO project_members (project_id, user_id, role) VALUES (?, ?, ?)
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role`,
      ),
      deleteMember: db.prepare('DELETE FROM project_members WHERE project_id = ? AND user_id = ?'),
      roleOf: db.prepare<[string, string], { role: Role }>(
        'SELECT role FROM project_members WHERE project_id = ? AND user_id = ?',
      ),
      listMembers: db.prepare<[string], MemberInfo>(
        `SELECT m.user_id, u.username, u.name, m.role FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ? ORDER BY u.username`,
      ),
      membershipsOf: db.prepare<[string], { project_id: string; role: Role }>(
        'SELECT project_id, role FROM project_members WHERE user_id = ? ORDER BY project_id',
      ),
    };
  }

  async createUser(user: UserRow, opts: { onlyIfFirst?: boolean } = {}): Promise<CreateUserResult> {
    return this.db
      .transaction((): CreateUserResult => {
        if (opts.onlyIfFirst && this.stmt.countUsers.get()!.n > 0) return 'not-first';
        if (this.stmt.userByName.get(user.username)) return 'username-taken';
        this.stmt.insertUser.run({ ...user, admin: user.admin ? 1 : 0 });
        return 'created';
      })
      .immediate();
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const r = this.stmt.userById.get(id);
    return r ? toUser(r) : undefined;
  }

  async getUserByUsername(username: string): Promise<UserRow | undefined> {
    const r = this.stmt.userByName.get(username);
    return r ? toUser(r) : undefined;
  }

  async countUsers(): Promise<number> {
    return this.stmt.countUsers.get()!.n;
  }

  async listUsers(): Promise<UserRow[]> {
    return this.stmt.listUsers.all().map(toUser);
  }

  async createToken(token: TokenRow): Promise<void> {
    this.stmt.insertToken.run(token);
  }

  async listTokens(userId: string): Promise<TokenRow[]> {
    return this.stmt.tokensOf.all(userId);
  }

  async getTokenByHash(tokenHash: string): Promise<TokenRow | undefined> {
    return this.stmt.tokenByHash.get(tokenHash);
  }

  async touchToken(id: string, at: string): Promise<void> {
    this.stmt.touchToken.run(at, id);
  }

  async deleteToken(id: string): Promise<boolean> {
    return this.stmt.deleteToken.run(id).changes > 0;
  }

  async createLoginSession(session: LoginSessionRow): Promise<void> {
    this.stmt.insertLogin.run(session);
  }

  async getLoginSession(idHash: string): Promise<LoginSessionRow | undefined> {
    return this.stmt.login.get(idHash);
  }

  async deleteLoginSession(idHash: string): Promise<boolean> {
    return this.stmt.deleteLogin.run(idHash).changes > 0;
  }

  async deleteExpiredLoginSessions(now: string): Promise<number> {
    return this.stmt.deleteExpired.run(now).changes;
  }

  async setMember(projectId: string, userId: string, role: Role): Promise<MemberChange> {
    return this.db
      .transaction((): MemberChange => {
        if (losesLastOwner(this.stmt.membersOf.all(projectId), userId, role)) return 'last-owner';
        this.stmt.upsertMember.run(projectId, userId, role);
        return 'ok';
      })
      .immediate();
  }

  async removeMember(projectId: string, userId: string): Promise<MemberRemoval> {
    return this.db
      .transaction((): MemberRemoval => {
        const members = this.stmt.membersOf.all(projectId);
        if (!members.some((m) => m.user_id === userId)) return 'not-member';
        if (losesLastOwner(members, userId, undefined)) return 'last-owner';
        this.stmt.deleteMember.run(projectId, userId);
        return 'ok';
      })
      .immediate();
  }

  async getMemberRole(projectId: string, userId: string): Promise<Role | undefined> {
    return this.stmt.roleOf.get(projectId, userId)?.role;
  }

  async listMembers(projectId: string): Promise<MemberInfo[]> {
    return this.stmt.listMembers.all(projectId);
  }

  async membershipsOf(userId: string): Promise<Array<{ project_id: string; role: Role }>> {
    return this.stmt.membershipsOf.all(userId);
  }
}
