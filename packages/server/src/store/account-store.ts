/**
 * Accounts, API tokens, web login sessions and project members (PRODUCT.md section 9), behind their own
 * interface so that the project store (`Store`) stays as it is. Each store class offers one through its
 * `accounts` property; one contract suite (`test/account-store-contract.ts`) runs against every one.
 *
 * Secrets are never stored: tokens and login sessions are kept as the SHA-256 of their secret, passwords
 * as a scrypt hash (`src/auth/passwords.ts`).
 */

/** A project role, strongest first. Administrators have owner rights on every project. */
export type Role = 'owner' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'editor', 'viewer'];

export interface UserRow {
  id: string;
  /** 3–32 characters of `a-z 0-9 _ . -`, unique. */
  username: string;
  name: string;
  password_hash: string;
  admin: boolean;
  created_at: string;
}

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface LoginSessionRow {
  /** SHA-256 (hex) of the session's secret (the cookie). */
  id_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface MemberInfo {
  user_id: string;
  username: string;
  name: string;
  role: Role;
}

export type CreateUserResult = 'created' | 'username-taken' | 'not-first';
/** `last-owner`: refused, the change would leave the project without an owner. */
export type MemberChange = 'ok' | 'last-owner';
export type MemberRemoval = 'ok' | 'last-owner' | 'not-member';

export interface AccountStore {
  /**
   * Add an account. With `onlyIfFirst`, only while no account exists (the first sign-up), decided
   * atomically so that two concurrent first sign-ups make one account.
   */
  createUser(user: UserRow, opts?: { onlyIfFirst?: boolean }): Promise<CreateUserResult>;
  getUser(id: string): Promise<UserRow | undefined>;
  getUserByUsername(username: string): Promise<UserRow | undefined>;
  countUsers(): Promise<number>;
  /** Every account, by username. */
  listUsers(): Promise<UserRow[]>;

  createToken(token: TokenRow): Promise<void>;
  /** A user's tokens, oldest first. */
  listTokens(userId: string): Promise<TokenRow[]>;
  getTokenByHash(tokenHash: string): Promise<TokenRow | undefined>;
  touchToken(id: string, at: string): Promise<void>;
  deleteToken(id: string): Promise<boolean>;

  createLoginSession(session: LoginSessionRow): Promise<void>;
  getLoginSession(idHash: string): Promise<LoginSessionRow | undefined>;
  deleteLoginSession(idHash: string): Promise<boolean>;
  /** Remove login sessions that expired at or before `now`; returns how many. */
  deleteExpiredLoginSessions(now: string): Promise<number>;

  /**
   * Add a member or change a role. Refused (`last-owner`) when it would demote the project's only owner.
   * The store removes a project's members with the project (`Store.deleteProject`).
   */
  setMember(projectId: string, userId: string, role: Role): Promise<MemberChange>;
  /** Remove a member; refused (`last-owner`) for the project's only owner. */
  removeMember(projectId: string, userId: string): Promise<MemberRemoval>;
  getMemberRole(projectId: string, userId: string): Promise<Role | undefined>;
  /** A project's members, by username. */
  listMembers(projectId: string): Promise<MemberInfo[]>;
  /** The projects a user is a member of, with the role. */
  membershipsOf(userId: string): Promise<Array<{ project_id: string; role: Role }>>;
}

/** A store that keeps accounts too (memory, SQLite and PostgreSQL do). */
export interface HasAccounts {
  readonly accounts: AccountStore;
}

export function accountsOf(store: object): AccountStore | undefined {
  const accounts = (store as Partial<HasAccounts>).accounts;
  return accounts && typeof accounts.getUser === 'function' ? accounts : undefined;
}

/**
 * Whether setting `userId`'s role to `next` (undefined: removing them) leaves a project that had an owner
 * without one. A project with no owner at all (made before accounts, or by `talus import`) is not guarded.
 */
export function losesLastOwner(
  members: ReadonlyArray<{ user_id: string; role: Role }>,
  userId: string,
  next: Role | undefined,
): boolean {
  const current = members.find((m) => m.user_id === userId);
  if (current?.role !== 'owner' || next === 'owner') return false;
  return !members.some((m) => m.user_id !== userId && m.role === 'owner');
}
