import { LuaScript, type RedisLimits } from './redis-limits.js';

export interface ThrottleOptions {
  /** Failed logins that trigger a lockout. */
  maxFailures?: number;
  /** The window the failures are counted in. */
  windowMs?: number;
  /** How long a lockout lasts. */
  lockMs?: number;
  now?: () => number;
}

/** A login attempt as the throttle saw it, before the password is checked. */
export interface LoginAttempt {
  /** Seconds the username stays locked: the attempt is refused (and not counted); 0 when it may go on. */
  lockedFor: number;
  /** Names the attempt for `succeeded`. */
  id: string;
  /** This attempt completed the count and started a lockout (which its success would lift). */
  locks: boolean;
}

/**
 * Login throttling (PRODUCT.md section 9): after `maxFailures` failed logins for one username within
 * `windowMs`, logins for it are refused for `lockMs`, even with the right password. Unknown usernames are
 * counted like known ones, so that a lockout says nothing about which accounts exist.
 *
 * An attempt is counted as a failure when it begins, before its password is checked, and atomically with
 * the lockout check: parallel guesses (on one process or several) cannot slip past the count. A success
 * then forgets the failures of the username, and lifts a lockout only if its own attempt started it.
 */
export interface LoginThrottle {
  begin(key: string): Promise<LoginAttempt>;
  succeeded(key: string, attemptId: string): Promise<void>;
}

const defaults = (opts: ThrottleOptions) => ({
  maxFailures: opts.maxFailures ?? 10,
  windowMs: opts.windowMs ?? 15 * 60_000,
  lockMs: opts.lockMs ?? 15 * 60_000,
  now: opts.now ?? Date.now,
});

const newId = () => globalThis.crypto.randomUUID();

interface Entry {
  /** The attempts counted inside the window, oldest first. */
  failures: Array<{ at: number; id: string }>;
  lockedUntil: number;
  /** The attempt that started the lockout. */
  lockedBy: string | null;
}

/** At most this many usernames are tracked; beyond it, the entries with nothing to remember are dropped. */
const MAX_TRACKED = 10_000;

/** The throttle of one process, in its memory (no Redis). */
export class MemoryLoginThrottle implements LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly opts: Required<ThrottleOptions>;

  constructor(opts: ThrottleOptions = {}) {
    this.opts = defaults(opts);
  }

  async begin(key: string): Promise<LoginAttempt> {
    const { maxFailures, windowMs, lockMs } = this.opts;
    const t = this.opts.now();
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0, lockedBy: null };
    if (e.lockedUntil > t) return { lockedFor: Math.ceil((e.lockedUntil - t) / 1000), id: '', locks: false };
    const id = newId();
    e.failures = e.failures.filter((f) => f.at > t - windowMs);
    e.failures.push({ at: t, id });
    const locks = e.failures.length >= maxFailures;
    if (locks) {
      e.lockedUntil = t + lockMs;
      e.lockedBy = id;
      e.failures = [];
    }
    this.entries.delete(key); // re-insert: the map stays in order of last activity
    this.entries.set(key, e);
    if (this.entries.size > MAX_TRACKED) this.prune(t);
    return { lockedFor: 0, id, locks };
  }

  async succeeded(key: string, attemptId: string): Promise<void> {
    const e = this.entries.get(key);
    if (!e) return;
    if (e.lockedBy === attemptId || e.lockedUntil <= this.opts.now()) this.entries.delete(key);
    else e.failures = [];
  }

  /** Drop entries with nothing left to remember, then (if still too many) the least recent unlocked ones. */
  private prune(t: number): void {
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= t && e.failures.every((f) => f.at <= t - this.opts.windowMs))
        this.entries.delete(k);
    }
    for (const [k, e] of this.entries) {
      if (this.entries.size <= MAX_TRACKED) break;
      if (e.lockedUntil <= t) this.entries.delete(k);
    }
  }
}

/**
 * KEYS: the username's failures (a sorted set of attempt ids by time), its lockout (a hash: until, by).
 * ARGV: now, window, lock duration (ms), max failures, the attempt's id.
 * Returns the milliseconds of a lockout in force, -1 when this attempt starts one, else 0.
 */
const BEGIN = new LuaScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lockMs = tonumber(ARGV[3])
local lockedUntil = tonumber(redis.call('HGET', KEYS[2], 'until') or '0')
if lockedUntil > now then return lockedUntil - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[5])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'until', tostring(now + lockMs), 'by', ARGV[5])
  redis.call('PEXPIRE', KEYS[2], lockMs)
  return -1
end
redis.call('PEXPIRE', KEYS[1], window)
return 0
`);

/** KEYS as for BEGIN; ARGV: the attempt's id. */
const SUCCEEDED = new LuaScript(`
redis.call('DEL', KEYS[1])
if redis.call('HGET', KEYS[2], 'by') == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 0
`);

/**
 * The throttle of a deployment, in Redis: every process counts in the same keys (which expire with the
 * window and the lockout), and each step is one atomic script. When Redis fails, logins fail (500) rather
 * than go unthrottled.
 */
export class RedisLoginThrottle implements LoginThrottle {
  private readonly opts: Required<ThrottleOptions>;

  constructor(
    private readonly redis: RedisLimits,
    opts: ThrottleOptions = {},
  ) {
    this.opts = defaults(opts);
  }

  /** The hash tag keeps both keys of a username in one slot (Redis Cluster). */
  private keys(key: string): string[] {
    const base = `${this.redis.prefix}login:{${key}}`;
    return [`${base}:failures`, `${base}:lock`];
  }

  async begin(key: string): Promise<LoginAttempt> {
    const { maxFailures, windowMs, lockMs } = this.opts;
    const id = newId();
    const r = Number(
      await BEGIN.run(this.redis.client, this.keys(key), [
        this.opts.now(),
        windowMs,
        lockMs,
        maxFailures,
        id,
      ]),
    );
    if (r > 0) return { lockedFor: Math.ceil(r / 1000), id: '', locks: false };
    return { lockedFor: 0, id, locks: r === -1 };
  }

  async succeeded(key: string, attemptId: string): Promise<void> {
    await SUCCEEDED.run(this.redis.client, this.keys(key), [attemptId]);
  }
}
