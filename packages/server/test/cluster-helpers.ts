import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { CONFORMANCE_TEMPLATES } from './helpers.js';
import { freshSchema, PG_TEST_URL, pgAvailable, pgQuery } from './pg-helpers.js';

export const REDIS_TEST_URL = process.env.TALUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAIN = new URL('../dist/main.js', import.meta.url).pathname;

export async function redisAvailable(): Promise<boolean> {
  const client = createClient({
    url: REDIS_TEST_URL,
    socket: { reconnectStrategy: false, connectTimeout: 2000 },
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.close();
  }
}

/**
 * Whether the scale-out services are here. Missing ones skip the suite with a message, except under
 * `CI=true`, where they must be present.
 */
export async function clusterServices(): Promise<boolean> {
  const [pg, redis] = await Promise.all([pgAvailable(), redisAvailable()]);
  if (pg && redis) return true;
  const missing = [!pg && `PostgreSQL (${PG_TEST_URL})`, !redis && `Redis (${REDIS_TEST_URL})`]
    .filter(Boolean)
    .join(' and ');
  if (process.env.CI === 'true') throw new Error(`scale-out tests need ${missing}, which CI must provide`);
  console.warn(`[skip] scale-out tests skipped: ${missing} not reachable`);
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Cluster {
  databaseUrl: string;
  streamName: string;
  schema: string;
}

/** A fresh PostgreSQL schema for one cluster test (dropped by the caller with `dropCluster`). */
export async function newCluster(): Promise<Cluster> {
  const schema = freshSchema();
  await pgQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { databaseUrl: url.toString(), streamName: `talus:test:${schema}`, schema };
}

export async function dropCluster(c: Cluster): Promise<void> {
  await pgQuery(`DROP SCHEMA IF EXISTS ${c.schema} CASCADE`);
}

export interface ServerProcess {
  base: string;
  api: string;
  port: number;
  child: ChildProcess;
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A real server process (the built `main.js`) on its own port, sharing the cluster's PostgreSQL and Redis;
 * `env` adds or overrides variables (`TALUS_AUTH`, limits).
 */
export async function startProcess(
  c: Cluster,
  port?: number,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      TALUS_HOST: '127.0.0.1',
      TALUS_PORT: String(p),
      TALUS_DATABASE_URL: c.databaseUrl,
      TALUS_REDIS_URL: REDIS_TEST_URL,
      TALUS_REDIS_STREAM: c.streamName,
      TALUS_TEMPLATES_DIR: CONFORMANCE_TEMPLATES,
      TALUS_LOG_LEVEL: 'warn',
      TALUS_SOCKET_EVENTS_PER_SEC: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${p}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${log.slice(-2000)}`);
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 30_000) throw new Error(`server did not start: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    api: `${base}/api/v1`,
    port: p,
    child,
    log: () => log,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
