import type { Command } from 'commander';
import type { Config } from '../config.js';
import { type AccountStore, accountsOf } from '../store/account-store.js';
import { PgStore } from '../store/pg-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { checkPassword, checkUsername } from './passwords.js';
import { createAccount, issueToken } from './service.js';

export interface AccountCommandDeps {
  /** The configuration, or a usage error (exit 2) naming the bad variable. */
  config(): Config;
  /** An error the CLI reports as `talus: <message>` with the exit code (1 failed, 2 usage). */
  fail(message: string, code?: number): Error;
}

/** The configured store (the server may be running: SQLite and PostgreSQL both allow it). */
async function openAccounts(cfg: Config): Promise<{ accounts: AccountStore; store: Store }> {
  const store: Store = cfg.databaseUrl
    ? await PgStore.open(cfg.databaseUrl)
    : await SqliteStore.open(cfg.dataDir);
  const accounts = accountsOf(store);
  if (!accounts) {
    await store.close();
    throw new Error(`the ${store.kind} store keeps no accounts`);
  }
  return { accounts, store };
}

/** Read a password without echoing it (a terminal), or the whole of standard input (a pipe). */
async function readPassword(fail: AccountCommandDeps['fail']): Promise<string> {
  const fromEnv = process.env.TALUS_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  process.stderr.write('password (not shown): ');
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(fail('cancelled', 1));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * `talus users add|list` and `talus tokens create`: account administration on the store, for the first
 * administrator of a server and for scripts. Passwords come from `TALUS_PASSWORD` or standard input, never
 * from the command line (where other users of the machine could read them).
 */
export function addAccountCommands(program: Command, deps: AccountCommandDeps): void {
  const users = program.command('users').description('manage accounts (TALUS_AUTH=on)');
  users
    .command('add')
    .description('create an account; the password is read from TALUS_PASSWORD or standard input')
    .argument('<username>', '3–32 characters of a-z 0-9 _ . -')
    .option('--admin', 'an administrator (owner rights on every project)', false)
    .option('--name <name>', 'the name shown to others (default: the username)')
    .action(async (username: string, opts: { admin: boolean; name?: string }) => {
      const cfg = deps.config();
      try {
        checkUsername(username);
      } catch (e) {
        throw deps.fail(e instanceof Error ? e.message : String(e), 2);
      }
      const password = await readPassword(deps.fail);
      try {
        checkPassword(password);
      } catch (e) {
        throw deps.fail(e instanceof Error ? e.message : String(e), 2);
      }
      const { accounts, store } = await openAccounts(cfg);
      try {
        const user = await createAccount(accounts, {
          username,
          password,
          name: opts.name,
          admin: opts.admin,
        });
        process.stdout.write(`${JSON.stringify({ user })}\n`);
      } finally {
        await store.close();
      }
    });

  users
    .command('list')
    .description('list the accounts, one JSON object a line')
    .action(async () => {
      const { accounts, store } = await openAccounts(deps.config());
      try {
        for (const u of await accounts.listUsers()) {
          const { id, username, name, admin, created_at } = u;
          process.stdout.write(`${JSON.stringify({ id, username, name, admin, created_at })}\n`);
        }
      } finally {
        await store.close();
      }
    });

  program
    .command('tokens')
    .description('manage personal API tokens')
    .command('create')
    .description('create an API token for an account; it is printed once (the store keeps only its hash)')
    .argument('<username>', 'the account')
    .argument('<name>', 'what the token is for (e.g. "ci")')
    .action(async (username: string, name: string) => {
      if (name.length < 1 || name.length > 100) throw deps.fail('a token name is 1–100 characters', 2);
      const { accounts, store } = await openAccounts(deps.config());
      try {
        const user = await accounts.getUserByUsername(username);
        if (!user) throw deps.fail(`no account has the username ${username}`);
        const token = await issueToken(accounts, user.id, name);
        process.stdout.write(`${JSON.stringify({ ...token, username })}\n`);
      } finally {
        await store.close();
      }
    });
}
