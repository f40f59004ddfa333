import { createHash } from 'node:crypto';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { TokenBucket } from '../socket/token-bucket.js';

interface ScriptArgs {
  keys: string[];
  arguments: string[];
}

/** The commands the limits need of a node-redis client (the one `app.ts` makes for the Socket.IO adapter). */
export interface RedisScripting {
  /** False while the client is not connected: the limits then fail at once instead of waiting for it. */
  readonly isReady?: boolean;
  eval(script: string, options: ScriptArgs): Promise<unknown>;
  evalSha(sha1: string, options: ScriptArgs): Promise<unknown>;
}

/**
 * Where the limits of one deployment live: a Redis client and the prefix of their keys (the deployment's
 * `TALUS_REDIS_STREAM`, so that deployments sharing one Redis keep their counts apart).
 */
export interface RedisLimits {
  client: RedisScripting;
  prefix: string;
}

/** The key prefix of a deployment's limits. */
export const limitsPrefix = (redisStream: string) => `${redisStream}:limits:`;

/** How long a limit waits for Redis before it gives up (a Redis outage must not hang every request). */
const REDIS_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A Lua script run atomically by Redis: `EVALSHA`, falling back to `EVAL` once Redis does not know it yet. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  run(client: RedisScripting, keys: string[], args: Array<string | number>): Promise<unknown> {
    if (client.isReady === false) return Promise.reject(new Error('redis is not connected'));
    const options = { keys, arguments: args.map(String) };
    const call = async () => {
      try {
        return await client.evalSha(this.sha, options);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
          return client.eval(this.source, options);
        throw err;
      }
    };
    return withTimeout(call(), REDIS_TIMEOUT_MS);
  }
}

/** Log a failing Redis at most every 10 seconds. */
export function redisWarner(
  log: { warn(obj: object, msg: string): void },
  what: string,
): (err: unknown) => void {
  let last = 0;
  return (err) => {
    const t = Date.now();
    if (t - last < 10_000) return;
    last = t;
    log.warn({ err }, `redis unavailable for ${what}`);
  };
}

// ---- REST rate limits -----------------------------------------------------------------------------------

/** A fixed window per key, like the plugin's own stores: count, and start the window on the first request. */
const FIXED_WINDOW = new LuaScript(`
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { current, ttl }
`);

/**
 * A `@fastify/rate-limit` store over the node-redis client: every process counts a user's (or an IP
 * address's) requests in the same Redis key, so the limits hold for the deployment, not per process.
 */
export function redisRateLimitStore(
  limits: RedisLimits,
  onError: (err: unknown) => void,
): FastifyRateLimitStoreCtor {
  class RedisRateLimitStore implements FastifyRateLimitStore {
    private readonly prefix: string;

    constructor(_options?: unknown, prefix = `${limits.prefix}rest:`) {
      this.prefix = prefix;
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      FIXED_WINDOW.run(limits.client, [this.prefix + key], [timeWindow]).then(
        (reply) => {
          const [current, ttl] = reply as [number, number];
          callback(null, { current: Number(current), ttl: Number(ttl) });
        },
        (err: unknown) => {
          onError(err);
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }

    /** A route with a limit of its own counts apart (the plugin passes the route under `routeInfo`). */
    child(routeOptions: unknown): FastifyRateLimitStore {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      return new RedisRateLimitStore(
        undefined,
        `${this.prefix}${String(route?.method)}${String(route?.url)}:`,
      );
    }
  }
  return RedisRateLimitStore;
}

// ---- per-user socket event limits -----------------------------------------------------------------------

/**
 * A token bucket in a Redis hash (tokens, time of the last refill): the same bucket as `TokenBucket`, shared
 * by every process. The time comes from the calling process (keep the servers' clocks in sync, NTP); a
 * clock behind the stored time refills nothing rather than going back.
 */
const SHARED_BUCKET = new LuaScript(`
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return ok
`);

/** At most this many users' buckets are kept in memory; beyond it, the oldest are dropped (and start full). */
const MAX_LOCAL_BUCKETS = 10_000;

/**
 * The per-user limit of socket events (on top of each socket's own bucket): `rate` a second with bursts
 * of `burst`, per user across their sockets. With Redis, one bucket per user for every process (one round
 * trip per event); without, or while Redis fails, a bucket in this process.
 */
export class UserEventLimiter {
  private readonly local = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly redis: RedisLimits | null = null,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  async take(userId: string): Promise<boolean> {
    if (!this.redis) return this.takeLocal(userId);
    try {
      const ok = await SHARED_BUCKET.run(
        this.redis.client,
        [`${this.redis.prefix}events:${userId}`],
        [this.now(), this.rate, this.burst],
      );
      return Number(ok) === 1;
    } catch (err) {
      this.onError(err);
      return this.takeLocal(userId);
    }
  }

  private takeLocal(userId: string): boolean {
    let bucket = this.local.get(userId);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.burst);
      this.local.set(userId, bucket);
      if (this.local.size > MAX_LOCAL_BUCKETS) this.local.delete(this.local.keys().next().value!);
    }
    return bucket.take();
  }
}
