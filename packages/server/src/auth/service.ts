import { type Actor, type JsonObject, TalusError } from '@talus/core';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { Config } from '../config.js';
import type { Hub } from '../hub.js';
import { removeFromSession, socketSessions } from '../socket/graph-namespace.js';
import type { AccountStore, Role, TokenRow, UserRow } from '../store/account-store.js';
import {
  checkName,
  checkPassword,
  checkUsername,
  dummyHash,
  hashPassword,
  verifyPassword,
} from './passwords.js';
import { canSee, decide, forbidden, type ProjectAction, type Target } from './policy.js';
import {
  limitsPrefix,
  type RedisLimits,
  type RedisScripting,
  redisWarner,
  UserEventLimiter,
} from './redis-limits.js';
import { API_TOKEN_PREFIX, LOGIN_SESSION_PREFIX, LOGIN_TTL_MS, newSecret, sha256 } from './secrets.js';
import { type LoginThrottle, MemoryLoginThrottle, RedisLoginThrottle } from './throttle.js';

/** An account as answers show it. */
export interface PublicUser {
  id: string;
  username: string;
  name: string;
  admin: boolean;
}

/** Who sent a request or opened a socket, and with which credential. */
export interface Principal {
  user: PublicUser;
  /** The actor of their commands: the user (a token acts as its user). */
  actor: Actor;
  /** A personal API token, or a web login session (cookie or Bearer). */
  via: 'token' | 'login';
  /** Authenticated by the session cookie: state-changing requests must come from an allowed origin. */
  viaCookie: boolean;
  tokenId: string | null;
  /** SHA-256 of the login session's secret. */
  loginHash: string | null;
  /** When the credential stops being valid (login sessions), in ms since the epoch. */
  expiresAt: number | null;
}

/** What a socket keeps in `socket.data` (readable from other processes through `fetchSockets`). */
export interface SocketAuthData {
  userId?: string;
  tokenId?: string | null;
  loginHash?: string | null;
}

/** A 404 for account resources the catalogue has no code for (an unknown username or token id). */
class NotFound extends TalusError {
  constructor(message: string, details?: JsonObject) {
    super('INVALID_REQUEST', message, details);
  }
  override get status(): number {
    return 404;
  }
}

export const projectNotFound = (projectId: string) =>
  new TalusError('PROJECT_NOT_FOUND', 'no such project', { project_id: projectId.slice(0, 100) });
export const sessionNotFound = (sessionId: string) =>
  new TalusError('INVALID_SESSION', 'unknown session', { session_id: sessionId.slice(0, 64) });

export const publicUser = (u: UserRow): PublicUser => ({
  id: u.id,
  username: u.username,
  name: u.name,
  admin: u.admin,
});

const isoNow = () => new Date().toISOString();
/** A token's `last_used_at` is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

export interface AuthServiceOptions {
  accounts: AccountStore;
  hub: Hub;
  config: Config;
  log: Logger;
  throttle?: LoginThrottle;
  /**
   * The Redis client of a deployment of several processes (`TALUS_REDIS_URL`): the login throttle, the REST
   * rate limits and the per-user socket event limit are then kept in Redis, and evictions reach the sockets
   * of every process. Null: one process, everything in its memory.
   */
  redis?: RedisScripting | null;
}

/** Asks every process to make a user's sockets leave sessions (`Eviction`); each answers when done. */
const EVICT = 'talus:evict';

/**
 * Sockets that must leave: a user's, from the sessions of a project; or everyone's but a user's (and the
 * administrators') from a session.
 */
type Eviction = { userId: string; projectId: string } | { sessionId: string; keepUserId: string };

/**
 * Accounts, credentials and the enforcement of `policy.ts`, shared by the REST hooks (`http.ts`), the
 * account routes (`routes.ts`) and the socket guard (`socket.ts`).
 */
