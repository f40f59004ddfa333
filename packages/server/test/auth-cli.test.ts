import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, login, PASSWORD, startAuthServer } from './auth-helpers.js';
import { call } from './helpers.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'talus-cli-auth-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Run the built `talus` CLI (npm test builds first) with the given standard input. */
function talus(args: string[], env: Record<string, string> = {}, stdin = '') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const { TALUS_PASSWORD: _ignored, ...base } = process.env;
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...base, TALUS_DATA_DIR: dataDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('talus users / tokens', () => {
  it('[CLI-AUTH1] users add (password from TALUS_PASSWORD or standard input), users list, tokens create', async () => {
    const ada = await talus(['users', 'add', 'ada', '--admin', '--name', 'Ada Lovelace'], {
      TALUS_PASSWORD: PASSWORD,
    });
    expect(ada.code, ada.stderr).toBe(0);
    expect(JSON.parse(ada.stdout).user).toMatchObject({ username: 'ada', name: 'Ada Lovelace', admin: true });
    const grace = await talus(['users', 'add', 'grace'], {}, `${PASSWORD}\n`);
    expect(grace.code, grace.stderr).toBe(0);
    expect(JSON.parse(grace.stdout).user).toMatchObject({ username: 'grace', name: 'grace', admin: false });

    // refusals: a taken username fails (1); bad input is a usage error (2)
    const again = await talus(['users', 'add', 'ada'], { TALUS_PASSWORD: PASSWORD });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/CONFLICT/);
    expect((await talus(['users', 'add', 'Bad Name'], { TALUS_PASSWORD: PASSWORD })).code).toBe(2);
    expect((await talus(['users', 'add', 'short'], { TALUS_PASSWORD: 'tiny' })).code).toBe(2);
    expect((await talus(['users', 'add', 'empty'], {}, '')).code).toBe(2);

    const list = await talus(['users', 'list']);
    expect(list.code).toBe(0);
    const users = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(users.map((u) => [u.username, u.admin])).toEqual([
      ['ada', true],
      ['grace', false],
    ]);
    expect(list.stdout).not.toMatch(/scrypt|password/);

    const token = await talus(['tokens', 'create', 'ada', 'ci']);
    expect(token.code, token.stderr).toBe(0);
    const made = JSON.parse(token.stdout);
    expect(made).toMatchObject({ token: expect.stringMatching(/^tt_pat_/), name: 'ci', username: 'ada' });
    expect((await talus(['tokens', 'create', 'nobody', 'ci'])).code).toBe(1);

    // a server on the same data folder knows them
    const server = await startAuthServer({ dataDir });
    try {
      const me = await call(server, 'GET', '/me', undefined, bearer(made.token));
      expect(me.body.user).toMatchObject({ username: 'ada', admin: true });
      const { token: session } = await login(server, 'grace');
      expect((await call(server, 'GET', '/me', undefined, bearer(session))).body.user.username).toBe('grace');
      expect((await call(server, 'GET', '/auth/status')).body.first_account).toBe(false);
    } finally {
      await server.close();
    }

    const help = await talus(['users', '--help']);
    expect(help.stdout).toMatch(/add/);
    const pg = await talus(['backup', join(dataDir, 'x.db')], {
      TALUS_DATABASE_URL: 'postgres://127.0.0.1:1/none',
    });
    expect(pg.code).toBe(1);
    expect(pg.stderr).toMatch(/pg_dump/);
  });
});
