import { buildApp } from './app.js';
import { scheme } from './auth/tls.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { isEntryPoint } from './entry.js';

/** Start the server from the environment: the only place that listens and handles signals. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`talus: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const talus = await buildApp(config);
  const { app } = talus;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    talus
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    {
      url: `${scheme(config)}://${config.host}:${config.port}`,
      store: talus.hub.store.kind,
      data_dir: config.dataDir,
      auth: config.auth ? 'on' : 'off (local mode)',
    },
    'Talus Tally is listening',
  );
}

if (isEntryPoint(import.meta.url)) {
  serve().catch((err: unknown) => {
    process.stderr.write(`talus: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