export class AuthService {
  readonly accounts: AccountStore;
  readonly throttle: LoginThrottle;
  /** Where the limits are shared between processes; null without Redis. */
  readonly redis: RedisLimits | null;
  /** The sockets' principals (set at connect). */
  readonly sockets = new WeakMap<Socket, Principal>();
  /** The `/graph` namespace, once attached: to disconnect revoked credentials and evict removed members. */
  namespace: Namespace | null = null;
  private readonly hub: Hub;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly touched = new Map<string, number>();
  private readonly userEvents: UserEventLimiter;

  constructor(opts: AuthServiceOptions) {
    this.accounts = opts.accounts;
    this.hub = opts.hub;
    this.config = opts.config;
    this.log = opts.log;
    this.redis = opts.redis ? { client: opts.redis, prefix: limitsPrefix(opts.config.redisStream) } : null;
    this.throttle =
      opts.throttle ?? (this.redis ? new RedisLoginThrottle(this.redis) : new MemoryLoginThrottle());
    const rate = this.config.socketEventsPerSec * 4;
    this.userEvents = new UserEventLimiter(
      rate,
      rate * 2,
      this.redis,
      redisWarner(this.log, 'socket limits'),
    );
  }

  /** Attach the `/graph` namespace: with Redis, this process answers the evictions other processes ask for. */
  attach(nsp: Namespace): void {
    this.namespace = nsp;
    if (!this.redis) return;
    nsp.on(EVICT, (e: Eviction, ack?: (done: boolean) => void) => {
      this.evictLocal(e).then(
        () => ack?.(true),
        (err: unknown) => {
          this.log.warn({ err }, 'could not evict sockets');
          ack?.(false);
        },
      );
    });
  }

  // ---- accounts -----------------------------------------------------------------------------------------

  async status() {
    return {
      auth: true,
      signup: this.config.signup,
      first_account: (await this.accounts.countUsers()) === 0,
    };
  }

  /** Sign-up: the first account (an administrator), afterwards only with `TALUS_SIGNUP=open`. */
  async signup(body: { username: string; password: string; name?: string | undefined }): Promise<PublicUser> {
    const closed = () =>
      new TalusError(
        'FORBIDDEN',
        'sign-up is closed: an administrator creates accounts (TALUS_SIGNUP=first)',
      );
    // refuse before hashing: a closed sign-up costs nothing
    if (this.config.signup !== 'open' && (await this.accounts.countUsers()) > 0) throw closed();
    const row = await newUserRow({ ...body, admin: true });
    const first = await this.accounts.createUser(row, { onlyIfFirst: true });
    if (first === 'created') {
      this.log.info({ username: row.username }, 'first account created (administrator)');
      return publicUser(row);
    }
    if (first === 'username-taken') throw taken();
    if (this.config.signup !== 'open') throw closed();
    const again = await this.accounts.createUser({ ...row, admin: false });
    if (again === 'username-taken') throw taken();
    return publicUser({ ...row, admin: false });
  }

  /** An account made by an administrator (`POST /users`). */
  createUser(body: NewAccount): Promise<PublicUser> {
    return createAccount(this.accounts, body);
  }

