import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { account, connectWith, PASSWORD, startAuthServer, type TestServer } from './auth-helpers.js';
import { ack, startServer } from './helpers.js';

const servers: TestServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function raw(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = null;
  try {
    body = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

describe('REST rate limits', () => {
  it('[LIM1] TALUS_RATE_LIMIT_PER_MIN per user, twice that per IP without credentials: 429 RATE_LIMITED with Retry-After; /health exempt', async () => {
    const s = await startAuthServer({ rateLimitPerMin: 5 });
    servers.push(s);
    const ada = await account(s, 'ada'); // sign-up and login count for the IP, the token for ada
    const grace = await account(s, 'grace', ada);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof raw>> | undefined;
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await raw(`${s.api}/me`, { headers: ada.headers });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    // ada had 5 a minute: 1 (token) + 1 (grace's account) + 3 here
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited!.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: expect.any(Number) },
    });
    const retry = Number(limited!.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(limited!.body.error.details.retry_after).toBe(retry);
    expect(limited!.headers.get('x-ratelimit-limit')).toBe('5');
    // another user has a budget of their own
    expect((await raw(`${s.api}/me`, { headers: grace.headers })).status).toBe(200);
    // without credentials: 10 a minute for the IP (3 spent on sign-up and logins), then 429 instead of 401
    const anonymous: number[] = [];
    for (let i = 0; i < 12; i++) anonymous.push((await raw(`${s.api}/projects`)).status);
    expect(anonymous).toEqual([401, 401, 401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    // the health check is never limited
    for (let i = 0; i < 20; i++) expect((await raw(`${s.api}/health`)).status).toBe(200);
  });
});

describe('socket limits and metrics', () => {
  it('[LIM5] socket events are limited per socket and per user (4× the per-socket rate): RATE_LIMITED acks', async () => {
    const s = await startAuthServer({ socketEventsPerSec: 1 });
    servers.push(s);
    const ada = await account(s, 'ada');
    const sockets = await Promise.all(
      Array.from({ length: 10 }, () => connectWith(s, { auth: { token: ada.token } })),
    );
    try {
      // each socket may burst 2 events (all 20 would pass per socket); the user 8 across their sockets, +4/s
      const answers = await Promise.all(
        sockets.flatMap((sock) => Array.from({ length: 2 }, () => ack(sock, 'ping'))),
      );
      const ok = answers.filter((a) => a.ok).length;
      expect(ok).toBeGreaterThanOrEqual(8);
      expect(ok).toBeLessThanOrEqual(14);
      for (const a of answers.filter((x) => !x.ok)) expect(a.error.code).toBe('RATE_LIMITED');
    } finally {
      for (const sock of sockets) sock.close();
    }
  });

  it('[LIM6] /metrics needs an administrator, or TALUS_METRICS_PUBLIC=true for a scraper on loopback', async () => {
    const s = await startAuthServer();
    servers.push(s);
    const admin = await account(s, 'admin');
    const user = await account(s, 'user', admin);
    expect((await raw(`${s.base}/metrics`)).status).toBe(401);
    expect((await raw(`${s.base}/metrics`, { headers: user.headers })).status).toBe(403);
    const scraped = await fetch(`${s.base}/metrics`, { headers: admin.headers });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/# TYPE/);
    const open = await startAuthServer({ metricsPublic: true });
    servers.push(open);
    expect((await raw(`${open.base}/metrics`)).status).toBe(200);
    expect((await raw(`${open.api}/projects`)).status).toBe(401);
  });
});

describe('hardening', () => {
  it('[LIM2] security headers on every answer; the API docs load under the content security policy', async () => {
    const s = await startAuthServer();
    servers.push(s);
    const off = await startServer();
    servers.push(off);
    for (const url of [`${s.base}/`, `${s.api}/health`, `${s.api}/projects`, `${off.api}/projects`]) {
      const { headers } = await raw(url);
      expect(headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(headers.get('referrer-policy'), url).toBe('no-referrer');
      expect(headers.get('x-frame-options'), url).toBe('DENY');
      expect(headers.get('content-security-policy'), url).toMatch(/frame-ancestors 'none'/);
      expect(headers.get('strict-transport-security'), url).toBeNull(); // plain HTTP
    }
    const docs = await fetch(`${s.api}/docs`);
    expect(docs.status).toBe(200);
    const csp = docs.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    const html = await docs.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      // no inline code, and every script from this server (script-src 'self')
      expect(inline!.trim()).toBe('');
      expect(attrs).toMatch(/src="(\.\/|\/)[^"]+"/);
      const src = /src="([^"]+)"/.exec(attrs!)![1]!;
      expect((await fetch(new URL(src, docs.url))).status, src).toBe(200);
    }
    expect((await raw(`${s.api}/openapi.json`)).status).toBe(200);
  });

  it('[LIM3] CORS: same origin by default; TALUS_CORS_ORIGINS allows the listed origins only', async () => {
    const closed = await startAuthServer();
    servers.push(closed);
    const r = await raw(`${closed.api}/health`, { headers: { origin: 'https://app.example.com' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const s = await startAuthServer({ corsOrigins: ['https://app.example.com'] });
    servers.push(s);
    const preflight = await fetch(`${s.api}/projects`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    const other = await fetch(`${s.api}/projects`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await raw(`${s.api}/health`, { headers: { origin: 'https://app.example.com' } });
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});

/** HTTPS with a given CA (the test's self-signed certificate). */
function httpsCall(
  url: string,
  ca: Buffer | undefined,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      { method, ...(ca ? { ca } : {}), headers: payload ? { 'content-type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : null,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('TLS', () => {
  it('[LIM4] TALUS_TLS_CERT/TALUS_TLS_KEY serve HTTPS and WSS, with HSTS and Secure cookies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talus-tls-'));
    dirs.push(dir);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const ca = readFileSync(cert);
    const s = await startAuthServer({ tlsCert: cert, tlsKey: key });
    servers.push(s);
    const origin = s.base.replace(/^http:/, 'https:');
    const health = await httpsCall(`${origin}/api/v1/health`, ca);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    // a client that does not trust the certificate, and plain HTTP, get nowhere
    await expect(httpsCall(`${origin}/api/v1/health`, undefined)).rejects.toThrow();
    await expect(fetch(`${s.base}/api/v1/health`)).rejects.toThrow();
    const signup = await httpsCall(`${origin}/api/v1/auth/signup`, ca, 'POST', {
      username: 'ada',
      password: PASSWORD,
    });
    expect(signup.status).toBe(201);
    const login = await httpsCall(`${origin}/api/v1/auth/login`, ca, 'POST', {
      username: 'ada',
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
    const sock = await connectWith(s, { url: origin, ca: ca.toString(), auth: { token: login.body.token } });
    try {
      expect(await ack(sock, 'ping')).toMatchObject({ ok: true });
      expect(sock.io.engine.transport.name).toBe('websocket');
    } finally {
      sock.close();
    }
  });
});
