import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Hub } from '../hub.js';
import { accountsOf } from '../store/account-store.js';
import type { Store } from '../store/store.js';
import type { RedisScripting } from './redis-limits.js';
import { AuthService } from './service.js';

export { installHttpSecurity } from './http.js';
export { accountRoutes } from './routes.js';
export { AuthService } from './service.js';
export { attachSocketAuth, socketAccess } from './socket.js';
export { httpsOption, scheme } from './tls.js';

/**
 * The accounts and policy service when `TALUS_AUTH=on`, else null (local mode). With the deployment's
 * Redis client, its limits and lockouts hold across processes.
 */
export function createAuth(
  config: Config,
  hub: Hub,
  store: Store,
  log: Logger,
  redis: RedisScripting | null = null,
): AuthService | null {
  if (!config.auth) return null;
  const accounts = accountsOf(store);
  if (!accounts) {
    throw new Error(`TALUS_AUTH=on needs a store that keeps accounts; the ${store.kind} store does not`);
  }
  return new AuthService({ accounts, hub, config, log, redis });
}
