import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  limitsPrefix,
  type RedisScripting,
  redisRateLimitStore,
  UserEventLimiter,
} from '../src/auth/redis-limits.js';
import { RedisLoginThrottle } from '../src/auth/throttle.js';
import { account, bearer, connectWith, login, PASSWORD, type TestAccount } from './auth-helpers.js';
import {
  type Cluster,
  clusterServices,
  dropCluster,
  newCluster,
  REDIS_TEST_URL,
  type ServerProcess,
  startProcess,
} from './cluster-helpers.js';
import { ack, call, type TestSocket, waitFor } from './helpers.js';
import { throttleContract } from './throttle-contract.js';

const available = await clusterServices();

const AUTH = { TALUS_AUTH: 'on' };

const code = (r: { status: number; body: any }) => ({ status: r.status, code: r.body?.error?.code });

async function raw(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

describe.skipIf(!available)('limits and lockouts across processes (PostgreSQL and Redis)', () => {
  let cluster: Cluster;
  /** Two processes of one deployment, accounts on. */
  let a: ServerProcess;
  let b: ServerProcess;
  /** Two more with tiny limits, on their own stream (so their counts start from zero), same database. */
  let c: ServerProcess;
  let d: ServerProcess;
  let admin: TestAccount;
  const redis = createClient({ url: REDIS_TEST_URL });
  redis.on('error', () => {});
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await newCluster();
    [a, b] = await Promise.all([
      startProcess(cluster, undefined, AUTH),
      startProcess(cluster, undefined, AUTH),
    ]);
    const tiny = {
      ...AUTH,
      TALUS_REDIS_STREAM: `${cluster.streamName}:tiny`,
      TALUS_RATE_LIMIT_PER_MIN: '6',
      TALUS_SOCKET_EVENTS_PER_SEC: '1',
    };
    [c, d] = await Promise.all([
      startProcess(cluster, undefined, tiny),
      startProcess(cluster, undefined, tiny),
    ]);
    admin = await account(a, 'admin');
    await redis.connect();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a, b, c, d].map((p) => p?.kill('SIGKILL')));
    if (redis.isOpen) {
      for (const stream of [cluster.streamName, `${cluster.streamName}:tiny`]) {
        const keys = await redis.keys(`${limitsPrefix(stream)}*`);
        if (keys.length > 0) await redis.del(keys);
        await redis.del(stream);
      }
      await redis.close();
    }
    if (cluster) await dropCluster(cluster);
  });

  it('[CLU1] the login throttle in Redis behaves like the one in memory', async () => {
    const prefix = `${limitsPrefix(cluster.streamName)}contract:`;
    await throttleContract((now) => new RedisLoginThrottle({ client: redis, prefix }, { now }));
  });

  it('[CLU2] failed logins spread over both processes lock the username on both; parallel guesses cannot slip past', async () => {
    await account(a, 'ada', admin);
    for (let i = 0; i < 10; i++) {
      const r = await call(i % 2 ? a : b, 'POST', '/auth/login', { username: 'ada', password: `wrong ${i}` });
      expect(code(r)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    }
    for (const p of [a, b]) {
      const res = await raw(`${p.api}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ADA', password: PASSWORD }), // usernames count case-insensitively
      });
      expect(res.status).toBe(429);
      const retry = Number(res.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(890);
      expect(retry).toBeLessThanOrEqual(900);
      expect(res.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after: retry } });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    // another username is not affected, on either process
    expect((await login(b, 'admin')).token).toBeTruthy();
    // 14 parallel guesses over both processes: 10 are checked, 4 refused
    const guesses = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        call(i % 2 ? a : b, 'POST', '/auth/login', { username: 'ghost', password: `g${i}` }),
      ),
    );
    expect(guesses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(guesses.filter((r) => r.status === 429)).toHaveLength(4);
  });

  it('[CLU3] REST requests spread over both processes share the per-user and per-IP limits', async () => {
    const grace = await account(a, 'grace', admin); // on a and b: these count in the other deployment
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof raw>> | undefined;
    for (let i = 0; i < 8; i++) {
      const r = await raw(`${(i % 2 ? c : d).api}/me`, { headers: grace.headers });
      statuses.push(r.status);
      limited ??= r.status === 429 ? r : undefined;
    }
    // 6 a minute for grace across c and d together (each alone would have let all 8 through)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect(limited!.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: expect.any(Number) },
    });
    const retry = Number(limited!.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(limited!.headers.get('x-ratelimit-limit')).toBe('6');
    // without credentials: 12 a minute for the address, across both
    const anonymous: number[] = [];
    for (let i = 0; i < 14; i++) anonymous.push((await raw(`${(i % 2 ? c : d).api}/projects`)).status);
    expect(anonymous).toEqual([...Array(12).fill(401), 429, 429]);
    for (let i = 0; i < 6; i++) expect((await raw(`${(i % 2 ? c : d).api}/health`)).status).toBe(200);
  });

  it('[CLU4] socket events are limited per user across processes (4× the per-socket rate)', async () => {
    const { token } = await login(a, 'admin');
    const user = await Promise.all(
      Array.from({ length: 10 }, (_, i) => connectWith(i % 2 ? c : d, { auth: { token } })),
    );
    sockets.push(...user);
    // each socket may burst 2 events (so all 20 would pass per socket); the user 8 across both processes, +4/s
    const answers = await Promise.all(user.flatMap((s) => [ack(s, 'ping'), ack(s, 'ping')]));
    const ok = answers.filter((x) => x.ok).length;
    expect(ok).toBeGreaterThanOrEqual(8);
    expect(ok).toBeLessThanOrEqual(13); // each process alone would have let 16 through
    for (const x of answers.filter((y) => !y.ok)) expect(x.error.code).toBe('RATE_LIMITED');
  });

  it('[CLU5] removing a member on one process takes their socket on another out of the room at once', async () => {
    const bob = await account(a, 'bob', admin);
    const carol = await account(a, 'carol', admin);
    const created = await call(
      a,
      'POST',
      '/projects',
      { template_id: 'festival', project_name: 'Shared' },
      bob.headers,
    );
    expect(created.status).toBe(201);
    const sessionId = created.body.session_id as string;
    const projectId = created.body.project_id as string;
    const rootId = created.body.graph.roots[0].id as string;
    const added = await call(
      a,
      'POST',
      `/projects/${projectId}/members`,
      { username: 'carol', role: 'viewer' },
      bob.headers,
    );
    expect(added.status).toBe(200);
    const cmd = (name: string) => ({
      session_id: sessionId,
      command_type: 'CreateNode',
      data: { parent_id: rootId, blueprint_type_id: 'area', name },
    });

    const watcher = await connectWith(b, { auth: { token: carol.token } }); // carol on b
    const stays = await connectWith(a, { auth: { token: bob.token } }); // bob on a
    sockets.push(watcher, stays);
    expect(await ack(watcher, 'join_session', { session_id: sessionId })).toMatchObject({ ok: true });
    expect(await ack(stays, 'join_session', { session_id: sessionId })).toMatchObject({ ok: true });
    const before = await call(a, 'POST', '/commands/execute', cmd('before'), bob.headers);
    expect(before.status).toBe(200);
    await waitFor(watcher, 'command:executed', (e) => e.revision === before.body.revision, 15_000);

    const removed = await call(a, 'DELETE', `/projects/${projectId}/members/carol`, undefined, bob.headers);
    expect(removed.status).toBe(204);
    await waitFor(watcher, 'left', (e) => e.session_id === sessionId, 15_000);
    await waitFor(stays, 'session:disconnected', (e) => e.user.id === carol.id, 15_000);
    const mark = watcher.received.length;
    // commands through both processes after the removal: carol's socket gets none of them
    for (const [i, p] of [a, b].entries()) {
      const after = await call(p, 'POST', '/commands/execute', cmd(`after ${i}`), bob.headers);
      expect(after.status).toBe(200);
      await waitFor(stays, 'command:executed', (e) => e.revision === after.body.revision, 15_000);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(watcher.received.slice(mark)).toEqual([]);
    expect(watcher.connected).toBe(true); // only the session: the socket itself stays
    // b's state knows it left: it may not command the session, nor join it again
    expect(await ack(watcher, 'execute_command', cmd('sneaky'))).toMatchObject({ ok: false });
    expect(await ack(watcher, 'join_session', { session_id: sessionId })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_SESSION' },
    });
    // the session's clients, seen from either process, no longer count carol
    for (const p of [a, b]) {
      const info = await call(p, 'GET', `/sessions/${sessionId}/info`, undefined, bearer(bob.token));
      expect(info.body.active_clients).toBe(1);
    }
  });
});

describe('when Redis fails', () => {
  const calls: string[] = [];
  const down: RedisScripting = {
    isReady: false,
    eval: async () => calls.push('eval'),
    evalSha: async () => calls.push('evalSha'),
  };
  const failing: RedisScripting = {
    eval: async () => Promise.reject(new Error('boom')),
    evalSha: async () => Promise.reject(new Error('boom')),
  };

  it("[CLU6] when Redis fails, the per-user socket limit falls back to this process's bucket and REST limits let requests pass", async () => {
    for (const client of [down, failing]) {
      const errors: unknown[] = [];
      const limiter = new UserEventLimiter(1, 3, { client, prefix: 'x:' }, (err) => errors.push(err));
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push(await limiter.take('ada'));
      expect(taken).toEqual([true, true, true, false, false]);
      expect(errors).toHaveLength(5);
      const Store = redisRateLimitStore({ client, prefix: 'x:' }, () => {});
      const store = new Store({});
      const answer = await new Promise<unknown>((resolve) =>
        store.incr('ip:127.0.0.1', (err, res) => resolve(err ?? res), 60_000, 5),
      );
      expect(answer).toBeInstanceOf(Error);
      // as installHttpSecurity registers it: the request passes
      const app = Fastify();
      await app.register(rateLimit, {
        store: Store,
        skipOnError: true,
        global: true,
        max: 1,
        timeWindow: 60_000,
      });
      app.get('/', async () => ({ ok: true }));
      for (let i = 0; i < 3; i++)
        expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
      await app.close();
    }
    expect(calls).toEqual([]); // a client that is not connected is not even asked
  });
});
