import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';

/** The configuration of one server process: PRODUCT.md section 12, read once from `TALUS_*` variables. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** The Redis stream the server processes of one deployment share (several deployments on one Redis). */
  redisStream: string;
  templatesDirs: string[];
  auth: boolean;
  sessionIdleHours: number;
  importMaxMb: number;
  signup: 'first' | 'open';
  corsOrigins: string[];
  tlsCert: string | null;
  tlsKey: string | null;
  rateLimitPerMin: number;
  /** Proxies whose X-Forwarded-* headers are believed (Fastify's `trustProxy`): false, true, or addresses/CIDRs. */
  trustProxy: boolean | string[];
  socketEventsPerSec: number;
  metricsPublic: boolean;
  /** Revisions of history kept per project (0 = all). */
  historyKeep: number;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function num(env: Env, name: string, def: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new ConfigError(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], def: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function bool(env: Env, name: string, def: boolean): boolean {
  return oneOf(env, name, ['true', 'false'], def ? 'true' : 'false') === 'true';
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** `TALUS_CORS_ORIGINS`: comma-separated origins (`scheme://host[:port]`), normalized. */
function origins(env: Env): string[] {
  return (env.TALUS_CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      let u: URL | undefined;
      try {
        u = new URL(s);
      } catch {
        u = undefined;
      }
      if (
        !u ||
        (u.protocol !== 'http:' && u.protocol !== 'https:') ||
        (u.pathname !== '/' && u.pathname !== '')
      ) {
        throw new ConfigError(`TALUS_CORS_ORIGINS: "${s}" is not an origin like https://app.example.com`);
      }
      return u.origin;
    });
}

/** `TALUS_TRUST_PROXY`: `false` (default), `true`, or comma-separated proxy addresses or CIDR ranges. */
function trustProxy(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.some((s) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(s))) {
    throw new ConfigError(`TALUS_TRUST_PROXY must be true, false or addresses/CIDR ranges, got "${raw}"`);
  }
  return list;
}

/** Read and validate the configuration; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const host = env.TALUS_HOST || '127.0.0.1';
  const authRaw = oneOf(env, 'TALUS_AUTH', ['on', 'off'], isLoopback(host) ? 'off' : 'on');
  if (authRaw === 'off' && !isLoopback(host)) {
    throw new ConfigError(`TALUS_AUTH=off is only allowed on a loopback host, not TALUS_HOST=${host}`);
  }
  const databaseUrl = env.TALUS_DATABASE_URL || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('TALUS_DATABASE_URL must be a postgres:// URL');
  }
  const redisUrl = env.TALUS_REDIS_URL || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('TALUS_REDIS_URL must be a redis:// or rediss:// URL');
  }
  const tlsCert = env.TALUS_TLS_CERT || null;
  const tlsKey = env.TALUS_TLS_KEY || null;
  if ((tlsCert === null) !== (tlsKey === null))
    throw new ConfigError('TALUS_TLS_CERT and TALUS_TLS_KEY go together');
  for (const [name, file] of [
    ['TALUS_TLS_CERT', tlsCert],
    ['TALUS_TLS_KEY', tlsKey],
  ] as const) {
    if (file !== null && !readable(resolve(cwd, file))) throw new ConfigError(`${name}: cannot read ${file}`);
  }
  return {
    host,
    port: int(env, 'TALUS_PORT', 5000, 0, 65535),
    dataDir: resolve(cwd, env.TALUS_DATA_DIR || './data'),
    databaseUrl,
    redisUrl,
    redisStream: env.TALUS_REDIS_STREAM || 'talus:socket.io',
    templatesDirs: (env.TALUS_TEMPLATES_DIR ?? '')
      .split(':')
      .filter((d) => d.length > 0)
      .map((d) => resolve(cwd, d)),
    auth: authRaw === 'on',
    sessionIdleHours: num(env, 'TALUS_SESSION_IDLE_HOURS', 24, 0),
    importMaxMb: num(env, 'TALUS_IMPORT_MAX_MB', 100, 0.001),
    signup: oneOf(env, 'TALUS_SIGNUP', ['first', 'open'], 'first'),
    corsOrigins: origins(env),
    tlsCert: tlsCert === null ? null : resolve(cwd, tlsCert),
    tlsKey: tlsKey === null ? null : resolve(cwd, tlsKey),
    rateLimitPerMin: int(env, 'TALUS_RATE_LIMIT_PER_MIN', 600, 1, 1_000_000),
    trustProxy: trustProxy(env.TALUS_TRUST_PROXY),
    socketEventsPerSec: int(env, 'TALUS_SOCKET_EVENTS_PER_SEC', 50, 1, 100_000),
    metricsPublic: bool(env, 'TALUS_METRICS_PUBLIC', false),
    historyKeep: int(env, 'TALUS_HISTORY_KEEP', 0, 0, 1_000_000_000),
    logLevel: oneOf(
      env,
      'TALUS_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
  };
}

/** A configuration for tests and embedding: defaults with overrides. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ TALUS_LOG_LEVEL: 'silent' }), ...overrides };
}
