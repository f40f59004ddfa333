import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { testConfig } from '../../server/src/config.js';
import { startServer, type TestServer } from '../../server/test/helpers.js';
import { ensureWebBuilt } from './browser.js';

/** The server serves the built web UI at `/`, and index.html for the UI's own page paths. */
describe('serving the web UI', () => {
  let server: TestServer;
  const page = (path: string, accept = 'text/html,application/xhtml+xml') =>
    fetch(`${server.base}${path}`, { headers: { accept } });

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('[WEB-SRV1] / is the UI, with its hashed assets cached for good and the security headers on', async () => {
    const res = await page('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await res.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    await asset.arrayBuffer();
  });

  it('[WEB-SRV2] a page of the UI loaded directly gets index.html; the API, sockets and other requests keep their 404s', async () => {
    const deep = await page('/projects/3b4c7c1e-0000-4000-8000-000000000000');
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const tokens = await page('/account/tokens');
    expect(tokens.status).toBe(200);
    await tokens.text();

    for (const path of ['/api/v1/nope', '/api/nope', '/metrics/nope']) {
      const res = await page(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('INVALID_REQUEST');
    }
    const engine = await page('/socket.io/nope');
    expect(engine.status).toBe(400); // Socket.IO's own answer
    expect(engine.headers.get('content-type')).not.toMatch(/html/);
    await engine.text();
    // not a page load (a script, a probe): the JSON 404 as before
    const probe = await page('/projects/whatever', '*/*');
    expect(probe.status).toBe(404);
    expect(((await probe.json()) as any).error.code).toBe('INVALID_REQUEST');
    const post = await fetch(`${server.base}/projects/whatever`, {
      method: 'POST',
      headers: { accept: 'text/html' },
    });
    expect(post.status).toBe(404);
    await post.text();
  });

  it('[WEB-SRV3] without a built UI the server still starts and says how to build it', async () => {
    const talus = await buildApp(testConfig({ dataDir: ':memory:' }), { webRoot: null });
    try {
      const res = await talus.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build');
      const deep = await talus.app.inject({
        method: 'GET',
        url: '/projects/x',
        headers: { accept: 'text/html' },
      });
      expect(deep.statusCode).toBe(404);
    } finally {
      await talus.close();
    }
  });
});
