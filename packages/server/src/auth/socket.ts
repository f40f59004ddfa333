import { fastifyCookie } from '@fastify/cookie';
import { type ErrorCode, TalusError } from '@talus/core';
import type { Namespace, Socket } from 'socket.io';
import type { Config } from '../config.js';
import type { SocketAccess } from '../socket/graph-namespace.js';
import { sameOrAllowedOrigin } from './http.js';
import { isProjectActionRule, SOCKET_RULES } from './policy.js';
import { SESSION_COOKIE } from './secrets.js';
import { type AuthService, type Principal, rateLimited, type SocketAuthData } from './service.js';

/** A refusal at connect: the client's `connect_error` carries `message` and `data: { code, message }`. */
function refusal(code: ErrorCode, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

async function principalOf(socket: Socket, auth: AuthService, config: Config): Promise<Principal> {
  const { token } = (socket.handshake.auth ?? {}) as { token?: unknown };
  if (typeof token === 'string' && token !== '') {
    const p = await auth.authenticate(token, false);
    if (!p) throw refusal('UNAUTHORIZED', 'the token is invalid, expired or revoked');
    return p;
  }
  const headers = socket.handshake.headers;
  const cookie = headers.cookie ? fastifyCookie.parse(headers.cookie)[SESSION_COOKIE] : undefined;
  if (!cookie) throw refusal('UNAUTHORIZED', 'sign in: connect with auth: { token } or the session cookie');
  // a cookie travels with any page's WebSocket: only the server's own origin and allowed ones may use it
  if (!sameOrAllowedOrigin(first(headers.origin), undefined, first(headers.host), config.corsOrigins)) {
    throw refusal('FORBIDDEN', 'cross-origin connection refused: the origin is not allowed');
  }
  const p = await auth.authenticate(cookie, true);
  if (!p) throw refusal('UNAUTHORIZED', 'the session is invalid, expired or ended');
  return p;
}

/**
 * Authentication of the `/graph` namespace: sockets without valid credentials are refused at connect;
 * each event then goes through `SOCKET_RULES` (see `access`). Call after `attachGraphNamespace`.
 */
export function attachSocketAuth(nsp: Namespace, auth: AuthService, config: Config): void {
  auth.attach(nsp);
  nsp.use((socket, next) => {
    principalOf(socket, auth, config).then(
      (p) => {
        auth.sockets.set(socket, p);
        next();
      },
      (err: unknown) => next(err instanceof Error ? err : refusal('INTERNAL', 'internal error')),
    );
  });
  // after the namespace's own connection handler (which sets up `socket.data`)
  nsp.on('connection', (socket) => {
    const p = auth.sockets.get(socket);
    if (!p) return;
    const data: SocketAuthData = { userId: p.user.id, tokenId: p.tokenId, loginHash: p.loginHash };
    Object.assign(socket.data as object, data);
  });
}

/** The per-socket side of the policy, for `attachGraphNamespace`'s `access` option. */
export function socketAccess(auth: AuthService): SocketAccess {
  return {
    actor: (socket) => auth.sockets.get(socket)?.actor,
    async check(socket, event, payload) {
      const p = auth.sockets.get(socket);
      if (!p) throw new TalusError('UNAUTHORIZED', 'not signed in');
      if (p.expiresAt !== null && p.expiresAt <= Date.now()) {
        socket.disconnect(true);
        throw new TalusError('UNAUTHORIZED', 'the login session has expired');
      }
      if (!(await auth.takeUserEvent(p.user.id)))
        throw rateLimited(1, 'too many socket events for this user; slow down');
      const rule = SOCKET_RULES[event];
      if (!rule) throw new TalusError('FORBIDDEN', `no rule for the event ${event}`);
      if (!isProjectActionRule(rule)) return;
      const id = (payload as Record<string, unknown> | null | undefined)?.[rule.target.key];
      // a payload without a session id is refused by the handler's validation (INVALID_REQUEST)
      if (typeof id === 'string') await auth.authorize(p, rule.action, rule.target.kind, id);
    },
  };
}
