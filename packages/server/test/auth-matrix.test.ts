import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_RULES, SOCKET_RULES } from '../src/auth/policy.js';
import { MemoryStore } from '../src/store/memory-store.js';
import {
  account,
  bearer,
  connectWith,
  expectOk,
  refusedConnect,
  startAuthServer,
  type TestAccount,
  type TestServer,
  type TestSocket,
} from './auth-helpers.js';
import { type Answer, ack, CONFORMANCE_TEMPLATES, call } from './helpers.js';

/**
 * The permission matrix of PRODUCT.md section 9: every REST route and every socket event, for each kind of
 * caller, with the exact status and code; and nothing of a project reaches someone who is not a member.
 */

type Who = 'none' | 'revoked' | 'nonMember' | 'viewer' | 'editor' | 'owner' | 'admin';
const WHO: Who[] = ['none', 'revoked', 'nonMember', 'viewer', 'editor', 'owner', 'admin'];
const OUTSIDERS: Who[] = ['none', 'revoked', 'nonMember'];
type Kind = 'public' | 'signed-in' | 'admin' | 'metrics' | 'read' | 'edit' | 'rename' | 'delete' | 'manage';
/** What each role may do on a project, written out here independently of src/auth/policy.ts. */
const RANK: Record<string, number> = { nonMember: 0, viewer: 1, editor: 2, owner: 3, admin: 4 };
const NEEDS: Record<string, number> = { read: 1, edit: 2, rename: 2, delete: 3, manage: 3 };

interface Outcome {
  status: number;
  code?: string;
}

interface Fixture {
  projectId: string;
  sessionId: string;
  rootId: string;
  name: string;
}

interface RouteCase {
  route: string;
  kind: Kind;
  /** What a project or session is addressed by (for the 404 a non-member gets). */
  target?: 'project' | 'session';
  /** The answer of a caller who may do it. */
  ok: Outcome;
  send(f: Fixture, headers: Record<string, string>, who: Who): Promise<Answer<any>>;
}

let server: TestServer;
const people = {} as Record<'admin' | 'owner' | 'editor' | 'viewer' | 'nonMember' | 'spare', TestAccount>;
let revokedToken: string;
/** Names and ids of every project made for the matrix: none may reach an outsider. */
const secretNames: string[] = [];
const secretIds: string[] = [];
let importDoc: unknown;
let templateYaml: string;
let spy: TestSocket;

beforeAll(async () => {
  server = await startAuthServer({ rateLimitPerMin: 1_000_000 }, new MemoryStore());
  people.admin = await account(server, 'admin');
  for (const u of ['owner', 'editor', 'viewer', 'nonMember', 'spare'] as const) {
    people[u] = await account(server, u.toLowerCase(), people.admin, { name: `The ${u}` });
  }
  const revoked = expectOk(
    await call(server, 'POST', '/tokens', { name: 'to revoke' }, people.editor.headers),
    201,
    'token',
  );
  expectOk(
    await call(server, 'DELETE', `/tokens/${revoked.id}`, undefined, people.editor.headers),
    204,
    'revoke',
  );
  revokedToken = revoked.token;
  // a file to import: a plain project of the administrator's, exported
  const plain = expectOk(
    await call(
      server,
      'POST',
      '/projects',
      { template_id: 'festival', project_name: 'Plain' },
      people.admin.headers,
    ),
    201,
    'plain project',
  );
  importDoc = expectOk(
    await call(server, 'GET', `/projects/${plain.project_id}/export`, undefined, people.admin.headers),
    200,
    'export',
  );
  templateYaml = readFileSync(join(CONFORMANCE_TEMPLATES, 'festival.yaml'), 'utf8');
  // the non-member watches a project of their own the whole time: nothing of the others may reach it
  const own = expectOk(
    await call(
      server,
      'POST',
      '/projects',
      { template_id: 'festival', project_name: 'Mine' },
      people.nonMember.headers,
    ),
    201,
    'own project',
  );
  spy = await connectWith(server, { auth: { token: people.nonMember.token } });
  expect(await ack(spy, 'join_session', { session_id: own.session_id })).toMatchObject({ ok: true });
});

