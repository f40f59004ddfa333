import fastifyCookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { TalusError } from '@talus/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Config } from '../config.js';
import { isApiPath, isProjectActionRule, type Rule, routeRule } from './policy.js';
import { redisRateLimitStore, redisWarner } from './redis-limits.js';
import { SESSION_COOKIE } from './secrets.js';
import { type AuthService, type Principal, rateLimited } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request (authentication on); null when anonymous or authentication is off. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Accounts and authorization; null when authentication is off. */
    talusAuth: AuthService | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HEALTH = '/api/v1/health';
/** Public routes that set or clear the session cookie: their origin is checked like a cookie request's. */
const COOKIE_ROUTES = new Set(['/api/v1/auth/login', '/api/v1/auth/signup', '/api/v1/auth/logout']);

/** Credentials were sent but are unknown, revoked or expired. */
const refused = new WeakSet<FastifyRequest>();

function tryUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/**
 * Whether a browser request comes from the server's own origin or an allowed one (CSRF). The source is the
 * `Origin` header, else the `Referer`; a request carrying neither is not a cross-site browser request.
 */
export function sameOrAllowedOrigin(
  origin: string | undefined,
  referer: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  const source = origin ?? (referer ? (tryUrl(referer)?.origin ?? 'null') : undefined);
  if (source === undefined) return true;
  const u = tryUrl(source);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return false;
  if (host && tryUrl(`${u.protocol}//${host}`)?.host === u.host) return true;
  return allowed.includes(u.origin);
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function ruleOf(req: FastifyRequest): Rule | undefined {
  const url = req.routeOptions.url;
  if (url === undefined) return isApiPath(req.url.split('?')[0] ?? '') ? undefined : { action: 'public' };
  return routeRule(req.method, url);
}

const isLoopbackAddress = (a: string | undefined) =>
  a !== undefined && (a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.'));

export interface HttpSecurityOptions {
  config: Config;
  /** Null when authentication is off: then only CORS and the security headers apply. */
  auth: AuthService | null;
}

/**
 * Everything between the network and the routes (PRODUCT.md section 9): CORS allow-list, security
 * headers, the cookie parser and — with authentication on — credentials, REST rate limits, CSRF and the
 * policy of `policy.ts` for every route. Call before any route is registered.
 *
 * Order of a request: CORS preflight → headers → credentials (`onRequest`) → rate limit (route
 * `onRequest`) → 401 / CSRF / administrators (`preParsing`) → body validation → the project or session
 * rule (`preHandler`) → the route.
 */
export async function installHttpSecurity(app: FastifyInstance, opts: HttpSecurityOptions): Promise<void> {
  const { config, auth } = opts;
  const tls = config.tlsCert !== null;
  app.decorate('talusAuth', auth);
  app.decorateRequest('principal', null);

  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Talus-User'],
    exposedHeaders: ['Retry-After'],
    maxAge: 600,
  });
  // built once: @fastify/helmet builds the middleware (and parses the CSP) again on every request
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        // the API docs (Swagger UI) load their scripts and styles from here; nothing may frame the app
        'default-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': tls ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  app.addHook('onRequest', (req, reply, done) =>
    securityHeaders(req.raw, reply.raw, (err) => done(err instanceof Error ? err : undefined)),
  );
  await app.register(fastifyCookie);
  if (!auth) return;

  // every API route must have a rule: a route missing from the table stops the server at start
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (!routeRule(method, route.url)) {
        throw new Error(`${method} ${route.url} has no rule in src/auth/policy.ts (ROUTE_RULES)`);
      }
    }
  });

  app.addHook('onRequest', async (req) => {
    const bearer = header(req.headers.authorization);
    if (bearer !== undefined && bearer !== '') {
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(bearer);
      req.principal = m ? await auth.authenticate(m[1]!, false) : null;
      if (!req.principal) refused.add(req);
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (cookie) {
      req.principal = await auth.authenticate(cookie, true);
      if (!req.principal) refused.add(req);
    }
  });

  // with Redis, every process counts in the same keys; if Redis fails, requests pass (and a warning is logged)
  const shared = auth.redis
    ? { store: redisRateLimitStore(auth.redis, redisWarner(app.log, 'REST rate limits')), skipOnError: true }
    : {};
  await app.register(rateLimit, {
    ...shared,
    global: true,
    timeWindow: 60_000,
    max: (req) => (req.principal ? config.rateLimitPerMin : config.rateLimitPerMin * 2),
    keyGenerator: (req) => (req.principal ? `user:${req.principal.user.id}` : `ip:${req.ip}`),
    allowList: (req) => req.routeOptions.url === HEALTH,
    errorResponseBuilder: (_req, ctx) =>
      rateLimited(ctx.ttl / 1000, `too many requests: at most ${ctx.max} a minute; retry in ${ctx.after}`),
  });

  app.addHook('preParsing', async (req, reply) => {
    const rule = ruleOf(req);
    const unsafe = !SAFE_METHODS.has(req.method);
    const checkOrigin = () => {
      if (
        !sameOrAllowedOrigin(
          header(req.headers.origin),
          header(req.headers.referer),
          header(req.headers.host),
          config.corsOrigins,
        )
      ) {
        throw new TalusError('FORBIDDEN', 'cross-origin request refused: the origin is not allowed');
      }
    };
    if (rule?.action === 'public') {
      if (unsafe && req.routeOptions.url !== undefined && COOKIE_ROUTES.has(req.routeOptions.url))
        checkOrigin();
      return;
    }
    if (rule?.action === 'metrics' && config.metricsPublic && isLoopbackAddress(req.ip)) return;
    const p = req.principal;
    if (!p) {
      reply.header('www-authenticate', 'Bearer');
      throw new TalusError(
        'UNAUTHORIZED',
        refused.has(req)
          ? 'the credentials are invalid, expired or revoked'
          : 'sign in: send Authorization: Bearer <token> or the session cookie',
      );
    }
    if (p.viaCookie && unsafe) checkOrigin();
    if ((rule?.action === 'admin' || rule?.action === 'metrics') && !p.user.admin) {
      throw new TalusError('FORBIDDEN', 'administrators only');
    }
    if (!rule && req.routeOptions.url !== undefined)
      throw new TalusError('FORBIDDEN', 'no rule for this route');
  });

  app.addHook('preHandler', async (req) => {
    const rule = ruleOf(req);
    const p = req.principal;
    if (!rule || !p || !isProjectActionRule(rule)) return;
    const { from, key, kind } = rule.target;
    const source = (from === 'params' ? req.params : from === 'query' ? req.query : req.body) as
      | Record<string, unknown>
      | undefined;
    const id = source?.[key];
    if (typeof id !== 'string') {
      if (rule.target.optional && id === undefined) return;
      throw new TalusError('INVALID_REQUEST', `${key} is required`);
    }
    await auth.authorize(p, rule.action, kind, id);
  });
}

/** The options of the session cookie set at login. */
export function sessionCookieOptions(config: Config, expiresAt?: string) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.tlsCert !== null,
    ...(expiresAt ? { expires: new Date(expiresAt) } : {}),
  };
}
