import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { PROTOCOL_VERSION } from '@talus/protocol';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import pino, { type Logger } from 'pino';
import { createClient } from 'redis';
import { Server as SocketServer } from 'socket.io';
import {
  accountRoutes,
  attachSocketAuth,
  createAuth,
  httpsOption,
  installHttpSecurity,
  socketAccess,
} from './auth/index.js';
import type { Config } from './config.js';
import { toErrorBody } from './errors.js';
import { commandRoutes } from './http/command-routes.js';
import { jsonBodies } from './http/json-body.js';
import { projectRoutes } from './http/project-routes.js';
import { sessionRoutes } from './http/session-routes.js';
import { templateRoutes } from './http/template-routes.js';
import { webUi } from './http/web-ui.js';
import { Hub } from './hub.js';
import { createMetrics } from './metrics.js';
import { attachGraphNamespace } from './socket/graph-namespace.js';
import { coalesceWebsocketWrites } from './socket/write-coalescing.js';
import { MemoryStore } from './store/memory-store.js';
import { PgStore } from './store/pg-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';
import { TemplateCatalog } from './templates.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Bodies over this size answer 413 PAYLOAD_TOO_LARGE (imports have their own limit). */
export const BODY_LIMIT = 1024 * 1024;

export interface BuildOptions {
  /** Use this store instead of the one the configuration names (tests). */
  store?: Store;
  logger?: Logger;
  /** The built web UI to serve at `/` (default packages/web/dist); null serves a placeholder page. */
  webRoot?: string | null;
}

export interface TalusApp {
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
  hub: Hub;
  io: SocketServer;
  /** Stop accepting, finish in-flight commands, close sockets and the store. */
  close(): Promise<void>;
}

async function createStore(config: Config): Promise<Store> {
  if (config.databaseUrl) return PgStore.open(config.databaseUrl);
  return config.dataDir === ':memory:' ? new MemoryStore() : await SqliteStore.open(config.dataDir);
}

/** A Redis client for the Socket.IO adapter (events, rooms and socket lookups across processes) and the limits. */
async function connectRedis(url: string, log: Logger) {
  const client = createClient({ url });
  client.on('error', (err: unknown) => log.error({ err }, 'redis error'));
  await client.connect();
  return client;
}

/** Build the server (HTTP API, Socket.IO, stores) without listening: `main.ts` and tests listen. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<TalusApp> {
  const log = options.logger ?? pino({ level: config.logLevel });
  const store = options.store ?? (await createStore(config));
  const metrics = createMetrics();
  const templates = new TemplateCatalog(log);
  await templates.load(config.templatesDirs, store);
  const hub = new Hub(store, templates, log, metrics, config.historyKeep);
  await hub.start();
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : null;
  const auth = createAuth(config, hub, store, log, redis);

  const app = Fastify({
    ...httpsOption(config),
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 2048 },
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // errors Fastify raises before routing (a malformed %-escape, an overlong parameter): the same envelope
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = toErrorBody(err);
      metrics.errors.inc({ code: body.error.code, transport: 'http' });
      void (reply as FastifyReply).code(status).send(body);
    },
    // requests Node's HTTP parser refuses (an unknown method, a malformed request line or header)
    clientErrorHandler: (err, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, code] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? ['413 Payload Too Large', 'PAYLOAD_TOO_LARGE']
          : ['400 Bad Request', 'INVALID_REQUEST'];
      const body = JSON.stringify({ error: { code, message: 'malformed HTTP request' } });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  jsonBodies(app);
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorBody(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    metrics.errors.inc({ code: body.error.code, transport: 'http' });
    return reply.code(status).send(body);
  });
  const web = webUi(options.webRoot);
  app.setNotFoundHandler((req, reply) => {
    if (web.fallback(req, reply)) return reply; // a page of the web UI (/projects/…): its index.html
    return reply.code(404).send({
      error: { code: 'INVALID_REQUEST', message: `no route ${req.method} ${req.url.slice(0, 200)}` },
    });
  });

  // CORS, security headers, cookies; with authentication on: credentials, rate limits, CSRF, the policy
  await installHttpSecurity(app, { config, auth });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Talus Tally API',
        version: VERSION,
        description: `REST API v1 (protocol ${PROTOCOL_VERSION}). Socket.IO namespace /graph: see docs/protocol.md.`,
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs' });

  await app.register(
    async (api) => {
      api.get('/health', { schema: { tags: ['operations'] } }, async () => ({
        status: 'ok',
        version: VERSION,
      }));
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(sessionRoutes, { hub });
      await api.register(projectRoutes, { hub, importLimit: Math.round(config.importMaxMb * 1024 * 1024) });
      await api.register(commandRoutes, { hub });
      await api.register(templateRoutes, { hub });
      await api.register(accountRoutes, { auth, config });
    },
    { prefix: '/api/v1' },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await web.register(app);

  const io = new SocketServer(app.server, {
    maxHttpBufferSize: BODY_LIMIT,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : { origin: false },
    ...(redis
      ? {
          adapter: createAdapter(redis, {
            streamName: config.redisStream,
            channelPrefix: config.redisStream,
          }),
        }
      : {}),
  });
  coalesceWebsocketWrites(app.server);
  hub.publisher = attachGraphNamespace(io, {
    hub,
    log,
    metrics,
    eventsPerSecond: config.socketEventsPerSec,
    clustered: redis !== null,
    access: auth ? socketAccess(auth) : undefined,
  });
  if (auth) attachSocketAuth(io.of('/graph'), auth, config);

  const activity = setInterval(() => {
    hub.persistActivity().catch((err: unknown) => log.error({ err }, 'could not store session activity'));
  }, 5_000);
  const cleanupEvery = Math.min(3_600_000, Math.max(60_000, config.sessionIdleHours * 3_600_000));
  const cleanup = setInterval(() => {
    hub
      .cleanupSessions(config.sessionIdleHours)
      .then((r) => r.sessions_removed > 0 && log.info(r, 'idle sessions cleaned up'))
      .catch((err: unknown) => log.error({ err }, 'session cleanup failed'));
  }, cleanupEvery);
  activity.unref();
  cleanup.unref();

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      clearInterval(activity);
      clearInterval(cleanup);
      await hub.settle();
      io.disconnectSockets(true);
      io.engine.close();
      await app.close();
      await hub.close();
      await store.close();
      if (redis?.isOpen) await redis.close();
    })();
    return closed;
  };
  return { app, hub, io, close };
}