afterAll(async () => {
  spy?.close();
  await server?.close();
});

const headersOf = (who: Who): Record<string, string> =>
  who === 'none' ? {} : who === 'revoked' ? bearer(revokedToken) : people[who].headers;

/** A project of the owner's with the editor and the viewer as members; its name is a secret. */
async function fixture(): Promise<Fixture> {
  const name = `Secret ${randomUUID()}`;
  secretNames.push(name);
  const o = people.owner.headers;
  const p = expectOk(
    await call(server, 'POST', '/projects', { template_id: 'festival', project_name: name }, o),
    201,
    'fixture',
  );
  secretIds.push(p.project_id);
  for (const [who, role] of [
    ['editor', 'editor'],
    ['viewer', 'viewer'],
  ] as const) {
    const r = await call(server, 'POST', `/projects/${p.project_id}/members`, { username: who, role }, o);
    expectOk(r, 200, `member ${who}`);
  }
  return { projectId: p.project_id, sessionId: p.session_id, rootId: p.graph.roots[0].id, name };
}

const cmd = (f: Fixture) => ({
  session_id: f.sessionId,
  command_type: 'CreateNode',
  data: { parent_id: f.rootId, blueprint_type_id: 'stage', name: 'Main stage' },
});

async function ownerCommand(f: Fixture, undo = false) {
  expectOk(await call(server, 'POST', '/commands/execute', cmd(f), people.owner.headers), 200, 'command');
  if (undo) {
    expectOk(
      await call(server, 'POST', `/sessions/${f.sessionId}/undo`, {}, people.owner.headers),
      200,
      'undo',
    );
  }
}