  /**
   * Check a username and password; on success open a login session. The throttle counts the attempt
   * before the password is checked (atomically, in Redis when several processes share it), so that
   * parallel guesses cannot slip past the lockout.
   */
  async login(name: string, password: string) {
    const username = name.toLowerCase();
    const attempt = await this.throttle.begin(username);
    if (attempt.lockedFor > 0)
      throw rateLimited(attempt.lockedFor, 'too many failed logins for this username; try again later');
    const user = await this.accounts.getUserByUsername(username);
    const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash()));
    if (!user || !ok) {
      if (attempt.locks) this.log.warn({ username }, 'login locked after failed attempts');
      throw new TalusError('UNAUTHORIZED', 'wrong username or password');
    }
    await this.throttle.succeeded(username, attempt.id);
    const token = newSecret(LOGIN_SESSION_PREFIX);
    const at = Date.now();
    const expires_at = new Date(at + LOGIN_TTL_MS).toISOString();
    await this.accounts.deleteExpiredLoginSessions(new Date(at).toISOString());
    await this.accounts.createLoginSession({
      id_hash: sha256(token),
      user_id: user.id,
      created_at: new Date(at).toISOString(),
      expires_at,
    });
    return { token, user: publicUser(user), expires_at };
  }

  /** End the login session the caller used (if any), and disconnect the sockets opened with it. */
  async logout(p: Principal): Promise<void> {
    if (!p.loginHash) return;
    await this.accounts.deleteLoginSession(p.loginHash);
    await this.disconnect((q) => q.loginHash === p.loginHash);
  }

  /**
   * The principal of a secret: an API token, or a login session. The cookie carries login sessions only.
   * Null for anything unknown, revoked or expired.
   */
  async authenticate(secret: string, viaCookie: boolean): Promise<Principal | null> {
    if (secret.length > 200) return null;
    if (secret.startsWith(API_TOKEN_PREFIX) && !viaCookie) {
      const token = await this.accounts.getTokenByHash(sha256(secret));
      if (!token) return null;
      const user = await this.accounts.getUser(token.user_id);
      if (!user) return null;
      this.touchToken(token);
      return principal(user, {
        via: 'token',
        viaCookie,
        tokenId: token.id,
        loginHash: null,
        expiresAt: null,
      });
    }
    if (secret.startsWith(LOGIN_SESSION_PREFIX)) {
      const hash = sha256(secret);
      const s = await this.accounts.getLoginSession(hash);
      if (!s) return null;
      const expiresAt = Date.parse(s.expires_at);
      if (!(expiresAt > Date.now())) {
        await this.accounts.deleteLoginSession(hash);
        return null;
      }
      const user = await this.accounts.getUser(s.user_id);
      if (!user) return null;
      return principal(user, { via: 'login', viaCookie, tokenId: null, loginHash: hash, expiresAt });
    }
    return null;
  }

  private touchToken(token: TokenRow): void {
    const t = Date.now();
    const last = this.touched.get(token.id) ?? (token.last_used_at ? Date.parse(token.last_used_at) : 0);
    if (t - last < TOUCH_EVERY_MS) return;
    this.touched.set(token.id, t);
    this.accounts
      .touchToken(token.id, new Date(t).toISOString())
      .catch((err: unknown) => this.log.warn({ err }, 'could not record token use'));
  }

  // ---- API tokens ---------------------------------------------------------------------------------------

  createToken(p: Principal, name: string) {
    return issueToken(this.accounts, p.user.id, name);
  }

  async listTokens(p: Principal) {
    return (await this.accounts.listTokens(p.user.id)).map((t) => ({
      id: t.id,
      name: t.name,
      created_at: t.created_at,
      last_used_at: t.last_used_at,
    }));
  }

  /** Revoke one of the caller's tokens at once, and disconnect the sockets that used it. */
  async revokeToken(p: Principal, id: string): Promise<void> {
    const mine = (await this.accounts.listTokens(p.user.id)).some((t) => t.id === id);
    if (!mine || !(await this.accounts.deleteToken(id))) {
      throw new NotFound('no such token', { token_id: id.slice(0, 100) });
    }
    this.touched.delete(id);
    await this.disconnect((q) => q.tokenId === id);
  }

  /** Disconnect every socket (of this process, and of others through the adapter) whose credential matches. */
  private async disconnect(match: (data: SocketAuthData) => boolean): Promise<void> {
    const nsp = this.namespace;
    if (!nsp) return;
    for (const [, socket] of nsp.sockets) {
      const q = this.sockets.get(socket);
      if (q && match({ userId: q.user.id, tokenId: q.tokenId, loginHash: q.loginHash }))
        socket.disconnect(true);
    }
    try {
      for (const s of await nsp.fetchSockets()) {
        if (match(s.data as SocketAuthData)) s.disconnect(true);
      }
    } catch (err) {
      this.log.warn({ err }, 'could not reach the sockets of other processes');
    }
  }

  // ---- authorization ------------------------------------------------------------------------------------

  roleOf(userId: string, projectId: string): Promise<Role | undefined> {
    return this.accounts.getMemberRole(projectId, userId);
  }

  /** Enforce a project action on the project or session a rule targets (404 when hidden, 403 when not allowed). */
  async authorize(p: Principal, action: ProjectAction, kind: Target['kind'], id: string): Promise<void> {
    if (kind === 'project') {
      if (p.user.admin) return;
      const role = await this.roleOf(p.user.id, id);
      const d = decide(p.user, action, role);
      if (d === 'hidden') throw projectNotFound(id);
      if (d === 'forbidden') throw forbidden(action, role);
      return;
    }
    const projectId = await this.projectOfSession(id); // INVALID_SESSION for an unknown session
    if (projectId === null || p.user.admin) return; // a session with no project: any signed-in user
    const role = await this.roleOf(p.user.id, projectId);
    const d = decide(p.user, action, role);
    if (d === 'hidden') throw sessionNotFound(id);
    if (d === 'forbidden') throw forbidden(action, role);
  }

  /** The project of a session, read from the store when this process has none for it (another may have). */
  private async projectOfSession(sessionId: string): Promise<string | null> {
    const s = await this.hub.session(sessionId);
    if (s.row.project_id) return s.row.project_id;
    return (await this.hub.store.getSession(s.row.session_id))?.project_id ?? null;
  }

  /** A predicate telling which projects (and so sessions) the caller may see; null is a session with none. */
  async visibility(p: Principal): Promise<(projectId: string | null) => boolean> {
    if (p.user.admin) return () => true;
    const roles = new Map((await this.accounts.membershipsOf(p.user.id)).map((m) => [m.project_id, m.role]));
    return (projectId) => projectId !== null && canSee(p.user, roles.get(projectId));
  }

  /**
   * A per-user token bucket for socket events, on top of the per-socket one (4× its rate); shared by every
   * process through Redis when it is configured.
   */
  takeUserEvent(userId: string): Promise<boolean> {
    return this.userEvents.take(userId);
  }

  // ---- project membership -------------------------------------------------------------------------------

  /**
   * Before a project is loaded into an empty session: sockets of other users (but administrators) leave
   * it, so that no event of the new project reaches someone who will not be a member.
   */
  async beforeAdopt(p: Principal, sessionId: string): Promise<void> {
    if ((await this.projectOfSession(sessionId)) !== null) return; // not empty: the hub refuses (409)
    await this.evict({ sessionId, keepUserId: p.user.id });
  }

  /**
   * The creator of a project (create, import, load-graph) becomes its owner. Sockets of others that joined
   * its session meanwhile leave it (other processes are told without waiting: `beforeAdopt` waited, and a
   * new session has no sockets, so project creation does not wait for every process).
   */
  async becameOwner(p: Principal, projectId: string, sessionId: string | null): Promise<void> {
    await this.accounts.setMember(projectId, p.user.id, 'owner');
    if (sessionId) await this.evict({ sessionId, keepUserId: p.user.id }, false);
  }

  private async requireProject(projectId: string): Promise<void> {
    if ((await this.hub.store.currentRevision(projectId)) === undefined) throw projectNotFound(projectId);
  }

  async listMembers(projectId: string) {
    await this.requireProject(projectId);
    return (await this.accounts.listMembers(projectId)).map(({ username, name, role }) => ({
      username,
      name,
      role,
    }));
  }

  /** Add a member or change a role (owners); the last owner cannot be demoted. */
  async setMember(projectId: string, username: string, role: Role) {
    await this.requireProject(projectId);
    const user = await this.userNamed(username);
    if ((await this.accounts.setMember(projectId, user.id, role)) === 'last-owner') {
      throw lastOwner();
    }
    return { username: user.username, role };
  }

  /** Remove a member (owners); their sockets leave the project's session at once. */
  async removeMember(projectId: string, username: string): Promise<void> {
    await this.requireProject(projectId);
    const user = await this.userNamed(username);
    const r = await this.accounts.removeMember(projectId, user.id);
    if (r === 'not-member') {
      throw new NotFound('this user is not a member of the project', { username: username.slice(0, 64) });
    }
    if (r === 'last-owner') throw lastOwner();
    if (!user.admin) await this.evict({ userId: user.id, projectId });
  }

  private async userNamed(username: string): Promise<UserRow> {
    const user = await this.accounts.getUserByUsername(username);
    if (!user) throw new NotFound('no account has this username', { username: username.slice(0, 64) });
    return user;
  }

  /**
   * Make sockets leave sessions, on this process and (with Redis) on every other; `wait`: until each process
   * has answered (at most the adapter's request timeout), so that no later event reaches them.
   */
  private async evict(e: Eviction, wait = true): Promise<void> {
    await this.evictLocal(e);
    if (!this.redis || !this.namespace) return;
    if (!wait) {
      this.namespace.serverSideEmit(EVICT, e);
      return;
    }
    try {
      await this.namespace.serverSideEmitWithAck(EVICT, e);
    } catch (err) {
      this.log.warn({ err }, 'not every process confirmed an eviction');
    }
  }

  private evictLocal(e: Eviction): Promise<void> {
    return 'userId' in e
      ? this.evictUser(e.userId, e.projectId)
      : this.evictFrom(e.sessionId, (q) => q.user.id === e.keepUserId || q.user.admin);
  }

  /** Make a user's sockets (in this process) leave every session of a project. */
  private async evictUser(userId: string, projectId: string): Promise<void> {
    const nsp = this.namespace;
    if (!nsp) return;
    for (const [, socket] of nsp.sockets) {
      if (this.sockets.get(socket)?.user.id !== userId) continue;
      for (const sid of socketSessions(socket)) {
        const project = await this.projectOfSession(sid).catch(() => null);
        if (project === projectId) await removeFromSession(socket, sid);
      }
    }
  }

  /** Make the sockets (in this process) in a session that `keep` refuses leave it. */
  private async evictFrom(sessionId: string, keep: (p: Principal) => boolean): Promise<void> {
    const nsp = this.namespace;
    if (!nsp) return;
    for (const [, socket] of nsp.sockets) {
      const q = this.sockets.get(socket);
      if (!q || keep(q) || !socketSessions(socket).includes(sessionId)) continue;
      await removeFromSession(socket, sessionId);
    }
  }
}

