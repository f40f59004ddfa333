/**
 * Fuzzing the edges of authentication (PRODUCT.md sections 7 and 9): random, malformed and hostile
 * credentials, cookies and origins on every route of the policy table, and random socket handshakes,
 * against a real server with accounts on. Nothing may crash it, answer 5xx, leak a stack, let bad
 * credentials through, or change a project.
 *
 * The random choices come from a seeded generator: a failure names its seed (`FUZZ_SEED=… npx vitest run …`).
 */
import { ERROR_CATALOGUE } from '@talus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/test/prng.js';
import { ROUTE_RULES } from '../src/auth/policy.js';
import { MemoryStore } from '../src/store/memory-store.js';
import {
  account,
  expectOk,
  login,
  refusedConnect,
  startAuthServer,
  type TestAccount,
  type TestServer,
} from './auth-helpers.js';
import { call } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const random = mulberry32(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
const chars = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let server: TestServer;
let ada: TestAccount;
let loginToken: string;
let project: { projectId: string; sessionId: string };

beforeAll(async () => {
  server = await startAuthServer({ rateLimitPerMin: 1_000_000 }, new MemoryStore());
  ada = await account(server, 'ada');
  loginToken = (await login(server, 'ada')).token;
  const p = expectOk(
    await call(server, 'POST', '/projects', { template_id: 'festival', project_name: 'Fuzzed' }, ada.headers),
    201,
    'project',
  );
  project = { projectId: p.project_id, sessionId: p.session_id };
});
afterAll(async () => {
  await server?.close();
});

/** A credential that is wrong in some way: never one the server issued (but maybe close to one). */
function badSecret(): string {
  const real = pick([ada.token, loginToken]);
  return pick([
    () => '',
    () => ' ',
    () => chars(B64, int(60)),
    () => `tt_pat_${chars(B64, 43)}`,
    () => `tt_ses_${chars(B64, 43)}`,
    () => `${real.slice(0, -1)}${real.at(-1) === 'A' ? 'B' : 'A'}`, // one character off
    () => real.slice(0, -3),
    () => `${real}x`,
    () => real.toUpperCase(),
    () => `tt_pat_${'A'.repeat(5000)}`,
    () => 'tt_pat_',
    () => 'tt_ses_',
    () => '\u0000\u0001',
    () => 'Ωmega-☃-\ud83d\ude00',
    () => `${real} ${real}`,
    () => JSON.stringify({ token: real }),
  ])();
}

/** Headers carrying bad credentials: a malformed or wrong Authorization, or a wrong cookie. */
function badCredentials(): Record<string, string> {
  const secret = badSecret();
  // Node's fetch refuses header values with control characters; send those as a cookie value instead
  const headerSafe = /^[\t\x20-\x7e\u0080-\u00ff]*$/.test(secret);
  const auth = headerSafe
    ? pick([
        () => ({ authorization: `Bearer ${secret}` }),
        () => ({ authorization: `bearer  ${secret}` }),
        () => ({ authorization: secret }),
        () => ({ authorization: `Basic ${Buffer.from(`ada:${secret}`).toString('base64')}` }),
        () => ({
          authorization: `Bearer ${secret}`,
          cookie: `talus_session=${encodeURIComponent(ada.token)}`,
        }),
        () => ({ authorization: 'Bearer' }),
      ])()
    : {};
  const cookie = {
    cookie: pick([
      `talus_session=${encodeURIComponent(secret)}`,
      `talus_session=${encodeURIComponent(ada.token)}`, // an API token is not a cookie
      `talus_session=${encodeURIComponent(secret)}; talus_session=${encodeURIComponent(secret)}`,
      'talus_session',
      '=; ;;=',
    ]),
  };
  const origin = pick([{}, { origin: 'https://evil.example' }, { origin: 'null' }, { referer: 'not a url' }]);
  return { ...pick([auth, cookie, { ...cookie }]), ...origin };
}

function pathFor(route: string): { method: string; path: string } {
  const [method, pattern] = route.split(' ') as [string, string];
  const path = pattern
    .replace('/api/v1', '')
    .replace(':id/members/:username', `${project.projectId}/members/ada`)
    .replace(/sessions\/:id/, `sessions/${project.sessionId}`)
    .replace(/:id/, pick([project.projectId, 'festival', 'x']));
  const query = route.endsWith(' /api/v1/graph') ? `?session_id=${project.sessionId}` : '';
  return { method, path: `${path}${query}` };
}

const validEnvelope = (r: { status: number; body: any }) => {
  const code = r.body?.error?.code as keyof typeof ERROR_CATALOGUE | undefined;
  expect(code && ERROR_CATALOGUE[code], JSON.stringify(r.body)).toBeTruthy();
  expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
};

describe(`authentication fuzzing (FUZZ_SEED=${SEED})`, () => {
  it('[FUZZ-AUTH1] bad credentials on every route: 401 (or the public answer), never 5xx, nothing changes', async () => {
    const routes = Object.keys(ROUTE_RULES).filter((r) => !r.startsWith('GET /metrics'));
    for (let i = 0; i < 600; i++) {
      const route = pick(routes);
      const { method, path } = pathFor(route);
      const body = method === 'GET' || method === 'DELETE' ? undefined : pick([{}, { name: 'x' }, '{', '[]']);
      const headers = badCredentials();
      const r = await call(server, method, path, body, headers);
      const what = `${route} with ${JSON.stringify(headers).slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
      expect(r.status, what).toBeLessThan(500);
      if (r.status >= 400) validEnvelope(r);
      if (ROUTE_RULES[route]!.action !== 'public') {
        expect([401, 403], what).toContain(r.status); // 403: a cross-origin cookie request
        expect(['UNAUTHORIZED', 'FORBIDDEN'], what).toContain(r.body.error.code);
      }
    }
    const after = await call(server, 'GET', `/projects/${project.projectId}`, undefined, ada.headers);
    expect(after.body).toMatchObject({ name: 'Fuzzed', revision: 0 });
    expect((await call(server, 'GET', '/tokens', undefined, ada.headers)).body.tokens).toHaveLength(1);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('[FUZZ-AUTH2] random socket handshakes are refused with UNAUTHORIZED; the server stays up', async () => {
    const values: unknown[] = [null, 42, true, [], {}, { nested: 'x' }, '', 'x'.repeat(10_000)];
    for (let i = 0; i < 40; i++) {
      const auth = pick([
        () => ({ token: badSecret() }),
        () => ({ token: pick(values) }),
        () => ({ name: 'ada' }),
        () => ({ token: ada.token.slice(0, -1) }),
        () => ({}),
      ])();
      const err = await refusedConnect(server, { auth: auth as Record<string, unknown> });
      expect(err?.data?.code, JSON.stringify(auth).slice(0, 200)).toBe('UNAUTHORIZED');
    }
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });
});
