import { TalusError } from '@talus/core';
import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';

/**
 * JSON request bodies, parsed as Fastify does (prototype-poisoning keys refused) with two differences: an
 * empty body is no body, because many clients send `Content-Type: application/json` on every request
 * (undo and redo take an empty one), and a refusal says what is wrong with the body.
 */
export function jsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(new TalusError('INVALID_REQUEST', refusal(err)), undefined);
    }
  });
}

function refusal(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/prototype/i.test(message)) {
    return 'the body may not contain a "__proto__" key or a "constructor" key holding "prototype"';
  }
  return `the body is not valid JSON: ${message.slice(0, 200)}`;
}
