import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/passwords.js';
import { MemoryLoginThrottle } from '../src/auth/throttle.js';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  account,
  bearer,
  connectWith,
  expectOk,
  login,
  PASSWORD,
  refusedConnect,
  startAuthServer,
  type TestAccount,
  type TestServer,
} from './auth-helpers.js';
import { ack, call, createProject, startServer, waitFor } from './helpers.js';
import { throttleContract } from './throttle-contract.js';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});
async function server(overrides = {}) {
  const s = await startAuthServer(overrides);
  servers.push(s);
  return s;
}

const code = (r: { status: number; body: any }) => ({ status: r.status, code: r.body?.error?.code });
const cmd = (sessionId: string, rootId: string) => ({
  session_id: sessionId,
  command_type: 'CreateNode',
  data: { parent_id: rootId, blueprint_type_id: 'stage' },
});

async function newProject(s: TestServer, who: TestAccount, name = 'Project') {
  const r = await call(s, 'POST', '/projects', { template_id: 'festival', project_name: name }, who.headers);
  const body = expectOk(r, 201, 'project');
  return {
    projectId: body.project_id as string,
    sessionId: body.session_id as string,
    rootId: body.graph.roots[0].id,
  };
}

describe('configuration', () => {
  it('[AUTH1] TALUS_AUTH: on is accepted, the default off a loopback host; off elsewhere is refused', () => {
    expect(loadConfig({ TALUS_AUTH: 'on' }).auth).toBe(true);
    expect(loadConfig({}).auth).toBe(false);
    expect(loadConfig({ TALUS_HOST: '0.0.0.0' }).auth).toBe(true);
    expect(() => loadConfig({ TALUS_HOST: '0.0.0.0', TALUS_AUTH: 'off' })).toThrow(ConfigError);
    expect(() => loadConfig({ TALUS_AUTH: 'maybe' })).toThrow(/TALUS_AUTH/);
    expect(() => loadConfig({ TALUS_SIGNUP: 'anyone' })).toThrow(/TALUS_SIGNUP/);
    expect(() =>
      loadConfig({ TALUS_TLS_CERT: '/nonexistent.pem', TALUS_TLS_KEY: '/nonexistent.key' }),
    ).toThrow(/TALUS_TLS_CERT/);
    expect(() => loadConfig({ TALUS_CORS_ORIGINS: 'not an origin' })).toThrow(/TALUS_CORS_ORIGINS/);
    expect(
      loadConfig({ TALUS_CORS_ORIGINS: 'https://app.example.com/, http://localhost:3000' }).corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(() => loadConfig({ TALUS_RATE_LIMIT_PER_MIN: '0' })).toThrow(/TALUS_RATE_LIMIT_PER_MIN/);
    expect(loadConfig({ TALUS_METRICS_PUBLIC: 'true' }).metricsPublic).toBe(true);
  });

  it('[AUTH2] with authentication off the account routes answer 400 "authentication is off"; the rest as before', async () => {
    const s = await startServer();
    servers.push(s);
    for (const [method, path, body] of [
      ['POST', '/auth/signup', { username: 'ada', password: PASSWORD }],
      ['POST', '/auth/login', { username: 'ada', password: PASSWORD }],
      ['POST', '/auth/logout', undefined],
      ['GET', '/me', undefined],
      ['POST', '/users', { username: 'ada', password: PASSWORD }],
      ['POST', '/tokens', { name: 'x' }],
      ['GET', '/tokens', undefined],
      ['DELETE', '/tokens/x', undefined],
      ['GET', '/projects/x/members', undefined],
      ['POST', '/projects/x/members', { username: 'ada', role: 'viewer' }],
      ['DELETE', '/projects/x/members/ada', undefined],
    ] as const) {
      const r = await call(s, method, path, body);
      expect(code(r), `${method} ${path}`).toEqual({ status: 400, code: 'INVALID_REQUEST' });
      expect(r.body.error.message).toMatch(/authentication is off/);
    }
    expect((await call(s, 'GET', '/auth/status')).body).toEqual({ auth: false });
    // no credentials needed; the declared name is the actor
    const { sessionId, projectId, rootId } = await createProject(s);
    await call(s, 'POST', '/commands/execute', cmd(sessionId, rootId), { 'x-talus-user': 'Ada' });
    const history = await call(s, 'GET', `/projects/${projectId}/history`);
    expect(history.body.history[0].actor).toEqual({ id: 'Ada', name: 'Ada' });
    const sock = await connectWith(s, { auth: { name: 'Grace' } });
    expect(await ack(sock, 'join_session', { session_id: sessionId })).toMatchObject({ ok: true });
    sock.close();
  });
});

describe('accounts', () => {
  it('[AUTH3] the first sign-up makes an administrator; later ones are refused with TALUS_SIGNUP=first', async () => {
    const s = await server();
    expect((await call(s, 'GET', '/auth/status')).body).toEqual({
      auth: true,
      signup: 'first',
      first_account: true,
    });
    for (const bad of [
      { username: 'Ab', password: PASSWORD },
      { username: 'has space', password: PASSWORD },
      { username: 'UPPER', password: PASSWORD },
      { username: 'x'.repeat(33), password: PASSWORD },
      { username: 'ada', password: 'short' },
      { username: 'ada', password: PASSWORD, extra: 1 },
    ]) {
      expect(code(await call(s, 'POST', '/auth/signup', bad)), JSON.stringify(bad)).toEqual({
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
    const first = await call(s, 'POST', '/auth/signup', {
      username: 'ada.l-1_',
      password: PASSWORD,
      name: 'Ada',
    });
    expect(first.status).toBe(201);
    expect(first.body.user).toEqual({
      id: expect.any(String),
      username: 'ada.l-1_',
      name: 'Ada',
      admin: true,
    });
    expect((await call(s, 'GET', '/auth/status')).body.first_account).toBe(false);
    const second = await call(s, 'POST', '/auth/signup', { username: 'grace', password: PASSWORD });
    expect(code(second)).toEqual({ status: 403, code: 'FORBIDDEN' });
    // the password is stored as a salted scrypt hash
    const db = new Database(join(s.dataDir, 'talus.db'), { readonly: true });
    const row = db.prepare('SELECT password_hash FROM users').get() as { password_hash: string };
    db.close();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(row.password_hash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, row.password_hash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, row.password_hash)).toBe(false);
  });

  it('[AUTH4] TALUS_SIGNUP=open lets anyone sign up (not as administrator); usernames are unique', async () => {
    const s = await server({ signup: 'open' });
    expect(
      (await call(s, 'POST', '/auth/signup', { username: 'ada', password: PASSWORD })).body.user.admin,
    ).toBe(true);
    const later = await call(s, 'POST', '/auth/signup', { username: 'grace', password: PASSWORD });
    expect(later.status).toBe(201);
    expect(later.body.user).toMatchObject({ username: 'grace', name: 'grace', admin: false });
    expect(code(await call(s, 'POST', '/auth/signup', { username: 'grace', password: PASSWORD }))).toEqual({
      status: 409,
      code: 'CONFLICT',
    });
  });

  it('[AUTH5] administrators create accounts; others may not', async () => {
    const s = await server();
    const admin = await account(s, 'root');
    const made = await call(
      s,
      'POST',
      '/users',
      { username: 'ops', password: PASSWORD, admin: true },
      admin.headers,
    );
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({ username: 'ops', admin: true });
    const user = await account(s, 'plain', admin);
    expect(
      code(await call(s, 'POST', '/users', { username: 'other', password: PASSWORD }, user.headers)),
    ).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(
      code(await call(s, 'POST', '/users', { username: 'ops', password: PASSWORD }, admin.headers)),
    ).toEqual({
      status: 409,
      code: 'CONFLICT',
    });
    expect(code(await call(s, 'POST', '/users', { username: 'x', password: PASSWORD }))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
  });

  it('[AUTH6] login gives a token and an HTTP-only SameSite cookie; /me; logout ends the session', async () => {
    const s = await server();
    await account(s, 'ada');
    const wrong = await call(s, 'POST', '/auth/login', { username: 'ada', password: 'not the password' });
    expect(code(wrong)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(code(await call(s, 'POST', '/auth/login', { username: 'nobody', password: PASSWORD }))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    const res = await fetch(`${s.api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^talus_session=tt_ses_[\w-]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP on loopback
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      token: expect.stringMatching(/^tt_ses_/),
      user: { username: 'ada', admin: true },
    });
    const cookie = setCookie.split(';')[0]!;
    const me = await call(s, 'GET', '/me', undefined, { cookie });
    expect(me.body).toEqual({ user: { id: body.user.id, username: 'ada', name: 'ada', admin: true } });
    expect((await call(s, 'GET', '/me', undefined, bearer(body.token))).status).toBe(200);
    for (const h of [
      {},
      bearer('tt_ses_nope'),
      bearer('garbage'),
      { authorization: 'Basic YTpi' },
      { cookie: 'talus_session=x' },
    ]) {
      const r = await call(s, 'GET', '/me', undefined, h);
      expect(code(r), JSON.stringify(h)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    }
    // a socket opened with this login goes when it ends
    const sock = await connectWith(s, { auth: { token: body.token } });
    const gone = new Promise<void>((resolve) => sock.once('disconnect', () => resolve()));
    const out = await fetch(`${s.api}/auth/logout`, { method: 'POST', headers: { cookie, origin: s.base } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/talus_session=;.*Expires=Thu, 01 Jan 1970/);
    await gone;
    expect(code(await call(s, 'GET', '/me', undefined, { cookie }))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect(code(await call(s, 'GET', '/me', undefined, bearer(body.token)))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
  });

  it('[AUTH7] the actor of commands and events is the user, whatever name the client declares', async () => {
    const s = await server();
    const ada = await account(s, 'ada', undefined, { name: 'Ada Lovelace' });
    const p = await newProject(s, ada);
    const sock = await connectWith(s, { auth: { token: ada.token, name: 'Mallory' } });
    await ack(sock, 'join_session', { session_id: p.sessionId });
    expectOk(
      await call(s, 'POST', '/commands/execute', cmd(p.sessionId, p.rootId), {
        ...ada.headers,
        'x-talus-user': 'Mallory',
      }),
      200,
      'rest command',
    );
    expect(await ack(sock, 'execute_command', cmd(p.sessionId, p.rootId))).toMatchObject({ ok: true });
    const history = (await call(s, 'GET', `/projects/${p.projectId}/history`, undefined, ada.headers)).body
      .history;
    expect(history.map((e: any) => e.actor)).toEqual([
      { id: ada.id, name: 'Ada Lovelace' },
      { id: ada.id, name: 'Ada Lovelace' },
    ]);
    const connected = await waitFor(sock, 'session:connected');
    expect(connected.user).toEqual({ id: ada.id, name: 'Ada Lovelace' });
    const executed = await waitFor(sock, 'command:executed', (e) => e.revision === 2);
    expect(executed.actor).toEqual({ id: ada.id, name: 'Ada Lovelace' });
    sock.close();
  });
});

describe('API tokens', () => {
  it('[AUTH8] a token is shown once, stored hashed, listed without itself, and acts as its user', async () => {
    const s = await server();
    const ada = await account(s, 'ada');
    const made = await call(s, 'POST', '/tokens', { name: 'ci' }, ada.headers);
    expect(made.status).toBe(201);
    expect(made.body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^tt_pat_[\w-]{43}$/),
      name: 'ci',
      created_at: expect.any(String),
    });
    const list = await call(s, 'GET', '/tokens', undefined, bearer(made.body.token));
    expect(list.body.tokens.map((t: any) => t.name)).toEqual(['tests', 'ci']);
    expect(JSON.stringify(list.body)).not.toContain('tt_pat_');
    expect(list.body.tokens[0].last_used_at).toEqual(expect.any(String)); // used to make this one
    const again = await call(s, 'GET', '/tokens', undefined, ada.headers);
    expect(again.body.tokens[1].last_used_at).toEqual(expect.any(String)); // the list was fetched with it
    const db = new Database(join(s.dataDir, 'talus.db'), { readonly: true });
    const stored = db.prepare('SELECT token_hash FROM api_tokens WHERE id = ?').get(made.body.id) as any;
    const all = JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
    db.close();
    expect(stored.token_hash).toBe(createHash('sha256').update(made.body.token).digest('hex'));
    expect(all).not.toContain(made.body.token);
    expect((await call(s, 'GET', '/me', undefined, bearer(made.body.token))).body.user.username).toBe('ada');
    // a token cannot be the cookie
    expect(
      (await call(s, 'GET', '/me', undefined, { cookie: `talus_session=${made.body.token}` })).status,
    ).toBe(401);
  });

  it('[AUTH9] revoking a token refuses it at once and disconnects the sockets that used it', async () => {
    const s = await server();
    const admin = await account(s, 'admin');
    const ada = await account(s, 'ada', admin);
    const p = await newProject(s, ada);
    const t = expectOk(await call(s, 'POST', '/tokens', { name: 'laptop' }, ada.headers), 201, 'token');
    const live = await connectWith(s, { auth: { token: t.token } });
    const other = await connectWith(s, { auth: { token: ada.token } });
    expect(await ack(live, 'join_session', { session_id: p.sessionId })).toMatchObject({ ok: true });
    const gone = new Promise<string>((resolve) => live.once('disconnect', (reason) => resolve(reason)));
    // nobody else may revoke it
    expect(code(await call(s, 'DELETE', `/tokens/${t.id}`, undefined, admin.headers))).toEqual({
      status: 404,
      code: 'INVALID_REQUEST',
    });
    expect(live.connected).toBe(true);
    expect((await call(s, 'DELETE', `/tokens/${t.id}`, undefined, ada.headers)).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    expect(other.connected).toBe(true);
    expect(code(await call(s, 'GET', '/me', undefined, bearer(t.token)))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    const again = await refusedConnect(s, { auth: { token: t.token } });
    expect(again?.data).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) });
    expect(code(await call(s, 'DELETE', `/tokens/${t.id}`, undefined, ada.headers))).toEqual({
      status: 404,
      code: 'INVALID_REQUEST',
    });
    other.close();
  });
});

describe('login throttling', () => {
  it('[AUTH10] after 10 failed logins for a username, it answers 429 with Retry-After for 15 minutes, even with the right password', async () => {
    const s = await server();
    const admin = await account(s, 'admin');
    await account(s, 'ada', admin);
    for (let i = 0; i < 10; i++) {
      const r = await call(s, 'POST', '/auth/login', { username: 'ada', password: `wrong ${i}` });
      expect(code(r)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    }
    const res = await fetch(`${s.api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: PASSWORD }),
    });
    expect(res.status).toBe(429);
    const retry = Number(res.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(890);
    expect(retry).toBeLessThanOrEqual(900);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after: retry } });
    expect(res.headers.get('set-cookie')).toBeNull();
    // other accounts are not affected; an existing token still works
    expect((await call(s, 'POST', '/auth/login', { username: 'admin', password: PASSWORD })).status).toBe(
      200,
    );
    // parallel guesses cannot slip past the count; unknown usernames lock the same way
    const guesses = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        call(s, 'POST', '/auth/login', { username: 'ghost', password: `g${i}` }),
      ),
    );
    expect(guesses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(guesses.filter((r) => r.status === 429)).toHaveLength(4);
  });

  it('[AUTH11] the lockout ends after 15 minutes; failures older than the window do not count; success clears', async () => {
    await throttleContract((now) => new MemoryLoginThrottle({ now }));
  });
});

describe('CSRF', () => {
  it('[AUTH12] a state-changing cookie request from another origin is refused and changes nothing', async () => {
    const s = await server({ corsOrigins: ['https://app.example.com'] });
    const ada = await account(s, 'ada');
    const { cookie } = await login(s, 'ada');
    const count = async () =>
      (await call(s, 'GET', '/projects', undefined, ada.headers)).body.projects.length;
    const body = { template_id: 'festival', project_name: 'Forged' };
    for (const h of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { referer: 'https://evil.example/page' },
      { origin: `${s.base}.evil.example` },
    ]) {
      const r = await call(s, 'POST', '/projects', body, { cookie, ...h });
      expect(code(r), JSON.stringify(h)).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
    expect(await count()).toBe(0);
    // the same cookie from the server's own origin, an allowed origin, or a client sending no origin
    for (const h of [
      { origin: s.base },
      { origin: 'https://app.example.com' },
      { referer: `${s.base}/app` },
      {},
    ]) {
      expect((await call(s, 'POST', '/projects', body, { cookie, ...h })).status, JSON.stringify(h)).toBe(
        201,
      );
    }
    // reading is not refused; a Bearer request is not a cookie request
    expect(
      (await call(s, 'GET', '/projects', undefined, { cookie, origin: 'https://evil.example' })).status,
    ).toBe(200);
    expect(
      (await call(s, 'POST', '/projects', body, { ...ada.headers, origin: 'https://evil.example' })).status,
    ).toBe(201);
    // logging in from another origin's page is refused too
    const forged = await call(
      s,
      'POST',
      '/auth/login',
      { username: 'ada', password: PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(code(forged)).toEqual({ status: 403, code: 'FORBIDDEN' });
    // a socket may use the cookie from the server's own origin only
    const refused = await refusedConnect(s, { extraHeaders: { cookie, origin: 'https://evil.example' } });
    expect(refused?.data?.code).toBe('FORBIDDEN');
    const ok = await connectWith(s, { extraHeaders: { cookie, origin: s.base } });
    expect(await ack(ok, 'ping')).toMatchObject({ ok: true });
    ok.close();
  });
});

describe('project members', () => {
  let s: TestServer;
  let owner: TestAccount;
  let bob: TestAccount;
  let carol: TestAccount;
  beforeAll(async () => {
    s = await server();
    owner = await account(s, 'owner');
    bob = await account(s, 'bob', owner);
    carol = await account(s, 'carol', owner);
  });

  it('[AUTH13] owners add members and change roles; the last owner stays; unknown usernames are 404', async () => {
    const p = await newProject(s, bob); // bob creates: bob is owner (the administrator is not a member)
    const members = (who: TestAccount) =>
      call(s, 'GET', `/projects/${p.projectId}/members`, undefined, who.headers);
    expect((await members(bob)).body).toEqual({ members: [{ username: 'bob', name: 'bob', role: 'owner' }] });
    const add = await call(
      s,
      'POST',
      `/projects/${p.projectId}/members`,
      { username: 'carol', role: 'editor' },
      bob.headers,
    );
    expect(add.body).toEqual({ username: 'carol', role: 'editor' });
    expect((await members(carol)).body.members.map((m: any) => [m.username, m.role])).toEqual([
      ['bob', 'owner'],
      ['carol', 'editor'],
    ]);
    const unknown = await call(
      s,
      'POST',
      `/projects/${p.projectId}/members`,
      { username: 'zed', role: 'viewer' },
      bob.headers,
    );
    expect(code(unknown)).toEqual({ status: 404, code: 'INVALID_REQUEST' });
    expect(
      code(await call(s, 'DELETE', `/projects/${p.projectId}/members/zed`, undefined, bob.headers)),
    ).toEqual({
      status: 404,
      code: 'INVALID_REQUEST',
    });
    expect(
      code(
        await call(
          s,
          'POST',
          `/projects/${p.projectId}/members`,
          { username: 'carol', role: 'boss' },
          bob.headers,
        ),
      ),
    ).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
    });
    // the last owner can be neither demoted nor removed
    const demote = await call(
      s,
      'POST',
      `/projects/${p.projectId}/members`,
      { username: 'bob', role: 'viewer' },
      bob.headers,
    );
    expect(code(demote)).toEqual({ status: 409, code: 'CONFLICT' });
    expect(
      code(await call(s, 'DELETE', `/projects/${p.projectId}/members/bob`, undefined, bob.headers)),
    ).toEqual({
      status: 409,
      code: 'CONFLICT',
    });
    // an editor may not manage members; an administrator may
    expect(
      code(
        await call(
          s,
          'POST',
          `/projects/${p.projectId}/members`,
          { username: 'carol', role: 'owner' },
          carol.headers,
        ),
      ),
    ).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(
      (
        await call(
          s,
          'POST',
          `/projects/${p.projectId}/members`,
          { username: 'carol', role: 'owner' },
          owner.headers,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          s,
          'POST',
          `/projects/${p.projectId}/members`,
          { username: 'bob', role: 'viewer' },
          carol.headers,
        )
      ).status,
    ).toBe(200);
    // a viewer's next change is refused
    expect(code(await call(s, 'POST', '/commands/execute', cmd(p.sessionId, p.rootId), bob.headers))).toEqual(
      {
        status: 403,
        code: 'FORBIDDEN',
      },
    );
    expect(code(await call(s, 'PATCH', `/projects/${p.projectId}`, { name: 'x' }, bob.headers))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('[AUTH14] a removed member leaves the room at once and receives nothing more; the project is hidden from them', async () => {
    const p = await newProject(s, bob, 'Shared');
    await call(
      s,
      'POST',
      `/projects/${p.projectId}/members`,
      { username: 'carol', role: 'viewer' },
      bob.headers,
    );
    const watcher = await connectWith(s, { auth: { token: carol.token } });
    const stays = await connectWith(s, { auth: { token: bob.token } });
    try {
      expect(await ack(watcher, 'join_session', { session_id: p.sessionId })).toMatchObject({ ok: true });
      expect(await ack(stays, 'join_session', { session_id: p.sessionId })).toMatchObject({ ok: true });
      const before = expectOk(
        await call(s, 'POST', '/commands/execute', cmd(p.sessionId, p.rootId), bob.headers),
        200,
        'cmd',
      );
      await waitFor(watcher, 'command:executed', (e) => e.revision === before.revision);
      const removed = await call(
        s,
        'DELETE',
        `/projects/${p.projectId}/members/carol`,
        undefined,
        bob.headers,
      );
      expect(removed.status).toBe(204);
      // at once: the socket was taken out of the room before the DELETE answered
      await waitFor(watcher, 'left', (e) => e.session_id === p.sessionId);
      await waitFor(stays, 'session:disconnected', (e) => e.user.id === carol.id);
      const mark = watcher.received.length;
      const after = expectOk(
        await call(s, 'POST', '/commands/execute', cmd(p.sessionId, p.rootId), bob.headers),
        200,
        'cmd',
      );
      await waitFor(stays, 'command:executed', (e) => e.revision === after.revision);
      expect(watcher.received.slice(mark)).toEqual([]);
      expect(watcher.connected).toBe(true); // only this session: the socket itself stays
      expect(await ack(watcher, 'join_session', { session_id: p.sessionId })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_SESSION' },
      });
      expect(code(await call(s, 'GET', `/projects/${p.projectId}`, undefined, carol.headers))).toEqual({
        status: 404,
        code: 'PROJECT_NOT_FOUND',
      });
    } finally {
      watcher.close();
      stays.close();
    }
  });

  it('[AUTH15] deleting a project removes its members', async () => {
    const p = await newProject(s, bob, 'Doomed');
    await call(
      s,
      'POST',
      `/projects/${p.projectId}/members`,
      { username: 'carol', role: 'editor' },
      bob.headers,
    );
    expect((await call(s, 'DELETE', `/projects/${p.projectId}`, undefined, bob.headers)).status).toBe(204);
    const db = new Database(join(s.dataDir, 'talus.db'), { readonly: true });
    const left = db
      .prepare('SELECT count(*) AS n FROM project_members WHERE project_id = ?')
      .get(p.projectId) as any;
    db.close();
    expect(left.n).toBe(0);
    expect(code(await call(s, 'GET', `/projects/${p.projectId}/members`, undefined, owner.headers))).toEqual({
      status: 404,
      code: 'PROJECT_NOT_FOUND',
    });
  });
});
