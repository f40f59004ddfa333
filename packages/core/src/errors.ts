import type { JsonObject } from './types.js';

/**
 * The error catalogue of PRODUCT.md section 7: every code with its HTTP status and a one-line meaning.
 * HTTP answers and socket acks are both built from it; docs/errors.md is kept in step by a test.
 */
export const ERROR_CATALOGUE = {
  INVALID_REQUEST: {
    status: 400,
    description: 'The request itself is malformed (JSON, shape, field types, lengths).',
  },
  INVALID_COMMAND: { status: 400, description: 'The command type or its data was refused by the rules.' },
  INVALID_TEMPLATE: { status: 400, description: 'The template is broken; `details.problems` lists why.' },
  NOTHING_TO_UNDO: { status: 400, description: 'No command entry qualifies for undo in this scope.' },
  NOTHING_TO_REDO: { status: 400, description: 'No undone entry qualifies for redo in this scope.' },
  UNAUTHORIZED: { status: 401, description: 'Credentials are missing or invalid.' },
  FORBIDDEN: {
    status: 403,
    description: 'The caller may not do this (e.g. a socket that has not joined the session).',
  },
  INVALID_SESSION: { status: 404, description: 'The session id is unknown or malformed.' },
  PROJECT_NOT_FOUND: { status: 404, description: 'The project does not exist.' },
  NODE_NOT_FOUND: {
    status: 404,
    description: 'A node id in the command data does not exist in the project.',
  },
  TEMPLATE_NOT_FOUND: { status: 404, description: 'No template has this id.' },
  CONFLICT: {
    status: 409,
    description: 'The request conflicts with the current state (revision, ids, history).',
  },
  HISTORY_TRUNCATED: {
    status: 410,
    description: 'The asked revision is outside the kept history; reload the graph.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body is over its size limit.' },
  RATE_LIMITED: { status: 429, description: 'Too many requests; retry after `Retry-After` seconds.' },
  INTERNAL: { status: 500, description: 'An unexpected server error (never with a stack trace).' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** A refusal with a catalogue code. Thrown by the domain and mapped once to HTTP and socket answers. */
export class TalusError extends Error {
  readonly code: ErrorCode;
  readonly details: JsonObject | undefined;

  constructor(code: ErrorCode, message: string, details?: JsonObject) {
    super(message);
    this.name = 'TalusError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

export const isTalusError = (e: unknown): e is TalusError => e instanceof TalusError;
