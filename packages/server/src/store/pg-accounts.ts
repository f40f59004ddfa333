import type pg from 'pg';
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

const USER_COLUMNS = 'id, username, name, password_hash, admin, created_at';
const TOKEN_COLUMNS = 'id, user_id, name, token_hash, created_at, last_used_at';

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Accounts in PostgreSQL (`PgStore.accounts`; schema in migration `0002_accounts`). Decisions that read then
 * write (the first sign-up, the last owner) run in one transaction holding a lock, so that several server
 * processes cannot both pass the check.
 */
export class PgAccounts implements AccountStore {
  constructor(private readonly pool: pg.Pool) {}

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e));
      }
      throw err;
    } finally {
      c.release(broken);
    }
  }

  async createUser(user: UserRow, opts: { onlyIfFirst?: boolean } = {}): Promise<CreateUserResult> {
    const values = [user.id, user.username, user.name, user.password_hash, user.admin, user.created_at];
    const insert = `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`;
    try {
      if (!opts.onlyIfFirst) {
        await this.pool.query(insert, values);
        return 'created';
      }
      return await this.tx(async (c) => {
        // blocks other writers of `users` until commit: two first sign-ups cannot both see an empty table
        await c.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
        const { rows } = await c.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any');
        if (rows[0]?.any) return 'not-first';
        await c.query(insert, values);
        return 'created';
      });
    } catch (err) {
      if (isUniqueViolation(err)) return 'username-taken';
      throw err;
    }
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  async getUserByUsername(username: string): Promise<UserRow | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [
      username,
    ]);
    return rows[0];
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return rows[0]?.n ?? 0;
  }

  async listUsers(): Promise<UserRow[]> {
    return (await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`)).rows;
  }

  async createToken(t: TokenRow): Promise<void> {
    await this.pool.query(`INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
      t.id,
      t.user_id,
      t.name,
      t.token_hash,
      t.created_at,
      t.last_used_at,
    ]);
  }

  async listTokens(userId: string): Promise<TokenRow[]> {
    const { rows } = await this.pool.query<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows;
  }

  async getTokenByHash(tokenHash: string): Promise<TokenRow | undefined> {
    const { rows } = await this.pool.query<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.pool.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async deleteToken(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM api_tokens WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async createLoginSession(s: LoginSessionRow): Promise<void> {
    await this.pool.query(
      'INSERT INTO login_sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [s.id_hash, s.user_id, s.created_at, s.expires_at],
    );
  }

  async getLoginSession(idHash: string): Promise<LoginSessionRow | undefined> {
    const { rows } = await this.pool.query<LoginSessionRow>(
      'SELECT id_hash, user_id, created_at, expires_at FROM login_sessions WHERE id_hash = $1',
      [idHash],
    );
    return rows[0];
  }

  async deleteLoginSession(idHash: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM login_sessions WHERE id_hash = $1', [idHash]);
    return (r.rowCount ?? 0) > 0;
  }

  async deleteExpiredLoginSessions(now: string): Promise<number> {
    return (await this.pool.query('DELETE FROM login_sessions WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  /** The project's member rows, locked until the transaction ends. */
  private async lockMembers(c: pg.PoolClient, projectId: string) {
    const { rows } = await c.query<{ user_id: string; role: Role }>(
      'SELECT user_id, role FROM project_members WHERE project_id = $1 ORDER BY user_id FOR UPDATE',
      [projectId],
    );
    return rows;
  }

  async setMember(projectId: string, userId: string, role: Role): Promise<MemberChange> {
    return this.tx(async (c) => {
      if (losesLastOwner(await this.lockMembers(c, projectId), userId, role)) return 'last-owner';
      await c.query(
        `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
        [projectId, userId, role],
      );
      return 'ok';
    });
  }

  async removeMember(projectId: string, userId: string): Promise<MemberRemoval> {
    return this.tx(async (c) => {
      const members = await this.lockMembers(c, projectId);
      if (!members.some((m) => m.user_id === userId)) return 'not-member';
      if (losesLastOwner(members, userId, undefined)) return 'last-owner';
      await c.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [
        projectId,
        userId,
      ]);
      return 'ok';
    });
  }

  async getMemberRole(projectId: string, userId: string): Promise<Role | undefined> {
    const { rows } = await this.pool.query<{ role: Role }>(
      'SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2',
      [projectId, userId],
    );
    return rows[0]?.role;
  }

  async listMembers(projectId: string): Promise<MemberInfo[]> {
    const { rows } = await this.pool.query<MemberInfo>(
      `SELECT m.user_id, u.username, u.name, m.role FROM project_members m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = $1 ORDER BY u.username`,
      [projectId],
    );
    return rows;
  }

  async membershipsOf(userId: string): Promise<Array<{ project_id: string; role: Role }>> {
    const { rows } = await this.pool.query<{ project_id: string; role: Role }>(
      'SELECT project_id, role FROM project_members WHERE user_id = $1 ORDER BY project_id',
      [userId],
    );
    return rows;
  }
}