async function raw(method: string, path: string, headers: Record<string, string>): Promise<Answer<any>> {
  const res = await fetch(`${server.base}${path}`, { method, headers });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

let counter = 0;
const fresh = (prefix: string) => `${prefix}${++counter}`;

const API = '/api/v1';
const ROUTES: RouteCase[] = [
  // public
  {
    route: `GET ${API}/health`,
    kind: 'public',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/health', undefined, h),
  },
  {
    route: `GET ${API}/openapi.json`,
    kind: 'public',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/openapi.json', undefined, h),
  },
  {
    route: `GET ${API}/auth/status`,
    kind: 'public',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/auth/status', undefined, h),
  },
  {
    // TALUS_SIGNUP=first and the first account exists: closed for everyone
    route: `POST ${API}/auth/signup`,
    kind: 'public',
    ok: { status: 403, code: 'FORBIDDEN' },
    send: (_f, h) =>
      call(server, 'POST', '/auth/signup', { username: fresh('late'), password: 'long enough password' }, h),
  },
  {
    route: `POST ${API}/auth/login`,
    kind: 'public',
    ok: { status: 200 },
    send: (_f, h) =>
      call(server, 'POST', '/auth/login', { username: 'spare', password: 'correct horse battery staple' }, h),
  },
  // any account
  {
    route: `POST ${API}/auth/logout`,
    kind: 'signed-in',
    ok: { status: 204 },
    send: (_f, h) => call(server, 'POST', '/auth/logout', undefined, h),
  },
  {
    route: `GET ${API}/me`,
    kind: 'signed-in',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/me', undefined, h),
  },
  {
    route: `POST ${API}/tokens`,
    kind: 'signed-in',
    ok: { status: 201 },
    send: (_f, h) => call(server, 'POST', '/tokens', { name: 'x' }, h),
  },
  {
    route: `GET ${API}/tokens`,
    kind: 'signed-in',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/tokens', undefined, h),
  },
  {
    route: `DELETE ${API}/tokens/:id`,
    kind: 'signed-in',
    ok: { status: 204 },
    send: async (_f, h, who) => {
      // a token of the caller's own (for the anonymous, one of the administrator's)
      const owner = OUTSIDERS.includes(who) && who !== 'nonMember' ? people.admin.headers : h;
      const t = expectOk(await call(server, 'POST', '/tokens', { name: 'doomed' }, owner), 201, 'token');
      return call(server, 'DELETE', `/tokens/${t.id}`, undefined, h);
    },
  },
  {
    route: `GET ${API}/templates`,
    kind: 'signed-in',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/templates', undefined, h),
  },
  {
    route: `GET ${API}/templates/:id/schema`,
    kind: 'signed-in',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/templates/festival/schema', undefined, h),
  },
  {
    route: `POST ${API}/sessions`,
    kind: 'signed-in',
    ok: { status: 201 },
    send: (_f, h) => call(server, 'POST', '/sessions', undefined, h),
  },
  {
    route: `GET ${API}/sessions`,
    kind: 'signed-in',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/sessions', undefined, h),
  },
  {
    route: `POST ${API}/projects`,
    kind: 'signed-in',
    ok: { status: 201 },
    send: (_f, h) => call(server, 'POST', '/projects', { template_id: 'festival', project_name: 'Own' }, h),
  },
  {
    route: `GET ${API}/projects`,
    kind: 'signed-in',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'GET', '/projects', undefined, h),
  },
  {
    route: `POST ${API}/projects/import`,
    kind: 'signed-in',
    ok: { status: 201 },
    send: (_f, h) => call(server, 'POST', '/projects/import', importDoc, h),
  },
  // administrators
  {
    route: `POST ${API}/users`,
    kind: 'admin',
    ok: { status: 201 },
    send: (_f, h) =>
      call(server, 'POST', '/users', { username: fresh('user'), password: 'long enough password' }, h),
  },
  {
    route: `POST ${API}/templates`,
    kind: 'admin',
    ok: { status: 201 },
    send: (_f, h) =>
      call(server, 'POST', `/templates?id=${fresh('uploaded')}`, templateYaml, {
        ...h,
        'content-type': 'application/yaml',
      }),
  },
  {
    route: `POST ${API}/sessions/cleanup`,
    kind: 'admin',
    ok: { status: 200 },
    send: (_f, h) => call(server, 'POST', '/sessions/cleanup', { max_inactive_hours: 1_000_000 }, h),
  },
  { route: 'GET /metrics', kind: 'metrics', ok: { status: 200 }, send: (_f, h) => raw('GET', '/metrics', h) },
  // one project, named by id
  ...(
    [
      ['GET', '', 'read', 200],
      ['POST', '/open', 'read', 200],
      ['GET', '/history', 'read', 200],
      ['GET', '/schema', 'read', 200],
      ['GET', '/events?since=0', 'read', 200],
      ['GET', '/export', 'read', 200],
      ['GET', '/members', 'read', 200],
      ['DELETE', '', 'delete', 204],
    ] as const
  ).map(
    ([method, suffix, kind, status]): RouteCase => ({
      route: `${method} ${API}/projects/:id${suffix.replace(/\?.*/, '')}`,
      kind,
      target: 'project',
      ok: { status },
      send: (f, h) => call(server, method, `/projects/${f.projectId}${suffix}`, undefined, h),
    }),
  ),
  {
    route: `PATCH ${API}/projects/:id`,
    kind: 'rename',
    target: 'project',
    ok: { status: 200 },
    send: (f, h) => {
      const name = `${f.name} renamed`;
      secretNames.push(name);
      return call(server, 'PATCH', `/projects/${f.projectId}`, { name }, h);
    },
  },
  {
    route: `POST ${API}/projects/:id/members`,
    kind: 'manage',
    target: 'project',
    ok: { status: 200 },
    send: (f, h) =>
      call(server, 'POST', `/projects/${f.projectId}/members`, { username: 'spare', role: 'viewer' }, h),
  },
  {
    route: `DELETE ${API}/projects/:id/members/:username`,
    kind: 'manage',
    target: 'project',
    ok: { status: 204 },
    send: (f, h) => call(server, 'DELETE', `/projects/${f.projectId}/members/viewer`, undefined, h),
  },
  // one project, through its session
  ...(
    [
      ['GET', '/info', 'read', 200],
      ['GET', '/graph', 'read', 200],
      ['GET', '/graph/tree', 'read', 200],
      ['GET', '/events?since=0', 'read', 200],
      ['POST', '/save', 'edit', 200],
    ] as const
  ).map(
    ([method, suffix, kind, status]): RouteCase => ({
      route: `${method} ${API}/sessions/:id${suffix.replace(/\?.*/, '')}`,
      kind,
      target: 'session',
      ok: { status },
      send: (f, h) => call(server, method, `/sessions/${f.sessionId}${suffix}`, undefined, h),
    }),
  ),
  {
    route: `GET ${API}/graph`,
    kind: 'read',
    target: 'session',
    ok: { status: 200 },
    send: (f, h) => call(server, 'GET', `/graph?session_id=${f.sessionId}`, undefined, h),
  },
  {
    route: `POST ${API}/commands/execute`,
    kind: 'edit',
    target: 'session',
    ok: { status: 200 },
    send: (f, h) => call(server, 'POST', '/commands/execute', cmd(f), h),
  },
  {
    route: `POST ${API}/sessions/:id/undo`,
    kind: 'edit',
    target: 'session',
    ok: { status: 200 },
    send: async (f, h) => {
      await ownerCommand(f);
      return call(server, 'POST', `/sessions/${f.sessionId}/undo`, {}, h);
    },
  },
  {
    route: `POST ${API}/sessions/:id/redo`,
    kind: 'edit',
    target: 'session',
    ok: { status: 200 },
    send: async (f, h) => {
      await ownerCommand(f, true);
      return call(server, 'POST', `/sessions/${f.sessionId}/redo`, {}, h);
    },
  },
  {
    // the session already has a project: whoever may change it learns 409, the others 403/404
    route: `POST ${API}/sessions/:id/load-graph`,
    kind: 'edit',
    target: 'session',
    ok: { status: 409, code: 'CONFLICT' },
    send: (f, h) => call(server, 'POST', `/sessions/${f.sessionId}/load-graph`, importDoc, h),
  },
  {
    route: `POST ${API}/projects`,
    kind: 'edit',
    target: 'session',
    ok: { status: 409, code: 'CONFLICT' },
    send: (f, h) =>
      call(
        server,
        'POST',
        '/projects',
        { template_id: 'festival', project_name: 'x', session_id: f.sessionId },
        h,
      ),
  },
];

