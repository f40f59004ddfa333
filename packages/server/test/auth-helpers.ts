import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { Config } from '../src/config.js';
import type { Store } from '../src/store/store.js';
import {
  type Answer,
  call,
  type Received,
  startServer,
  type TestServer,
  type TestSocket,
} from './helpers.js';

/** A password every test account uses (at least 10 characters). */
export const PASSWORD = 'correct horse battery staple';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A real server with authentication on (TALUS_AUTH=on), with the given overrides. */
export function startAuthServer(overrides: Partial<Config> = {}, store?: Store): Promise<TestServer> {
  return startServer({ auth: true, ...overrides }, store);
}

export function expectOk<T>(r: Answer<T>, status: number, what: string): T {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Sign in; the login token and the `name=value` of the session cookie. */
export async function login(server: { api: string }, username: string, password = PASSWORD) {
  const res = await fetch(`${server.api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { token: string };
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(body)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { token: body.token, cookie };
}

export interface TestAccount {
  id: string;
  username: string;
  /** A personal API token of the account. */
  token: string;
  headers: Record<string, string>;
}

/**
 * The first account (signed up: an administrator), or an account made by that administrator; each gets a
 * personal API token.
 */
export async function account(
  server: { api: string },
  username: string,
  admin?: TestAccount,
  opts: { admin?: boolean; name?: string } = {},
): Promise<TestAccount> {
  const body = { username, password: PASSWORD, ...(opts.name ? { name: opts.name } : {}) };
  const made = admin
    ? await call(server, 'POST', '/users', { ...body, admin: opts.admin === true }, admin.headers)
    : await call(server, 'POST', '/auth/signup', body);
  const { user } = expectOk(made, 201, `account ${username}`);
  const { token: session } = await login(server, username);
  const created = await call(server, 'POST', '/tokens', { name: 'tests' }, bearer(session));
  const { token } = expectOk(created, 201, `token of ${username}`);
  return { id: user.id, username, token, headers: bearer(token) };
}

/** A socket.io-client on /graph with any options (auth, cookies, TLS); resolves once connected. */
export async function connectWith(
  server: { base: string },
  opts: Partial<ManagerOptions & SocketOptions> & { url?: string } = {},
): Promise<TestSocket> {
  const { url, ...rest } = opts;
  const socket = io(`${url ?? server.base}/graph`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...rest,
  }) as TestSocket;
  socket.received = [] as Received[];
  socket.onAny((event: string, payload: unknown) => socket.received.push({ event, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  return socket;
}

/** The refusal of a socket connection: `connect_error`'s message and `data`. */
export async function refusedConnect(
  server: { base: string },
  opts: Partial<ManagerOptions & SocketOptions>,
) {
  try {
    const s = await connectWith(server, opts);
    s.close();
    return null;
  } catch (err) {
    return err as Error & { data?: { code: string; message: string } };
  }
}

export type { TestServer, TestSocket };
