import { readFileSync } from 'node:fs';
import { type Config, ConfigError } from '../config.js';

function read(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${variable}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Fastify's `https` option when `TALUS_TLS_CERT`/`TALUS_TLS_KEY` are set (the files are read once, at
 * start), else nothing. Typed as a plain object so that the app keeps its HTTP typings: an HTTPS server
 * has the same request and response API, and Socket.IO serves WSS on it.
 */
export function httpsOption(config: Config): object {
  if (config.tlsCert === null || config.tlsKey === null) return {};
  return {
    https: { cert: read('TALUS_TLS_CERT', config.tlsCert), key: read('TALUS_TLS_KEY', config.tlsKey) },
  };
}

export const scheme = (config: Config) => (config.tlsCert !== null ? 'https' : 'http');
