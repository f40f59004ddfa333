/**
 * `@talus/client`: the typed client SDK of Talus Tally, for Node and the browser. See docs/client.md.
 */

export type * from './answers.js';
export { type BackoffOptions, backoffDelay, MAX_RETRY_DELAY_MS } from './backoff.js';
export { type ClientOptions, createClient, TalusClient } from './client.js';
export {
  CLIENT_ERROR_CODES,
  type ClientErrorCode,
  type ErrorCode,
  type ErrorEnvelope,
  isTalusError,
  SERVER_ERROR_STATUS,
  type ServerErrorCode,
  statusOf,
  TalusError,
} from './errors.js';
export type { FetchLike } from './http.js';
export { newCommandId } from './ids.js';
export {
  type MirrorChange,
  type MirrorEvents,
  type MirrorResync,
  type MirrorState,
  type NodeListener,
  type OpenProjectOptions,
  ProjectMirror,
} from './mirror.js';
export * from './types.js';