export interface NewAccount {
  username: string;
  password: string;
  name?: string | undefined;
  admin?: boolean | undefined;
}

/** A new account's row, checked against the rules and with its password hashed. */
async function newUserRow(body: NewAccount): Promise<UserRow> {
  checkUsername(body.username);
  checkPassword(body.password);
  return {
    id: globalThis.crypto.randomUUID(),
    username: body.username,
    name: checkName(body.name ?? body.username),
    password_hash: await hashPassword(body.password),
    admin: body.admin === true,
    created_at: isoNow(),
  };
}

/** Create an account (`POST /users`, `talus users add`); 409 CONFLICT for a taken username. */
export async function createAccount(accounts: AccountStore, body: NewAccount): Promise<PublicUser> {
  const row = await newUserRow(body);
  if ((await accounts.createUser(row)) !== 'created') throw taken();
  return publicUser(row);
}

/** A new personal API token of a user: the secret is in this answer only; the store keeps its hash. */
export async function issueToken(accounts: AccountStore, userId: string, name: string) {
  const token = newSecret(API_TOKEN_PREFIX);
  const row: TokenRow = {
    id: globalThis.crypto.randomUUID(),
    user_id: userId,
    name,
    token_hash: sha256(token),
    created_at: isoNow(),
    last_used_at: null,
  };
  await accounts.createToken(row);
  return { id: row.id, token, name: row.name, created_at: row.created_at };
}

function principal(user: UserRow, rest: Omit<Principal, 'user' | 'actor'>): Principal {
  return { user: publicUser(user), actor: { id: user.id, name: user.name }, ...rest };
}

const taken = () => new TalusError('CONFLICT', 'this username is taken');
const lastOwner = () =>
  new TalusError('CONFLICT', 'a project keeps at least one owner: make someone else owner first');

/** 429 RATE_LIMITED; `details.retry_after` in seconds (the HTTP answer also carries `Retry-After`). */
export function rateLimited(seconds: number, message: string): TalusError {
  return new TalusError('RATE_LIMITED', message, { retry_after: Math.max(1, Math.ceil(seconds)) });
}