function expected(c: { kind: Kind; ok: Outcome; target?: 'project' | 'session' }, who: Who): Outcome {
  if (c.kind === 'public') return c.ok;
  if (who === 'none' || who === 'revoked') return { status: 401, code: 'UNAUTHORIZED' };
  if (c.kind === 'signed-in') return c.ok;
  if (c.kind === 'admin' || c.kind === 'metrics')
    return who === 'admin' ? c.ok : { status: 403, code: 'FORBIDDEN' };
  if (who === 'nonMember') {
    return { status: 404, code: c.target === 'project' ? 'PROJECT_NOT_FOUND' : 'INVALID_SESSION' };
  }
  return RANK[who]! >= NEEDS[c.kind]! ? c.ok : { status: 403, code: 'FORBIDDEN' };
}

function expectNoSecrets(what: string, body: unknown) {
  const text = JSON.stringify(body ?? null);
  for (const name of secretNames)
    expect(text.includes(name), `${what} shows a secret project name`).toBe(false);
  for (const id of secretIds) expect(text.includes(id), `${what} shows a secret project id`).toBe(false);
}

describe('permission matrix', () => {
  it('[SEC1] the matrix walks every route of the policy table', () => {
    expect([...new Set(ROUTES.map((c) => c.route))].sort()).toEqual(Object.keys(ROUTE_RULES).sort());
  });

  it('[SEC2] every REST route answers each caller with the exact status and code, and no outsider learns a project', async () => {
    const failures: string[] = [];
    for (const c of ROUTES) {
      for (const who of WHO) {
        const f = await fixture();
        const r = await c.send(f, headersOf(who), who);
        const want = expected(c, who);
        const got = { status: r.status, ...(want.code ? { code: r.body?.error?.code } : {}) };
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          failures.push(
            `${c.route} as ${who}: want ${JSON.stringify(want)}, got ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`,
          );
        }
        if (OUTSIDERS.includes(who)) {
          const text = JSON.stringify(r.body ?? null);
          if (text.includes(f.name) || secretNames.some((n) => text.includes(n))) {
            failures.push(`${c.route} as ${who} shows a secret project name`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('[SEC3] lists show only what the caller may see; empty sessions only to administrators', async () => {
    const f = await fixture();
    const empty = expectOk(
      await call(server, 'POST', '/sessions', undefined, people.editor.headers),
      201,
      'empty',
    );
    const projects = async (who: Who) =>
      (await call(server, 'GET', '/projects', undefined, headersOf(who))).body.projects.map(
        (p: any) => p.project_id,
      );
    const sessions = async (who: Who) =>
      (await call(server, 'GET', '/sessions', undefined, headersOf(who))).body.sessions.map(
        (s: any) => s.session_id,
      );
    for (const who of ['viewer', 'editor', 'owner', 'admin'] as const) {
      expect(await projects(who)).toContain(f.projectId);
      expect(await sessions(who)).toContain(f.sessionId);
    }
    expect(await projects('nonMember')).not.toContain(f.projectId);
    expect(await sessions('nonMember')).not.toContain(f.sessionId);
    expectNoSecrets(
      'GET /projects',
      (await call(server, 'GET', '/projects', undefined, headersOf('nonMember'))).body,
    );
    expectNoSecrets(
      'GET /sessions',
      (await call(server, 'GET', '/sessions', undefined, headersOf('nonMember'))).body,
    );
    expect(await sessions('admin')).toContain(empty.session_id);
    expect(await sessions('editor')).not.toContain(empty.session_id);
    // an empty session may be used by id by anyone signed in; loading a project makes the loader owner
    const info = await call(
      server,
      'GET',
      `/sessions/${empty.session_id}/info`,
      undefined,
      headersOf('nonMember'),
    );
    expect(info.status).toBe(200);
    const loaded = await call(
      server,
      'POST',
      `/sessions/${empty.session_id}/load-graph`,
      importDoc,
      headersOf('nonMember'),
    );
    expect(loaded.status).toBe(200);
    const members = await call(
      server,
      'GET',
      `/projects/${loaded.body.project_id}/members`,
      undefined,
      headersOf('nonMember'),
    );
    expect(members.body.members).toEqual([{ username: 'nonmember', name: 'The nonMember', role: 'owner' }]);
    const other = await call(
      server,
      'GET',
      `/sessions/${empty.session_id}/info`,
      undefined,
      headersOf('editor'),
    );
    expect({ status: other.status, code: other.body.error.code }).toEqual({
      status: 404,
      code: 'INVALID_SESSION',
    });
  });

  it('[SEC4] sockets: refused without valid credentials; every event checked for each caller', async () => {
    for (const auth of [{}, { token: revokedToken }, { name: 'Mallory' }, { token: 'tt_pat_forged' }]) {
      const err = await refusedConnect(server, { auth });
      expect(err?.data?.code, JSON.stringify(auth)).toBe('UNAUTHORIZED');
    }
    type EventCase = { event: string; kind: Kind; ok?: object; run(s: TestSocket, f: Fixture): Promise<any> };
    const join = (s: TestSocket, f: Fixture) => ack(s, 'join_session', { session_id: f.sessionId });
    const EVENTS: EventCase[] = [
      { event: 'join_session', kind: 'read', run: (s, f) => join(s, f) },
      {
        event: 'leave_session',
        kind: 'read',
        run: async (s, f) => {
          await join(s, f);
          return ack(s, 'leave_session', { session_id: f.sessionId });
        },
      },
      {
        event: 'execute_command',
        kind: 'edit',
        run: async (s, f) => {
          await join(s, f);
          return ack(s, 'execute_command', cmd(f));
        },
      },
      {
        event: 'undo',
        kind: 'edit',
        run: async (s, f) => {
          await ownerCommand(f);
          await join(s, f);
          return ack(s, 'undo', { session_id: f.sessionId });
        },
      },
      {
        event: 'redo',
        kind: 'edit',
        run: async (s, f) => {
          await ownerCommand(f, true);
          await join(s, f);
          return ack(s, 'redo', { session_id: f.sessionId });
        },
      },
      {
        event: 'presence',
        kind: 'read',
        run: async (s, f) => {
          await join(s, f);
          return ack(s, 'presence', { session_id: f.sessionId, selected_node_id: f.rootId });
        },
      },
      { event: 'ping', kind: 'signed-in', run: (s) => ack(s, 'ping') },
    ];
    expect(EVENTS.map((e) => e.event).sort()).toEqual(Object.keys(SOCKET_RULES).sort());
    const failures: string[] = [];
    for (const e of EVENTS) {
      for (const who of ['nonMember', 'viewer', 'editor', 'owner', 'admin'] as const) {
        const f = await fixture();
        const s = await connectWith(server, { auth: { token: people[who].token } });
        try {
          const a = await e.run(s, f);
          const want = expected({ kind: e.kind, ok: { status: 200 }, target: 'session' }, who);
          const got = a.ok ? 200 : a.error.code;
          const wanted = want.status === 200 ? 200 : want.code;
          if (got !== wanted) failures.push(`${e.event} as ${who}: want ${wanted}, got ${JSON.stringify(a)}`);
          if (who === 'nonMember') {
            expectNoSecrets(`${e.event} as a non-member`, s.received);
            expectNoSecrets(`${e.event} ack to a non-member`, a);
          }
        } finally {
          s.close();
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('[SEC5] a viewer is refused before the command is validated, and sees every event; a non-member none', async () => {
    const f = await fixture();
    const viewer = await connectWith(server, { auth: { token: people.viewer.token } });
    const outsider = await connectWith(server, { auth: { token: people.nonMember.token } });
    try {
      expect(await ack(viewer, 'join_session', { session_id: f.sessionId })).toMatchObject({ ok: true });
      const refused = await ack(viewer, 'execute_command', {
        session_id: f.sessionId,
        command_type: 'Nope',
        data: 7,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const rest = await call(
        server,
        'POST',
        '/commands/execute',
        { ...cmd(f), command_type: 'Nope' },
        people.viewer.headers,
      );
      expect({ status: rest.status, code: rest.body.error.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect(await ack(outsider, 'join_session', { session_id: f.sessionId })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_SESSION' },
      });
      const done = expectOk(
        await call(server, 'POST', '/commands/execute', cmd(f), people.editor.headers),
        200,
        'cmd',
      );
      const seen = async () =>
        viewer.received.some((e) => e.event === 'command:executed' && e.payload.revision === done.revision);
      for (let i = 0; i < 100 && !(await seen()); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await seen()).toBe(true);
      expectNoSecrets('the non-member socket', outsider.received);
    } finally {
      viewer.close();
      outsider.close();
    }
  });

  it('[SEC6] the non-member listening all along received nothing of the projects they are not in', () => {
    expect(spy.connected).toBe(true);
    expect(spy.received.length).toBeGreaterThan(0); // it did receive its own project's events
    expectNoSecrets('the watching non-member socket', spy.received);
  });
});
