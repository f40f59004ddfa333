import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the web UI (packages/web/dist), seen from this module in src/ or dist/. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Paths that never fall back to the web page: the API, the sockets and the metrics. */
const SERVER_PATHS = /^\/(api|socket\.io|metrics)(\/|$|\?)/;

const PLACEHOLDER =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Talus Tally</title></head><body>' +
  '<h1>Talus Tally</h1><p>The server is running, but the web UI is not built (<code>npm run build</code>). ' +
  'API: <a href="/api/v1/docs">/api/v1/docs</a> · <a href="/api/v1/openapi.json">OpenAPI</a> · ' +
  'Socket.IO namespace <code>/graph</code>.</p></body></html>';

/** The built web UI (or a placeholder page when it is not built), served at `/`. */
export interface WebUi {
  /** Register the static files (or the placeholder at `/`). */
  register(app: FastifyInstance): Promise<void>;
  /**
   * The single-page fallback, for the not-found handler: a browser asking for a page of the UI
   * (`/projects/…`) gets index.html. Returns false when the request is not such a page.
   */
  fallback(req: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * The web UI found at `root` (default: packages/web/dist). `null` turns it off (only the placeholder).
 * Hashed assets are cached for a year; index.html is revalidated so that a new build is picked up.
 */
export function webUi(root: string | null = DEFAULT_WEB_ROOT): WebUi {
  const indexPath = root === null ? null : join(root, 'index.html');
  const index = indexPath && existsSync(indexPath) ? readFileSync(indexPath) : null;
  if (!index || root === null) {
    return {
      async register(app) {
        app.get('/', { schema: { hide: true } }, async (_req, reply) =>
          reply.type('text/html; charset=utf-8').send(PLACEHOLDER),
        );
      },
      fallback: () => false,
    };
  }
  return {
    async register(app) {
      await app.register(fastifyStatic, {
        root,
        // one route per built file: unknown paths stay 404s of the API's not-found handler
        wildcard: false,
        decorateReply: false,
        schemaHide: true,
        cacheControl: false,
        setHeaders(res, path) {
          res.setHeader(
            'cache-control',
            path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });
    },
    fallback(req, reply) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (SERVER_PATHS.test(req.url)) return false;
      // only page loads: scripts and probes asking for anything else keep the JSON 404
      if (!(req.headers.accept ?? '').includes('text/html')) return false;
      void reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
      return true;
    },
  };
}
