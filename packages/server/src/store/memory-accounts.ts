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

/** Accounts in memory (`MemoryStore.accounts`). Copies on the way in and out, like the rest of that store. */
export class MemoryAccounts implements AccountStore {
  private readonly users = new Map<string, UserRow>();
  private readonly tokens = new Map<string, TokenRow>();
  private readonly logins = new Map<string, LoginSessionRow>();
  /** project id → user id → role */
  private readonly members = new Map<string, Map<string, Role>>();

  async createUser(user: UserRow, opts: { onlyIfFirst?: boolean } = {}): Promise<CreateUserResult> {
    if (opts.onlyIfFirst && this.users.size > 0) return 'not-first';
    if ([...this.users.values()].some((u) => u.username === user.username)) return 'username-taken';
    this.users.set(user.id, { ...user });
    return 'created';
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const u = this.users.get(id);
    return u ? { ...u } : undefined;
  }

  async getUserByUsername(username: string): Promise<UserRow | undefined> {
    const u = [...this.users.values()].find((x) => x.username === username);
    return u ? { ...u } : undefined;
  }

  async countUsers(): Promise<number> {
    return this.users.size;
  }

  async listUsers(): Promise<UserRow[]> {
    return [...this.users.values()].map((u) => ({ ...u })).sort((a, b) => cmp(a.username, b.username));
  }

  async createToken(token: TokenRow): Promise<void> {
    if (!this.users.has(token.user_id)) throw new Error(`no user ${token.user_id}`);
    if (this.tokens.has(token.id)) throw new Error(`token ${token.id} exists`);
    this.tokens.set(token.id, { ...token });
  }

  async listTokens(userId: string): Promise<TokenRow[]> {
    return [...this.tokens.values()]
      .filter((t) => t.user_id === userId)
      .map((t) => ({ ...t }))
      .sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.id, b.id));
  }

  async getTokenByHash(tokenHash: string): Promise<TokenRow | undefined> {
    const t = [...this.tokens.values()].find((x) => x.token_hash === tokenHash);
    return t ? { ...t } : undefined;
  }

  async touchToken(id: string, at: string): Promise<void> {
    const t = this.tokens.get(id);
    if (t) t.last_used_at = at;
  }

  async deleteToken(id: string): Promise<boolean> {
    return this.tokens.delete(id);
  }

  async createLoginSession(session: LoginSessionRow): Promise<void> {
    if (!this.users.has(session.user_id)) throw new Error(`no user ${session.user_id}`);
    this.logins.set(session.id_hash, { ...session });
  }

  async getLoginSession(idHash: string): Promise<LoginSessionRow | undefined> {
    const s = this.logins.get(idHash);
    return s ? { ...s } : undefined;
  }

  async deleteLoginSession(idHash: string): Promise<boolean> {
    return this.logins.delete(idHash);
  }

  async deleteExpiredLoginSessions(now: string): Promise<number> {
    let n = 0;
    for (const [k, s] of this.logins) {
      if (s.expires_at <= now) {
        this.logins.delete(k);
        n++;
      }
    }
    return n;
  }

  async setMember(projectId: string, userId: string, role: Role): Promise<MemberChange> {
    if (!this.users.has(userId)) throw new Error(`no user ${userId}`);
    const roles = this.members.get(projectId) ?? new Map<string, Role>();
    if (losesLastOwner(entries(roles), userId, role)) return 'last-owner';
    roles.set(userId, role);
    this.members.set(projectId, roles);
    return 'ok';
  }

  async removeMember(projectId: string, userId: string): Promise<MemberRemoval> {
    const roles = this.members.get(projectId);
    if (!roles?.has(userId)) return 'not-member';
    if (losesLastOwner(entries(roles), userId, undefined)) return 'last-owner';
    roles.delete(userId);
    if (roles.size === 0) this.members.delete(projectId);
    return 'ok';
  }

  async getMemberRole(projectId: string, userId: string): Promise<Role | undefined> {
    return this.members.get(projectId)?.get(userId);
  }

  async listMembers(projectId: string): Promise<MemberInfo[]> {
    const out: MemberInfo[] = [];
    for (const [userId, role] of this.members.get(projectId) ?? []) {
      const u = this.users.get(userId);
      if (u) out.push({ user_id: userId, username: u.username, name: u.name, role });
    }
    return out.sort((a, b) => cmp(a.username, b.username));
  }

  async membershipsOf(userId: string): Promise<Array<{ project_id: string; role: Role }>> {
    const out: Array<{ project_id: string; role: Role }> = [];
    for (const [projectId, roles] of this.members) {
      const role = roles.get(userId);
      if (role) out.push({ project_id: projectId, role });
    }
    return out.sort((a, b) => cmp(a.project_id, b.project_id));
  }

  /** The project was deleted: its members go with it (called by `MemoryStore.deleteProject`). */
  forgetProject(projectId: string): void {
    this.members.delete(projectId);
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const entries = (roles: Map<string, Role>) => [...roles].map(([user_id, role]) => ({ user_id, role }));
