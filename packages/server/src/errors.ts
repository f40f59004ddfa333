import { ERROR_CATALOGUE, type ErrorCode, isTalusError, type JsonObject, TalusError } from '@talus/core';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: JsonObject };
}

/** Fastify's own error codes, mapped to the catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_VALIDATION: 'INVALID_REQUEST',
  FST_ERR_BAD_URL: 'INVALID_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'INVALID_REQUEST',
};

/**
 * The one mapper from anything thrown to the `{ error: { code, message, details? } }` envelope, for HTTP
 * answers and socket acks alike. Unknown errors become INTERNAL without their message or stack.
 */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (isTalusError(err)) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details) error.details = err.details;
    return { status: err.status, body: { error } };
  }
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown };
  const mapped = typeof e?.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) {
    const message = typeof e.message === 'string' ? e.message.slice(0, 500) : mapped;
    return { status: ERROR_CATALOGUE[mapped].status, body: { error: { code: mapped, message } } };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code: ErrorCode =
      e.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : e.statusCode === 429 ? 'RATE_LIMITED' : 'INVALID_REQUEST';
    const message = typeof e.message === 'string' ? e.message.slice(0, 500) : code;
    return { status: ERROR_CATALOGUE[code].status, body: { error: { code, message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

export const isInternal = (err: unknown) => !isTalusError(err) && toErrorBody(err).status >= 500;

export { TalusError };
