#!/usr/bin/env node
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { isTalusError } from '@talus/core';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError } from 'commander';
import pino from 'pino';
import { VERSION } from './app.js';
import { addAccountCommands } from './auth/cli-commands.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { isEntryPoint } from './entry.js';
import { Hub } from './hub.js';
import { exportFile, importProject } from './importer.js';
import { serve } from './main.js';
import { createMetrics } from './metrics.js';
import { SqliteStore } from './store/sqlite-store.js';
import { TemplateCatalog } from './templates.js';

/** Exit codes scripts can trust. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.failed,
  ) {
    super(message);
  }
}

function progressBar(label: string): SingleBar | null {
  if (!process.stderr.isTTY) return null;
  return new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
  });
}

/** Open the configured store and templates without serving (the server may be running too). */
async function openHub(config: Config) {
  const log = pino({ level: 'warn' }, pino.destination(2));
  const store = await SqliteStore.open(config.dataDir);
  const templates = new TemplateCatalog(log);
  await templates.load(config.templatesDirs, store);
  const hub = new Hub(store, templates, log, createMetrics(), config.historyKeep);
  await hub.start();
  return {
    hub,
    store,
    async close() {
      await hub.close();
      await store.close();
    },
  };
}

async function readJson(file: string): Promise<unknown> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const bar = progressBar('reading');
  bar?.start(size, 0);
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) {
    chunks.push(chunk as Buffer);
    bar?.increment((chunk as Buffer).length);
  }
  bar?.stop();
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`configuration error: ${e.message}`, EXIT.usage);
    throw e;
  }
}

export function buildCli(): Command {
  const program = new Command('talus')
    .description(
      'Talus Tally: serve, import, export and back up projects. Settings come from TALUS_* variables.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  program
    .command('serve')
    .description('serve the API, Socket.IO and the web UI (TALUS_HOST, TALUS_PORT, TALUS_DATA_DIR…)')
    .action(async () => {
      await serve();
    });

  program
    .command('import')
    .description('import an original or Talus Tally project file into the store as a new project')
    .argument('<file>', 'the project file (.json)')
    .option('-t, --template <id>', 'the template of an original file that names none')
    .action(async (file: string, opts: { template?: string }) => {
      const cfg = config();
      const doc = await readJson(file);
      const { hub, close } = await openHub(cfg);
      try {
        const { session, loaded } = await importProject(hub, doc, opts.template);
        process.stdout.write(
          `${JSON.stringify({ project_id: loaded.project.id, session_id: session.row.session_id, revision: loaded.project.revision, node_count: loaded.project.graph.size })}\n`,
        );
      } finally {
        await close();
      }
    });

  program
    .command('export')
    .description('export a project as a talus-tally/1 file')
    .argument('<project-id>', 'the project to export')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--history', 'include the history (import keeps revision and history)', false)
    .action(async (projectId: string, opts: { output?: string; history: boolean }) => {
      const { hub, close } = await openHub(config());
      try {
        const text = `${JSON.stringify(exportFile(await hub.fresh(projectId), opts.history), null, 2)}\n`;
        if (opts.output) writeFileSync(opts.output, text);
        else process.stdout.write(text);
      } finally {
        await close();
      }
    });

  program
    .command('backup')
    .description('take a consistent online copy of the SQLite store (safe while the server runs)')
    .argument('<file>', 'where to write the copy')
    .action(async (file: string) => {
      const cfg = config();
      if (cfg.databaseUrl) {
        throw new CliError(
          'the store is PostgreSQL (TALUS_DATABASE_URL): back it up with pg_dump (README, Backups)',
        );
      }
      const store = await SqliteStore.open(cfg.dataDir);
      const bar = progressBar('backup');
      let started = false;
      try {
        await store.backup(file, (done, total) => {
          if (!started) bar?.start(total, 0);
          started = true;
          bar?.update(done);
        });
      } finally {
        bar?.stop();
        await store.close();
      }
      process.stderr.write(`backup written to ${file}\n`);
    });

  addAccountCommands(program, { config, fail: (message, code) => new CliError(message, code) });

  return program;
}

/** Run the CLI; resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof CliError) {
      process.stderr.write(`talus: ${e.message}\n`);
      return e.code;
    }
    if (isTalusError(e)) {
      process.stderr.write(`talus: ${e.code}: ${e.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`talus: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
}

if (isEntryPoint(import.meta.url)) {
  const args = process.argv.slice(2);
  runCli(args).then((code) => {
    // `serve` keeps running; everything else exits with its code
    if (args[0] !== 'serve' || code !== EXIT.ok) process.exit(code);
  });
}
