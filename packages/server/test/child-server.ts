/**
 * The real server entry (`serve()` of src/main.ts, with its signal handling) run from the TypeScript sources,
 * for tests that start the server as a child process: `node --import tsx packages/server/test/child-server.ts`.
 *
 * Workspace packages resolve to their `dist/` builds through package.json, which a clean clone does not
 * have; a resolve hook maps `@talus/*` to their sources instead, so nothing needs building first.
 * Configuration comes from the `TALUS_*` environment variables, as for `npm start`.
 */
import { register } from 'node:module';

const source = (pkg: string) => new URL(`../../${pkg}/src/index.ts`, import.meta.url).href;
const map: Record<string, string> = {
  '@talus/core': source('core'),
  '@talus/protocol': source('protocol'),
};

const hooks = `
const map = ${JSON.stringify(map)};
export async function resolve(specifier, context, next) {
  return next(Object.hasOwn(map, specifier) ? map[specifier] : specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

const { serve } = await import('../src/main.js');
try {
  await serve();
} catch (err: unknown) {
  process.stderr.write(`talus: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
