import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { buildApp, type TalusApp } from '../src/app.js';
import { type Config, testConfig } from '../src/config.js';
import type { Store } from '../src/store/store.js';

export const FIXTURES = new URL('../../../../shared/fixtures/talus-original/', import.meta.url).pathname;
export const CONFORMANCE_TEMPLATES = new URL('../../../../shared/conformance/templates/', import.meta.url)
  .pathname;

export interface TestServer {
  base: string;
  api: string;
  talus: TalusApp;
  dataDir: string;
  close(): Promise<void>;
}

/** A real server on a free loopback port with its own SQLite data folder (or the given store). */
export async function startServer(overrides: Partial<Config> = {}, store?: Store): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'talus-test-'));
  const config = testConfig({ port: 0, dataDir, templatesDirs: [CONFORMANCE_TEMPLATES], ...overrides });
  const talus = await buildApp(config, store ? { store } : {});
  await talus.app.listen({ host: '127.0.0.1', port: config.port });
  const address = talus.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const base = `http://127.0.0.1:${address.port}`;
  return {
    base,
    api: `${base}/api/v1`,
    talus,
    dataDir,
    async close() {
      await talus.close();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** JSON over real HTTP. A string body is sent as is (for malformed-input tests). */
export async function call<T = Record<string, any>>(
  server: { api: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${server.api}${path}`, init);
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed as T };
}

export interface Received {
  event: string;
  payload: any;
}

export type TestSocket = Socket & { received: Received[] };

/** A real socket.io-client on /graph that records everything it receives. */
export async function connect(
  server: { base: string },
  auth: Record<string, unknown> = {},
): Promise<TestSocket> {
  const socket = io(`${server.base}/graph`, {
    transports: ['websocket'],
    auth,
    reconnection: false,
    forceNew: true,
  }) as TestSocket;
  socket.received = [];
  socket.onAny((event: string, payload: unknown) => socket.received.push({ event, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

export function ack(socket: Socket, event: string, payload?: unknown): Promise<any> {
  return socket.timeout(10_000).emitWithAck(event, payload);
}

/** Resolve with the first received event (past or future) that matches; reject after `ms`. */
export async function waitFor(
  socket: TestSocket,
  event: string,
  pred: (p: any) => boolean = () => true,
  ms = 5000,
) {
  const t0 = Date.now();
  for (;;) {
    const hit = socket.received.find((e) => e.event === event && pred(e.payload));
    if (hit) return hit.payload;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${event}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const eventsNamed = (socket: TestSocket, name: string) =>
  socket.received.filter((e) => e.event === name).map((e) => e.payload);

/** Flatten a `{ roots }` tree answer into id → node (children as ids). */
export function flatten(graph: { roots: any[] }): Map<string, any> {
  const map = new Map<string, any>();
  const visit = (n: any) => {
    map.set(n.id, { ...n, children: n.children.map((c: any) => c.id) });
    for (const c of n.children) visit(c);
  };
  for (const r of graph.roots) visit(r);
  return map;
}

/** Create a project from a template over REST; returns its ids and root. */
export async function createProject(server: { api: string }, templateId = 'festival', name = 'Test Project') {
  const r = await call(server, 'POST', '/projects', { template_id: templateId, project_name: name });
  if (r.status !== 201) throw new Error(`create project: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    sessionId: r.body.session_id as string,
    projectId: r.body.project_id as string,
    rootId: r.body.graph.roots[0].id as string,
  };
}

export function command(
  server: { api: string },
  sessionId: string,
  command_type: string,
  data: unknown,
  extra = {},
) {
  return call(server, 'POST', '/commands/execute', { session_id: sessionId, command_type, data, ...extra });
}
