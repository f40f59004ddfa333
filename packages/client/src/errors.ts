/**
 * The server's error catalogue (PRODUCT.md section 7, docs/errors.md) as the client sees it: each code with
 * its HTTP status, so that a refusal over the socket carries the same status as over REST. A test keeps it
 * in step with the server's catalogue.
 */
export const SERVER_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_COMMAND: 400,
  INVALID_TEMPLATE: 400,
  NOTHING_TO_UNDO: 400,
  NOTHING_TO_REDO: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INVALID_SESSION: 404,
  PROJECT_NOT_FOUND: 404,
  NODE_NOT_FOUND: 404,
  TEMPLATE_NOT_FOUND: 404,
  CONFLICT: 409,
  HISTORY_TRUNCATED: 410,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERROR_STATUS;

/**
 * Codes the client raises itself; they carry status 0 (no answer from the server):
 * - `TIMEOUT`: no answer within `timeoutMs`;
 * - `CLOSED`: the client or mirror was closed while the call was pending;
 * - `UNAVAILABLE`: no server could be reached (network error on every URL).
 */
export const CLIENT_ERROR_CODES = ['TIMEOUT', 'CLOSED', 'UNAVAILABLE'] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type ErrorCode = ServerErrorCode | ClientErrorCode;

/** The `{ error: { code, message, details? } }` envelope of HTTP answers and socket acks. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** A refusal by the server (any catalogue code) or a client-side failure (`TIMEOUT`, `CLOSED`, `UNAVAILABLE`). */
export class TalusError extends Error {
  /** The catalogue code; an unknown code from a newer server is passed through as is. */
  readonly code: ErrorCode | (string & {});
  /** The HTTP status of the code (0 for client-side codes). */
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode | (string & {}),
    message: string,
    status?: number,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TalusError';
    this.code = code;
    this.status = status ?? statusOf(code);
    this.details = details;
  }
}

/** The HTTP status of a code: the catalogue's, 0 for client-side codes, 500 for unknown ones. */
export function statusOf(code: string): number {
  if (Object.hasOwn(SERVER_ERROR_STATUS, code)) return SERVER_ERROR_STATUS[code as ServerErrorCode];
  return (CLIENT_ERROR_CODES as readonly string[]).includes(code) ? 0 : 500;
}

export const isTalusError = (e: unknown): e is TalusError => e instanceof TalusError;

/** A TalusError from an error envelope (HTTP body or socket ack); `status` defaults to the code's. */
export function fromEnvelope(body: unknown, status?: number): TalusError {
  const error = (body as Partial<ErrorEnvelope> | null | undefined)?.error;
  if (error && typeof error.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : error.code;
    const details = error.details && typeof error.details === 'object' ? error.details : undefined;
    return new TalusError(error.code, message, status ?? statusOf(error.code), details);
  }
  return new TalusError('INTERNAL', `unexpected answer${status ? ` (HTTP ${status})` : ''}`, status ?? 500);
}
